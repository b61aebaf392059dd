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

With ``ahead`` each stream is read by a thread of its own into a small
queue: a parallel run's rules then finish at once, each waiting on the
workers it lent (``spill.lend_pool``), where the merge would start one rule's
grouping only when the one before had its first finding.
"""

from __future__ import annotations

import heapq
import queue
import threading
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


def merge_in_line_order(streams: Iterable[tuple[Iterator[Finding], bool]], ahead: bool = False) -> Iterator[Finding]:
    """One stream of ``(findings, in_line_order)`` pairs' findings, sorted by (line, column, code).

    Streams not in line order are read whole and sorted when the merge starts (with ``ahead``, each
    in its thread, as every stream is read).
    """
    ready = [findings if ordered else _sorted(findings) for findings, ordered in streams]
    if ahead and len(ready) > 1:
        ready = [_read_ahead(findings) for findings in ready]
    if len(ready) == 1:
        return ready[0]
    return heapq.merge(*ready, key=_key)


def _sorted(findings: Iterator[Finding]) -> Iterator[Finding]:
    yield from sorted(findings, key=_key)


_END = object()
_QUEUED = 256  # findings a stream reads ahead of the merge: memory stays flat


def _read_ahead(findings: Iterator[Finding]) -> Iterator[Finding]:
    """``findings``, read by a thread of its own; its exception (a fatal one: rules' errors are findings)
    is raised here. Abandoned (the run stops early), the thread stops at its next finding."""
    box: queue.Queue = queue.Queue(_QUEUED)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def pump() -> None:
        try:
            for finding in findings:
                if not put((finding, None)):
                    return
            put((_END, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread, which raises it
            put((_END, exc))

    def read() -> Iterator[Finding]:
        try:
            while True:
                item, exc = box.get()
                if item is _END:
                    if exc is not None:
                        raise exc
                    return
                yield item
        finally:
            stop.set()

    threading.Thread(target=pump, name="ftlint-finish", daemon=True).start()  # now, not at the merge's first read
    return read()
