"""FT0xx: every physical line must be one valid, standard JSON value in UTF-8.

These rules see every line, including the ones that did not parse: the
reader and ``linter.parsing`` have already named the problem, and each rule
here reports one kind of it.
"""

from __future__ import annotations

from typing import Iterable

from .. import hashing, parsing
from ..json_keys import json_text, repeated_keys
from ..findings import Applicability, Fix, Severity, Violation, drop_row
from ..plugin import hookimpl
from ..rows import Row
from ..text import show
from .base import LINE, DatasetRule, Rule, TallyRule
from .reads import BOM as BYTE_ORDER_MARK, LINE_ENDING, REPEATED_KEYS, UNPARSED


REJECT_LINE = drop_row("move the line to the rejects file")


class _ParseProblemRule(Rule):
    """Lines that do not parse can only be moved aside: the unsafe fix puts them
    in the rejects file, where nothing is lost."""

    scope = LINE
    problem_kind = ""
    fix = Applicability.UNSAFE

    def check(self, row: Row) -> Iterable[Violation]:
        if row.problem is not None and row.problem.kind == self.problem_kind:
            message = row.problem.message
            if row.number == 1 and row.raw is not None and row.raw.lstrip().startswith(b"["):
                message += " (the file looks like one JSON array, not JSON Lines: one object per line)"
            yield Violation(message, row.problem.pointer, fix=REJECT_LINE)


class InvalidJson(_ParseProblemRule):
    """A line that is not JSON is rejected by every provider at upload.

    Common causes: a record pretty-printed over several lines, a trailing comma,
    single quotes, two objects on one line, or a truncated write.
    """

    code = "FT001"
    name = "invalid-json"
    summary = "Line is not valid JSON"
    problem_kind = parsing.INVALID_JSON
    bad = '{"messages": [{"role": "user", "content": "hi"},]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'


class InvalidUtf8(_ParseProblemRule):
    """JSONL must be UTF-8. Files saved as Latin-1 or Windows-1252 (often by
    spreadsheet tools) fail upload with an unhelpful "not valid JSON" message.
    Re-encode the file as UTF-8."""

    code = "FT002"
    name = "invalid-utf8"
    summary = "Line is not valid UTF-8"
    problem_kind = parsing.INVALID_UTF8


class NonStandardJson(_ParseProblemRule):
    """``NaN``, ``Infinity`` and ``-Infinity`` are not JSON. Python's ``json``
    module writes and reads them silently, so a dataset built with pandas or
    ``json.dumps`` can contain them; providers reject the line."""

    code = "FT003"
    name = "non-standard-json"
    summary = "Line uses NaN or Infinity, which JSON does not allow"
    problem_kind = parsing.NON_STANDARD
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x", "weight": NaN}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x", "weight": 1}]}'


class DuplicateKey(Rule):
    """When an object repeats a key, JSON parsers silently keep the last value, so
    part of the example disappears without a word. Usually a merge or
    templating bug.

    A JSON array file's elements are checked in their own text. Rows of CSV,
    XLSX and Parquet are made of cells (a header that names a column twice is
    FT014), and so is a key repeated inside a ``messages`` cell's JSON.
    ``ftlint convert`` rejects a row this rule reports rather than write the
    last value alone."""

    code = "FT004"
    name = "duplicate-key"
    summary = "An object repeats a key; all but the last value are silently lost"
    scope = LINE
    reads = (REPEATED_KEYS,)
    bad = '{"messages": [{"role": "user", "content": "hi", "content": "hello"}, {"role": "assistant", "content": "Hi!"}]}'
    good = '{"messages": [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "Hi!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        if not row.parsed:
            return ()
        # a JSON array's element is read from its own text (its raw is a serialisation); rows made of cells have none
        raw = row.raw if row.__class__ is Row else json_text(row)
        if raw is None:
            return ()
        # FT404 makes the normalised form anyway: its colon count proves nearly every row clean
        found = repeated_keys(raw, row.value, hashing.flat_of(row))
        if not found:
            return ()
        return [Violation(f"key {show(key)} appears more than once; only the last value is kept", where) for where, key in found]


