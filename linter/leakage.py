"""Fingerprints of the training files, for FT406 validation-leak.

One pass over the training files keeps the 128-bit normalised fingerprint of
every example (16 bytes each, ``linter.hashing``), sorted; each validation
row is then one binary search. A leak finding says "this row is in the
training data" and where (file and place: the line, and the column where
rows share a line; 12 more bytes per row), so a 64-bit match, which a large
file could hit by chance, is not enough.
"""

from __future__ import annotations

from array import array

from . import hashing
from .rows import place


class TrainFingerprints:
    """A sorted set of 128-bit fingerprints held as two uint64 arrays (by first half, then second), with the
    training file and place (``rows.place``) of each, so a leak can name where the training data holds the example."""

    def __init__(self, values: array, files: array | None = None, lines: array | None = None, paths: list[str] | None = None) -> None:
        import numpy as np

        pairs = np.frombuffer(values, dtype=np.uint64).reshape(-1, 2)
        count = len(pairs)
        file_of = np.frombuffer(files, dtype=np.uint32) if files is not None else np.zeros(count, dtype=np.uint32)
        line_of = np.frombuffer(lines, dtype=np.uint64) if lines is not None else np.zeros(count, dtype=np.uint64)
        # equal fingerprints sort by file, then place: the first place the training data holds a row comes first
        order = np.lexsort((line_of, file_of, pairs[:, 1], pairs[:, 0]))
        self._first = np.ascontiguousarray(pairs[order, 0])
        self._second = np.ascontiguousarray(pairs[order, 1])
        self._files = np.ascontiguousarray(file_of[order])
        self._lines = np.ascontiguousarray(line_of[order])
        self.paths = list(paths or [])

    def __len__(self) -> int:
        return len(self._first)

    def find(self, fingerprint: tuple[int, int]) -> tuple[str, int] | None:
        """``(training file, place)`` of the first training row with this fingerprint, or None."""
        import numpy as np

        first = np.uint64(fingerprint[0])
        start = int(np.searchsorted(self._first, first, side="left"))
        end = int(np.searchsorted(self._first, first, side="right"))
        if start == end:
            return None
        hits = np.flatnonzero(self._second[start:end] == np.uint64(fingerprint[1]))
        if not len(hits):
            return None
        at = start + int(hits[0])
        index = int(self._files[at])
        return (self.paths[index] if index < len(self.paths) else "", int(self._lines[at]))


def fingerprint_files(linter, paths: list[str]) -> TrainFingerprints:
    """Normalised fingerprints of every parsed row of ``paths``, with the file and place of each."""
    values, files, lines = array("Q"), array("I"), array("Q")
    for index, path in enumerate(paths):
        reader = linter.registry.reader_for(path)
        with open(path, "rb") as stream:
            for row in reader.rows(stream, max_line_bytes=linter.settings.max_line_bytes):
                if row.parsed:
                    values.extend(hashing.normalised_of(row))
                    files.append(index)
                    lines.append(place(row))
    return TrainFingerprints(values, files, lines, paths)
