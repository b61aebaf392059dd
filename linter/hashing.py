"""Row fingerprints for duplicate, conflict and leakage detection.

64-bit BLAKE2b digests: at a million rows the chance of any accidental
collision is about 3e-8, and each fingerprint costs 8 bytes of state.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson

_SPACE = re.compile(rb"(?:\\[nrt]| )+")
_QUOTE_SPACE = re.compile(rb' ?" ?')


def digest(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def exact(raw: bytes) -> int:
    """The line as written, ignoring a trailing CR and surrounding whitespace."""
    return digest(raw.strip())


def normalised(value: Any) -> int:
    """Key order ignored, whitespace runs inside strings collapsed and trimmed."""
    dumped = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    # orjson writes no whitespace between tokens, so every space or escaped
    # newline left is inside a string
    return digest(_QUOTE_SPACE.sub(b'"', _SPACE.sub(b" ", dumped)))
