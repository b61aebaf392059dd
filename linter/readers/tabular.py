"""Readers for tabular and array inputs: CSV, TSV, JSON arrays, Parquet, XLSX, gzip'd JSONL.

Every record becomes a ``Row`` whose ``value`` is the example as JSON would
hold it, so the same rules apply; ``raw`` is that value serialised (the rules
that look at bytes see a canonical line). Locations are exact:

* CSV/TSV (stdlib ``csv``, which counts physical lines): the first physical line
  of the record, even when quoted cells span lines; the header is line 1.
* JSON array: the line where each element starts.
* Parquet: the 1-based row index. XLSX: the sheet's row number (first sheet).

Every row also keeps its record as the file holds it (``SourceRow.source``), so
that ``convert`` can put a record it cannot write in the rejects file as it was
written: the physical line(s) of a CSV/TSV record, the text of a JSON array's
element; XLSX and Parquet hold no text, so their record's cells (a JSON object,
column to cell) stand in (``as_written``).

Columns map to examples: ``prompt``/``completion`` columns as they are; a
``messages`` column holding JSON; or role columns ``system``/``user``/``assistant``
becoming messages. Other columns stay as keys (and the unknown-key rules see them).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
from typing import Any, BinaryIO, Iterator

import orjson

from ..findings import pointer
from ..parsing import INVALID_JSON, INVALID_UTF8, LONE_SURROGATE, NON_STANDARD, TOO_DEEP, TOO_DEEP_MESSAGE, too_deep
from ..plugin import hookimpl
from ..rows import ParseProblem, Row
from ..text import show
from . import Reader, require
from .jsonl import JsonlReader

TABLE_ROW = "table-row-invalid"
EXTRA_SHEETS = "workbook-sheets"
ROLE_COLUMNS = ("system", "user", "assistant")


class SourceRow(Row):
    """A row that keeps its record as the file holds it, for ``convert``'s rejects file (``raw`` is
    the value serialised, what the rules read). ``source`` is the record's text (a str: CSV/TSV
    lines, a JSON array's element, undecodable bytes kept as ``surrogateescape`` surrogates), or
    its cells (XLSX, Parquet: serialised only when needed, by ``as_written``), or None."""

    # set by value_row and problem_row; json_source: ``source`` is JSON text (a JSON array's element also sets
    # ``Row.column``: a minified array holds every element on line 1); cells: the column each message came from,
    # for a record of role columns (``cell_pointer``)
    __slots__ = ("source", "json_source", "cells")


def as_written(row: Row) -> bytes:
    """The record as the file holds it, to keep in a rejects file: a JSONL line, a CSV record's
    lines, an array element's text; for XLSX and Parquet, which hold no text, the record's cells
    as a JSON object (column name to cell; a cell JSON cannot hold written as its text)."""
    source = getattr(row, "source", None)
    if source is None:
        return row.raw or b""
    if isinstance(source, str):  # a CSV record's last line ending is the file's, not the record's
        return source.removesuffix("\n").removesuffix("\r").encode("utf-8", "surrogateescape")
    try:
        return orjson.dumps(source, default=str, option=orjson.OPT_NON_STR_KEYS)
    except (orjson.JSONEncodeError, TypeError):  # nested too deep, or an integer beyond 64 bits
        try:
            return json.dumps(source, default=str, ensure_ascii=False).encode("utf-8", "surrogatepass")
        except (ValueError, RecursionError):
            return repr(source).encode("utf-8", "backslashreplace")


def value_row(number: int, value: Any, offset: int = 0, source: Any = None, json_source: bool = False) -> Row:
    """A parsed row from a value that did not come from a JSONL line; or a problem
    row when the value nests too deep or holds what JSON cannot (an integer beyond
    64 bits, bytes): the rules, fix and convert could not handle it. ``source``: the
    record as the file holds it (``SourceRow``)."""
    if too_deep(value):
        return problem_row(number, TOO_DEEP, TOO_DEEP_MESSAGE, source=source)
    try:
        raw = orjson.dumps(value)
    except orjson.JSONEncodeError as exc:
        if "surrogates" in str(exc):
            return problem_row(number, LONE_SURROGATE, "a \\ud800-\\udfff escape is not part of a surrogate pair, so the text is not valid Unicode",
                               source=source)
        return problem_row(number, INVALID_JSON, f"a value cannot be written as JSON: {exc}", source=source)
    row = SourceRow(number, offset, raw, len(raw))
    row.source, row.json_source = source, json_source
    row.value = value
    row.parsed = True
    return row


class _NonStandard(ValueError):
    pass


def _reject_constant(name: str) -> None:
    raise _NonStandard(name)


def strict_json(decode, *args) -> Any:
    """``json.loads`` as strict as the JSONL reader: NaN/Infinity, nesting past the
    limit and numbers past Python's int/str limit raise ``BadJson`` with a message."""
    try:
        return decode(*args)
    except _NonStandard as exc:
        raise BadJson(NON_STANDARD, f"{exc} is not valid JSON (Python's json accepts it, providers do not); use null or a number") from None
    except RecursionError:
        raise BadJson(TOO_DEEP, TOO_DEEP_MESSAGE) from None
    except json.JSONDecodeError as exc:
        raise BadJson(INVALID_JSON, f"invalid JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}", exc.lineno) from None
    except ValueError:  # Python's int/str digit limit
        raise BadJson(INVALID_JSON, f"invalid JSON: a number with more than {sys.get_int_max_str_digits():,} digits") from None


