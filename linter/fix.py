"""Autofix that never loses data.

A pass lints the file and, through the engine's row sink, rewrites each row
that has applicable fixes: value fixes edit the parsed row (the line is then
re-serialised with orjson), raw fixes edit the line's bytes. Every other line
is copied byte for byte from the source. Fixes attached to dataset-level
findings (line endings) apply to every line in a second stream over the
output. Passes repeat until one changes nothing, so fixing twice is a no-op.

Memory stays small whatever the file size: rows move through temporary files,
each pass keeps one 8-byte integer per output line (the input line it came
from; at most three such arrays live at once, about 24 MB at a million lines), and
the findings of the last pass wait in an anonymous temporary file
(``FindingSpool``) until the caller reports them. A row dropped in any pass is
written to the rejects file as the input held it, with its reason
(``linter.fix_rejects``); a pass over a rewritten copy that drops rows names
them by their input lines (``Linter.lint_path(numbers=...)``), so a reason
("duplicate of line 2") names the input's lines, while the findings that
remain are numbered as the output holds its rows.

The result is one transaction (``linter.transaction``): the rewritten file
and the rows appended to the rejects file land together or not at all, under
a lock, whatever kills the process. It replaces the file in place, or goes to
``--output`` (whose rejects file is then replaced too: it holds that output's
rejects), or becomes a unified diff with nothing written. Files that are not
JSON Lines, and an input, output or rejects file named twice, are refused
before anything is written (``linter.fix_guard``).
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

import orjson

from . import atomic, patching, tempfiles, transaction
from .fix_rejects import (Dropped, InputNumbers, Origins, Rejected, copy_lines, count_lines, describe, reasons_path,
                          recorded_path)
from .engine import FileResult, Linter
from .findings import Applicability, Finding, Fix, Severity
from .fix_guard import Refused, check_distinct, check_jsonl, check_output_name
from .rows import Row
from .text import one_line, show_lines

# Built-in fixes settle in 2-4 passes (edits, then drops of rows the edits made duplicates, then a pass that
# changes nothing); conflicting edits on one row add a pass each. The cap stops fixes that undo each other.
MAX_PASSES = 10
BOM = b"\xef\xbb\xbf"
COPY_BLOCK = 1 << 20

NotFixable = Refused  # the file is not one the fixer rewrites, or paths collide


class FindingSpool:
    """Findings kept on disk (an anonymous temporary file), read back in order once.

    A fix reports what remains after its last pass; on a million-row file
    that is a million findings, too many to hold. Each is one orjson line of
    its fields; its fix keeps its description, safety and edits, not its callables.
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed when read or discarded
        self.count = 0

    def add(self, finding: Finding) -> None:
        fix = finding.fix
        fields = [finding.path, finding.line, finding.code, finding.name, finding.severity.value, finding.message,
                  finding.pointer, finding.context, finding.row, finding.column]
        if fix is not None:
            fields += [fix.description, fix.applicability.value, fix.drops, list(fix.edits)]
        try:
            self._file.write(orjson.dumps(fields, option=orjson.OPT_APPEND_NEWLINE))
        except orjson.JSONEncodeError:  # a lone surrogate quoted from the data: escaped by json
            self._file.write(json.dumps(fields).encode() + b"\n")
        self.count += 1

    def __iter__(self) -> Iterator[Finding]:
        self._file.seek(0)
        try:
            for line in self._file:
                path, number, code, name, severity, message, pointer, context, row, column, *fix = _load_line(line)
                yield Finding(path, number, code, name, Severity(severity), message, pointer,
                              Fix(fix[0], Applicability(fix[1]), drops=fix[2], edits=tuple(fix[3])) if fix else None, context, row, column)
        finally:
            self.close()

    def __len__(self) -> int:
        return self.count

    def close(self) -> None:
        self._file.close()


def _load_line(line: bytes) -> list:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


