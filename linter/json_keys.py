"""Keys a JSON text repeats: ``check`` reports them (FT004), ``convert`` refuses the row.

When an object repeats a key, JSON parsers keep the last value, so the parsed
value no longer holds what the text says. ``repeated_keys`` finds them, cheaply
on clean rows (nearly every row): it proves "no repeat" from counts before it
re-parses anything.

Every key in the raw text is followed by one ":" and opened after "{" or ","
(JSON whitespace aside), while the parsed value keeps one key per name. An
orjson serialisation of the value (FT404's normalised form, or convert's own
dump) has one ":" per kept key plus the colons inside strings; the raw text
has one per written key plus the same string colons, unless some were written
as \\u003a (a backslash test, a memchr, rules that out on most rows). So equal
colon counts (and no such escape) prove that no key repeats; else counting key
openings may still prove it; else the slow re-parse decides. A value that
cannot be serialised (nested too deep) gives no serialisation, or
``hashing.flat``'s stand-in (the raw bytes behind a NUL byte, which no JSON
text starts with): the counts prove nothing there.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Sequence

from .findings import pointer
from .hashing import UNSERIALISABLE

def json_text(row) -> bytes | None:
    """The JSON text a row was parsed from, as written: a JSON Lines line (``raw``), a JSON array's
    element (``linter.readers.tabular.SourceRow``, whose ``raw`` is only the value serialised); None
    for a row made from cells (CSV, XLSX, Parquet), which has no JSON text to repeat a key in."""
    source = getattr(row, "source", None)
    if source is None and not hasattr(row, "json_source"):
        return row.raw
    return source.encode("utf-8", "surrogateescape") if getattr(row, "json_source", False) and isinstance(source, str) else None


_KEY_OPENING = re.compile(rb'[{,][ \t\r\n]*"')


def repeated_keys(raw: bytes, value: Any, serialised: bytes | None) -> Sequence[tuple[str, str]]:
    """``(pointer, key)`` for every key that the JSON text ``raw`` (parsed as ``value``) writes more
    than once in one object, in the order written; ``()`` when none does (or ``raw`` is not JSON).
    ``serialised``: any orjson serialisation of ``value``; None, or ``hashing.UNSERIALISABLE``'s stand-in, when there is none."""
    if serialised is not None and raw.count(b":") == serialised.count(b":") and (b"\\" not in raw or b"\\u003" not in raw) \
            and serialised[:1] != UNSERIALISABLE:
        return ()  # proved clean by the colon counts, as nearly every row is
    if not _key_openings_differ(raw, value):
        return ()
    text = raw.decode("utf-8")
    try:
        _DECODER.decode(text.rstrip("\r"))
    except _Duplicate:
        return list(_find_duplicates(json.loads(text, object_pairs_hook=list)))
    except (ValueError, RecursionError):
        pass
    return ()


def _count_keys(value: Any) -> int:
    kind = type(value)
    if kind is dict:
        count = len(value)
        items = value.values()
    elif kind is list:
        count = 0
        items = value
    else:
        return 0
    for item in items:
        if type(item) is dict or type(item) is list:
            count += _count_keys(item)
    return count


def _key_openings_differ(raw: bytes, value: Any) -> bool:
    """True unless the raw text opens exactly as many keys as the value holds, which proves that none repeats."""
    try:
        keys = _count_keys(value)
    except RecursionError:  # absurdly deep rows: let the full check decide
        return True
    return len(_KEY_OPENING.findall(raw)) != keys


class _Duplicate(ValueError):
    pass


def _check_pairs(pairs: list) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Duplicate()
    return result


_DECODER = json.JSONDecoder(object_pairs_hook=_check_pairs)


def _find_duplicates(value: Any, path: tuple = ()) -> Iterable[tuple[str, str]]:
    # with object_pairs_hook=list every object is a list of (key, value) tuples
    if isinstance(value, list) and value and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        seen: set[str] = set()
        for key, item in value:
            if key in seen:
                yield pointer(*path, key), key
            seen.add(key)
            yield from _find_duplicates(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _find_duplicates(item, path + (index,))
