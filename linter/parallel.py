"""Lint one JSONL file on every core, with output identical to one process.

The file is cut into newline-aligned byte ranges. A first parallel pass
counts each range's newlines, so every shard knows the global number of its
first line (a prefix sum). The second pass lints each range in a worker
process: per-row findings come back in order, and the dataset rules' states
are merged in file order (``DatasetRule.merge``) and finished in the parent.
Workers are forked from the parent, which has already loaded the plugins and
the tokenizer, so a shard costs no start-up. When the last shard is done the
workers would sit idle while the parent groups the duplicate rules'
fingerprints: the pool is lent to ``spill.map_partitions`` for that.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Callable, Iterator

from .cpus import available_cpus
from .engine import FileResult, Linter
from .findings import Finding, Fix
from . import rowscan, spill

BLOCK = 8 << 20
MIN_SHARD_BYTES = 4 << 20
# Shards are cut at about this size even when there are fewer cores: a shard's
# findings travel back as one list, so smaller shards keep the parent's memory
# flat on files with many findings, and even out the workers' loads.
SHARD_BYTES = 32 << 20


def shard_count(path: str, jobs: int) -> int:
    """How many byte ranges to cut: at most about SHARD_BYTES each, and a multiple of the processes, so
    that each takes as many of these equal ranges: 11 shards on 2 workers left one working alone on its
    sixth while the other had finished its fifth (0.22 s of a 6 s `stats` on a million short rows)."""
    shards = max(jobs, -(-_size(path) // SHARD_BYTES))
    return -(-shards // jobs) * jobs

_linter: Linter | None = None  # the parent's linter, inherited by forked workers


def _open(path: str):
    """A local file, or any fsspec URL (s3://, gs://, ...) when fsspec is installed."""
    if "://" in path:
        return _fsspec(path).open(path, "rb").open()
    return open(path, "rb")  # noqa: SIM115


def _size(path: str) -> int:
    if "://" in path:
        return _fsspec(path).core.url_to_fs(path)[0].size(path)
    return os.path.getsize(path)


def _fsspec(url: str):
    from .readers import require

    require("fsspec.core", "fsspec", "cloud", f"reading {url.split('://')[0]}:// URLs")
    return require("fsspec", "fsspec", "cloud", "reading URLs")


class RangeStream:
    """A read-only view of ``[start, end)`` of a file; ``on_read(data)`` is told of every read (progress)."""

    def __init__(self, path: str, start: int, end: int, on_read: Callable[[bytes], None] | None = None) -> None:
        self.handle = _open(path)
        self.handle.seek(start)
        self.left = end - start
        self.on_read = on_read

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size < 0 else min(size, self.left)
        data = self.handle.read(size)
        self.left -= len(data)
        if self.on_read is not None:
            self.on_read(data)
        return data

    def close(self) -> None:
        self.handle.close()


def plan(path: str, jobs: int) -> list[tuple[int, int]]:
    """Byte ranges that start at line starts, about equal in size."""
    size = _size(path)
    cuts = [0]
    with _open(path) as handle:
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
    """The newlines of one range, read into one reused buffer (a fresh 8 MB block per read cost its page
    faults) and counted by memchr (``rowscan.count_newlines``): this pass is a barrier before any shard
    is linted, so its wall time is the whole run's."""
    path, start, end = task
    if "://" in path:
        stream = RangeStream(path, start, end)
        try:
            return sum(rowscan.count_newlines(block) for block in iter(lambda: stream.read(BLOCK), b""))
        finally:
            stream.close()
    buffer = bytearray(BLOCK)
    view = memoryview(buffer)
    count, left = 0, end - start
    with open(path, "rb", buffering=0) as handle:
        handle.seek(start)
        while left > 0:
            got = handle.readinto(view[:min(BLOCK, left)])
            if not got:
                break
            count += rowscan.count_newlines(view[:got])
            left -= got
    return count


def _portable(finding: Finding) -> Finding:
    # deprecated apply callables and raw fixes are closures, which do not cross processes; edits are data and do
    if finding.fix is None:
        return finding
    return replace(finding, fix=Fix(finding.fix.description, finding.fix.applicability, drops=finding.fix.drops, edits=finding.fix.edits))


class _ShardsRead:
    """Each shard's bytes and lines read so far, in memory the forked workers share (one writer a slot:
    a shard is one worker's), and a thread of the parent's that shows their sums on the progress bar as
    they grow. Without it the bar moved only as whole shards came back: on a file of two, from nothing
    to everything at once."""

    EVERY = 0.2  # seconds between two looks

    def __init__(self, shards: int, progress) -> None:
        self.counts = multiprocessing.get_context("fork").RawArray("q", 2 * shards)  # made before the fork
        self.advance, self.set_rows = progress
        self.shown = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._follow, name="ftlint-progress", daemon=True)

    def reader(self, shard: int) -> Callable[[bytes], None]:
        """What a worker's ``RangeStream`` tells of each read of ``shard``."""
        counts, at = self.counts, 2 * shard

        def read(data: bytes) -> None:
            counts[at] += len(data)
            counts[at + 1] += rowscan.count_newlines(data)

        return read

    def _show(self) -> None:
        counts = self.counts[:]
        read = sum(counts[0::2])
        self.advance(read - self.shown)
        self.shown = read
        self.set_rows(sum(counts[1::2]))

    def _follow(self) -> None:
        while not self.done.wait(self.EVERY):
            self._show()

    def __enter__(self) -> "_ShardsRead":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()
        self._show()


_shards_read: _ShardsRead | None = None  # the parent's, inherited by forked workers, when a bar is shown


def _lint_shard(task: tuple[int, str, str, int, int, int]):
    shard, path, shown, start, end, first_line = task
    on_read = _shards_read.reader(shard) if _shards_read is not None else None
    return _lint_range(_linter, path, shown, start, end, first_line, on_read)


