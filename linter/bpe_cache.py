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

A second file keeps the same ranks grouped by their first three bytes
(``shards``): ``linter.bpe_subset`` reads only the groups a small file's text
can use (a quarter of the vocabulary for a few chat rows), without decoding
the whole dict.
"""

from __future__ import annotations

import atexit
import hashlib
import marshal
import os
import re
import types
from typing import Any, Callable

from . import disk_cache
from .disk_cache import CACHE_DIR_ENV, cache_dir  # noqa: F401 - where the ranks are kept, as before

FORMAT = "ftlint-bpe-ranks-1"  # in the file name and the payload: a new layout never reads an old file
SHARDS_FORMAT = "ftlint-bpe-shards-2"
PREFIX = 3  # shards group tokens by this many first bytes; shorter tokens are one shard (key b"")
LONG = 16  # each shard lists its tokens longer than this (linter.bpe_subset finds those by their head)
# A printable ASCII character followed by a space: no token of the OpenAI encodings holds one
# (``words_may_be_cut`` checks a vocabulary), so a text may be cut between the two (linter.bpe_subset)
WORD_END = rb"[\x21-\x7e]"
WORD_CUT = re.compile(WORD_END + rb" ")

# one encoding per process, as tiktoken's own registry keeps them (``name``), and the
# recipe it is built from (``(name, "recipe")``): one dict to forget
_loaded: dict[Any, Any] = {}


def get_encoding(name: str) -> Any:
    """``tiktoken.get_encoding(name)``, its BPE ranks read through the cache.

    tiktoken's constructors call ``load_tiktoken_bpe(url, expected_hash)`` by
    its module-global name. A copy of the constructor whose globals name
    ``BpeFile`` instead returns the rest of the arguments without reading the
    ranks (``recipe``); they are read through the cache when needed. Encodings
    built some other way (a plugin's, a future tiktoken's) are left to tiktoken.
    """
    encoding = _loaded.get(name)
    if encoding is None:
        encoding = _loaded[name] = _build(name)
    return encoding


def _kept_at_exit() -> None:
    """Keep the encodings still held when the process ends from being freed as it tears down: freeing
    o200k_base's tables (tiktoken's Rust core) took 0.1 s of every run that built it, after its last
    output; the system takes the memory back at once. Forked workers end without tearing down, and so
    does the ``ftlint`` command (``cli.run``): this serves the library's callers (``linter.api``)."""
    encodings = [encoding for key, encoding in _loaded.items() if type(key) is str]
    if not encodings:
        return
    try:
        import ctypes

        keep = ctypes.pythonapi.Py_IncRef
    except (ImportError, AttributeError):  # no CPython C API: the usual teardown
        return
    for encoding in encodings:
        keep(ctypes.py_object(encoding))


atexit.register(_kept_at_exit)


def built(name: str) -> bool:
    """Whether this process already holds the full encoding (``get_encoding`` costs nothing then)."""
    return name in _loaded


def _build(name: str) -> Any:
    import tiktoken

    found = recipe(name)
    if found is None:
        return tiktoken.get_encoding(name)
    parts, bpe = found
    return tiktoken.Encoding(**parts, mergeable_ranks=bpe.ranks())


def recipe(name: str) -> tuple[dict, "BpeFile"] | None:
    """``(arguments, bpe)``: what ``tiktoken.Encoding`` is built from but its ranks
    (name, pattern, special tokens), and the BPE file that holds them, unread.
    None for an encoding not made by a plain constructor."""
    key = (name, "recipe")
    if key not in _loaded:
        import tiktoken
        from tiktoken import registry

        registry.list_encoding_names()  # fills registry.ENCODING_CONSTRUCTORS
        constructor = (registry.ENCODING_CONSTRUCTORS or {}).get(name)
        if constructor is None:
            tiktoken.get_encoding(name)  # tiktoken's own error for a name it does not know
        found = None
        if _loads_ranks_by_name(constructor):
            try:
                parts = _with_loader(constructor, BpeFile)()
            except Exception:  # noqa: BLE001 - a constructor that does more with its ranks: tiktoken builds it
                parts = {}
            bpe = parts.pop("mergeable_ranks", None)
            if isinstance(bpe, BpeFile):
                found = (parts, bpe)
        _loaded[key] = found
    return _loaded[key]


