"""The dataset rules' findings as one stream in line order, without holding them.

A dataset rule reports when the file is done (``DatasetRule.finish``). On a
file full of duplicates that is hundreds of thousands of FT403 findings: built
into a list and sorted, they took more memory than the rest of the run.
Instead each rule's findings form a stream in line order, and the streams are
merged (a k-way merge: one finding of each rule is held at a time). A rule
that declares ``finish_in_line_order`` is read as it yields; any other
rule's findings (a plugin may yield in any order) are collected and sorted
first, as all of them used to be. The merge breaks ties as a stable sort of
everything by (line, column, code) would: output is identical to sorting.
"""

from __future__ import annotations

import heapq
from typing import Iterable, Iterator

from .findings import Finding


def _key(finding: Finding) -> tuple[int, int, str]:
    return finding.line, finding.column, finding.code  # rows sharing a line (a JSON array's) in their order


def declares_line_order(rule) -> bool:
    """Whether ``rule.finish`` promises its violations in ascending line order (None counting as line 1).

    The promise is about one ``finish``: a subclass that overrides ``finish`` without saying it
    again does not inherit it (a plugin rule built on FT403 that reorders its findings would
    otherwise lose them to the order check)."""
    promised = finisher = None
    for cls in type(rule).__mro__:
        if promised is None and "finish_in_line_order" in vars(cls):
            promised = cls
        if finisher is None and "finish" in vars(cls):
            finisher = cls
    return getattr(rule, "finish_in_line_order", False) is True and promised is not None and (
        finisher is None or issubclass(promised, finisher))


def merge_in_line_order(streams: Iterable[tuple[Iterator[Finding], bool]]) -> Iterator[Finding]:
    """One stream of ``(findings, in_line_order)`` pairs' findings, sorted by (line, column, code).

    Streams not in line order are read whole and sorted when the merge starts.
    """
    ready = [findings if ordered else iter(sorted(findings, key=_key)) for findings, ordered in streams]
    if len(ready) == 1:
        return ready[0]
    return heapq.merge(*ready, key=_key)