@dataclass
class FixReport:
    path: str
    fixed: Counter = field(default_factory=Counter)  # code -> fixes applied
    remaining: FindingSpool | list[Finding] = field(default_factory=list)
    result: FileResult | None = None
    changed: bool = False
    diff: str = ""
    rejects: str | None = None  # where dropped rows went
    untouched: str = ""  # why this file, among others that are datasets, was left as it is (not one)
    rejects_kept: str = ""  # what became of the rejects file's earlier rows: "appended", "replaced" or "" (none)
    rejected_rows: int = 0
    dropped: list[Dropped] = field(default_factory=list)  # the first dropped rows: input line and rule
    converged: bool = True  # False: the last pass still changed the file (MAX_PASSES reached)
    recovered: bool = False  # an interrupted earlier fix of this target was completed first
    held_back: int = 0  # fixable findings left unfixed because the baseline holds them
    stale_removed: list[str] = field(default_factory=list)

    def notes(self) -> list[str]:
        """What the user is told beyond the counts, escaped: each dropped row (the first few: input line,
        rule, rejects file; then a count), and a fix that did not settle in ``MAX_PASSES`` passes."""
        out = describe(self.path, self.rejects, self.dropped, self.rejected_rows) if self.rejects else []
        if not self.converged:
            out.append(f"ftlint: {one_line(self.path)}: the fixes still changed the file in pass {MAX_PASSES}, the last; what they "
                       "did is written, and the findings shown are those before that pass. Run fix again to go on; if it never "
                       "settles, two fixes undo each other (a plugin's?): see which with --diff")
        return out


