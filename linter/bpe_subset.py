"""A tiktoken encoder built on the part of its vocabulary the texts can use.

Building tiktoken's o200k_base encoder takes 0.2 s (its Rust core hashes and
sorts 200,000 tokens), most of what ``ftlint check`` spends on a three-row
file, whose summary counts a few dozen strings.

Byte-pair encoding only ever asks the vocabulary about substrings of the
text it encodes: the pattern splits the text into pieces, a piece that is a
token is taken whole, and otherwise each merge step looks up a pair of
adjacent parts, itself a substring of the piece. An encoder whose vocabulary
holds *every* token that occurs somewhere in the text (with its own rank)
therefore gets the same answer to every lookup as the full one (present with
the same rank, or absent) and returns the same tokens. Extra tokens never
change an answer, so the vocabulary may be a superset: it grows with each row
and is rebuilt (5 ms: mostly compiling the pattern) when a row brings tokens
it lacks. Past a small budget of rebuilds the caller builds the full encoder
once instead: a big file pays at most the budget on top of today's cost.

Finding the tokens a text holds means looking up its substrings. When no
token of the vocabulary holds a printable ASCII character followed by a space
(true of every OpenAI encoding; ``bpe_cache`` checks it when it builds the
shards), no token can straddle a cut made there (``x| y``), so the substrings
of those words are enough: about 3 a byte instead of 15.
"""

from __future__ import annotations

import marshal
import re
from typing import Any, Iterable

from .bpe_cache import LONG as SHORT, PREFIX, WORD_END

# tokens up to SHORT bytes are found by slicing the text at every length; longer ones
# (2 % of o200k_base, listed apart in each shard) by an index of their first HEAD bytes
HEAD = 8

builds = 0  # subset encoders built in this process (linter.tokens stops building them past a budget)

_WORD_CUT = re.compile(rb"(?<=" + WORD_END + rb")(?= )")  # between the two bytes of a bpe_cache.WORD_CUT


class Vocabulary:
    """The tokens of a full vocabulary that occur in a text, found without an encoder.

    The vocabulary comes in shards by first bytes (``bpe_cache.BpeFile.shards``);
    only the shards of the prefixes a text holds are decoded, so a few chat rows
    read a fraction of it.
    """

    def __init__(self, shards: dict[bytes, bytes], cut_words: bool = False) -> None:
        self.shards = shards
        self.cut_words = cut_words  # no token straddles _WORD_CUT (bpe_cache.BpeFile.shards)
        self.width = PREFIX
        self.ranks: dict[bytes, int] = {}
        self.keys = self.ranks.keys()  # a live view: it sees the shards merged later
        self.long: dict[bytes, list[bytes]] = {}
        self.merged: set[bytes] = set()
        self._merge({b""})  # the tokens shorter than a prefix: any text may use them
        self.single = self.keys & {bytes((byte,)) for byte in range(256)}

    def _merge(self, prefixes: set[bytes]) -> None:
        for prefix in prefixes - self.merged:
            blob = self.shards.get(prefix)
            if blob is not None:
                ranks, long = marshal.loads(blob)
                self.ranks.update(ranks)
                for token in long:
                    self.long.setdefault(token[:HEAD], []).append(token)
        self.merged |= prefixes

    def tokens_in(self, data: bytes) -> set[bytes]:
        """Every token that occurs in ``data`` (and possibly a few that do not: never fewer)."""
        size, width = len(data), self.width
        self._merge({data[i:i + width] for i in range(size - width + 1)})
        found = set(self.single)  # every byte is a token of a byte-level BPE
        keys = self.keys
        if self.cut_words:
            found |= keys & {word[i:i + length] for word in _WORD_CUT.split(data)
                             for length in range(2, min(SHORT, len(word)) + 1) for i in range(len(word) - length + 1)}
        else:
            for length in range(2, min(SHORT, size) + 1):
                found |= keys & {data[i:i + length] for i in range(size - length + 1)}
        if size > SHORT:
            for head in self.long.keys() & {data[i:i + HEAD] for i in range(size - HEAD + 1)}:
                found.update(token for token in self.long[head] if token in data)
        return found


class SubsetEncoder:
    """``encode_ordinary`` of an encoding whose vocabulary holds the tokens of the texts covered so far.

    ``cover(texts)`` grows the vocabulary before counting (one rebuild per
    call that brings new tokens) and says False once the budget of rebuilds or
    of bytes scanned is spent: the caller then switches to the full encoder. ``encode`` checks
    that its text is covered (covering it if not), so a count is exact
    whatever the caller covered beforehand.
    """

    MAX_COVERED = 4096  # texts remembered as covered (a row's strings, then each text encoded)

    def __init__(self, parts: dict[str, Any], shards: tuple[dict[bytes, bytes], bool], rebuilds: int, scan_bytes: int) -> None:
        self.parts = parts  # tiktoken.Encoding's arguments but its ranks
        self.vocabulary = Vocabulary(*shards)  # the shards and whether texts may be cut into words
        self.tokens: set[bytes] = set()
        self.rebuilds = rebuilds
        # Finding a text's tokens slices it at every offset and length (about 15 set
        # insertions a byte): past this many bytes in all, the full encoder is cheaper
        self.scan_bytes = scan_bytes
        self.covered: set[str] = set()  # texts known to be encodable: encode need not scan them again
        self._core = None

    def cover(self, texts: Iterable[str]) -> bool:
        """Make every text encodable; False when that would exceed the rebuild or the scan budget."""
        texts = [text for text in texts if text not in self.covered]
        data = b"\0".join(text.encode("utf-8", "surrogatepass") for text in texts)  # \0: a harmless superset
        if len(data) > self.scan_bytes:
            return False
        self.scan_bytes -= len(data)
        try:
            missing = self.vocabulary.tokens_in(data) - self.tokens
            if missing:
                if self.rebuilds <= 0:
                    return False
                self.rebuilds -= 1
                self.tokens |= missing
                self._build()
        except Exception:  # noqa: BLE001 - a damaged shard, an encoding tiktoken builds otherwise: the full encoder counts
            self.rebuilds, self.scan_bytes = 0, -1
            return False
        if len(self.covered) + len(texts) > self.MAX_COVERED:
            self.covered.clear()
        self.covered.update(texts)
        return True

    def _build(self) -> None:
        import tiktoken

        global builds
        builds += 1
        ranks = self.vocabulary.ranks
        parts = dict(self.parts, name=f"{self.parts['name']}-subset", mergeable_ranks={t: ranks[t] for t in self.tokens})
        parts.pop("explicit_n_vocab", None)  # p50k_base & co. assert their full size, which a subset never has
        encoding = tiktoken.Encoding(**parts)
        self._core = getattr(getattr(encoding, "_core_bpe", None), "encode_ordinary", None) or encoding.encode_ordinary

    def encode(self, text: str) -> list[int] | None:
        """The tokens of ``text`` (raises UnicodeEncodeError like tiktoken's core), or None past the budget."""
        if text not in self.covered and not self.cover((text,)):
            return None
        return self._core(text)
