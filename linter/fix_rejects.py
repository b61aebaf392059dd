"""The rows a fix drops, kept exactly as the input held them, with the reason each left.

A fix runs passes until nothing changes, each over the previous pass's
output. A row edited in pass 1 (padding stripped, an unknown key removed) can
be dropped in pass 2 (it became a duplicate): the rejects file must then hold
the row as the *input* held it, not the edited copy. So each pass records,
for every line it writes, which input line it came from (``Origins``: one
integer per line in an ``array``, no Python object per row), and a dropped
line is recorded as its input line number and a reason (``Rejected``). When
the passes are done, one scan of the input, which stays unchanged until the
transaction commits, copies the dropped lines byte for byte (a line's BOM
aside, which leaves with it), in input order.

A plugin's byte fix that splits one line into several or joins two breaks the
line-for-line correspondence; from then on a dropped line is written as the
pass saw it (``Origins.exact`` turns False), as every drop was before.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
import json
import os
import tempfile
from array import array
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import BinaryIO, Iterator

from .secrets import redact_message
from .text import one_line

BOM = b"\xef\xbb\xbf"
SHOWN = 20  # dropped rows named one by one in the report; the rest are counted
UNKNOWN = -1


class Origins:
    """Which input line (0-based) each line of one pass's output came from.

    ``previous`` holds the origins of the pass's source lines; None means the
    source is the input itself. The pass reports what it writes in order:
    ``copied(n)`` for source lines copied unchanged, ``replaced(new, old)``
    for one source line rewritten (``new`` empty when it left).
    """

    def __init__(self, previous: Origins | None = None) -> None:
        self.previous = previous.out if previous is not None else None
        self.exact = previous.exact if previous is not None else True
        self.out = array("q")
        self.source_line = 0

    def origin(self, index: int) -> int:
        if not self.exact:
            return UNKNOWN
        if self.previous is None:
            return index
        return self.previous[index] if index < len(self.previous) else UNKNOWN

    def copied(self, lines: int) -> None:
        start, self.source_line = self.source_line, self.source_line + lines
        if not self.exact:
            return
        if self.previous is None:
            self.out.extend(range(start, start + lines))
        else:
            self.out.extend(self.previous[start : start + lines])

    def replaced(self, new: bytes, old: bytes) -> int:
        """Source line ``old`` became ``new`` (b"" when it left); returns its input line."""
        origin = self.origin(self.source_line)
        self.source_line += 1
        if not new or not self.exact:
            return origin
        if new.count(b"\n") != old.count(b"\n") or new.count(b"\n", 0, len(new) - 1):
            self.exact = False  # one line became several, or its newline went: the correspondence is gone
            return origin
        self.out.append(origin)
        return origin

    def finish(self) -> None:
        """The pass has written its last line: it must have accounted for every source line, or nothing is trusted."""
        if self.previous is not None and self.source_line != len(self.previous):
            self.exact = False

    def renumbered(self) -> bool:
        """Whether the source's lines are known and some are not numbered as the input numbers them
        (lines before them left in an earlier pass): its origins strictly ascend, so only the last needs looking at."""
        return self.exact and self.previous is not None and len(self.previous) > 0 and self.previous[-1] != len(self.previous) - 1


class InputNumbers:
    """The line numbers (from 1) the input gives each line of a pass's source, for the engine to name its rows by."""

    def __init__(self, origins: array) -> None:
        self.origins = origins

    def __len__(self) -> int:
        return len(self.origins)

    def __getitem__(self, index: int) -> int:
        return self.origins[index] + 1

    def source_line(self, number: int) -> int:
        """The source line (from 1) that input line ``number`` became; 0 (no line) if it left earlier."""
        index = bisect_left(self.origins, number - 1)
        return index + 1 if index < len(self.origins) and self.origins[index] == number - 1 else 0


