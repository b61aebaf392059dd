"""FT403-FT407: duplicates, contradictions, leakage and untrained examples.

Duplicate and conflict detection keeps a 64-bit fingerprint and a line
number per row, not the rows, in a ``FingerprintLog`` that spills to a
temporary file past a small buffer: memory stays flat however long the file.
Shard states concatenate; ``finish`` groups equal fingerprints one
partition at a time.
"""

from __future__ import annotations

from typing import Iterable

from .. import hashing
from ..findings import Applicability, Severity, Violation, drop_row, pointer
from ..plugin import hookimpl
from ..rows import Row
from ..schema import ADAPTED_KINDS, CHAT, PREFERENCE, RFT
from ..spill import FingerprintLog
from .base import DatasetRule, Rule
from .chat import CHAT_LIKE

ALL_KINDS = frozenset({CHAT, RFT, PREFERENCE, "completion"}) | ADAPTED_KINDS  # whole-row fingerprints serve every format
ROW = '{"messages": [{"role": "user", "content": "Do you ship to Canada?"}, {"role": "assistant", "content": "Yes, in 5-8 days."}]}'
OTHER = '{"messages": [{"role": "user", "content": "Do you ship to Mexico?"}, {"role": "assistant", "content": "Yes, in 7-10 days."}]}'


KEEP_FIRST = drop_row("remove the duplicate, keeping the first")


class _FingerprintRule(DatasetRule):
    """Shared state: a log of ``columns`` values per row (fingerprint, line number, ...), concatenated by merge."""

    columns = 2

    def start(self) -> FingerprintLog:
        return FingerprintLog(self.columns)

    def merge(self, first: FingerprintLog, second: FingerprintLog) -> FingerprintLog:
        return first.absorb(second)


def _differing_repeats(state: FingerprintLog, message: str) -> list[Violation]:
    """Rows sharing the first column's fingerprint with an earlier row but not its third column."""
    out = []
    for records in state.groups():
        _, first_line, first_other = records[0]
        for _, line, other in records[1:]:
            if other != first_other:
                out.append(Violation(message.format(first=first_line), line=line))
    return sorted(out, key=lambda v: v.line)


class DuplicateExample(_FingerprintRule):
    """An exact duplicate trains the same example twice, overweighting it, and
    often means a merge or export ran twice. Reported on every repeat, pointing
    at the first occurrence.

    Fix (unsafe): remove the repeats, keeping the first; removed rows go to the
    rejects file."""

    code = "FT403"
    name = "duplicate-example"
    summary = "Row is an exact duplicate of an earlier row"
    severity = Severity.WARNING
    fix = Applicability.UNSAFE
    kinds = ALL_KINDS
    bad = ROW + "\n" + OTHER + "\n" + ROW
    good = ROW + "\n" + OTHER

    def update(self, state, row: Row) -> None:
        state.append(hashing.exact_of(row), row.number)

    def finish(self, state) -> Iterable[Violation]:
        out = []
        for records in state.groups():
            first = records[0][1]
            out.extend(Violation(f"duplicate of line {first:,}", line=line, fix=KEEP_FIRST) for _, line in records[1:])
        return sorted(out, key=lambda v: v.line)


class DuplicateNormalised(_FingerprintRule):
    """Rows that differ only in key order or whitespace (``"Hello  world"`` vs
    ``"Hello world "``) are the same example to the model. Exact duplicates are
    left to FT403."""

    code = "FT404"
    name = "duplicate-normalised"
    summary = "Row duplicates an earlier row once key order and whitespace are ignored"
    severity = Severity.WARNING
    kinds = ALL_KINDS
    bad = ROW + "\n" + '{"messages": [{"content": "Do you ship  to Canada?", "role": "user"}, {"role": "assistant", "content": "Yes, in 5-8 days. "}]}'
    good = ROW + "\n" + OTHER

    columns = 3  # normalised fingerprint, line, exact fingerprint

    def update(self, state, row: Row) -> None:
        state.append(hashing.normalised_of(row), row.number, hashing.exact_of(row))

    def finish(self, state) -> Iterable[Violation]:
        return _differing_repeats(state, "same example as line {first:,} up to whitespace and key order")


def _prompt_and_answer(row: Row) -> tuple[int, int] | None:
    """Fingerprints of the prompt (tools and every message but the last) and of the final answer."""
    value = row.value
    messages = value.get("messages")
    if not isinstance(messages, list) or len(messages) < 2:
        return None
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "assistant":
        return None
    try:
        prompt, answer = _prompt_and_answer_flat(row)
    except RecursionError:  # nested about a thousand deep: no comparison for this row
        return None
    return hashing.digest(prompt), hashing.digest(answer)


