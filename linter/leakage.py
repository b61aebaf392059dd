"""Fingerprints of the training files, for FT406 validation-leak.

One pass over the training files keeps the 128-bit normalised fingerprint of
every example (16 bytes each, ``linter.hashing``), sorted; each validation
row is then one binary search. A leak finding says "this row is in the
training data", so a 64-bit match, which a large file could hit by chance,
is not enough.
"""

from __future__ import annotations

from array import array

from . import hashing


class TrainFingerprints:
    """A sorted set of 128-bit fingerprints held as two uint64 arrays (by first half, then second)."""

    def __init__(self, values: array) -> None:
        import numpy as np

        pairs = np.frombuffer(values, dtype=np.uint64).reshape(-1, 2)
        order = np.lexsort((pairs[:, 1], pairs[:, 0]))
        self._first = np.ascontiguousarray(pairs[order, 0])
        self._second = np.ascontiguousarray(pairs[order, 1])

    def __len__(self) -> int:
        return len(self._first)

    def contains(self, fingerprint: tuple[int, int]) -> bool:
        import numpy as np

        first = np.uint64(fingerprint[0])
        start = int(np.searchsorted(self._first, first, side="left"))
        end = int(np.searchsorted(self._first, first, side="right"))
        return start < end and bool((self._second[start:end] == np.uint64(fingerprint[1])).any())


def fingerprint_files(linter, paths: list[str]) -> TrainFingerprints:
    """Normalised fingerprints of every parsed row of ``paths``."""
    values = array("Q")
    for path in paths:
        reader = linter.registry.reader_for(path)
        with open(path, "rb") as stream:
            for row in reader.rows(stream, max_line_bytes=linter.settings.max_line_bytes):
                if row.parsed:
                    values.extend(hashing.normalised_of(row))
    return TrainFingerprints(values)
