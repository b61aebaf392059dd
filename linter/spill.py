"""Whole-file fingerprint records that keep memory flat: a small buffer in
memory, the rest spilled to a temporary file, grouped partition by partition.

The duplicate and conflict rules (FT403-FT405) must compare every row with
every other, so their state grows with the file: 8 bytes per column per row,
tens of megabytes per million rows, and more while numpy sorts them. Here a
log keeps at most ``BUFFER_ROWS`` records in memory; past that it writes them
to disk split into ``PARTITIONS`` by the top bits of the fingerprint. Equal
fingerprints always land in one partition, so ``groups`` sorts one partition
at a time: about 1/64 of the records, whatever the file size.

Findings about those fingerprints (FT403's "duplicate of line N") must come
out in line order, but grouping yields them by fingerprint: ``LineOrder``
spills them a second time, partitioned by line range, and reads them back
one range at a time, so they stream out sorted without being held.

Shard states of a parallel run (forked workers on one machine) travel as file
paths (each worker spills its buffer before it returns: ``flush``, so the
parent only joins lists); ``make_portable`` reads the records back in for
workers that do not share a disk with the parent (Dask).

Grouping reads each partition once, whole. A parallel run's parent would do
that alone while its workers sit idle at the end of the file: ``lend_pool``
lends them to ``map_partitions``, which then has the workers read and reduce
the partitions (a partition's records never leave its worker, only what
``work`` returns does).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import shutil
import tempfile
from array import array
from typing import Any, Callable, Iterator


def _buffer_rows(default: int = 1 << 14) -> int:
    """Records a log keeps in memory (0.4 MB by default); FTLINT_SPILL_ROWS changes it (a positive integer)."""
    try:
        rows = int(os.environ.get("FTLINT_SPILL_ROWS", default))
    except ValueError:
        return default
    return rows if rows > 0 else default


BUFFER_ROWS = _buffer_rows()
PARTITIONS = 64
SMALL_RECORDS = 4096  # a log this small is grouped in Python, without importing numpy (0.2-0.3 s a process)
_SHIFT = 64 - (PARTITIONS.bit_length() - 1)

PARTITIONS_PER_TASK = 8  # a lent pool's task: this many partitions, so the log is pickled 8 times, not 64

_directory: str | None = None
_owner: int | None = None
_pool = None  # an executor whose workers share this machine's disk (lend_pool), while the parent finishes


@contextlib.contextmanager
def lend_pool(executor) -> Iterator[None]:
    """Let ``map_partitions`` run on ``executor`` (a process pool forked from this process) within the block."""
    global _pool
    before, _pool = _pool, executor
    try:
        yield
    finally:
        _pool = before


def _map_chunk(task: tuple) -> list:
    log, parts, work, args = task
    return [work(log._partition(part), *args) for part in parts]


def directory() -> str:
    """This run's spill folder, made on first use and removed when the process that made it exits.

    Call it before forking workers so that they write into the parent's folder.
    """
    global _directory, _owner
    if _directory is None or not os.path.isdir(_directory):
        _directory = tempfile.mkdtemp(prefix="ftlint-spill-")
        _owner = os.getpid()
        atexit.register(_remove)
    return _directory


def _pickles(*values: Any) -> bool:
    try:
        pickle.dumps(values)
    except Exception:  # noqa: BLE001 - a lambda or a closure: not for another process
        return False
    return True


def _remove() -> None:
    if _directory is not None and os.getpid() == _owner:
        shutil.rmtree(_directory, ignore_errors=True)


class FingerprintLog:
    """Append-only records of ``columns`` unsigned 64-bit values; the first is the fingerprint.

    ``groups()`` yields, for each fingerprint seen more than once, its records
    sorted by the second column (the line number); ``partitions()`` yields the
    records unsorted, a partition at a time, for callers that group them with
    numpy themselves. ``shift`` places a record in partition ``first column >> shift``
    (the fingerprint's top bits by default; ``LineOrder`` partitions by line).
    """

    def __init__(self, columns: int, buffer_rows: int | None = None, shift: int = _SHIFT) -> None:
        self.columns = columns
        self.limit = (buffer_rows or BUFFER_ROWS) * columns
        self.shift = shift
        self.max_line = 0  # the largest second column spilled (the buffer's is read when needed)
        self.buffer = array("Q")
        # spill files: (path, index) where the index holds offset, rows for
        # partition 0..63 of each chunk appended, in turn (16 bytes per entry)
        self.files: list[tuple[str, array]] = []
        self.inline: dict[int, list[bytes]] = {}  # partition -> records read back by make_portable

    def append(self, *values: int) -> None:
        self.buffer.extend(values)
        if len(self.buffer) >= self.limit:
            self._spill()

    def extend(self, records) -> None:
        """Append many records at once: a numpy uint64 array of shape (n, columns)."""
        self.buffer.frombytes(records.tobytes())
        if len(self.buffer) >= self.limit:
            self._spill()

    def __len__(self) -> int:
        spilled = sum(sum(index[1::2]) for _, index in self.files)
        inline = sum(len(blob) for blobs in self.inline.values() for blob in blobs) // (8 * self.columns)
        return len(self.buffer) // self.columns + spilled + inline

    def _spill(self) -> None:
        """Append the buffer to this log's file, sorted by partition, and index where each partition went."""
        import numpy as np

        records = np.frombuffer(self.buffer, dtype=np.uint64).reshape(-1, self.columns)
        if len(records) == 0:
            return
        if self.columns > 1:
            self.max_line = max(self.max_line, int(records[:, 1].max()))
        parts = (records[:, 0] >> np.uint64(self.shift)).astype(np.uint8)  # below PARTITIONS: a radix sort
        records = records[np.argsort(parts, kind="stable")]
        counts = np.bincount(parts, minlength=PARTITIONS)
        if not self.files:
            handle, path = tempfile.mkstemp(dir=directory(), suffix=".fp")
            os.close(handle)
            self.files.append((path, array("Q")))
        path, index = self.files[-1]
        with open(path, "ab") as out:
            offset = out.tell()
            out.write(records.tobytes())
        for count in counts.tolist():
            index.extend((offset, count))
            offset += count * self.columns * 8
        self.buffer = array("Q")

    def absorb(self, other: "FingerprintLog") -> "FingerprintLog":
        """Take ``other``'s records (a later shard's); returns self."""
        self.files.extend(other.files)
        self.max_line = max(self.max_line, other.max_line)
        for part, blobs in other.inline.items():
            self.inline.setdefault(part, []).extend(blobs)
        other.files, other.inline = [], {}
        self.buffer.extend(other.buffer)
        if len(self.buffer) >= self.limit:
            self._spill()
        return self

    def flush(self) -> None:
        """Spill the buffer now (a parallel worker, before it hands its log over: the records are written
        by the worker, in parallel, not by the parent that absorbs every shard's log)."""
        if self.buffer:
            self._spill()

    def map_partitions(self, work: Callable[..., Any], *args: Any) -> Iterator[Any]:
        """``work(records, *args)`` for each partition's records (a numpy array of shape (n, columns), in no
        order), in partition order; then forgets them all. On a lent pool (``lend_pool``) the workers read
        and reduce the partitions, 8 at a time: ``work`` and ``args`` must then pickle (a module-level function),
        else it runs here, as it does without a pool."""
        pool = _pool
        try:
            if pool is not None and not self.is_small() and _pickles(work, args):
                self.flush()  # every record on the disk the workers share
                tasks = [(self, range(first, min(first + PARTITIONS_PER_TASK, PARTITIONS)), work, args)
                         for first in range(0, PARTITIONS, PARTITIONS_PER_TASK)]
                for results in pool.map(_map_chunk, tasks):
                    yield from results
            else:
                for records in self.partitions():
                    yield work(records, *args)
        finally:
            self.discard()

    def _partition(self, part: int):
        import numpy as np

        pieces = [np.frombuffer(chunk, dtype=np.uint64) for chunk in self._stored(part)]
        if self.buffer:
            records = np.frombuffer(self.buffer, dtype=np.uint64).reshape(-1, self.columns)
            pieces.append(records[(records[:, 0] >> np.uint64(self.shift)) == part].ravel())
        if not pieces:
            return np.empty((0, self.columns), dtype=np.uint64)
        return np.concatenate(pieces).reshape(-1, self.columns)

    def is_small(self) -> bool:
        """Never spilled and at most SMALL_RECORDS records: Python sorts it faster than importing numpy (0.2-0.3 s)."""
        return not self.files and not self.inline and len(self.buffer) <= SMALL_RECORDS * self.columns

    def largest_line(self) -> int:
        """The largest second column (the line number) of any record."""
        buffered = self.buffer[1::self.columns] if self.columns > 1 else ()
        return max(self.max_line, max(buffered, default=0))

    def partitions(self) -> Iterator:
        """Each partition's records as a numpy array of shape (n, columns), in no order; then forgets them all."""
        try:
            for part in range(PARTITIONS):
                yield self._partition(part)
        finally:
            self.discard()

    def groups(self) -> Iterator:
        """Records sharing a fingerprint (two or more), line order within each; partitions one at a time."""
        if self.is_small():
            yield from self._small_groups()  # a small file: importing numpy would cost more than sorting
            return
        import numpy as np

        for records in self.partitions():
            if len(records) >= 2:
                records = records[np.lexsort((records[:, 1], records[:, 0]))]
                keys = records[:, 0]
                starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
                ends = np.r_[starts[1:], len(keys)]
                repeated = (ends - starts) > 1
                for start, end in zip(starts[repeated].tolist(), ends[repeated].tolist()):
                    yield records[start:end].tolist()

    def _small_groups(self) -> Iterator:
        """``groups`` for a log that never spilled, in Python: the same groups in the same order
        (by fingerprint, then line; a stable sort, as numpy's lexsort)."""
        try:
            columns = self.columns
            values = self.buffer.tolist()
            records = sorted((values[i:i + columns] for i in range(0, len(values), columns)), key=lambda r: (r[0], r[1]))
            start = 0
            for end in range(1, len(records) + 1):
                if end == len(records) or records[end][0] != records[start][0]:
                    if end - start > 1:
                        yield records[start:end]
                    start = end
        finally:
            self.discard()

    def make_portable(self) -> None:
        """Read spilled records back into memory (for states sent to another machine)."""
        inline = {}
        for part in range(PARTITIONS):
            records = b"".join(self._stored(part))
            if records:
                inline[part] = [records]
        self.discard_files()
        self.inline = inline

    def _stored(self, part: int) -> Iterator[bytes]:
        """The records of one partition outside the buffer, chunk by chunk: read back ones, then each spill file's."""
        yield from self.inline.get(part, ())
        for path, index in self.files:
            with open(path, "rb") as handle:
                for chunk in range(part * 2, len(index), PARTITIONS * 2):
                    offset, rows = index[chunk], index[chunk + 1]
                    if rows:
                        handle.seek(offset)
                        yield handle.read(rows * self.columns * 8)

    def discard_files(self) -> None:
        for path, _ in self.files:
            try:
                os.unlink(path)
            except OSError:
                pass
        self.files = []

    def discard(self) -> None:
        """Forget every record and delete the spill files."""
        self.discard_files()
        self.inline = {}
        self.buffer = array("Q")


class LineOrder:
    """Records keyed by line number (first column), added in any order, read back sorted by line.

    Another ``FingerprintLog``, partitioned by line range instead of
    fingerprint: partition ``line >> shift``, the shift chosen from the
    largest line so that the ranges cover the file. Reading sorts one range
    at a time, so about 1/64 (at least 1/32) of the records is in memory
    however many there are.
    """

    def __init__(self, columns: int, largest_line: int, buffer_rows: int | None = None) -> None:
        shift = max(0, largest_line.bit_length() - (PARTITIONS.bit_length() - 1))
        self.log = FingerprintLog(columns, buffer_rows, shift=shift)

    def add(self, records) -> None:
        """Add a numpy uint64 array of shape (n, columns)."""
        if len(records) and int(records[:, 0].max()) >> self.log.shift >= PARTITIONS:
            raise ValueError(f"line {int(records[:, 0].max())} is past the largest line given")  # else it would be lost
        self.log.extend(records)

    def __iter__(self) -> Iterator:
        """numpy arrays of records, range after range, each sorted by line (stable: equal lines keep their order)."""
        import numpy as np

        for records in self.log.partitions():
            if len(records):
                yield records[np.argsort(records[:, 0], kind="stable")]

    def discard(self) -> None:
        self.log.discard()
