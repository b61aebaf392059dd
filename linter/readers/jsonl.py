"""The streaming JSONL reader.

Reads bytes in fixed-size blocks and splits on ``\\n`` only (a ``\\r`` before
it is kept and reported, never treated as a line break). Memory is bounded by
the block size plus the longest line allowed: a line longer than
``max-line-bytes`` is skipped without being buffered and reported by
FT007 line-too-long. A UTF-8 BOM at the start of any line (the file's first,
or one left inside by concatenating exports) is removed before parsing and
reported by FT008: ``row.offset`` and ``row.length`` then exclude it, so the
line's bytes start three bytes before ``row.offset``. An over-long line's BOM
is removed and reported all the same, and the limit counts the bytes after it:
a row must get the same findings and baseline fingerprint (its length) with
or without a BOM before it, which FT008's safe fix removes.
"""

from __future__ import annotations

from typing import BinaryIO, Iterator

from ..parsing import PROBLEMS, parse_row
from ..plugin import hookimpl
from ..rows import Row
from . import Reader

BLOCK_SIZE = 1 << 20
BOM = b"\xef\xbb\xbf"


class JsonlReader(Reader):
    name = "jsonl"
    problems = PROBLEMS
    extensions = (".jsonl", ".ndjson", ".jsonlines")
    description = "JSON Lines: one JSON object per line"

    def rows(self, stream: BinaryIO, *, max_line_bytes: int, first_line: int = 1, offset: int = 0) -> Iterator[Row]:
        number = first_line
        parts: list[bytes] = []  # pieces of a line that spans blocks
        pending = 0  # bytes in the current partial line
        line_start = offset
        last = b""  # the last byte read before this block: an over-long line's CR may end the previous block
        held = max_line_bytes + len(BOM)  # what a line may buffer: the limit counts the bytes after its BOM
        opened = False  # whether the line past ``held`` opened with a BOM (its first bytes are no longer held)
        while True:
            block = stream.read(BLOCK_SIZE)
            if not block:
                break
            lines = block.split(b"\n")
            tail = lines.pop()
            for piece in lines:
                length = pending + len(piece)
                if parts and length <= held:
                    parts.append(piece)
                    piece = b"".join(parts)
                if length <= max_line_bytes or (length <= held and piece.startswith(BOM)):
                    yield self._row(number, line_start, piece, length)
                else:
                    bom = opened if pending > held else _opens_with_bom(parts, piece)
                    yield self._unread(number, line_start, length, (piece or last)[-1:] == b"\r", bom)
                number += 1
                line_start += length + 1
                parts = []
                pending = 0
            last = block[-1:]
            if tail:
                if pending <= held < pending + len(tail):
                    opened = _opens_with_bom(parts, tail)
                pending += len(tail)
                # past the cap, keep counting but stop buffering the line
                if pending > held:
                    parts = []
                else:
                    parts.append(tail)
        if pending:  # a last line without \n (or a file that is only a BOM)
            piece = b"".join(parts)
            if pending <= max_line_bytes or (pending <= held and piece.startswith(BOM)):
                yield self._row(number, line_start, piece, pending)
            else:
                yield self._unread(number, line_start, pending, last == b"\r", opened if pending > held else piece.startswith(BOM))

    @staticmethod
    def _unread(number: int, offset: int, length: int, crlf: bool, bom: bool) -> Row:
        """A line over max-line-bytes, skipped unparsed (FT007); whether it ends with CR is kept (FT009
        counts it, and its findings are known without it, as FT009's fix removes it), and its BOM is left
        out as a parsed row's is (FT008 reports it; the row's length, its baseline identity, is the same
        without it)."""
        if bom:
            offset, length = offset + len(BOM), length - len(BOM)
        row = Row(number, offset, None, length)
        row.crlf = crlf
        row.bom = bom
        return row

    @staticmethod
    def _row(number: int, offset: int, raw: bytes, length: int) -> Row:
        """A parsed row; a BOM opening the line is the line's own (FT008), kept out of its JSON."""
        bom = raw.startswith(BOM)
        if bom:
            raw, offset, length = raw[len(BOM) :], offset + len(BOM), length - len(BOM)
        row = Row(number, offset, raw, length)
        row.bom = bom
        parse_row(row)
        return row


def _opens_with_bom(parts: list[bytes], piece: bytes) -> bool:
    """Whether the line held in ``parts`` (its first pieces, each at least a byte) and going on with ``piece`` opens with a BOM."""
    return (b"".join(parts[: len(BOM)]) + piece[: len(BOM)]).startswith(BOM)


@hookimpl
def register_readers(register):
    register(JsonlReader())
