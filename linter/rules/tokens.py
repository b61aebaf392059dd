"""FT3xx: token counts against the model's per-example limit."""

from __future__ import annotations

from typing import Iterable

from ..findings import Violation
from ..plugin import hookimpl
from ..rows import Row
from ..schema import CHAT, RFT
from ..tokens import upper_bound
from .base import Rule


class TokenLimit(Rule):
    """An example longer than the model's context is truncated in training
    (OpenAI) or rejected (others), usually after the job has run for hours.
    The limit is 4096 tokens when no model is named, otherwise the model's own
    (``--model gpt-4o-mini``: 65,536), or ``max-tokens`` from config.

    Counts follow the OpenAI cookbook formula with the model's tokenizer.
    Examples whose UTF-8 size alone proves they fit are never tokenized."""

    code = "FT300"
    name = "token-limit"
    summary = "Example has more tokens than the model's per-example limit"
    kinds = frozenset({CHAT, RFT})
    bad = '{"messages": [{"role": "user", "content": "' + "word " * 4100 + '"}, {"role": "assistant", "content": "ok"}]}'
    good = '{"messages": [{"role": "user", "content": "a short question"}, {"role": "assistant", "content": "ok"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        limit = self.context.token_limit
        if upper_bound(row.value, row.length) <= limit:
            return
        tokens = self.context.tokenizer.count_row(row)
        if tokens > limit:
            yield Violation(
                f"example has {tokens:,} tokens ({self.context.tokenizer.encoding_name}), over the "
                f"{limit:,}-token limit ({self.context.model.name}); training would truncate it"
            )


@hookimpl
def register_rules(register):
    register(TokenLimit)
