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
import types
from typing import Any, Callable

from . import disk_cache
from .disk_cache import CACHE_DIR_ENV, cache_dir  # noqa: F401 - where the ranks are kept, as before

FORMAT = "ftlint-bpe-ranks-1"  # in the file name and the payload: a new layout never reads an old file

# one encoding per process, as tiktoken's own registry keeps them (``name``), and the
# arguments it is built from, ranks included (``(name, "parts")``): one dict to forget
_loaded: dict[Any, Any] = {}


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


def encoding_parts(name: str) -> dict | None:
    """The arguments ``tiktoken.Encoding`` is built from (name, pattern, ranks,
    special tokens), without building it: ``linter.bpe_subset`` builds small
    encoders from them. None for an encoding not made by a plain constructor."""
    key = (name, "parts")
    if key not in _loaded:
        import tiktoken
        from tiktoken import registry

        registry.list_encoding_names()  # fills registry.ENCODING_CONSTRUCTORS
        constructor = (registry.ENCODING_CONSTRUCTORS or {}).get(name)
        if constructor is None:
            tiktoken.get_encoding(name)  # tiktoken's own error for a name it does not know
        if not _loads_ranks_by_name(constructor):
            _loaded[key] = None
        elif cache_dir() is None:
            _loaded[key] = constructor()
        else:
            _loaded[key] = _with_cached_ranks(constructor)()
    return _loaded[key]


def _build(name: str) -> Any:
    import tiktoken

    parts = encoding_parts(name)
    return tiktoken.get_encoding(name) if parts is None else tiktoken.Encoding(**parts)


def _loads_ranks_by_name(constructor: Callable | None) -> bool:
    return isinstance(constructor, types.FunctionType) and "load_tiktoken_bpe" in constructor.__code__.co_names


def _with_cached_ranks(constructor: types.FunctionType) -> types.FunctionType:
    namespace = dict(constructor.__globals__, load_tiktoken_bpe=cached_ranks)
    return types.FunctionType(constructor.__code__, namespace, constructor.__name__, constructor.__defaults__, constructor.__closure__)


def cached_ranks(blobpath: str, expected_hash: str | None = None) -> dict[bytes, int]:
    """``tiktoken.load.load_tiktoken_bpe`` with the decoded result cached by the file's sha256."""
    from tiktoken.load import load_tiktoken_bpe, read_file_cached

    digest = hashlib.sha256(read_file_cached(blobpath, expected_hash)).hexdigest()
    name, tag = f"{FORMAT}-{digest}", (FORMAT, digest)
    ranks = disk_cache.read(name, tag)
    if not isinstance(ranks, dict):
        ranks = load_tiktoken_bpe(blobpath, expected_hash)
        disk_cache.write(name, tag, ranks)
    return ranks