@dataclass(frozen=True)
class Dropped:
    """One dropped row as the report names it: its input line (None if unknown) and the rule that dropped it."""

    line: int | None
    code: str
    name: str


class Rejected:
    """The rows a fix drops: input line numbers and reasons while the passes run, bytes at the end.

    A reason is a *note*: the rule (code and name, interned) and its finding's message, which is
    spooled to a temporary file (a million drops hold no million strings), so the reasons file can
    say of each row why it left, line for line with the rejects file.
    """

    def __init__(self) -> None:
        self._runs: list[tuple[array, array]] = []  # ascending runs of (input line, note id)
        self._last = UNKNOWN
        self._rules: list[tuple[str, str]] = []
        self._rule_ids: dict[tuple[str, str], int] = {}
        self._note_rule = array("I")  # per note: its rule's id...
        self._note_at = array("q")  # ...and where its message starts in the spool
        self._messages: BinaryIO | None = None  # opened at the first note
        self._literal: BinaryIO | None = None  # rows whose input line is unknown (rare: opened when one comes)
        self._literal_reasons = array("q")
        self.count = 0
        self.shown: list[Dropped] = []
        self._used = -1  # the highest note a dropped row has: notes after it may be forgotten
        self._named: str | None = None  # the input as the reasons file names it (set by write)

    def reason(self, code: str, name: str, message: str = "") -> int:
        """A note id for a row dropped by rule ``code`` with ``message`` (one line of the reasons file)."""
        key = (code, name)
        if key not in self._rule_ids:
            self._rule_ids[key] = len(self._rules)
            self._rules.append(key)
        if self._messages is None:
            self._messages = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._note_rule.append(self._rule_ids[key])
        self._note_at.append(self._messages.seek(0, 2))
        self._messages.write(message.encode("utf-8", "backslashreplace").replace(b"\n", b" ") + b"\n")
        return len(self._note_rule) - 1

    def forget(self, note: int) -> None:
        """Forget the notes from ``note`` on, which no dropped row has: the reasons of drops a pass found
        and did not make (the next pass finds them again), so a million of them are not held twice."""
        if note <= self._used or note >= len(self._note_rule):
            return
        self._messages.truncate(self._note_at[note])
        del self._note_rule[note:]
        del self._note_at[note:]

    def add(self, origin: int, segment: bytes, reason: int) -> None:
        """Input line ``origin`` leaves for ``reason``; ``segment`` (the line as this pass saw it) is kept only if the origin is unknown."""
        self.count += 1
        self._used = max(self._used, reason)
        if origin == UNKNOWN:
            if self._literal is None:
                self._literal = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
            self._literal.write(_as_row(segment))
            self._literal_reasons.append(reason)
            return
        if not self._runs or origin <= self._last:
            self._runs.append((array("q"), array("q")))
        lines, reasons = self._runs[-1]
        lines.append(origin)
        reasons.append(reason)
        self._last = origin

    def _ascending(self) -> Iterator[tuple[int, int]]:
        return heapq.merge(*(zip(lines, reasons) for lines, reasons in self._runs))

    def write(self, source_path: str, fd: int, reasons_fd: int | None = None, unexplained: int = 0, named: str | None = None) -> None:
        """Write the dropped rows to the open file ``fd`` (input lines first, in input order, then the
        others) and, to ``reasons_fd``, one JSON line per row saying why it left and from which input
        (``named``: one rejects file may collect the rows of several inputs, run after run), in the
        same order, after ``unexplained`` placeholder lines for rows the rejects file holds without a
        reason (written by an older ftlint, or the reasons file deleted): the two files then line up again."""
        reasons = open(reasons_fd, "wb") if reasons_fd is not None else None  # noqa: SIM115 - closed below
        self._named = named
        try:
            if reasons is not None and unexplained > 0:
                reasons.write(reason_line(None, None, None, "no reason on record (rejected before the reasons file kept one)", None) * unexplained)
            with open(fd, "wb") as out, open(source_path, "rb") as source:
                position = 0
                for index, note in self._ascending():
                    if index > position:
                        next(islice(source, index - position, index - position), None)  # skip lines at C speed
                    out.write(_as_row(source.readline()))
                    position = index + 1
                    self._name(index + 1, note, reasons)
                if self._literal is not None:
                    self._literal.seek(0)
                    while block := self._literal.read(1 << 20):
                        out.write(block)
                for note in self._literal_reasons:
                    self._name(None, note, reasons)
        finally:
            if reasons is not None:
                reasons.close()

    def _name(self, line: int | None, note: int, reasons: BinaryIO | None) -> None:
        code, name = self._rules[self._note_rule[note]]
        if len(self.shown) < SHOWN:
            self.shown.append(Dropped(line, code, name))
        if reasons is not None:
            reasons.write(reason_line(line, code, name, self._message(note), self._named))

    def _message(self, note: int) -> str:
        self._messages.seek(self._note_at[note])
        return self._messages.readline().rstrip(b"\n").decode("utf-8", "replace")

    def close(self) -> None:
        for spool in (self._literal, self._messages):
            if spool is not None:
                spool.close()


