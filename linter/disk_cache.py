"""Small values kept between runs in the user's cache folder (``$XDG_CACHE_HOME/ftlint``).

A cache here can only save time, never change an answer: each file carries a
tag (its format and the key it was made for) checked on reading; files are
written atomically (a killed writer leaves no half file) behind a CRC-32 of
its bytes, so a file damaged in a way that still decodes (a flipped bit inside
a token, a shard cut out) is recomputed rather than trusted; anything that
cannot be read or written is simply recomputed. ``FTLINT_CACHE_DIR`` moves the folder,
and an empty value turns every cache off.
"""

from __future__ import annotations

import marshal
import os
import tempfile
import zlib
from typing import Any

CACHE_DIR_ENV = "FTLINT_CACHE_DIR"  # overrides the platform's cache folder; empty turns the cache off


def cache_dir() -> str | None:
    """Where cached values are kept, or None when caching is turned off."""
    folder = os.environ.get(CACHE_DIR_ENV)
    if folder is not None:
        return folder or None
    import platformdirs

    return platformdirs.user_cache_dir("ftlint", appauthor=False)


def read(name: str, tag: tuple) -> Any:
    """The value stored under ``name`` with this ``tag``, or None."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        with open(os.path.join(folder, f"{name}.marshal"), "rb") as file:
            return unpack(file.read(), tag)  # marshal.load(file) reads object by object: 10x slower
    except OSError:
        return None


def pack(tag: tuple, value: Any) -> bytes:
    """A cache file's bytes: the CRC-32 of the rest (4 bytes, little-endian), then ``(tag, value)`` marshalled."""
    body = marshal.dumps((tag, value))
    return zlib.crc32(body).to_bytes(4, "little") + body


def unpack(data: bytes, tag: tuple) -> Any:
    """The value of a cache file's bytes when they are whole and were stored with ``tag``, else None.

    The checksum costs about a millisecond for the largest file (a 4 MB vocabulary), a
    memoryview keeps it from copying."""
    body = memoryview(data)[4:]
    if len(data) < 4 or zlib.crc32(body) != int.from_bytes(data[:4], "little"):
        return None
    try:
        payload = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None
    if isinstance(payload, tuple) and len(payload) == 2 and payload[0] == tag:
        return payload[1]
    return None


def write(name: str, tag: tuple, value: Any) -> None:
    """Store ``value`` (marshal-able) under ``name``: written beside the target and renamed over it."""
    folder = cache_dir()
    if folder is None:
        return
    temporary = None
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}-", suffix=".tmp")
        with os.fdopen(descriptor, "wb") as file:
            file.write(pack(tag, value))
        os.replace(temporary, os.path.join(folder, f"{name}.marshal"))
        temporary = None
    except (OSError, ValueError):
        pass  # a cache we cannot write costs time, not correctness
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
