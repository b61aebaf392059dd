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
from .. import rowscan
from ..rows import Row
from . import Reader

BLOCK_SIZE = 1 << 20
BOM = b"\xef\xbb\xbf"


class Lines:
    """Consecutive plain lines of one block, not yet parsed: ``count`` lines, the first being line
    ``number`` at byte ``offset``, and ``data``, the block's bytes that hold them (``\\n``-joined).
    ``pieces`` (the lines as bytes, without their ``\\n``) is cut on first use: the fast path reads
    ``data`` whole (``rowscan.scan_block``) and makes no bytes object per line."""

    __slots__ = ("number", "offset", "data", "count", "_pieces")

    def __init__(self, number: int, offset: int, data: bytes, count: int, pieces: list[bytes] | None = None) -> None:
        self.number, self.offset, self.data, self.count, self._pieces = number, offset, data, count, pieces

    @property
    def pieces(self) -> list[bytes]:
        if self._pieces is None:
            self._pieces = self.data.split(b"\n")
        return self._pieces

    def split(self, count: int) -> tuple["Lines", "Lines"]:
        """The first ``count`` lines and the rest, as two runs (``0 < count < self.count``)."""
        cut = -1
        for _ in range(count):  # past the head's newlines
            cut = self.data.index(b"\n", cut + 1)
        cut += 1
        return (Lines(self.number, self.offset, self.data[: cut - 1], count),
                Lines(self.number + count, self.offset + cut, self.data[cut:], self.count - count))


class JsonlReader(Reader):
    name = "jsonl"
    problems = PROBLEMS
    extensions = (".jsonl", ".ndjson", ".jsonlines")
    description = "JSON Lines: one JSON object per line"

    def rows(self, stream: BinaryIO, *, max_line_bytes: int, first_line: int = 1, offset: int = 0) -> Iterator[Row]:
        row = self._row
        for item in self.batches(stream, max_line_bytes=max_line_bytes, first_line=first_line, offset=offset):
            if item.__class__ is Lines:
                number, at = item.number, item.offset
                for piece in item.pieces:
                    yield row(number, at, piece, len(piece))
                    number += 1
                    at += len(piece) + 1
            else:
                yield item

    def batches(self, stream: BinaryIO, *, max_line_bytes: int, first_line: int = 1, offset: int = 0) -> Iterator[Row | Lines]:
        """What ``rows`` reads, with each block's run of plain lines handed over unparsed as one ``Lines``.

        A plain line lies whole in one block and is at most ``max_line_bytes`` long: nearly every line.
        The engine's fast path (``linter.fast_path``) proves most of them clean in one compiled call per
        block; ``rows`` parses them one by one. Lines that span blocks or are over-long come as rows."""
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
            first_end = block.find(b"\n")  # the end of the block's first line, or -1: no line ends here
            last_end = block.rfind(b"\n")
            tail = block[last_end + 1:]
            start = 0  # where the block's whole lines begin
            if first_end >= 0 and parts:  # the line that began in an earlier block ends in this one
                piece = block[:first_end]
                length = pending + len(piece)
                if length <= held:
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
                start = first_end + 1
            elif first_end >= 0 and pending:  # a line past ``held`` ends here (its parts were let go)
                piece = block[:first_end]
                yield self._unread(number, line_start, pending + len(piece), (piece or last)[-1:] == b"\r", opened)
                number += 1
                line_start += pending + len(piece) + 1
                pending = 0
                start = first_end + 1
            if 0 <= start <= last_end:  # whole lines from start to the last newline
                data = block[start:last_end]
                whole = None
                # the usual block: every line plain (a line is shorter than the block, or the data itself is short)
                if len(data) <= max_line_bytes or max(map(len, whole := data.split(b"\n"))) <= max_line_bytes:
                    count = rowscan.count_newlines(data) + 1 if whole is None else len(whole)
                    yield Lines(number, line_start, data, count, whole)
                    number += count
                    line_start += len(data) + 1
                else:
                    for piece in whole:
                        length = len(piece)
                        if length <= max_line_bytes or (length <= held and piece.startswith(BOM)):
                            yield self._row(number, line_start, piece, length)
                        else:
                            yield self._unread(number, line_start, length, (piece or last)[-1:] == b"\r", piece.startswith(BOM))
                        number += 1
                        line_start += length + 1
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