class BadJson(ValueError):
    def __init__(self, kind: str, message: str, lineno: int | None = None) -> None:
        super().__init__(message)
        self.kind, self.message, self.lineno = kind, message, lineno


_STRICT = json.JSONDecoder(parse_constant=_reject_constant)


class _RepeatedKey(Exception):
    pass


def _unique_pairs(pairs: list) -> dict:
    """An object of a messages cell, refused when it repeats a key: JSON would keep the last value only
    (FT004's finding on a JSONL line; a cell has no line of its own to report it on)."""
    value = dict(pairs)
    if len(value) != len(pairs):  # some key came twice: name the first that did
        seen: set = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return value


# a messages cell: as strict as _STRICT, and no repeated key (a cell is small: the hook's cost is nothing)
_CELL = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_unique_pairs)


def problem_row(number: int, kind: str, message: str, pointer: str = "", between_rows: bool = False, source: Any = None,
                whole_file: bool = False) -> Row:
    """A row that could not be read; ``source``: the record as the file holds it, when known (``SourceRow``);
    ``whole_file``: no record of the file was read (its header is refused)."""
    row = SourceRow(number, 0, b"", 0)
    row.source, row.json_source = source, False
    row.problem = ParseProblem(kind, message, pointer=pointer, between_rows=between_rows, whole_file=whole_file)
    return row


def table_row(number: int, record: dict[str, Any], source: Any) -> Row:
    """A table record's row (``map_columns``), knowing which cell each message came from when role columns
    made them: findings then point at the cell (``/assistant``), not at a ``/messages/2/content`` the
    file does not have (``cell_pointer``)."""
    value, reason = map_columns(record)
    if value is None:
        return problem_row(number, *reason, source=source)
    row = value_row(number, value, source=source)
    if type(row) is SourceRow and row.parsed:
        row.cells = message_cells(record)
    return row


def message_cells(record: dict[str, Any]) -> tuple | None:
    """The column each message of a role-columns record came from, in order (``map_columns`` skips empty cells)."""
    lowered = {str(k).strip().lower(): k for k in record}
    if "messages" in lowered:
        return None
    return tuple(column for _, column in _filled_roles(record, lowered)) or None


def _filled_roles(record: dict[str, Any], lowered: dict[str, Any]) -> list[tuple[str, Any]]:
    """``(role, column)`` of each role column holding a message, in order (an empty cell makes none): what
    ``map_columns`` makes messages of, and so what ``message_cells`` numbers them by."""
    return [(role, lowered[role]) for role in ROLE_COLUMNS if role in lowered and record[lowered[role]] not in (None, "")]


_MESSAGE_POINTER = re.compile(r"/messages(?:/(\d+)(?:/.*)?)?")


