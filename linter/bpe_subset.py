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
"""

from __future__ import annotations

from typing import Any, Iterable

SHORT = 16  # tokens up to this many bytes are found by slicing the text at every length
HEAD = 8  # longer tokens (2 % of o200k_base) are found by an index of their first bytes


class Vocabulary:
    """The tokens of a full vocabulary that occur in a text, found without an encoder."""

    def __init__(self, ranks: dict[bytes, int]) -> None:
        self.ranks = ranks
        self.keys = ranks.keys()
        long: dict[bytes, list[bytes]] = {}
        for token in [token for token in ranks if len(token) > SHORT]:
            long.setdefault(token[:HEAD], []).append(token)
        self.long = long
        self.single = self.keys & {bytes((byte,)) for byte in range(256)}

    def tokens_in(self, data: bytes) -> set[bytes]:
        """Every token that occurs in ``data`` (and possibly a few that do not: never fewer)."""
        found = set(self.single)  # every byte is a token of a byte-level BPE
        keys, size = self.keys, len(data)
        for length in range(2, min(SHORT, size) + 1):
            found |= keys & {data[i:i + length] for i in range(size - length + 1)}
        if size > SHORT:
            for head in self.long.keys() & {data[i:i + HEAD] for i in range(size - HEAD + 1)}:
                found.update(token for token in self.long[head] if token in data)
        return found


class SubsetEncoder:
    """``encode_ordinary`` of an encoding whose vocabulary holds the tokens of the texts covered so far.

    ``cover(texts)`` grows the vocabulary before counting (one rebuild per
    call that brings new tokens) and says False once the rebuild budget is
    spent: the caller then switches to the full encoder. ``encode`` checks
    that its text is covered (covering it if not), so a count is exact
    whatever the caller covered beforehand.
    """

    def __init__(self, parts: dict[str, Any], rebuilds: int) -> None:
        self.parts = parts
        self.vocabulary = Vocabulary(parts["mergeable_ranks"])
        self.tokens: set[bytes] = set()
        self.rebuilds = rebuilds
        self._core = None

    def cover(self, texts: Iterable[str]) -> bool:
        """Make every text encodable; False when that would exceed the rebuild budget (nothing changed then)."""
        data = b"\0".join(text.encode("utf-8", "surrogatepass") for text in texts)  # \0: a harmless superset
        missing = self.vocabulary.tokens_in(data) - self.tokens
        if not missing:
            return True
        if self.rebuilds <= 0:
            return False
        self.rebuilds -= 1
        self.tokens |= missing
        self._build()
        return True

    def _build(self) -> None:
        import tiktoken

        ranks = self.parts["mergeable_ranks"]
        parts = dict(self.parts, name=f"{self.parts['name']}-subset", mergeable_ranks={t: ranks[t] for t in self.tokens})
        encoding = tiktoken.Encoding(**parts)
        self._core = getattr(getattr(encoding, "_core_bpe", None), "encode_ordinary", None) or encoding.encode_ordinary

    def encode(self, text: str) -> list[int] | None:
        """The tokens of ``text`` (raises UnicodeEncodeError like tiktoken's core), or None past the budget."""
        if not self.cover((text,)):
            return None
        return self._core(text)