def _loads_ranks_by_name(constructor: Callable | None) -> bool:
    return isinstance(constructor, types.FunctionType) and "load_tiktoken_bpe" in constructor.__code__.co_names


def _with_loader(constructor: types.FunctionType, loader: Callable) -> types.FunctionType:
    namespace = dict(constructor.__globals__, load_tiktoken_bpe=loader)
    return types.FunctionType(constructor.__code__, namespace, constructor.__name__, constructor.__defaults__, constructor.__closure__)


class BpeFile:
    """One BPE file tiktoken would read, its decoded ranks read through the cache on demand."""

    def __init__(self, blobpath: str, expected_hash: str | None = None) -> None:
        self.blobpath = blobpath
        self.expected_hash = expected_hash
        self._digest: str | None = None
        self._ranks: dict[bytes, int] | None = None
        self._shards: tuple[dict[bytes, bytes], bool] | None = None

    def digest(self) -> str:
        """The sha256 of the file (read, downloaded or found in TIKTOKEN_CACHE_DIR by tiktoken,
        which checks its pinned hash): what the cache files are keyed by. Raises when unavailable."""
        if self._digest is None:
            from tiktoken.load import read_file_cached

            self._digest = hashlib.sha256(read_file_cached(self.blobpath, self.expected_hash)).hexdigest()
        return self._digest

    def ranks(self) -> dict[bytes, int]:
        """``load_tiktoken_bpe``'s dict, from the cache when it holds this file's."""
        if self._ranks is None:
            from tiktoken.load import load_tiktoken_bpe

            if disk_cache.cache_dir() is None:
                self._ranks = load_tiktoken_bpe(self.blobpath, self.expected_hash)
                return self._ranks
            digest = self.digest()
            name, tag = f"{FORMAT}-{digest}", (FORMAT, digest)
            ranks = disk_cache.read(name, tag)
            if not isinstance(ranks, dict):
                ranks = load_tiktoken_bpe(self.blobpath, self.expected_hash)
                disk_cache.write(name, tag, ranks)
            self._ranks = ranks
        return self._ranks

    def shards(self) -> tuple[dict[bytes, bytes], bool] | None:
        """``(shards, cut_words)``: the ranks by first bytes, ``{prefix: marshal of (ranks of the
        tokens it starts, its tokens longer than LONG)}`` (prefix b"" for tokens shorter than
        PREFIX), and whether no token holds a printable ASCII character followed by a space
        (``WORD_CUT``: a text may then be cut there before its tokens are looked up). None when
        they are not cached and cannot be (no cache folder, or one this process cannot write):
        building them every run would cost more than the full encoder they save."""
        if self._shards is None:
            folder = disk_cache.cache_dir()
            if folder is None:
                return None
            digest = self.digest()
            name, tag = f"{SHARDS_FORMAT}-{digest}", (SHARDS_FORMAT, digest, PREFIX, LONG)
            found = disk_cache.read(name, tag)
            if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], dict) and b"" in found[0]):
                if not _writable(folder):
                    return None
                ranks = self.ranks()
                found = (shard(ranks), words_may_be_cut(ranks))
                disk_cache.write(name, tag, found)
            self._shards = found
        return self._shards


def _writable(folder: str) -> bool:
    """Whether the cache folder can take a new file (it, or the nearest folder above it that exists)."""
    path = os.path.abspath(folder)
    while not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent
    return os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


def words_may_be_cut(ranks: dict[bytes, int]) -> bool:
    """No token holds a printable ASCII character followed by a space (``WORD_CUT``)."""
    return not any(WORD_CUT.search(token) for token in ranks)


def shard(ranks: dict[bytes, int]) -> dict[bytes, bytes]:
    """``BpeFile.shards`` from the full ranks."""
    groups: dict[bytes, dict[bytes, int]] = {b"": {}}
    for token, rank in ranks.items():
        groups.setdefault(token[:PREFIX] if len(token) >= PREFIX else b"", {})[token] = rank
    return {prefix: marshal.dumps((group, tuple(t for t in group if len(t) > LONG))) for prefix, group in groups.items()}
