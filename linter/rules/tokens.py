"""FT3xx: token counts against the model's per-example limit."""

from __future__ import annotations

from typing import Iterable

import copy

from ..findings import Applicability, Fix, Violation, drop_row
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
    Examples whose UTF-8 size alone proves they fit are never tokenized.

    Fix (unsafe): move the example to the rejects file, or with
    ``[tool.ftlint.options.token-limit] strategy = "truncate"`` keep its longest
    beginning that ends with an assistant message and fits."""

    code = "FT300"
    name = "token-limit"
    summary = "Example has more tokens than the model's per-example limit"
    kinds = frozenset({CHAT, RFT})
    fix = Applicability.UNSAFE
    options = {"strategy": "what the unsafe fix does: 'drop' (move the example to the rejects file, default) or 'truncate' (cut at a message boundary)"}
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
                f"{limit:,}-token limit ({self.context.model.name}); training would truncate it",
                fix=self._fix(row.value, limit),
            )

    def _fix(self, value, limit: int):
        if self.context.options.get("strategy", "drop") != "truncate":
            return drop_row("move the over-long example to the rejects file")
        tokenizer = self.context.tokenizer
        messages = value.get("messages") if isinstance(value, dict) else None
        if not isinstance(messages, list):
            return drop_row("move the over-long example to the rejects file")
        for end in range(len(messages) - 1, 0, -1):
            candidate = dict(value, messages=messages[:end])
            last = messages[end - 1]
            if isinstance(last, dict) and last.get("role") == "assistant" and tokenizer.count_example(candidate) <= limit:
                kept = copy.deepcopy(candidate)
                return Fix(f"keep the first {end} messages ({tokenizer.count_example(kept):,} tokens)", Applicability.UNSAFE, lambda _v, kept=kept: kept)
        return drop_row("move the over-long example to the rejects file (no shorter beginning fits)")


@hookimpl
def register_rules(register):
    register(TokenLimit)