class LoneSurrogate(_ParseProblemRule):
    """A ``\\ud800``-``\\udfff`` escape that is not half of a surrogate pair is
    not a character. It comes from text cut in the middle of an emoji or from
    broken encoders; tokenizers and upload both fail on it."""

    code = "FT005"
    name = "lone-surrogate"
    summary = "A string holds half of a UTF-16 surrogate pair"
    problem_kind = parsing.LONE_SURROGATE
    bad = '{"messages": [{"role": "user", "content": "cut emoji \\ud83d"}, {"role": "assistant", "content": "ok"}]}'
    good = '{"messages": [{"role": "user", "content": "whole emoji \\ud83d\\ude00"}, {"role": "assistant", "content": "ok"}]}'


class NestingTooDeep(_ParseProblemRule):
    """Nesting deeper than 254 levels (what orjson can write back) is refused by strict parsers (and crashes
    recursive ones). No fine-tuning format needs more than a handful."""

    code = "FT006"
    name = "nesting-too-deep"
    summary = "JSON is nested too deeply to parse safely"
    problem_kind = parsing.TOO_DEEP


class LineTooLong(Rule):
    """A line longer than ``max-line-bytes`` (64 MiB by default) is skipped
    without being read into memory, so that one runaway record cannot
    exhaust memory. Raise the limit in config if such lines are intended
    (for example many large inline images)."""

    code = "FT007"
    name = "line-too-long"
    summary = "Line is longer than max-line-bytes and was not parsed"
    scope = LINE
    reads = (UNPARSED,)

    def check(self, row: Row) -> Iterable[Violation]:
        if row.raw is None:
            yield Violation(
                f"line is {row.length:,} bytes, over the {self.context.options['max_line_bytes']:,}-byte "
                "limit (max-line-bytes); it was skipped unparsed"
            )


BOM = b"\xef\xbb\xbf"


def _strip_bom(segment: bytes) -> bytes:
    return segment[3:] if segment.startswith(BOM) else segment


def _lf_ending(segment: bytes) -> bytes:
    if segment.endswith(b"\r\n"):
        return segment[:-2] + b"\n"
    return segment[:-1] if segment.endswith(b"\r") else segment  # the last line, with no \n after its CR


def _add_bom(segment: bytes) -> bytes:
    return segment if segment.startswith(b"\xef\xbb\xbf") else b"\xef\xbb\xbf" + segment


STRIP_BOM = Fix("remove the byte-order mark", Applicability.SAFE, raw=_strip_bom)
ADD_BOM = Fix("add a UTF-8 byte-order mark", Applicability.SAFE, raw=_add_bom)
TO_LF = Fix("end every line with LF", Applicability.SAFE, raw=_lf_ending)
DELETE_LINE = Fix("remove the blank line", Applicability.SAFE, raw=lambda segment: b"")


class Utf8Bom(Rule):
    """A UTF-8 byte-order mark at the start of a JSONL file makes the first line
    fail to parse with OpenAI ("Line 1 is not a dictionary") and most JSON
    readers. Azure OpenAI is the exception: its docs ask for one, so under the
    ``azure-openai`` profile a missing BOM is reported instead. A BOM at the
    start of a later line (exports concatenated with ``cat``) is reported
    under every profile. Fix (safe): remove the BOM, or add it for azure-openai."""

    code = "FT008"
    name = "utf8-bom"
    summary = "File starts with a UTF-8 byte-order mark"
    severity = Severity.WARNING
    scope = LINE
    reads = (BYTE_ORDER_MARK,)
    fix = Applicability.SAFE

    def check(self, row: Row) -> Iterable[Violation]:
        required = self.context.profile.bom == "required"
        if row.bom and row.offset > len(BOM):  # inside the file (concatenated exports): always wrong
            yield Violation("line starts with a UTF-8 byte-order mark (BOM), as if files were concatenated", fix=STRIP_BOM)
        elif row.bom and not required:
            yield Violation("file starts with a UTF-8 byte-order mark (BOM)", fix=STRIP_BOM)
        elif required and row.number == 1 and not row.bom and row.offset == 0:
            yield Violation(f"file has no UTF-8 byte-order mark, which profile {self.context.profile.name} asks for", fix=ADD_BOM)