def cell_pointer(row: Row, where: str) -> str:
    """A finding's pointer into a role-columns record: ``/messages/N/...`` is message N's cell (its column's
    name; the cell is the whole message), ``/messages`` the record itself; anything else as it is."""
    cells = getattr(row, "cells", None)
    found = _MESSAGE_POINTER.fullmatch(where) if cells else None
    if found is None:
        return where
    if found.group(1) is None:
        return ""
    index = int(found.group(1))
    return pointer(str(cells[index])) if index < len(cells) else where


def map_columns(record: dict[str, Any]) -> tuple[dict[str, Any] | None, tuple[str, str] | None]:
    """A table record as an example, or None and ``(problem kind, reason)``: a messages cell that is not
    JSON is ``INVALID_JSON`` (FT001); valid JSON that repeats a key is the table row's (``TABLE_ROW``, FT014)."""
    lowered = {str(k).strip().lower(): k for k in record}
    if "messages" in lowered:
        key = lowered["messages"]
        cell = record[key]
        if isinstance(cell, str):
            try:
                messages = strict_json(_CELL.decode, cell)
            except BadJson as exc:
                return None, (INVALID_JSON, f"the messages column does not hold valid JSON: {exc.message.removeprefix('invalid JSON: ')}")
            except _RepeatedKey as exc:
                return None, (TABLE_ROW, f"the messages column repeats the key {show(str(exc.args[0]))} in an object: "
                                         "JSON keeps only the last value; rename or remove one")
        else:
            messages = cell
        value = {("messages" if k == key else k): v for k, v in record.items()}
        value["messages"] = messages
        return value, None
    if any(role in lowered for role in ROLE_COLUMNS):
        messages = [{"role": role, "content": record[column]} for role, column in _filled_roles(record, lowered)]
        rest = {k: v for k, v in record.items() if str(k).strip().lower() not in ROLE_COLUMNS}
        return {"messages": messages, **rest}, None
    return dict(record), None


# columns that make a table's records examples (as they are, or through 'ftlint convert')
EXAMPLE_COLUMNS = ("messages", *ROLE_COLUMNS, "prompt", "completion", "conversations", "instruction", "input", "output",
                   "chosen", "rejected", "text", "preferred_output", "non_preferred_output")


_READ_IN_ANY_CASE = frozenset({"messages", *ROLE_COLUMNS})


def header_problem(names: list[str]) -> str | None:
    """Why no record of a table with this header can be an example, or None: said once, with the
    columns ftlint reads, instead of a missing-messages finding on every row. A column named twice
    is one: each record would keep only its last cell of the two, silently."""
    named = [str(n).strip() for n in names]
    # the columns read by name whatever their case (map_columns: messages and the roles) collide in any case
    folded = [n.lower() if n.lower() in _READ_IN_ANY_CASE else n for n in named]
    repeated = next((n for n in folded if n and folded.count(n) > 1), None)
    if repeated is not None:
        where = " and ".join(str(i) for i, n in enumerate(folded, start=1) if n == repeated)
        spellings = sorted({n for n, f in zip(named, folded) if f == repeated})
        if len(spellings) > 1:  # 'User' and 'user': one column to the reader
            repeated = f"{' and '.join(map(show, spellings))} (one column in any case)"
        else:
            repeated = show(repeated)
        return (f"column {repeated} appears more than once (columns {where}): each record would keep only "
                f"its last cell there; rename one; the rows were not read")
    if any(n.lower() in EXAMPLE_COLUMNS for n in named):
        return None
    found = ", ".join(repr(str(n)) for n in names if str(n).strip()) or "none"
    return (f"no column holds examples (the header has {found}); ftlint reads a 'messages' column (JSON), "
            f"'system'/'user'/'assistant' columns, or 'prompt'/'completion' ('conversations' or "
            f"'instruction'/'output' through 'ftlint convert'); the rows were not read")