class Fixer:
    """Applies the fixes of one linter's rules to files."""

    def __init__(self, linter: Linter, *, unsafe: bool = False, rejects: str | None = None, baseline=None) -> None:
        self.linter = linter
        self.allowed = {Applicability.SAFE, Applicability.UNSAFE} if unsafe else {Applicability.SAFE}
        self.rejects = rejects
        # a baseline's findings are accepted as they are: fixing one rewrites its row, which gives the row's
        # other baselined findings a new fingerprint, and check would report them again
        self.baseline = baseline
        self._held = None  # the baseline's matcher for the lint in progress (fresh counts each lint)
        self.held_back = 0  # fixable findings the baseline held in the last lint

    def applicable(self, finding: Finding) -> bool:
        if finding.fix is None or finding.fix.applicability not in self.allowed:
            return False
        if self._held is not None and self._held(finding):
            self.held_back += 1
            return False
        return True

    def _new_lint(self) -> None:
        """A lint of one pass starts: the baseline's counts start again (a pass sees every row once)."""
        self._held = self.baseline.holder() if self.baseline is not None else None

    def rejects_for(self, path: str, output: str | None = None) -> str:
        """Where dropped rows go: --rejects, else beside the file written (OUTPUT or FILE).rejects.jsonl."""
        return self.rejects or (output or path) + ".rejects.jsonl"

    def precheck(self, path: str, output: str | None = None) -> None:
        """Refuse (NotFixable) a file that is not JSON Lines, or files named twice; writes nothing."""
        check_jsonl(path)
        self._check_names(path, output)

    def _check_names(self, path: str, output: str | None) -> None:
        """``precheck`` but the content: the output's name, and input, output and rejects distinct."""
        check_output_name(output)
        check_distinct(path, output, self.rejects_for(path, output))

    def precheck_all(self, paths: list[str], output: str | None = None) -> tuple[list[str], dict[str, str]]:
        """``precheck`` every file, and refuse one file's --rejects being another's input.

        Returns the files to lint, in order, and those of them to leave untouched, with why. A default
        rejects file (``X.rejects.jsonl`` beside an ``X`` also listed, as a
        folder brings in) is left out silently, as it holds rows already moved
        aside. Of several files, one that is no JSON Lines dataset (a CSV, a
        PNG renamed ``.jsonl``) is left untouched and the others are fixed, as
        check offered (``runner._fixable_file``); it refused the whole run.
        A run of such files alone, and paths that collide, are refused.
        """
        names = {os.path.realpath(p) for p in paths}
        if self.rejects is None and not output:
            paths = [p for p in paths if not (p.endswith(".rejects.jsonl") and os.path.realpath(p.removesuffix(".rejects.jsonl")) in names)]
        untouched = {}
        for path in paths:
            try:
                check_jsonl(path)
            except Refused as exc:
                untouched[path] = str(exc)
        if untouched and len(untouched) == len(paths):  # nothing to fix: refused, each file named
            first, *others = untouched
            raise NotFixable(untouched[first] if not others else
                             f"no file left to fix: {untouched[first]}; also not fixable: {', '.join(others)}")
        for path in paths:
            if path not in untouched:
                self._check_names(path, output)
                for other in paths:  # an untouched file is no place for rejects either
                    check_distinct(other, None, self.rejects_for(path, output))
        return paths, untouched

    def fix_file(self, path: str, *, output: str | None = None, diff: bool = False) -> FixReport:
        self.precheck(path, output)
        target = output or path
        rejects = self.rejects_for(path, output)
        report = FixReport(path)
        if output and self.baseline is not None:
            self.baseline.read_as(output, path)  # the findings name the output; the baseline knows the input's rows
        with tempfiles.terminate_as_interrupt(), transaction.locked([path, target, rejects]):
            report.recovered = transaction.recover(target)
            report.stale_removed = transaction.remove_stale(os.path.dirname(os.path.realpath(target)))
            self._fix_locked(report, target, rejects, output, diff)
        return report

    def _fix_locked(self, report: FixReport, target: str, rejects: str, output: str | None, diff: bool) -> None:
        path = report.path
        current = path
        origins: Origins | None = None  # None: the source is the input, each line its own origin
        temps: list[str] = []
        rejected = Rejected()
        by_input = False  # name the next pass's rows by their input lines: it is expected to drop rows
        try:
            for _ in range(MAX_PASSES):
                fd, temp = atomic.temp_beside(target)
                temps.append(temp)
                this_pass = Origins(origins)
                # a reason must name input lines ("duplicate of line 2"), and the findings that remain the
                # output's: a pass that will drop rows (the last one found some) names its rows as the input does
                numbers = InputNumbers(this_pass.previous) if by_input and this_pass.renumbered() else None
                with os.fdopen(fd, "wb") as out:
                    changed, fixed, remaining, result, file_fixes, drops = self._pass(current, out, output or path, rejected, this_pass, numbers)
                if isinstance(report.remaining, FindingSpool):
                    report.remaining.close()
                report.remaining, report.result = remaining, result
                by_input = changed and bool(drops[0])
                if changed:
                    # line-targeted drops refer to this pass's source lines: the next pass recomputes them
                    if drops[1]:
                        rejected.forget(drops[1][0])
                    drops = (array("q"), array("q"))
                    self._drop_codes.clear()  # counted when they are applied, not now too
                else:
                    if numbers is not None:
                        drops = _source_lines(drops, numbers)
                    elif drops[0] and this_pass.renumbered():  # not foreseen: found again with input numbers
                        drops = self._input_numbered_drops(current, output or path, rejected, drops, InputNumbers(this_pass.previous))
                    this_pass = origins
                if file_fixes or drops[0]:
                    fd, every = atomic.temp_beside(target)
                    temps.append(every)
                    rewritten = Origins(this_pass)
                    with os.fdopen(fd, "wb") as out:
                        if self._rewrite_every_line(temp if changed else current, out, file_fixes, drops, rejected, rewritten):
                            changed = True
                            temp, this_pass = every, rewritten
                            fixed.update(f.code for f in file_fixes)
                            for code, count in self._drop_codes.items():
                                fixed[code] += count
                if not changed:
                    if numbers is not None and not diff:  # foreseen drops that did not come: the findings that
                        self._renumber_remaining(report, current, output or path)  # remain are the output's
                    break
                report.fixed.update(fixed)
                report.changed = True
                current, origins = temp, this_pass
            else:
                report.converged = False  # every pass changed something: a next run may change more
            report.held_back = self.held_back
            if diff:
                report.diff = _unified_diff(path, current) if report.changed else ""
                return
            if not report.changed and not output:
                return
            if not report.changed:  # -o with nothing to fix: the output is a copy
                fd, current = atomic.temp_beside(target)
                temps.append(current)
                with os.fdopen(fd, "wb") as out, open(path, "rb") as source:
                    copy_lines(source, out, 0, os.path.getsize(path))
            report.rejected_rows = rejected.count
            change = transaction.Commit(os.path.realpath(target), os.path.realpath(current))
            if rejected.count or (output and os.path.exists(rejects)):
                # the input is unchanged until the commit: the dropped rows are copied from it
                fd, rejected_temp = atomic.temp_beside(target)
                temps.append(rejected_temp)
                reasons_fd, reasons_temp = atomic.temp_beside(target)
                temps.append(reasons_temp)
                reasons = reasons_path(rejects)
                # in place, rejects accumulate; with -o they are that output's rejects, replaced. Rows the
                # rejects file holds without a reason get placeholders, so line N still explains line N
                unexplained = 0 if output else count_lines(rejects) - count_lines(reasons)
                rejected.write(path, fd, reasons_fd, unexplained, recorded_path(path, reasons))
                report.dropped = rejected.shown
                earlier = _size(rejects)
                base = 0 if output else earlier
                if earlier:  # rows from before: kept in place, gone with -o (they were that output's)
                    report.rejects_kept = "replaced" if output else "appended"
                change.rejects, change.rejected_temp, change.rejects_base = os.path.realpath(rejects), rejected_temp, base
                change.reasons, change.reasons_temp = os.path.realpath(reasons), reasons_temp
                change.reasons_base = 0 if output else _size(reasons)
                report.rejects = rejects if rejected.count else None
            for name in (change.data_temp, change.rejected_temp, change.reasons_temp):
                if name in temps:
                    temps.remove(name)  # from here on the commit owns them (see transaction.commit)
            transaction.commit(change)
        finally:
            rejected.close()
            for temp in temps:
                tempfiles.unlink_quietly(temp)

    def _pass(self, source_path: str, out: BinaryIO, display: str, rejected: Rejected, origins: Origins,
              numbers: InputNumbers | None = None):
        """Lint ``source_path`` (its rows named by ``numbers``, if given) and write its fixed rows to ``out``,
        telling ``origins`` where each line came from."""
        fixed: Counter = Counter()
        size = os.path.getsize(source_path)
        position = 0
        changed = False
        row_findings = _RowFindings()
        remaining = FindingSpool()
        self._new_lint()
        self.held_back = 0

        with open(source_path, "rb") as source:

            def sink(row: Row, findings: list[Finding]) -> None:
                nonlocal position, changed
                row_findings.saw(findings)
                fixes = [f for f in findings if self.applicable(f)]
                if not fixes:
                    return
                start = row.offset - len(BOM) if row.bom else row.offset  # the line's own BOM belongs to it
                end = min(row.offset + row.length + 1, size)
                source.seek(start)
                segment = source.read(end - start)
                dropped = any(f.fix.drops for f in fixes)
                if dropped:
                    new = b""  # the whole line leaves: no byte of it may reach the next row
                    fixes = [f for f in fixes if f.fix.drops][:1]
                else:
                    new, fixes = self._rewrite(row, segment, fixes)
                if new != segment:
                    origins.copied(copy_lines(source, out, position, start))
                    out.write(new)
                    origin = origins.replaced(new, segment)
                    if dropped:  # a row a fix removes goes to the rejects; a blank line a safe fix deletes does not
                        rejected.add(origin, segment, rejected.reason(fixes[0].code, fixes[0].name, fixes[0].message))
                    position = end
                    changed = True
                    for finding in fixes:
                        fixed[finding.code] += 1

            findings, result = self.linter.lint_path(source_path, row_sink=sink, display=display, numbers=numbers)
            file_fixes, drops = self._dataset_fixes(findings, row_findings, rejected, remaining)
            if changed:
                origins.copied(copy_lines(source, out, position, size))
                origins.finish()
        return changed, fixed, remaining, result, file_fixes, drops

    def _dataset_fixes(self, findings: Iterator[Finding], row_findings: _RowFindings, rejected: Rejected,
                       remaining: FindingSpool | None = None) -> tuple[list[Finding], tuple[array, array]]:
        """Read a pass's findings (into ``remaining``); returns the dataset-level ones whose fixes apply:
        file-wide fixes, and the lines whose rows leave, ascending, with why (``Rejected.reason`` note ids)."""
        file_fixes: list[Finding] = []
        drop_lines, drop_reasons = array("q"), array("q")
        self._drop_codes = Counter()
        for finding in findings:
            if remaining is not None:
                remaining.add(finding)
            if finding in row_findings or not self.applicable(finding):
                continue
            if finding.fix.drops:
                drop_lines.append(finding.line)
                drop_reasons.append(rejected.reason(finding.code, finding.name, finding.message))
                self._drop_codes[finding.code] += 1
            else:
                file_fixes.append(finding)
        return file_fixes, (drop_lines, drop_reasons)

    def _input_numbered_drops(self, source_path: str, display: str, rejected: Rejected, drops: tuple[array, array],
                              numbers: InputNumbers) -> tuple[array, array]:
        """The rows a pass over a rewritten copy drops, found again with the copy's rows named as the input names them.

        Lines left in an earlier pass, so the copy's line N is not the input's: the reasons file and the
        report name input lines, and a reason that names another row ("duplicate of line 2") must too.
        A pass after one that found such drops names its rows so from the start; this second lint is for
        drops no pass foresaw (pass 1 strips padding and removes a broken line; pass 2 finds duplicates).
        Returns the drops numbered as the copy holds its lines, which the rewrite goes by.
        """
        rejected.forget(drops[1][0])  # the first lint's reasons: replaced by these
        row_findings = _RowFindings()
        self._new_lint()
        held = self.held_back  # the pass's own lint counted them: this one finds its drops again
        findings, _ = self.linter.lint_path(source_path, row_sink=lambda _row, found: row_findings.saw(found), display=display,
                                            numbers=numbers)
        drops = _source_lines(self._dataset_fixes(findings, row_findings, rejected)[1], numbers)
        self.held_back = held
        return drops

    def _renumber_remaining(self, report: FixReport, source_path: str, display: str) -> None:
        """The findings that remain, found again with the rows numbered as ``source_path`` (the output) holds them."""
        remaining = FindingSpool()
        findings, result = self.linter.lint_path(source_path, display=display)
        for finding in findings:
            remaining.add(finding)
        report.remaining.close()
        report.remaining, report.result = remaining, result

    @staticmethod
    def _rewrite(row: Row, segment: bytes, fixes: list[Finding]) -> tuple[bytes, list[Finding]]:
        """The row's new bytes, and the findings whose fixes were applied (``linter.patching`` skips conflicts)."""
        new = segment
        value_fixes = [f for f in fixes if f.fix.edits or f.fix.apply is not None]
        done = [f for f in fixes if f.fix.raw is not None]
        if value_fixes and row.parsed:
            value, applied = patching.apply_fixes(row.value, [f.fix for f in value_fixes])
            applied_ids = {id(fix) for fix in applied}
            done += [f for f in value_fixes if id(f.fix) in applied_ids]
            if applied:
                bom = BOM if row.bom else b""
                body = segment[len(bom) :]
                ending = b"\r\n" if body.endswith(b"\r\n") else b"\n" if body.endswith(b"\n") else b""
                new = bom + serialise(value, body) + ending
        for finding in fixes:
            if finding.fix.raw is not None:
                new = finding.fix.raw(new)
        return new, done

    @staticmethod
    def _rewrite_every_line(source_path: str, out: BinaryIO, fixes: list[Finding], drops: tuple[array, array], rejected: Rejected,
                            origins: Origins) -> bool:
        """Apply dataset-level fixes: file-wide ones to every line, dropping ones to their line; True when anything changed."""
        changed = False
        drop_lines, drop_reasons = drops
        value_fixes = [f.fix.apply for f in fixes if f.fix.apply is not None]
        raw_fixes = [f.fix.raw for f in fixes if f.fix.raw is not None]
        number = 0
        next_drop = 0  # index into drop_lines (ascending)

        def emit(segment: bytes) -> None:
            nonlocal changed, number, next_drop
            number += 1
            while next_drop < len(drop_lines) and drop_lines[next_drop] < number:
                next_drop += 1
            if next_drop < len(drop_lines) and drop_lines[next_drop] == number:
                rejected.add(origins.replaced(b"", segment), segment, drop_reasons[next_drop])  # the whole line leaves
                changed = True
                return
            new = segment
            if value_fixes:
                new = _apply_to_line(new, value_fixes)
            for raw in raw_fixes:
                new = raw(new)
            changed = changed or new != segment
            origins.replaced(new, segment)
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
        origins.finish()
        return changed


