"""Row fingerprints for duplicate, conflict and leakage detection.

A finding of FT403-FT406 says "this row equals that one", so a fingerprint
match must never be a coincidence. Every fingerprint that makes rows equal
is a 128-bit XXH3 digest (xxhash): for accidental collisions to have even a
one-in-a-billion chance a file would need about 10^15 rows (birthday bound
n^2 / 2^129), and a row costs 16 bytes of state. Hashing a 2 KB row takes a
fifth of a microsecond (BLAKE2b took 3). XXH3 is not a cryptographic hash:
a dataset built on purpose to collide could fake a duplicate of its own
rows, which is no attack on anyone but its author. Fingerprints that only
tell two matched rows apart (FT404's exact form, FT405's answer) are 64-bit:
there a collision could only hide a finding, at odds of n / 2^64.

Several rules fingerprint the same row, so the per-row computations are
memoised on the row (``exact_of``, ``flat_of``): one serialisation serves the
normalised, prompt and answer fingerprints and FT004's key count. A row with
columns its trainer does not read (an ``id``) is fingerprinted without them
for FT404 (``normalised_without``): a second serialisation, for those rows only.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from typing import Any, Callable

import orjson
from xxhash import xxh3_64_intdigest, xxh3_128_digest

from .rules.reads import memoised, provide

HALVES = struct.Struct("<QQ").unpack  # one C call: cheaper than splitting a 128-bit int with >> and &

Fingerprint = tuple  # (first 64 bits, last 64 bits) of a 128-bit digest: two columns of a FingerprintLog


def digest(data: bytes) -> int:
    """64 bits: for telling apart rows already matched by a 128-bit ``fingerprint``."""
    return xxh3_64_intdigest(data)


def fingerprint(data: bytes) -> Fingerprint:
    """128 bits, as two 64-bit halves: for deciding that two rows are the same (see the module docstring)."""
    return HALVES(xxh3_128_digest(data))


def stable_digest(data: bytes) -> int:
    """A digest that no release of ftlint will change (BLAKE2b): for seeded splits users reproduce."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


_ESCAPED_WHITESPACE = re.compile(rb"\\[ntr]")
# A form json.dumps made (orjson could not) starts with this byte: it writes
# some floats otherwise (1e-07 for 1e-7), so parts of it are not the parts'
# own forms, and FT405 cuts nothing out of it. Equal values take the same
# path, so the marker changes no comparison of whole rows.
OTHER_SERIALISER = b"\x01"
_SORTED = orjson.OPT_SORT_KEYS


def flat(value: Any) -> bytes:
    """A row's normalised serialisation (``normalised_of`` fingerprints it): sorted keys,
    no spaces, no escaped newlines, tabs or carriage returns.

    orjson writes no whitespace between tokens, so every space and escape is
    inside a string: two C-speed passes (a regex that only stops at
    backslashes, skipped when there is none, and a byte deletion) do the
    whole row. Every change is inside a string, so the form of a part of a
    document (one message) is a substring of the form of the whole: FT405
    cuts the last message out of a row's form instead of serialising the row
    twice.
    """
    try:
        dumped = orjson.dumps(value, option=_SORTED)
    except TypeError:  # nested deeper than orjson writes (255 levels), or integers past 64 bits (lint_rows)
        dumped = OTHER_SERIALISER + json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")
    if b"\\" in dumped:
        dumped = _ESCAPED_WHITESPACE.sub(b"", dumped)
    return dumped.translate(None, b" ")


# ``flat_of`` of a row nested too deep to serialise starts with this byte,
# which no JSON text does: its exact bytes stand in for the normalised form.
UNSERIALISABLE = b"\0"


def _exact_of(row) -> Fingerprint:
    """The line as written, ignoring a trailing CR and surrounding whitespace."""
    return HALVES(xxh3_128_digest(row.raw.strip()))


def _flat_of(row) -> bytes:
    try:
        return flat(row.value)
    except RecursionError:  # a row nested about a thousand deep: its exact bytes stand in
        return UNSERIALISABLE + row.raw.strip()


# the two parts of the ``fingerprints`` view, memoised by name (linter.rules.reads)
EXACT, FLAT = "fingerprints.exact", "fingerprints.flat"
provide(EXACT, _exact_of)
provide(FLAT, _flat_of)


# exact_of(row): the row's exact fingerprint (``_exact_of``); flat_of(row): ``flat(row.value)``;
# each computed once per row whichever rule asks first (one call per ask: ``memoised``)
exact_of: Callable[[Any], Fingerprint] = memoised(EXACT)
flat_of: Callable[[Any], bytes] = memoised(FLAT)


def normalised_of(row) -> Fingerprint:
    """The fingerprint of the row up to key order and whitespace (never raises)."""
    return HALVES(xxh3_128_digest(flat_of(row)))


def normalised_without(row, keys: tuple) -> Fingerprint:
    """``normalised_of`` the row without its top-level ``keys``: the example as a trainer that drops those
    columns reads it, the fingerprint of a row that never had them, so ``{"id": 3, "messages": m}`` and
    ``{"messages": m}`` get one (never raises). The rest is serialised again, in one orjson call: cutting
    the columns out of ``flat_of``'s form saved a quarter of that at most, for a second way to make it."""
    kept = row.value.copy()
    for key in keys:
        del kept[key]
    try:
        return HALVES(xxh3_128_digest(flat(kept)))
    except RecursionError:  # nested about a thousand deep: the whole row's stand-in, as normalised_of has it
        return normalised_of(row)


def values_digest(row, keys: tuple) -> int:
    """64 bits telling apart the values of the row's top-level ``keys`` (FT404: do two rows that are one
    example differ in the columns it left out, or only in whitespace?); 0 when they cannot be written."""
    values = [row.value[key] for key in keys]
    try:
        return xxh3_64_intdigest(orjson.dumps(values, option=_SORTED))
    except TypeError:  # orjson's JSONEncodeError: nested deeper than it writes, or an integer past 64 bits
        try:  # the same text json writes, whitespace kept: ``flat`` would normalise away the difference asked about
            text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            return xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))
        except (RecursionError, TypeError, ValueError):
            return 0
