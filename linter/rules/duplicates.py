"""FT403-FT407: duplicates, contradictions, leakage and untrained examples.

Duplicate and conflict detection keeps a 64-bit fingerprint and a line
number per row (about 12-20 bytes), not the rows: a million examples cost
tens of megabytes. Shard states concatenate in file order; ``finish`` groups
them with numpy (installed with pandas).
"""

from __future__ import annotations

from array import array
from typing import Iterable, Iterator

from .. import hashing
from ..findings import Applicability, Severity, Violation, drop_row, pointer
from ..plugin import hookimpl
from ..rows import Row
from ..schema import CHAT, PREFERENCE, RFT
from .base import DatasetRule, Rule
from .chat import CHAT_LIKE

ALL_KINDS = frozenset({CHAT, RFT, PREFERENCE, "completion"})
ROW = '{"messages": [{"role": "user", "content": "Do you ship to Canada?"}, {"role": "assistant", "content": "Yes, in 5-8 days."}]}'
OTHER = '{"messages": [{"role": "user", "content": "Do you ship to Mexico?"}, {"role": "assistant", "content": "Yes, in 7-10 days."}]}'


KEEP_FIRST = drop_row("remove the duplicate, keeping the first")


def _groups(keys: array, lines: array) -> Iterator[tuple[int, list[int]]]:
    """For each key seen more than once: the positions (in file order) of its rows."""
    import numpy as np

    if len(keys) < 2:
        return
    k = np.frombuffer(keys, dtype=np.uint64)
    order = np.argsort(k, kind="stable")
    sorted_keys = k[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    ends = np.r_[starts[1:], len(sorted_keys)]
    for start, end in zip(starts, ends):
        if end - start > 1:
            yield int(sorted_keys[start]), [int(i) for i in order[start:end]]


class _FingerprintRule(DatasetRule):
    """Shared state: ``columns`` parallel arrays (fingerprint, line number, ...), concatenated by merge."""

    columns = 2

    def start(self) -> tuple[array, ...]:
        return tuple(array("Q") for _ in range(self.columns))

    def merge(self, first, second):
        for mine, theirs in zip(first, second):
            mine.extend(theirs)
        return first


def _differing_repeats(state, message: str) -> list[Violation]:
    """Rows sharing the first column's fingerprint with an earlier row but not its third column."""
    keys, lines, other = state
    out = []
    for _, positions in _groups(keys, lines):
        first = positions[0]
        for p in positions[1:]:
            if other[p] != other[first]:
                out.append(Violation(message.format(first=lines[first]), line=lines[p]))
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
        state[0].append(hashing.exact(row.raw))
        state[1].append(row.number)

    def finish(self, state) -> Iterable[Violation]:
        keys, lines = state
        out = []
        for _, positions in _groups(keys, lines):
            first = lines[positions[0]]
            out.extend(Violation(f"duplicate of line {first:,}", line=lines[p], fix=KEEP_FIRST) for p in positions[1:])
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
        state[0].append(hashing.normalised(row.value))
        state[1].append(row.number)
        state[2].append(hashing.exact(row.raw))

    def finish(self, state) -> Iterable[Violation]:
        return _differing_repeats(state, "same example as line {first:,} up to whitespace and key order")


def _prompt_and_answer(row: Row) -> tuple[int, int] | None:
    messages = row.value.get("messages")
    if not isinstance(messages, list) or len(messages) < 2:
        return None
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "assistant":
        return None
    return hashing.normalised([row.value.get("tools"), messages[:-1]]), hashing.normalised(last)


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
            state[0].append(pair[0])
            state[1].append(row.number)
            state[2].append(pair[1])

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
        if train is not None and train.contains(hashing.normalised(row.value)):
            yield Violation("this validation example is also in the training data")


class WeightsAllZero(Rule):
    """With ``weight: 0`` on every assistant message nothing in the example is
    trained: it only costs tokens. Usually a bug in the weighting script."""

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
