"""Row fingerprints for duplicate, conflict and leakage detection.

64-bit BLAKE2b digests: at a million rows the chance of any accidental
collision is about 3e-8, and each fingerprint costs 8 bytes of state.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson



def digest(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def exact(raw: bytes) -> int:
    """The line as written, ignoring a trailing CR and surrounding whitespace."""
    return digest(raw.strip())


def normalised(value: Any) -> int:
    """Key order ignored, whitespace runs inside strings collapsed and trimmed."""
    dumped = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    # orjson writes no whitespace between tokens, so every space or escaped
    # newline is inside a string: turn escapes into spaces, collapse runs of
    # spaces, and drop the ones next to a quote (bytes methods: C speed)
    flat = dumped.replace(b"\\n", b" ").replace(b"\\t", b" ").replace(b"\\r", b" ") if b"\\" in dumped else dumped
    if b"  " in flat:
        flat = b" ".join(part for part in flat.split(b" ") if part)
    return digest(flat.replace(b'" ', b'"').replace(b' "', b'"'))
