"""Autofix that never loses data.

A pass lints the file and, through the engine's row sink, rewrites each row
that has applicable fixes: value fixes edit the parsed row (the line is then
re-serialised with orjson), raw fixes edit the line's bytes. Every other line
is copied byte for byte from the source. Fixes attached to dataset-level
findings (line endings) apply to every line in a second stream over the
output. Passes repeat until one changes nothing, so fixing twice is a no-op.

The result replaces the file atomically (``linter.atomic``), goes to
``--output``, or becomes a unified diff with nothing written.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import orjson

from . import atomic
from .engine import FileResult, Linter
from .findings import Applicability, Finding
from .rows import Row

MAX_PASSES = 5
BOM = b"\xef\xbb\xbf"
COPY_BLOCK = 1 << 20


class NotFixable(ValueError):
    """The file is not in a format the fixer rewrites."""


@dataclass
class FixReport:
    path: str
    fixed: Counter = field(default_factory=Counter)  # code -> fixes applied
    remaining: list[Finding] = field(default_factory=list)
    result: FileResult | None = None
    changed: bool = False
    diff: str = ""
    rejects: str | None = None  # where dropped rows went


def _copy(source: BinaryIO, out: BinaryIO, start: int, end: int) -> None:
    source.seek(start)
    left = end - start
    while left > 0:
        block = source.read(min(COPY_BLOCK, left))
        if not block:
            break
        out.write(block)
        left -= len(block)


class Fixer:
    """Applies the fixes of one linter's rules to files."""

    def __init__(self, linter: Linter, *, unsafe: bool = False, rejects: str | None = None) -> None:
        self.linter = linter
        self.allowed = {Applicability.SAFE, Applicability.UNSAFE} if unsafe else {Applicability.SAFE}
        self.rejects = rejects
        self.rejected: list[bytes] = []

    def applicable(self, finding: Finding) -> bool:
        return finding.fix is not None and finding.fix.applicability in self.allowed

    def fix_file(self, path: str, *, output: str | None = None, diff: bool = False) -> FixReport:
        reader = self.linter.registry.reader_for(path)
        if reader.name != "jsonl":
            raise NotFixable(f"{path}: fixes rewrite JSON Lines files; this is {reader.name} (convert it first: ftlint convert)")
        report = FixReport(path)
        self.rejected = []  # dropped rows of this file only
        target = output or path
        current = path
        temps: list[str] = []
        try:
            for _ in range(MAX_PASSES):
                fd, temp = atomic.temp_beside(target)
                temps.append(temp)
                with os.fdopen(fd, "wb") as out:
                    changed, fixed, remaining, result, file_fixes = self._pass(current, out, path)
                report.remaining, report.result = remaining, result
                if changed:
                    # line-targeted drops refer to this pass's source lines: the next pass recomputes them
                    file_fixes = [f for f in file_fixes if not f.fix.drops]
                if file_fixes:
                    fd, every = atomic.temp_beside(target)
                    temps.append(every)
                    with os.fdopen(fd, "wb") as out:
                        if self._rewrite_every_line(temp if changed else current, out, file_fixes, self.rejected):
                            changed = True
                            temp = every
                            fixed.update(f.code for f in file_fixes)
                if not changed:
                    break
                report.fixed.update(fixed)
                report.changed = True
                current = temp
            if diff:
                report.diff = _unified_diff(path, current) if report.changed else ""
            elif report.changed:
                if self.rejected:
                    report.rejects = self._write_rejects(path)
                atomic.replace(current, target)
            elif output:
                shutil.copyfile(path, output)
        finally:
            for temp in temps:
                if os.path.exists(temp):
                    os.unlink(temp)
        return report

    def _write_rejects(self, path: str) -> str:
        """Append dropped rows, as they were, to the rejects file (never lost)."""
        target = self.rejects or path + ".rejects.jsonl"
        with open(target, "ab") as handle:
            for segment in self.rejected:
                handle.write(segment if segment.endswith(b"\n") else segment + b"\n")
        self.rejected = []
        return target

    def _pass(self, source_path: str, out: BinaryIO, display: str) -> tuple[bool, Counter, list[Finding], FileResult, list[Finding]]:
        fixed: Counter = Counter()
        size = os.path.getsize(source_path)
        position = 0
        changed = False
        seen_in_rows: set[int] = set()

        with open(source_path, "rb") as source:

            def sink(row: Row, findings: list[Finding]) -> None:
                nonlocal position, changed
                for finding in findings:
                    seen_in_rows.add(id(finding))
                fixes = [f for f in findings if self.applicable(f)]
                if not fixes:
                    return
                start = 0 if row.number == 1 else row.offset  # line 1 keeps its BOM in the segment
                end = min(row.offset + row.length + 1, size)
                source.seek(start)
                segment = source.read(end - start)
                if any(f.fix.drops for f in fixes):
                    new = segment[:3] if segment.startswith(BOM) else b""
                    self.rejected.append(segment[len(new):])
                    fixes = [f for f in fixes if f.fix.drops][:1]
                else:
                    new = self._rewrite(row, segment, fixes)
                if new != segment:
                    _copy(source, out, position, start)
                    out.write(new)
                    position = end
                    changed = True
                    for finding in fixes:
                        fixed[finding.code] += 1

            findings, result = self.linter.lint_path(source_path, row_sink=sink, display=display)
            remaining = list(findings)
            file_fixes = [f for f in remaining if id(f) not in seen_in_rows and self.applicable(f)]
            if changed:
                _copy(source, out, position, size)
        return changed, fixed, remaining, result, file_fixes

    @staticmethod
    def _rewrite(row: Row, segment: bytes, fixes: list[Finding]) -> bytes:
        new = segment
        value_fixes = [f.fix for f in fixes if f.fix.apply is not None]
        if value_fixes and row.parsed:
            value = row.value
            for fix in value_fixes:
                value = fix.apply(value)
            ending = b"\r\n" if segment.endswith(b"\r\n") else b"\n" if segment.endswith(b"\n") else b""
            new = (BOM if segment.startswith(BOM) else b"") + serialise(value, segment) + ending
        for finding in fixes:
            if finding.fix.raw is not None:
                new = finding.fix.raw(new)
        return new

    @staticmethod
    def _rewrite_every_line(source_path: str, out: BinaryIO, fixes: list[Finding], rejected: list[bytes]) -> bool:
        """Apply dataset-level fixes: file-wide ones to every line, dropping ones to their line; True when anything changed."""
        changed = False
        drop_lines = {f.line for f in fixes if f.fix.drops}
        fixes = [f for f in fixes if not f.fix.drops]
        value_fixes = [f.fix.apply for f in fixes if f.fix.apply is not None]
        raw_fixes = [f.fix.raw for f in fixes if f.fix.raw is not None]
        number = 0

        def emit(segment: bytes) -> None:
            nonlocal changed, number
            number += 1
            if number in drop_lines:
                bom = segment[:3] if number == 1 and segment.startswith(BOM) else b""
                rejected.append(segment[len(bom):])
                out.write(bom)
                changed = True
                return
            new = segment
            if value_fixes:
                new = _apply_to_line(new, value_fixes)
            for raw in raw_fixes:
                new = raw(new)
            changed = changed or new != segment
            out.write(new)

        with open(source_path, "rb") as source:
            pending = b""
            while True:
                block = source.read(COPY_BLOCK)
                if not block:
                    break
                lines = (pending + block).split(b"\n")
                pending = lines.pop()
                for line in lines:
                    emit(line + b"\n")
            if pending:
                emit(pending)
        return changed