_worker_linters: dict = {}


def _lint_shard_from_settings(task):
    """The shard function for workers that did not fork from the parent (Dask): build the linter once per process."""
    settings, train_fingerprints, path, shown, start, end, first_line = task
    key = repr(settings)
    linter = _worker_linters.get(key)
    if linter is None:
        from .plugin import host
        from . import registry

        if settings.plugins:
            host.load_local_plugins(settings.plugins, settings.root)
            registry.refresh()
        linter = Linter(settings)
        linter.train_fingerprints = train_fingerprints
        _worker_linters[key] = linter
    findings, states, stats = _lint_range(linter, path, shown, start, end, first_line)
    for state in states:  # this worker's disk may not be the parent's
        if hasattr(state, "make_portable"):
            state.make_portable()
    return findings, states, stats


def _lint_range(linter: Linter, path: str, shown: str, start: int, end: int, first_line: int, on_read=None):
    stream = RangeStream(path, start, end, on_read)
    try:
        found, result, states = linter.lint_range(stream, shown, first_line=first_line, offset=start)
        findings = [_portable(f) for f in found]
    finally:
        stream.close()
    for state in states:  # fingerprint logs written here, in parallel, not by the parent as it merges them
        if isinstance(state, spill.FingerprintLog):
            state.flush()
    return findings, states, result.stats


def _first_lines(counts: list[int]) -> list[int]:
    firsts, line = [], 1
    for count in counts:
        firsts.append(line)
        line += count
    return firsts


def _combine(linter: Linter, shown: str, result: FileResult, ranges, shards, progress, ahead: bool = False) -> Iterator[Finding]:
    """Shard results in file order: findings streamed, stats and dataset states merged, then finished."""
    dataset_rules = linter.dataset_rules(shown)  # the same folds, in the same order, as each shard's
    merged = None
    for (start, end), (findings, states, stats) in zip(ranges, shards):
        yield from findings
        result.stats.merge(stats)
        if progress is not None:
            progress[0](end - start)
            progress[1](result.stats.lines)
        merged = states if merged is None else [rule.merge(a, b) for rule, a, b in zip(dataset_rules, merged, states)]
    yield from linter.finish_states(shown, dataset_rules, merged or [r.start() for r in dataset_rules], ahead=ahead)


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """Keep the parent's objects out of the workers' garbage collections (``gc.freeze`` before the fork,
    as Python's documentation advises for fork without exec). Without it each worker's full collections
    walked every module, rule and table it inherited, and wrote to their pages, which the system then
    copied: ``stats`` on 100k text rows spent 7% longer, its workers' time per row 20-30% over one
    process's. Only the forks happen frozen: the parent's objects are collectable again at once (the
    workers keep their own copy of the frozen state), and a caller's own freeze is left as it was."""
    ours = gc.get_freeze_count() == 0
    if ours:
        gc.freeze()
    try:
        yield
    finally:
        if ours:
            gc.unfreeze()


def lint_parallel(linter: Linter, path: str, jobs: int, progress=None) -> tuple[Iterator[Finding], FileResult]:
    """Like ``Linter.lint_path``, on ``jobs`` forked processes."""
    shown = str(path)
    ranges = plan(shown, shard_count(shown, jobs))
    result = linter.new_result(shown)

    def run() -> Iterator[Finding]:
        global _linter, _shards_read
        _linter = linter
        _shards_read = read = _ShardsRead(len(ranges), progress) if progress is not None else None
        spill.directory()  # made before the fork: workers spill into the parent's folder, which it removes
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=min(jobs, len(ranges)), mp_context=context) as pool:
            with _frozen_heap():  # a fork pool starts every worker at its first task
                counts = pool.map(_count_newlines, [(shown, a, b) for a, b in ranges])
            firsts = _first_lines(list(counts))
            tasks = [(shard, shown, shown, a, b, f) for shard, ((a, b), f) in enumerate(zip(ranges, firsts))]
            with read or contextlib.nullcontext(), spill.lend_pool(pool):  # the grouping at the end on the idle workers
                shards = pool.map(_lint_shard, tasks)
                # the bar follows the workers' reads (read), not the shards as they come back
                yield from _combine(linter, shown, result, ranges, shards, None if read else progress, ahead=True)
            if progress is not None:
                progress[1](result.stats.lines)  # the rows linted, where the reads counted line ends

    return run(), result


def lint_dask(linter: Linter, path: str, scheduler: str | None = None, jobs: int | None = None, progress=None):
    """The same shards on a Dask cluster: ``scheduler`` is its address, or None for a local cluster.

    Workers get the settings and rebuild the linter from them (with the
    plugins installed on the workers), so results match one process exactly.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        from .engine import UsageError

        raise UsageError("the dask engine needs dask.distributed, which is not installed: pip install 'dask[distributed]' "
                         "(ftlint's 'dask' extra; in a checkout: pip install -e '.[dask]')") from None
    shown = str(path)
    result = linter.new_result(shown)

    def run() -> Iterator[Finding]:
        cluster = None
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=jobs or available_cpus(), threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster)
        try:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            ranges = plan(shown, shard_count(shown, max(workers, jobs or 0)))
            counts = client.gather(client.map(_count_newlines, [(shown, a, b) for a, b in ranges], pure=False))
            firsts = _first_lines(counts)
            tasks = [(linter.settings, linter.train_fingerprints, shown, shown, a, b, f) for (a, b), f in zip(ranges, firsts)]
            shards = client.gather(client.map(_lint_shard_from_settings, tasks, pure=False))
            yield from _combine(linter, shown, result, ranges, shards, progress)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

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
