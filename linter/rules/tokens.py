"""FT3xx: token counts against the model's per-example limit."""

from __future__ import annotations

from typing import Iterable, NamedTuple

import copy
import json

from .. import patching
from ..findings import Applicability, Fix, Violation, drop_row
from ..formats.openai import pair_keys
from ..plugin import hookimpl
from ..rows import Row
from ..schema import COMPLETION, CONVERSATION_KINDS, CHAT, PREFERENCE, RFT
from ..tokens import IMAGE_TOKENS, REPLY_PRIMING, TOKENS_PER_MESSAGE, TOKENS_PER_NAME, upper_bound
from ..view import Conversation
from .base import Rule

TOOLS_MARGIN = 12  # the fixed cost of a tools block (cl100k/o200k constants)


# kinds FT300 and the statistics count on the conversation view: every conversation but OpenAI's chat
# and RFT rows, which are counted on their JSON (OpenAI's DPO pairs: prompt plus two answers), and
# prompt/completion strings, counted as their text (``view_count``)
COUNTED_ON_VIEW = (CONVERSATION_KINDS - {CHAT, RFT}) | {COMPLETION}


class ViewCount(NamedTuple):
    """A row's tokens as the view formula counts them.

    ``total`` is what the limit judges: the whole example or, for a preference pair, the
    longer of its two sequences (the prompt with one answer; each is a sequence the model
    sees, and trainers cut or drop each side on its own). ``assistant`` and ``trained`` are
    that sequence's assistant turns, and of them those not weighted 0. A pair also has
    ``prompt`` (the priming, prompt turns and tools: the part both sequences share) and
    ``other`` (the shorter answer's turns), which the billing estimate adds once."""

    total: int
    assistant: int
    trained: int
    prompt: int = 0
    other: int = 0
    pair: bool = False


def view_count(tokenizer, view: Conversation) -> ViewCount:
    count = tokenizer.count_text
    if view.kind == COMPLETION:
        # two strings that are tokenized as they are, joined, with no chat markup (TRL's standard
        # prompt-completion, Together's and OpenAI legacy's): their tokens, no per-message overhead
        prompt = sum(count(part.text) for turn in view.turns[:1] for part in turn.parts if part.text is not None)
        completion = sum(count(part.text) for turn in view.turns[1:] for part in turn.parts if part.text is not None)
        return ViewCount(prompt + completion, completion, completion)

    def turns(items) -> tuple[int, int, int]:
        total = assistant = trained = 0
        for turn in items or ():
            tokens = TOKENS_PER_MESSAGE + count(turn.role or "user")
            for part in turn.parts:
                tokens += count(part.text) if part.text is not None else IMAGE_TOKENS if part.kind == "image" else 0
            for call in turn.tool_calls:
                tokens += count(str(call.name)) + count(call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments))
            total += tokens
            if turn.role == "assistant":
                assistant += tokens
                if turn.weight != 0:
                    trained += tokens
        return total, assistant, trained

    prompt, assistant, trained = turns(view.turns)
    prompt += REPLY_PRIMING
    if view.tools is not None:
        prompt += TOOLS_MARGIN + count(json.dumps(view.tools, ensure_ascii=False))
    if not view.is_preference:
        return ViewCount(prompt, assistant, trained)
    chosen, rejected = turns(view.chosen), turns(view.rejected)
    longer, shorter = (chosen, rejected) if chosen[0] >= rejected[0] else (rejected, chosen)
    return ViewCount(prompt + longer[0], assistant + longer[1], trained + longer[2], prompt, shorter[0], True)


def row_view_count(tokenizer, row: Row) -> ViewCount:
    """``view_count`` of a row's view, counted once a row: FT300 and the statistics share it."""
    counted = row.derived(view_count, lambda r: view_count(tokenizer, r.view))
    row.tokens, row.token_parts = counted.total, (counted.assistant, counted.trained)
    return counted


def extra_billed(counted: ViewCount, limit: int) -> int:
    """What the billing estimate charges for an example beyond its counted sequence cut at the limit (the
    cookbook's heuristic: training truncates it): for a preference pair, its other answer, that side with
    the prompt cut at the limit too (the prompt is billed once); 0 for any other example. OpenAI documents
    only that preference fine-tuning is billed by the tokens in the training dataset, not how a pair is counted."""
    return min(limit, counted.prompt + counted.other) - min(limit, counted.prompt) if counted.pair else 0


def dpo_lists(row: Row) -> tuple | None:
    """An OpenAI DPO row's message lists ``(prompt, chosen, rejected)`` (each a list, or None when it is
    not one), read from the parsed value as the adapter's view reads them, without building the view
    (23 µs a row); None for a row of another format."""
    adapter = row.format
    value = row.value
    if adapter is None or adapter.name != "openai-dpo" or type(value) is not dict:
        return None
    source = value.get("input")
    prompt = source.get("messages") if type(source) is dict else None
    chosen_key, rejected_key = pair_keys(value)
    chosen, rejected = value.get(chosen_key), value.get(rejected_key)
    return (prompt if type(prompt) is list else None, chosen if type(chosen) is list else None,
            rejected if type(rejected) is list else None)


def dpo_upper_bound(row: Row, lists: tuple) -> int | None:
    """``view_upper_bound`` of an OpenAI DPO row without its view, when the line proves it cheaply: its
    only ``[`` are the three message lists' (so no content parts, tool calls or tools list), it names no
    ``function_call`` and its input has no tools. Every turn's role (or the 1 token of "user") and text
    are then in the line; None when it cannot tell (the view's bound decides)."""
    raw = row.raw
    if raw is None or None in lists or raw.count(b"[") > 3 or b"function_call" in raw or "tools" in row.value["input"]:
        return None
    turns = len(lists[0]) + len(lists[1]) + len(lists[2])
    return row.length + REPLY_PRIMING + (TOKENS_PER_MESSAGE + TOKENS_PER_NAME + 1) * turns