def _prompt_document(value: dict) -> dict:
    tools = value.get("tools")
    messages = value["messages"][:-1]
    return {"messages": messages} if tools is None else {"messages": messages, "tools": tools}


_SCALARS = (str, int, float, bool, type(None))


def _prompt_and_answer_flat(row: Row) -> tuple[bytes, bytes]:
    """``hashing.flat`` of the prompt document and of the last message.

    For rows that are nothing but the prompt and the answer both are cut out of
    the row's own (memoised) form: with sorted keys it reads
    ``{"messages":[...,<answer>]}`` or ``{"messages":[...,<answer>],"tools":...}``.
    Without tools, an answer of plain values (no nested objects, so no
    ``},{"`` inside it) that follows an object starts after the last ``},{"``;
    otherwise the answer is serialised on its own and found by its bytes.
    """
    value = row.value
    messages = value["messages"]
    last = messages[-1]
    tools = value.get("tools")
    if len(value) == (1 if tools is None else 2) and "messages" in value:
        whole = hashing.flat_of(row)
        if tools is None and isinstance(messages[-2], dict) and all(isinstance(v, _SCALARS) for v in last.values()):
            end = len(whole) - 2
            at = whole.rfind(b'},{"', 0, end) + 2
            if at > 1 and whole.endswith(b"]}"):
                return whole[: at - 1] + whole[end:], whole[at:end]
        answer = hashing.flat(last)
        tail = b"]}" if tools is None else b'],"tools":'
        at = whole.find(answer + tail) if tools is not None else len(whole) - len(answer) - 2
        if at > 0 and whole[at - 1 : at] == b"," and whole.startswith(answer + tail, at):
            return whole[: at - 1] + whole[at + len(answer) :], answer
        return hashing.flat(_prompt_document(value)), answer
    return hashing.flat(_prompt_document(value)), hashing.flat(last)


class ConflictingAnswers(_FingerprintRule):
    """The same conversation with different final answers teaches the model
    that both are right; with labels (classification, extraction) it is
    usually a labelling error. Sampling-style datasets with several good
    answers can ignore this rule."""

    code = "FT405"
    name = "conflicting-answers"
    summary = "Same prompt as an earlier row, with a different answer"
    severity = Severity.WARNING
    kinds = CHAT_LIKE
    bad = ROW + "\n" + '{"messages": [{"role": "user", "content": "Do you ship to Canada?"}, {"role": "assistant", "content": "No, sorry."}]}'
    good = ROW + "\n" + OTHER

    columns = 3  # prompt fingerprint, line, answer fingerprint

    def update(self, state, row: Row) -> None:
        pair = _prompt_and_answer(row)
        if pair is not None:
            state.append(pair[0], row.number, pair[1])

    def finish(self, state) -> Iterable[Violation]:
        return _differing_repeats(state, "same prompt as line {first:,} but a different answer")


class ValidationLeak(Rule):
    """An example in the validation file that is also in the training file
    (up to whitespace and key order) makes validation loss meaningless.
    Active when a validation file is given (``--validation-file`` or
    ``validation-file`` in config); reported on the validation file's rows."""

    code = "FT406"
    name = "validation-leak"
    summary = "A validation example also appears in the training data"
    kinds = ALL_KINDS

    def check(self, row: Row) -> Iterable[Violation]:
        train = self.context.options.get("train_fingerprints")
        if train is not None and train.contains(hashing.normalised_of(row)):
            yield Violation("this validation example is also in the training data")


class WeightsAllZero(Rule):
    """With ``weight: 0`` on every assistant message nothing in the example is
    trained: it only costs tokens. Usually a bug in the weighting script."""

    reads = ("shape",)
    code = "FT407"
    name = "weights-all-zero"
    summary = "Every assistant message of the example has weight 0"
    kinds = CHAT_LIKE
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!", "weight": 0}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!", "weight": 1}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        assistants = [m for _, m in row.messages() if m.get("role") == "assistant"]
        if assistants and all(m.get("weight", 1) == 0 and not isinstance(m.get("weight"), bool) for m in assistants):
            yield Violation("every assistant message has weight 0, so nothing is trained", pointer("messages"))


RULES = (DuplicateExample, DuplicateNormalised, ConflictingAnswers, ValidationLeak, WeightsAllZero)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
