"""Row fingerprints for duplicate, conflict and leakage detection.

64-bit XXH3 digests (xxhash): at a million rows the chance of any accidental
collision is about 3e-8, each fingerprint costs 8 bytes of state, and hashing
a 2 KB row takes a tenth of a microsecond (BLAKE2b took 1.8). Like any 64-bit
fingerprint they are not proof against a dataset crafted to collide: the
worst such a dataset gets is a false duplicate warning. Several rules
fingerprint the same row, so the per-row ones are memoised on the row
(``exact_of``, ``flat_of``).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import orjson
from xxhash import xxh3_64_intdigest

from .rules.reads import computed, provide


def digest(data: bytes) -> int:
    return xxh3_64_intdigest(data)


def stable_digest(data: bytes) -> int:
    """A digest that no release of ftlint will change (BLAKE2b): for seeded splits users reproduce."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def exact(raw: bytes) -> int:
    """The line as written, ignoring a trailing CR and surrounding whitespace."""
    return digest(raw.strip())


_ESCAPED_WHITESPACE = re.compile(rb"\\[ntr]")


def flat(value: Any) -> bytes:
    """A row's normalised serialisation (``normalised_of`` digests it): sorted keys,
    no spaces, no escaped newlines, tabs or carriage returns.

    orjson writes no whitespace between tokens, so every space and escape is
    inside a string: two C-speed passes (a regex that only stops at
    backslashes, and a byte deletion) do the whole row. Every change is inside
    a string, so the form of a part of a document (one message) is a
    substring of the form of the whole: FT405 cuts the last message out of a
    row's form instead of serialising the row twice.
    """
    try:
        dumped = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # nested deeper than orjson writes (255 levels), or integers past 64 bits
        dumped = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")
    return _ESCAPED_WHITESPACE.sub(b"", dumped).translate(None, b" ")


def _exact_of(row) -> int:
    return exact(row.raw)


def _flat_of(row) -> bytes:
    try:
        return flat(row.value)
    except RecursionError:  # a row nested about a thousand deep: its exact bytes stand in
        return b"\0" + row.raw.strip()


def exact_of(row) -> int:
    """``exact(row.raw)``, computed once per row whichever rule asks first."""
    return computed(row, EXACT)


def flat_of(row) -> bytes:
    """``flat(row.value)``, computed once per row whichever rule asks first."""
    return computed(row, FLAT)


# the two parts of the ``fingerprints`` view, memoised by name (linter.rules.reads)
EXACT, FLAT = "fingerprints.exact", "fingerprints.flat"
provide(EXACT, _exact_of)
provide(FLAT, _flat_of)


def normalised_of(row) -> int:
    """The fingerprint of the row up to key order and whitespace (never raises)."""
    return digest(flat_of(row))