def view_upper_bound(view: Conversation, raw_length: int) -> int:
    """A ceiling on ``view_count(...).total`` without tokenizing: every counted string is
    in the raw line (a byte is at least a token's worth), plus the constants. The tools are
    counted as ``json.dumps`` writes them, with a space after every separator and floats in
    Python's form, which the line need not hold (a compact enum of 1,300 zeros: 3,900 tokens
    from 2,600 bytes): their serialisation's bytes are added whole."""
    bound = raw_length + REPLY_PRIMING
    if view.tools is not None:
        bound += TOOLS_MARGIN + len(json.dumps(view.tools, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    for _, turn in view.all_turns():
        bound += TOKENS_PER_MESSAGE + TOKENS_PER_NAME + 1 + IMAGE_TOKENS * len(turn.parts) + 2 * len(turn.tool_calls)
        for call in turn.tool_calls:
            # a name that is not a string is counted as str(name), arguments that are not a string as
            # json.dumps(arguments): texts with separators and escapes the line need not hold
            if not isinstance(call.name, str):
                bound += len(str(call.name).encode("utf-8", "surrogatepass"))
            if not isinstance(call.arguments, str):
                bound += len(json.dumps(call.arguments))
    return bound


class TokenLimit(Rule):
    """An example longer than the model's context is truncated in training
    (OpenAI) or rejected (others), usually after the job has run for hours.
    The limit is 4096 tokens when no model is named, otherwise the model's own
    (``--model gpt-4o-mini``: 65,536), or ``max-tokens`` from config.

    Counts follow the OpenAI cookbook formula with the model's tokenizer;
    prompt/completion strings (TRL's standard type, Together's and OpenAI's
    legacy format) are their two texts' tokens, with no chat markup.
    A preference pair (OpenAI/Together DPO, TRL, ShareGPT or Alpaca ranking)
    is judged by its prompt with its longer answer: each answer is a sequence
    the model sees with the prompt, and trainers cut each side on its own.
    Examples whose UTF-8 size alone proves they fit are never tokenized.

    Fix (unsafe): move the example to the rejects file, or with
    ``[tool.ftlint.options.token-limit] strategy = "truncate"`` keep its longest
    beginning that ends with an assistant message and fits. Truncating is the
    one fix that discards text on purpose: the messages cut off are kept
    nowhere (the row is not a reject, it stays), so review it with ``--diff``
    first; the default strategy keeps the whole row in the rejects file."""

    code = "FT300"
    name = "token-limit"
    silent_within_token_limit = True
    summary = "Example has more tokens than the model's per-example limit"
    kinds = CONVERSATION_KINDS | {COMPLETION}
    fix = Applicability.UNSAFE
    options = {"strategy": "what the unsafe fix does: 'drop' (move the example to the rejects file, default) or 'truncate' (cut at a message boundary)"}
    option_types = {"strategy": str}
    option_choices = {"strategy": ("drop", "truncate")}
    bad = '{"messages": [{"role": "user", "content": "' + "word " * 4100 + '"}, {"role": "assistant", "content": "ok"}]}'
    good = '{"messages": [{"role": "user", "content": "a short question"}, {"role": "assistant", "content": "ok"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        # a plain function, not a generator: nearly every row fits, and returning () costs
        # less than making and exhausting a generator on each
        limit = self.context.token_limit
        # the adapter's name, not ``row.view.format``: the same test (a view takes
        # its adapter's name) without building a view on every row that fits
        adapter = row.format
        if row.kind in (CHAT, RFT) and adapter is not None and adapter.name == "openai-chat" and isinstance(row.value, dict):
            if upper_bound(row.value, row.length, row.raw) <= limit:
                return ()
            tokens = self.context.tokenizer.count_row(row)
        else:
            # a pair's line holds both answers: its size bounds the prompt with the longer one
            lists = row.derived(dpo_lists, dpo_lists) if row.kind == PREFERENCE else None
            pair_limit = self.context.pair_limit
            if pair_limit and (lists is not None or row.view.is_preference):
                limit = pair_limit  # the provider's DPO context (Together's is half its SFT one or less)
            bound = dpo_upper_bound(row, lists) if lists is not None else None
            if bound is not None and bound <= limit:
                return ()
            if view_upper_bound(row.view, row.length) <= limit:
                return ()
            counted = row_view_count(self.context.tokenizer, row)
            tokens = counted.total
        if tokens <= limit:
            return ()
        pair = row.kind not in (CHAT, RFT) and row.view.is_preference
        what = "pair's prompt with its longer answer has" if pair else "example has"
        origin = self.context.limit_from or self.context.model.name
        if pair and limit == self.context.pair_limit:
            origin = f"{origin}: its context for preference (DPO) pairs; {self.context.token_limit:,} for SFT"
        return (Violation(
            f"{what} {tokens:,} tokens ({self.context.tokenizer.encoding_name}), over the "
            f"{limit:,}-token limit ({origin}); training would truncate it",
            fix=self._fix(row.value, limit),
        ),)

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
                return Fix(f"keep the first {end} messages ({tokenizer.count_example(kept):,} tokens)", Applicability.UNSAFE,
                           edits=(patching.replace("/messages", kept["messages"]),))
        return drop_row("move the over-long example to the rejects file (no shorter beginning fits)")


@hookimpl
def register_rules(register):
    register(TokenLimit)