class CsvReader(Reader):
    name = "csv"
    problems = (INVALID_JSON, INVALID_UTF8, TABLE_ROW)
    extensions = (".csv",)
    description = "CSV with a header row (prompt/completion, messages as JSON, or system/user/assistant columns)"
    delimiter = ","

    def rows(self, stream: BinaryIO, *, max_line_bytes: int) -> Iterator[Row]:
        csv.field_size_limit(max(max_line_bytes, 131072))
        # undecodable bytes are kept as surrogates so that only their record is refused
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
        taken: list[str] = []  # the physical lines of the record being read
        reader = csv.reader(_taking(text, taken), delimiter=self.delimiter)
        try:
            header = next(reader, None)
            if header is None:
                return
            taken.clear()
            header = [h.strip() for h in header]
            if any(_UNDECODABLE.search(name) for name in header):
                yield problem_row(1, INVALID_UTF8, "invalid UTF-8 in the header row; the file was not read", whole_file=True)
                return
            problem = header_problem(header)
            if problem:
                yield problem_row(1, TABLE_ROW, problem, whole_file=True)
                return
            # unnamed columns share the key "": the cells of all but the last would be overwritten
            overwritten = [i for i, name in enumerate(header) if name == ""][:-1]
            previous = reader.line_num
            for cells in reader:
                start = previous + 1
                previous = reader.line_num
                record = taken[0] if len(taken) == 1 else "".join(taken)  # the record as written (see as_written)
                taken.clear()
                if not cells:
                    blank = Row(start, 0, b"", 0)
                    yield blank
                    continue
                if any(_UNDECODABLE.search(cell) for cell in cells):
                    yield problem_row(start, INVALID_UTF8, "invalid UTF-8 in this record", source=record)
                    continue
                if len(cells) != len(header):
                    yield problem_row(start, TABLE_ROW, f"row has {len(cells)} cells but the header has {len(header)} columns", source=record)
                    continue
                if overwritten and (lost := _lost_cell(cells, overwritten)):
                    yield problem_row(start, TABLE_ROW, lost, source=record)
                    continue
                yield table_row(start, dict(zip(header, cells)), record)
        except csv.Error as exc:
            # what was not read is kept (the record that failed and the rest of the file) unless it is
            # longer than a line may be, as a JSONL line would be
            rest = "".join(taken) + text.read(max_line_bytes + 1)
            yield problem_row(reader.line_num, TABLE_ROW, f"CSV error: {exc}; the rest of the file was not read",
                              source=rest if len(rest) <= max_line_bytes else None)


def _lost_cell(cells, columns: list[int]) -> str | None:
    """Why a record is refused when one of ``columns`` (indexes of columns whose cells would not
    reach the example: unnamed ones) holds a value; None when they are all empty."""
    for index in columns:
        if cells[index] not in (None, ""):
            return (f"cell {index + 1} holds {show(cells[index])} but its column has no name in the header, "
                    f"so it would be lost; name the column")
    return None


def _taking(lines: Iterator[str], taken: list[str]) -> Iterator[str]:
    """``lines``, each also appended to ``taken`` as the csv reader takes it (one record's lines at a time)."""
    for line in lines:
        taken.append(line)
        yield line


class TsvReader(CsvReader):
    name = "tsv"
    extensions = (".tsv", ".tab")
    description = "TSV with a header row (same column mapping as CSV)"
    delimiter = "\t"


