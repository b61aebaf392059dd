"""tiktoken encodings whose decoded BPE ranks are kept between runs.

tiktoken caches the BPE *file* (``TIKTOKEN_CACHE_DIR``) but decodes it again in
every process: 200,000 base64 tokens for o200k_base, a third of a second, most
of the time ``ftlint check`` spends on a small file (the pre-commit hook's
latency). Here the decoded ranks are kept as a marshal of the dict, several
times faster to load, in the user's cache folder (``$XDG_CACHE_HOME/ftlint`` on
Linux, by platformdirs).

The cache can only save time, never change a count: it is keyed by the sha256
of the BPE file tiktoken reads (and checks against its pinned hash), so a
changed file is never read through a stale copy; it is written atomically (a
killed writer leaves no half file); and a cache that cannot be read or written
(corrupt, foreign, read-only disk) falls back to tiktoken's own decoding.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
import types
from typing import Any, Callable

FORMAT = "ftlint-bpe-ranks-1"  # in the file name and the payload: a new layout never reads an old file
CACHE_DIR_ENV = "FTLINT_CACHE_DIR"  # overrides the platform's cache folder; empty turns the cache off

_loaded: dict[str, Any] = {}  # one encoding per process, as tiktoken's own registry keeps them


def cache_dir() -> str | None:
    """Where decoded ranks are kept, or None when the cache is turned off."""
    folder = os.environ.get(CACHE_DIR_ENV)
    if folder is not None:
        return folder or None
    import platformdirs

    return platformdirs.user_cache_dir("ftlint", appauthor=False)


def get_encoding(name: str) -> Any:
    """``tiktoken.get_encoding(name)``, its BPE ranks read through the cache.

    tiktoken's constructors call ``load_tiktoken_bpe(url, expected_hash)`` by
    its module-global name. A copy of the constructor whose globals name
    ``cached_ranks`` instead runs unchanged otherwise, without touching
    tiktoken's module. Encodings built some other way (a plugin's, a future
    tiktoken's) are left to tiktoken.
    """
    encoding = _loaded.get(name)
    if encoding is None:
        encoding = _loaded[name] = _build(name)
    return encoding


def _build(name: str) -> Any:
    import tiktoken
    from tiktoken import registry

    registry.list_encoding_names()  # fills registry.ENCODING_CONSTRUCTORS
    constructor = (registry.ENCODING_CONSTRUCTORS or {}).get(name)
    if cache_dir() is None or not _loads_ranks_by_name(constructor):
        return tiktoken.get_encoding(name)
    return tiktoken.Encoding(**_with_cached_ranks(constructor)())


def _loads_ranks_by_name(constructor: Callable | None) -> bool:
    return isinstance(constructor, types.FunctionType) and "load_tiktoken_bpe" in constructor.__code__.co_names


def _with_cached_ranks(constructor: types.FunctionType) -> types.FunctionType:
    namespace = dict(constructor.__globals__, load_tiktoken_bpe=cached_ranks)
    return types.FunctionType(constructor.__code__, namespace, constructor.__name__, constructor.__defaults__, constructor.__closure__)


def cached_ranks(blobpath: str, expected_hash: str | None = None) -> dict[bytes, int]:
    """``tiktoken.load.load_tiktoken_bpe`` with the decoded result cached by the file's sha256."""
    from tiktoken.load import load_tiktoken_bpe, read_file_cached

    digest = hashlib.sha256(read_file_cached(blobpath, expected_hash)).hexdigest()
    folder = cache_dir()
    path = os.path.join(folder, f"{FORMAT}-{digest}.marshal") if folder else None
    ranks = _read(path, digest) if path else None
    if ranks is None:
        ranks = load_tiktoken_bpe(blobpath, expected_hash)
        if path:
            _write(path, digest, ranks)
    return ranks


def _read(path: str, digest: str) -> dict[bytes, int] | None:
    try:
        with open(path, "rb") as file:
            payload = marshal.loads(file.read())  # marshal.load(file) reads object by object: 10x slower
    except (OSError, EOFError, ValueError, TypeError):
        return None
    ok = isinstance(payload, tuple) and len(payload) == 3 and payload[:2] == (FORMAT, digest) and isinstance(payload[2], dict)
    return payload[2] if ok else None


def _write(path: str, digest: str, ranks: dict[bytes, int]) -> None:
    """Write beside the target and rename over it: readers see the whole file or none."""
    folder = os.path.dirname(path)
    temporary = None
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".bpe-", suffix=".tmp")
        with os.fdopen(descriptor, "wb") as file:
            marshal.dump((FORMAT, digest, ranks), file)
        os.replace(temporary, path)
        temporary = None
    except OSError:
        pass  # a cache we cannot write costs time, not correctness
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
