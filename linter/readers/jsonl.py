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


class Lines:
    """Consecutive plain lines of one block, not yet parsed: ``pieces`` (without their ``\\n``), the first
    being line ``number`` at byte ``offset``, and ``data``, the block's bytes that hold them (``\\n``-joined)."""

    __slots__ = ("number", "offset", "data", "pieces")

    def __init__(self, number: int, offset: int, data: bytes, pieces: list[bytes]) -> None:
        self.number, self.offset, self.data, self.pieces = number, offset, data, pieces

    def split(self, count: int) -> tuple["Lines", "Lines"]:
        """The first ``count`` lines and the rest, as two runs (``0 < count < len(pieces)``)."""
        head = self.pieces[:count]
        cut = sum(map(len, head)) + len(head)  # where the rest starts in ``data``: past the head's newlines
        return (Lines(self.number, self.offset, self.data[: cut - 1], head),
                Lines(self.number + count, self.offset + cut, self.data[cut:], self.pieces[count:]))


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
            lines = block.split(b"\n")
            tail = lines.pop()
            first = 0
            if lines and parts:  # the line that began in an earlier block ends in this one
                piece = lines[0]
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
                first = 1
            elif lines and pending:  # a line past ``held`` ends here (its parts were let go)
                piece = lines[0]
                yield self._unread(number, line_start, pending + len(piece), (piece or last)[-1:] == b"\r", opened)
                number += 1
                line_start += pending + len(piece) + 1
                pending = 0
                first = 1
            if first < len(lines):
                whole = lines[first:] if first else lines
                if max(map(len, whole)) <= max_line_bytes:  # the usual block: every line plain
                    start = len(block) - len(tail) - 1 - sum(map(len, whole)) - len(whole) + 1
                    data = block[start : len(block) - len(tail) - 1]
                    yield Lines(number, line_start, data, whole)
                    number += len(whole)
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
