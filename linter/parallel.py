"""Lint one JSONL file on every core, with output identical to one process.

The file is cut into newline-aligned byte ranges. A first parallel pass
counts each range's newlines, so every shard knows the global number of its
first line (a prefix sum). The second pass lints each range in a worker
process: per-row findings come back in order, and the dataset rules' states
are merged in file order (``DatasetRule.merge``) and finished in the parent.
Workers are forked from the parent, which has already loaded the plugins and
the tokenizer, so a shard costs no start-up.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Iterator

from .engine import FileResult, Linter
from .findings import Finding, Fix
from .rules.base import DatasetRule

BLOCK = 8 << 20
MIN_SHARD_BYTES = 4 << 20

_linter: Linter | None = None  # the parent's linter, inherited by forked workers


class RangeStream:
    """A read-only view of ``[start, end)`` of a file."""

    def __init__(self, path: str, start: int, end: int) -> None:
        self.handle = open(path, "rb")  # noqa: SIM115
        self.handle.seek(start)
        self.left = end - start

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size < 0 else min(size, self.left)
        data = self.handle.read(size)
        self.left -= len(data)
        return data

    def close(self) -> None:
        self.handle.close()


def plan(path: str, jobs: int) -> list[tuple[int, int]]:
    """Byte ranges that start at line starts, about equal in size."""
    size = os.path.getsize(path)
    cuts = [0]
    with open(path, "rb") as handle:
        for i in range(1, jobs):
            handle.seek(max(size * i // jobs, cuts[-1]))
            if handle.tell() > 0:
                handle.readline()  # finish the line the cut fell into
            position = handle.tell()
            if cuts[-1] < position < size:
                cuts.append(position)
    cuts.append(size)
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def _count_newlines(task: tuple[str, int, int]) -> int:
    path, start, end = task
    stream = RangeStream(path, start, end)
    try:
        return sum(block.count(b"\n") for block in iter(lambda: stream.read(BLOCK), b""))
    finally:
        stream.close()


def _portable(finding: Finding) -> Finding:
    # fixes carry closures, which do not cross processes; the report needs only their description
    if finding.fix is None:
        return finding
    return replace(finding, fix=Fix(finding.fix.description, finding.fix.applicability, drops=finding.fix.drops))


def _lint_shard(task: tuple[str, str, int, int, int]):
    path, shown, start, end, first_line = task
    linter = _linter
    result = linter._result(shown)
    states: list = []
    stream = RangeStream(path, start, end)
    try:
        findings = [_portable(f) for f in linter._lint(stream, shown, result, None, first_line, start, states)]
    finally:
        stream.close()
    return findings, states, result.stats


def lint_parallel(linter: Linter, path: str, jobs: int, progress=None) -> tuple[Iterator[Finding], FileResult]:
    """Like ``Linter.lint_path``, on ``jobs`` processes."""
    global _linter
    shown = str(path)
    ranges = plan(shown, jobs)
    result = linter._result(shown)

    def run() -> Iterator[Finding]:
        global _linter
        _linter = linter
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=len(ranges), mp_context=context) as pool:
            counts = list(pool.map(_count_newlines, [(shown, a, b) for a, b in ranges]))
            firsts, line = [], 1
            for count in counts:
                firsts.append(line)
                line += count
            shards = pool.map(_lint_shard, [(shown, shown, a, b, f) for (a, b), f in zip(ranges, firsts)])
            dataset_rules = [r for r in linter.rules_for(shown) if isinstance(r, DatasetRule)]
            merged = None
            for (start, end), (findings, states, stats) in zip(ranges, shards):
                yield from findings
                result.stats.merge(stats)
                if progress is not None:
                    progress[0](end - start)
                    progress[1](result.stats.lines)
                if merged is None:
                    merged = states
                else:
                    merged = [rule.merge(a, b) for rule, a, b in zip(dataset_rules, merged, states)]
        yield from linter.finish_states(shown, dataset_rules, merged or [r.start() for r in dataset_rules])

    return run(), result


def usable(linter: Linter, path: str, jobs: int, min_bytes: int | None = None) -> bool:
    """Parallel only pays for JSONL files big enough to split, where fork exists."""
    if jobs <= 1 or path == "-" or "fork" not in multiprocessing.get_all_start_methods():
        return False
    if linter.registry.reader_for(path).name != "jsonl":
        return False
    threshold = min_bytes if min_bytes is not None else int(os.environ.get("FTLINT_PARALLEL_MIN_BYTES", 2 * MIN_SHARD_BYTES))
    try:
        return os.path.getsize(path) >= threshold
    except OSError:
        return False