class CrlfLineEnding(DatasetRule):
    """Windows line endings (``\\r\\n``) parse, but the ``\\r`` is an invisible
    byte that diff tools, hashing and some loaders treat differently. Reported
    once per file, at the first such line, with the count."""

    code = "FT009"
    name = "crlf-line-ending"
    summary = "Lines end with CRLF instead of LF"
    severity = Severity.INFO
    scope = LINE
    reads = (LINE_ENDING,)
    fix = Applicability.SAFE

    def start(self) -> list:
        return [0, None]  # count, first line

    def update(self, state: list, row: Row) -> None:
        if row.crlf:
            state[0] += 1
            if state[1] is None:
                state[1] = row.number

    def merge(self, first: list, second: list) -> list:
        return [first[0] + second[0], first[1] if first[1] is not None else second[1]]

    def finish(self, state: list) -> Iterable[Violation]:
        count, line = state
        if count:
            lines = "line ends" if count == 1 else "lines end"
            yield Violation(f"{count:,} {lines} with CRLF (\\r\\n), the first here", line=line, fix=TO_LF)


class BlankLine(Rule):
    """An empty or whitespace-only line is not a JSON record. Some providers
    skip it, others reject the file; remove it."""

    code = "FT010"
    name = "blank-line"
    summary = "Line is empty or whitespace"
    severity = Severity.WARNING
    scope = LINE
    reads = (UNPARSED,)
    fix = Applicability.SAFE

    def check(self, row: Row) -> Iterable[Violation]:
        if row.raw is not None and not row.parsed and row.problem is None:
            yield Violation("blank line", fix=DELETE_LINE)


class EmptyFile(DatasetRule):
    """A file without a single example cannot be used for training; usually the
    wrong path or a failed export. A binary file (an image renamed ``.jsonl``)
    is named as such rather than as an empty dataset; otherwise, when the file
    has lines, the message says why none of them is an example (too long to
    read, not JSON...), and the findings on those lines say where."""

    code = "FT011"
    name = "empty-file"
    summary = "File contains no examples"
    scope = LINE
    reads = (UNPARSED,)  # its update sees the lines that are not examples: no call per example
    counts = "examples"  # the engine's count of examples fills state[0]

    def start(self) -> list:
        return [0, {}, False]  # examples; why the other lines are not examples -> how many; saw binary content

    def update(self, state: list, row: Row) -> None:
        reason = _not_an_example(row)
        state[1][reason] = state[1].get(reason, 0) + 1
        if not state[2] and _binary(row):
            state[2] = True

    def merge(self, first: list, second: list) -> list:
        reasons = dict(first[1])
        for reason, count in second[1].items():
            reasons[reason] = reasons.get(reason, 0) + count
        return [first[0] + second[0], reasons, first[2] or second[2]]

    def finish(self, state: list) -> Iterable[Violation]:
        examples, reasons, binary = state
        if examples:
            return
        if binary:
            yield Violation("file is binary (NUL bytes or not UTF-8 text), not a JSON Lines dataset")
            return
        if not reasons:
            yield Violation("file contains no examples: it is empty")
            return
        why = ", ".join(f"{count:,} {reason}" for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]))
        yield Violation(f"file contains no examples: none of its lines could be read as one ({why}; see the findings on those lines)")


def _not_an_example(row: Row) -> str:
    if row.raw is None:
        return "line(s) over max-line-bytes, skipped unread"
    if row.problem is not None:
        return f"line(s) with {row.problem.kind.replace('-', ' ')}"
    return "blank line(s)"


def _binary(row: Row) -> bool:
    """A line with a NUL byte, or one that is not UTF-8: the marks of binary content."""
    if row.problem is not None and row.problem.kind == parsing.INVALID_UTF8:
        return True
    return row.raw is not None and b"\x00" in row.raw


