"""Fingerprints of the training files, for FT406 validation-leak.

One pass over the training files keeps a sorted array of 64-bit
fingerprints (8 bytes per example); each validation row is then one binary
search.
"""

from __future__ import annotations

from array import array

from . import hashing


class TrainFingerprints:
    def __init__(self, values: array) -> None:
        import numpy as np

        self._sorted = np.unique(np.frombuffer(values, dtype=np.uint64))

    def contains(self, fingerprint: int) -> bool:
        import numpy as np

        index = int(np.searchsorted(self._sorted, np.uint64(fingerprint)))
        return index < len(self._sorted) and int(self._sorted[index]) == fingerprint


def fingerprint_files(linter, paths: list[str]) -> TrainFingerprints:
    """Normalised fingerprints of every parsed row of ``paths``."""
    values = array("Q")
    for path in paths:
        reader = linter.registry.reader_for(path)
        with open(path, "rb") as stream:
            for row in reader.rows(stream, max_line_bytes=linter.settings.max_line_bytes):
                if row.parsed:
                    values.append(hashing.normalised_of(row))
    return TrainFingerprints(values)