def reason_line(line: int | None, code: str | None, name: str | None, message: str, path: str | None) -> bytes:
    """One line of the reasons file: ASCII JSON (control and bidi characters escaped), the message redacted
    (the engine redacted it already; a file outlives the run, so once more costs nothing)."""
    return json.dumps({"path": path, "line": line, "code": code, "name": name, "message": redact_message(message)},
                      ensure_ascii=True).encode() + b"\n"


def recorded_path(source: str, reasons: str) -> str:
    """An input's name in the reasons file: relative to the file's folder, with ``/`` (as a baseline names
    its files), so runs from other working folders that append to one reasons file name an input alike."""
    return Path(os.path.relpath(os.path.abspath(source), os.path.dirname(os.path.abspath(reasons)))).as_posix()


def count_lines(path: str) -> int:
    """Lines in a file (a last line without a newline counts), 0 when it does not exist."""
    try:
        with open(path, "rb") as handle:
            lines, last = 0, b"\n"
            while block := handle.read(1 << 20):
                lines += block.count(b"\n")
                last = block[-1:]
    except FileNotFoundError:
        return 0
    return lines + (last != b"\n")


REASONS_SUFFIX = ".reasons"


def reasons_path(rejects: str) -> str:
    """Where the reasons of a rejects file go: beside it, ``REJECTS.reasons`` (which also marks the
    rejects file as ftlint's own output to a folder walk, ``linter.discovery``)."""
    return rejects + REASONS_SUFFIX


def _as_row(line: bytes) -> bytes:
    """A dropped line as the rejects file holds it: without a BOM, with its newline."""
    line = line.removeprefix(BOM)
    return line if line.endswith(b"\n") else line + b"\n"


def describe(report_path: str, rejects: str, dropped: list[Dropped], total: int) -> list[str]:
    """What the report says of dropped rows: one line per row for the first few, then a count."""
    where, to = one_line(report_path), one_line(rejects)
    out = [f"{where}:{d.line if d.line is not None else '?'}: {d.code} [{one_line(d.name)}] moved to {to}" for d in dropped]
    if total > len(dropped):
        out.append(f"ftlint: and {total - len(dropped):,} more row(s) moved to {to}")
    return out


def copy_lines(source: BinaryIO, out: BinaryIO, start: int, end: int, block_size: int = 1 << 20) -> int:
    """Copy bytes ``start``..``end`` of ``source`` to ``out``; returns how many lines they hold."""
    source.seek(start)
    left = end - start
    newlines = 0
    last = b"\n"
    while left > 0:
        block = source.read(min(block_size, left))
        if not block:
            break
        out.write(block)
        newlines += block.count(b"\n")
        last = block[-1:]
        left -= len(block)
    return newlines + (0 if last == b"\n" else 1)