def _apply_to_line(segment: bytes, fixes) -> bytes:
    """Apply value fixes to one line (with its ending); lines that do not parse stay as they are."""
    body = segment.rstrip(b"\r\n")
    ending = segment[len(body) :]
    bom = BOM if body.startswith(BOM) else b""
    try:
        value = orjson.loads(body[len(bom) :])
    except orjson.JSONDecodeError:
        return segment
    if not isinstance(value, dict):
        return segment
    fixed = value
    for apply in fixes:
        fixed = apply(fixed)
    if fixed == value:
        return segment
    return bom + serialise(fixed, body) + ending


def serialise(value, original: bytes) -> bytes:
    """Serialise a fixed row in the style of its original line, for the smallest diff.

    ``{"a": 1, "b": 2}`` (Python's json default) keeps its spaces and
    ``\\u`` escapes of an all-ASCII line stay escapes; compact UTF-8 lines use orjson.
    """
    spaced = b'": ' in original or b', "' in original
    escaped = original.isascii() and b"\\u" in original
    if not spaced and not escaped:
        return orjson.dumps(value)
    separators = (", ", ": ") if spaced else (",", ":")
    return json.dumps(value, ensure_ascii=escaped, separators=separators).encode("utf-8")


def _unified_diff(original: str, fixed: str) -> str:
    """A unified diff (holds both versions in memory; meant for review, not for huge files)."""
    before = Path(original).read_bytes().decode("utf-8", errors="backslashreplace").splitlines(keepends=True)
    after = Path(fixed).read_bytes().decode("utf-8", errors="backslashreplace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(before, after, fromfile=f"a/{original}", tofile=f"b/{original}"))
