"""The streaming JSONL reader.

Reads bytes in fixed-size blocks and splits on ``\\n`` only (a ``\\r`` before
it is kept and reported, never treated as a line break). Memory is bounded by
the block size plus the longest line allowed: a line longer than
``max-line-bytes`` is skipped without being buffered and reported by
FT007 line-too-long. A UTF-8 BOM at the start of any line (the file's first,
or one left inside by concatenating exports) is removed before parsing and
reported by FT008: ``row.offset`` and ``row.length`` then exclude it, so the
line's bytes start three bytes before ``row.offset``.
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
        while True:
            block = stream.read(BLOCK_SIZE)
            if not block:
                break
            lines = block.split(b"\n")
            tail = lines.pop()
            for piece in lines:
                length = pending + len(piece)
                if parts and length <= max_line_bytes:
                    parts.append(piece)
                    piece = b"".join(parts)
                if length <= max_line_bytes:
                    yield self._row(number, line_start, piece, length)
                else:
                    yield self._unread(number, line_start, length, (piece or last)[-1:] == b"\r")
                number += 1
                line_start += length + 1
                parts = []
                pending = 0
            last = block[-1:]
            if tail:
                pending += len(tail)
                # past the cap, keep counting but stop buffering the line
                if pending > max_line_bytes:
                    parts = []
                else:
                    parts.append(tail)
        if pending:  # a last line without \n (or a file that is only a BOM)
            if pending <= max_line_bytes:
                yield self._row(number, line_start, b"".join(parts), pending)
            else:
                yield self._unread(number, line_start, pending, last == b"\r")

    @staticmethod
    def _unread(number: int, offset: int, length: int, crlf: bool) -> Row:
        """A line over max-line-bytes, skipped unparsed (FT007); whether it ends with CR is kept (FT009
        counts it, and its findings are known without it, as FT009's fix removes it)."""
        row = Row(number, offset, None, length)
        row.crlf = crlf
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


@hookimpl
def register_readers(register):
    register(JsonlReader())