class JsonArrayReader(Reader):
    """A whole-file JSON array. It is parsed element by element from the text,
    which is held in memory (arrays are the small-file format; use JSONL for big data)."""

    name = "json-array"
    problems = (INVALID_JSON, INVALID_UTF8)
    extensions = (".json",)
    description = "a JSON array of examples (read whole; locations are where each element starts: line and column)"

    def rows(self, stream: BinaryIO, *, max_line_bytes: int) -> Iterator[Row]:
        data = stream.read()
        try:
            text = data.decode("utf-8-sig")
            undecodable = False
        except UnicodeDecodeError as exc:
            # keep reading: only the elements that hold the bad bytes are refused
            text = data.decode("utf-8-sig", "surrogateescape")
            undecodable = True
            first_bad = data.count(b"\n", 0, exc.start) + 1
        pos = _skip(text, 0)
        if not text[pos : pos + 1] == "[":
            # one object, not an array: treat it as a single example
            if undecodable:
                yield problem_row(first_bad, INVALID_UTF8, "invalid UTF-8")
                return
            try:
                value = strict_json(_STRICT.decode, text)
            except BadJson as exc:
                yield problem_row(exc.lineno or 1, exc.kind, exc.message, source=text)
                return
            yield value_row(1, value, source=text.strip(), json_source=True)
            return
        pos = _skip(text, pos + 1)
        line, counted, index, line_start = 1, 0, 0, 0
        while pos < len(text) and text[pos] != "]":
            if index and text[pos] != ",":  # '[{..} {..}]': the next element is still read (where it starts is plain)
                yield _syntax_error(text, pos, index, f"expected ',' or ']' after element {index - 1}", between_rows=True)
            elif index:
                comma, pos = pos, _skip(text, pos + 1)
                if text[pos : pos + 1] == "]":
                    yield _syntax_error(text, comma, index, "trailing comma after the last element (JSON allows none; providers refuse the file)",
                                        between_rows=True)
                    break
            index += 1
            newlines = text.count("\n", counted, pos)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", counted, pos) + 1  # searched since the last element only: linear in the file
            counted = pos
            column = pos - line_start + 1
            try:
                value, end = strict_json(_STRICT.raw_decode, text, pos)
            except BadJson as exc:
                if exc.kind == INVALID_JSON and exc.lineno is not None:  # broken syntax: where the element ends is unknown
                    # the rest of the file, from this element on, is what was not read
                    yield problem_row(exc.lineno, INVALID_JSON, exc.message + "; the rest of the array was not read", pointer=f"/{index - 1}",
                                      source=text[pos:].rstrip())
                    return
                end = _element_end(text, pos)  # well-formed but refused: skip just this element
                yield _at_column(problem_row(line, exc.kind, exc.message, source=text[pos:end]), column)
                pos = _skip(text, end)
                continue
            if undecodable and _UNDECODABLE.search(text, pos, end):
                yield _at_column(problem_row(line, INVALID_UTF8, "invalid UTF-8 in this element", source=text[pos:end]), column)
            else:
                yield _at_column(value_row(line, value, pos, source=text[pos:end], json_source=True), column)
            pos = _skip(text, end)
        if pos >= len(text):
            yield _syntax_error(text, len(text), index, "the array is not closed: no ']' at the end of the file")
        elif _skip(text, pos + 1) < len(text):
            extra = _skip(text, pos + 1)
            yield _syntax_error(text, extra, index, "extra data after the array's closing ']'", source=text[extra:].rstrip())


def _at_column(row: Row, column: int) -> Row:
    """The element's row with the column its text starts at (1-based, in characters: Unicode code points, as
    SARIF's ``columnKind`` says), so that findings tell apart the elements of an array written on one line."""
    row.column = column
    return row


def _syntax_error(text: str, pos: int, index: int, what: str, then: str = "", between_rows: bool = False, source: str | None = None) -> Row:
    """An FT001 row at the line of ``pos``, pointing at the array element ``index`` it concerns
    (``between_rows``: the problem holds no row's data, every element around it is read; ``source``:
    the text it leaves unread)."""
    line = text.count("\n", 0, pos) + 1
    column = pos - text.rfind("\n", 0, pos)
    return problem_row(line, INVALID_JSON, f"invalid JSON: {what} at column {column}{then}", pointer=f"/{index}", between_rows=between_rows,
                       source=source)


_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that ``surrogateescape`` kept


def _element_end(text: str, pos: int) -> int:
    """The end of the well-formed JSON element at ``pos``, found without recursion."""
    depth, index, length = 0, pos, len(text)
    while index < length:
        char = text[index]
        if char == '"':
            index += 1
            while index < length and text[index] != '"':
                index += 2 if text[index] == "\\" else 1
        elif char in "[{":
            depth += 1
        elif char in "]}":
            if depth == 0:
                return index  # the array's own closing bracket ends a scalar element
            depth -= 1
            if depth == 0:
                return index + 1
        elif char == "," and depth == 0:
            return index
        index += 1
    return length


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


class GzipJsonlReader(JsonlReader):
    name = "jsonl-gzip"
    problems = (*JsonlReader.problems, INVALID_JSON)
    extensions = (".jsonl.gz", ".ndjson.gz")
    description = "gzip-compressed JSON Lines (streamed)"

    def rows(self, stream: BinaryIO, *, max_line_bytes: int, first_line: int = 1, offset: int = 0) -> Iterator[Row]:
        with gzip.GzipFile(fileobj=stream) as unzipped:
            try:
                yield from super().rows(unzipped, max_line_bytes=max_line_bytes)
            except (OSError, EOFError) as exc:
                yield problem_row(1, INVALID_JSON, f"not a readable gzip file: {exc}")


