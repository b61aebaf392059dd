"""Rules reported once per file: the first finding, with how many rows had it.

Advice that holds for most rows of a dataset (FT115: no system message) is
one fact about the file, not one per row: 100,000 identical info lines bury
every other finding. A rule says ``per_file = True`` (one finding per
distinct message: FT401 names the refused format, so a file mixing two refused
formats gets one finding for each); it stays a plain
per-row rule (its ``check``, its ``reads`` and the shape memo that makes a
shape-only rule nearly free), and the engine, not the rule, turns its
findings into one: at the first row it fired on, with the count. The
per-row findings are folded like a dataset rule's state (``PerFileFold``), so
a file linted on every core gives the same finding as one process.
"""

from __future__ import annotations

from typing import Iterable

from .findings import Violation
from .rows import located
from .rules.base import DatasetRule, Rule


class PerFileFold(DatasetRule):
    """The fold that stands for a ``per_file`` rule: rows it fired on, and its first finding.

    It reads no row itself (``reads = ()``): the engine's report of the rule's
    findings adds to its state (``add``)."""

    reads = ()

    def __init__(self, rule: Rule) -> None:
        super().__init__(rule.context)
        self.rule = rule

    @classmethod
    def of(cls, rule: Rule) -> PerFileFold:
        """The fold for ``rule``: of a subclass named after its class, bearing its code, name and
        severity (the engine reads them from the class), made once per rule class."""
        rule_class = type(rule)
        fold_class = _CLASSES.get(rule_class)
        if fold_class is None:
            attributes = {"code": rule_class.code, "name": rule_class.name, "summary": rule_class.summary,
                          "severity": rule_class.severity, "kinds": rule_class.kinds}
            fold_class = _CLASSES[rule_class] = type(f"PerFile{rule_class.__name__}", (cls,), attributes)
        return fold_class(rule)

    def start(self) -> dict:
        # message -> [rows it was said on, the first one's place (``rows.place``) and pointer, the last row's index in the shard]
        return {}

    @staticmethod
    def add(state: dict, at: int, violation: Violation, index: int) -> None:
        """Count the row (at ``rows.place`` ``at``) under the finding's message (``index``: the row's index in
        the shard, as a JSON array's rows may share a line)."""
        if violation.fix is not None:
            raise ValueError("a per_file rule yielded a fix; a fix edits one row, so a per-file finding has none")
        entry = state.get(violation.message)
        if entry is None:
            state[violation.message] = [1, at, violation.pointer, index]
        elif entry[3] != index:  # not a row's second finding alike: the count is of rows
            entry[0] += 1
            entry[3] = index

    def update(self, state: dict, row) -> None:  # pragma: no cover - reads nothing: never called per row
        return None

    def merge(self, first: dict, second: dict) -> dict:
        merged = {message: list(entry) for message, entry in first.items()}  # the earlier shard's first rows are the file's
        for message, entry in second.items():
            if message in merged:
                merged[message][0] += entry[0]
            else:
                merged[message] = list(entry)
        return merged

    def finish(self, state: dict) -> Iterable[Violation]:
        for message, (count, at, where, _) in sorted(state.items(), key=lambda item: item[1][1]):
            line, column = located(at)
            # one form whatever the count, so that a baseline (which leaves numbers out) keeps matching it
            yield Violation(f"{message} (rows in this file: {count:,}; the first here)", where, line=line, column=column)


_CLASSES: dict[type, type] = {}


def folds_for(rules: list[Rule]) -> list[DatasetRule]:
    """The dataset rules of ``rules``, then one fold per ``per_file`` rule, in that order (a
    parallel run's parent finishes the shards' states with the list made from the same rules)."""
    return [r for r in rules if isinstance(r, DatasetRule)] + [
        PerFileFold.of(r) for r in rules if r.per_file and not isinstance(r, DatasetRule)
    ]