def _source_lines(drops: tuple[array, array], numbers: InputNumbers) -> tuple[array, array]:
    """Drops found with rows named by input lines, numbered as the pass's source holds its lines (the rewrite's numbering)."""
    drop_lines, drop_reasons = array("q"), array("q")
    for line, reason in zip(*drops):
        if at := numbers.source_line(line):  # 0: a line the source does not hold (a rule named one past the file)
            drop_lines.append(at)
            drop_reasons.append(reason)
    return drop_lines, drop_reasons


class _RowFindings:
    """The findings of the row the engine yields next (its row sink saw them), to tell them from dataset-level ones.

    It holds the findings themselves, not only their ids: an id is unique only while its object lives,
    and the spool frees findings, so a dataset-level finding (FT009's CRLF fix) could get the id of a
    freed row finding and be skipped as if it belonged to the row (the fix then never applied).
    """

    def __init__(self) -> None:
        self.alive: list[Finding] = []
        self.ids: set[int] = set()

    def saw(self, findings: list[Finding]) -> None:
        self.alive, self.ids = findings, {id(f) for f in findings}

    def __contains__(self, finding: Finding) -> bool:
        return id(finding) in self.ids


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


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
    # the diff quotes whole rows of the dataset: through the quoting helper like every other output
    return "".join(show_lines(line) for line in difflib.unified_diff(before, after, fromfile=f"a/{original}", tofile=f"b/{original}"))
