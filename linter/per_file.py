"""Rules reported once per file: the first finding, with how many rows had it.

Advice that holds for most rows of a dataset (FT115: no system message) is
one fact about the file, not one per row: 100,000 identical info lines bury
every other finding. A rule says ``per_file = True``; it stays a plain
per-row rule (its ``check``, its ``reads`` and the shape memo that makes a
shape-only rule nearly free), and the engine, not the rule, turns its
findings into one: at the first row it fired on, with the count. The
per-row findings are folded like a dataset rule's state (``PerFileFold``), so
a file linted on every core gives the same finding as one process.
"""

from __future__ import annotations

from typing import Iterable

from .findings import Violation
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

    def start(self) -> list:
        # rows it fired on; the first finding's line, pointer and message; the last row's index in the shard
        return [0, 0, "", "", 0]

    @staticmethod
    def add(state: list, line: int, violation: Violation, index: int) -> None:
        """Count the row (``index``: its place in the shard, as a JSON array's rows may share a line)."""
        if violation.fix is not None:
            raise ValueError("a per_file rule yielded a fix; a fix edits one row, so a per-file finding has none")
        if index == state[4]:
            return  # a row's second finding: the count is of rows
        if not state[0]:
            state[1:4] = line, violation.pointer, violation.message
        state[0] += 1
        state[4] = index

    def update(self, state: list, row) -> None:  # pragma: no cover - reads nothing: never called per row
        return None

    def merge(self, first: list, second: list) -> list:
        earlier = first if first[0] else second  # the earlier shard's first finding is the file's
        return [first[0] + second[0], *earlier[1:4], second[4] or first[4]]

    def finish(self, state: list) -> Iterable[Violation]:
        count, line, where, message, _ = state
        if count:
            # one form whatever the count, so that a baseline (which leaves numbers out) keeps matching it
            yield Violation(f"{message} (rows in this file: {count:,}; the first here)", where, line=line)


_CLASSES: dict[type, type] = {}


def folds_for(rules: list[Rule]) -> list[DatasetRule]:
    """The dataset rules of ``rules``, then one fold per ``per_file`` rule, in that order (a
    parallel run's parent finishes the shards' states with the list made from the same rules)."""
    return [r for r in rules if isinstance(r, DatasetRule)] + [
        PerFileFold.of(r) for r in rules if r.per_file and not isinstance(r, DatasetRule)
    ]