def _drop_none(value: Any) -> Any:
    # Arrow unifies struct schemas: a missing key comes back as None; treat it as absent
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def with_null_answers(value: Any, record: dict) -> Any:
    """``value`` (the record without its null cells) with a null answer cell put back where it is one
    (``Detector.null_cells``, the registry's formats): a null completion beside a prompt stays a
    prompt/completion row whose completion is null (FT900 at /completion), not a TRL prompt-only row. ``check``,
    ``convert`` and ``lint_dataframe`` all read the row so: convert rejects it rather than write it answerless."""
    nulls = [key for key, cell in record.items() if cell is None]
    if not nulls or not isinstance(value, dict):
        return value
    from ..registry import get_registry  # late: the registry loads every reader

    return get_registry().detector.null_cells(value, nulls)


class ParquetReader(Reader):
    name = "parquet"
    problems = (INVALID_JSON,)
    extensions = (".parquet",)
    description = "Parquet (row index as the location; needs pyarrow, the 'parquet' extra)"

    def check_available(self) -> None:
        require("pyarrow.parquet", "pyarrow", "parquet", "reading Parquet")

    def rows(self, stream: BinaryIO, *, max_line_bytes: int) -> Iterator[Row]:
        pq = require("pyarrow.parquet", "pyarrow", "parquet", "reading Parquet")
        try:
            parquet = pq.ParquetFile(stream)
            number = 0
            for batch in parquet.iter_batches(batch_size=1024):
                for record in batch.to_pylist():
                    number += 1
                    yield table_row(number, with_null_answers(_drop_none(record), record), record)
        except Exception as exc:  # noqa: BLE001 - arrow raises many types for corrupt files
            yield problem_row(1, INVALID_JSON, f"not a readable Parquet file: {type(exc).__name__}: {exc}")


class XlsxReader(Reader):
    name = "xlsx"
    problems = (INVALID_JSON, EXTRA_SHEETS)
    extensions = (".xlsx",)
    description = "Excel workbook, first sheet, header in row 1 (needs openpyxl, the 'xlsx' extra)"

    def check_available(self) -> None:
        require("openpyxl", "openpyxl", "xlsx", "reading XLSX")

    def rows(self, stream: BinaryIO, *, max_line_bytes: int) -> Iterator[Row]:
        openpyxl = require("openpyxl", "openpyxl", "xlsx", "reading XLSX")
        try:
            book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001
            yield problem_row(1, INVALID_JSON, f"not a readable XLSX file: {type(exc).__name__}: {exc}")
            return
        sheet = book.worksheets[0]
        if len(book.worksheets) > 1:
            others = ", ".join(repr(w.title) for w in book.worksheets[1:])
            yield problem_row(1, EXTRA_SHEETS, f"the workbook has {len(book.worksheets)} sheets; only the first, {sheet.title!r}, was read (not {others})")
        lines = sheet.iter_rows(values_only=True)
        header = next(lines, None)
        if header is None:
            return
        names = [str(h).strip() if h is not None else "" for h in header]
        problem = header_problem(names)
        if problem:
            yield problem_row(1, TABLE_ROW, problem, whole_file=True)
            book.close()
            return
        unnamed = [i for i, name in enumerate(names) if not name]  # their cells reach no key
        for number, cells in enumerate(lines, start=2):
            if cells is None or all(c is None for c in cells):
                yield Row(number, 0, b"", 0)
                continue
            record = {name: ("" if cell is None else cell) for name, cell in zip(names, cells) if name}
            if unnamed and (lost := _lost_cell(cells, unnamed)):
                from openpyxl.utils import get_column_letter

                cells_of = {**record, **{get_column_letter(i + 1): cells[i] for i in unnamed if cells[i] not in (None, "")}}
                yield problem_row(number, TABLE_ROW, lost, source=cells_of)
                continue
            yield table_row(number, record, record)
        book.close()


@hookimpl
def register_readers(register):
    for reader in (GzipJsonlReader(), CsvReader(), TsvReader(), JsonArrayReader(), ParquetReader(), XlsxReader()):
        register(reader)