class FileTooLarge(TallyRule):
    """One upload through OpenAI's Files API may be at most 512 MB (larger
    files need the multi-part Uploads API, up to 8 GB); Azure has the same
    512 MB limit. The limit comes from the profile."""

    code = "FT012"
    name = "file-too-large"
    summary = "The file is larger than one upload to the profile's service may be"
    severity = Severity.WARNING
    scope = LINE

    counts = "bytes"  # the engine's own byte count (the line and its newline): no call per row

    def tally(self, row: Row) -> int:
        return row.length + 1

    def verdict(self, total: int) -> Iterable[Violation]:
        limit = self.context.profile.max_file_bytes
        if limit and total > limit:
            yield Violation(f"file is {total / 2**20:,.0f} MiB; profile {self.context.profile.name} uploads at most {limit / 2**20:,.0f} MiB in one request (split it, or use the Uploads API)")


class FileExtension(TallyRule):
    """OpenAI's fine-tuning endpoints take ``.jsonl`` files only; a ``.json``
    or ``.txt`` name is refused at upload even with valid content. Convert
    CSV or JSON arrays to JSONL first."""

    code = "FT013"
    name = "file-extension"
    summary = "The file name has an extension the profile's service refuses"
    severity = Severity.WARNING
    scope = LINE
    reads = ()  # the file name only: never called per row

    def tally(self, row: Row) -> int:
        return 0  # only the file name matters

    def verdict(self, total: int) -> Iterable[Violation]:
        allowed = self.context.profile.extensions
        path = self.context.path
        if allowed and path and not path.startswith("<") and not path.lower().endswith(allowed):
            yield Violation(f"profile {self.context.profile.name} uploads {', '.join(allowed)} files only; rename or convert this one")


class TableRowInvalid(_ParseProblemRule):
    """A CSV or TSV record whose number of cells differs from the header's is
    misaligned: its values would land in the wrong columns. Usually an
    unquoted delimiter or newline inside a cell."""

    code = "FT014"
    name = "table-row-invalid"
    summary = "A CSV/TSV record does not match the header"
    problem_kind = "table-row-invalid"


class WorkbookSheets(_ParseProblemRule):
    """ftlint reads the first sheet of an XLSX workbook (locations are that
    sheet's row numbers). Examples on other sheets are not linted, and not
    uploaded by most tools either; move them to the first sheet or export each
    sheet on its own."""

    code = "FT015"
    name = "workbook-sheets"
    summary = "An XLSX workbook has more than one sheet; only the first is read"
    severity = Severity.WARNING
    problem_kind = "workbook-sheets"
    fix = None


class InternalError(Rule):
    """A rule raised an exception on a row: a bug in that rule (often a
    plugin's), not a problem of the data. The engine reports it in the rule's
    place, naming the rule and the line so it can be reported, runs the other
    rules, and ends the run with exit code 2. Selecting or ignoring this code
    changes nothing: internal errors are always reported."""

    code = "FT000"
    name = "internal-error"
    summary = "A rule failed on this row (a bug in the rule, reported so it can be fixed)"
    scope = LINE
    reads = ()

    def check(self, row: Row) -> Iterable[Violation]:
        return ()  # the engine reports these itself


class UnreadableRow(_ParseProblemRule):
    """The reader could not read this row, for a reason no other rule reports
    (a plugin reader's own problem kind): reported here so no row is ever
    skipped silently."""

    code = "FT019"
    name = "unreadable-row"
    summary = "A row could not be read (a reader problem no other rule reports)"

    def check(self, row: Row) -> Iterable[Violation]:
        if row.problem is not None:
            yield Violation(f"{row.problem.message} ({row.problem.kind})", fix=REJECT_LINE)


RULES = (
    InternalError,
    UnreadableRow,
    InvalidJson,
    InvalidUtf8,
    NonStandardJson,
    DuplicateKey,
    LoneSurrogate,
    NestingTooDeep,
    LineTooLong,
    Utf8Bom,
    CrlfLineEnding,
    BlankLine,
    EmptyFile,
    FileTooLarge,
    FileExtension,
    TableRowInvalid,
    WorkbookSheets,
)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
