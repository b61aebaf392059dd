"""``ftlint convert``: any input format to JSONL, and between example formats.

Reads with the same readers as ``check`` (CSV, TSV, XLSX, JSON arrays,
Parquet, gzip'd JSONL, JSONL) and converts each row through the conversation
view: the reading format's adapter maps the row to a view, the target
format's adapter writes the view (``linter.formats``). A writer represents
every element of the view or refuses the row, so nothing is dropped
silently: rows that cannot be read or written go to a rejects file with the
reason (rows written + rows rejected = rows read), and the exit code says so.
``--split-validation N`` sends an exact number of examples to a validation
file: a value in (0, 1) is a fraction of the examples converted (rounded half
up, at least 1, and at most all but one), a whole number >= 1 a count. Which
examples go is deterministic: the ones with the smallest hashes of
``[seed, example]``, so the same input and seed give the same split.
"""

from __future__ import annotations

import heapq
import math
import os
import tempfile
from array import array
from dataclasses import dataclass, field
from typing import Any

import orjson

from . import atomic, hashing
from . import spill as spill_files
from .formats import Reject, writers
from .json_keys import json_text, repeated_keys
from .readers.tabular import as_written
from .text import show


class Unconvertible(ValueError):
    pass


def target_names(registry) -> list[str]:
    """The names ``--to`` accepts: every writable format and the old aliases."""
    return sorted(writers(registry.formats.values()))


def convert_value(registry, value: Any, to: str) -> Any:
    """``value`` written in format ``to``, or Unconvertible with the reason."""
    writer = writers(registry.formats.values()).get(to)
    if writer is None:
        raise Unconvertible(f"unknown target format {to!r}; known: {', '.join(target_names(registry))}")
    if not isinstance(value, dict):
        raise Unconvertible("row is not an object")
    adapter = registry.detector.detect(value)
    if adapter is None:
        raise Unconvertible(f"not a format ftlint can read: {registry.detector.resemblance(value)}")
    if adapter is writer and not writer.rewrites(value):
        return value  # already in the target format: written as read
    view = adapter.view(value)
    if view.problems:
        problem = view.problems[0]
        raise Unconvertible(f"{adapter.name} row: {problem.message} (at {problem.pointer or '/'})")
    try:
        return writer.write(view)
    except Reject as exc:
        raise Unconvertible(f"{adapter.name} to {to}: {exc}") from None


class FileRefused(Exception):
    """No record of the source could be read (a header naming a column twice): nothing is written."""


@dataclass
class ConvertReport:
    written: int = 0
    validation: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    # what the user should know though no row is lost: syntax problems between rows (a JSON array's
    # trailing comma: every row was read, the output is valid), and keys the target format does not
    # define carried into the output (once per key, at its first row)
    noted: list[tuple[int, str]] = field(default_factory=list)


def parse_split(text: str) -> float | int:
    """``--split-validation``'s value: a fraction in (0, 1), or a whole count >= 1 (ValueError otherwise)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ValueError(f"{text!r} is not a number") from None
    if 0 < value < 1:
        return value
    if value >= 1 and value.is_integer():
        return int(value)
    raise ValueError(f"{text} is neither a fraction between 0 and 1 (0.1: a tenth of the examples) nor a whole count >= 1")


def validation_size(split: float | int, examples: int) -> int:
    """How many of ``examples`` go to validation: a count as given (at most all), or a fraction
    rounded half up, at least 1 and at most ``examples - 1`` so neither file is empty when both can have rows."""
    if isinstance(split, int):
        return min(split, examples)
    if examples < 2:
        return 0
    return min(max(1, math.floor(split * examples + 0.5)), examples - 1)


STDIN = "-"


def _open_source(source: str):
    """The bytes to convert: standard input for ``-`` (read as JSON Lines: a pipe has no name to say
    otherwise), else the file. Standard input stays open when the conversion is done."""
    if source == STDIN:
        import contextlib
        import sys

        return contextlib.nullcontext(sys.stdin.buffer)
    return open(source, "rb")  # noqa: SIM115 - the caller's with closes it


def validation_path(output: str) -> str:
    root, ext = os.path.splitext(output)
    return f"{root}.valid{ext or '.jsonl'}"


def convert(linter, source: str, output: str, *, to: str = "chat", split: float | int | None = None,
            seed: int = 0, validation_output: str | None = None, rejects: str | None = None) -> ConvertReport:
    report = ConvertReport()
    registry = linter.registry
    if to not in writers(registry.formats.values()):
        raise Unconvertible(f"unknown target format {to!r}; known: {', '.join(target_names(registry))}")
    reader = linter.registry.reader_for(source)
    writer = writers(registry.formats.values())[to]
    known = writer.keys
    carried: set[str] = set()  # the extra keys already noted
    targets = {"train": output}
    if split:
        targets["valid"] = validation_output or validation_path(output)
    temps = {}
    rejects_path = rejects or output + ".rejects.jsonl"
    try:
        handles = {}
        for name, target in targets.items():
            fd, temp = atomic.temp_beside(target)
            temps[name] = (temp, target)
            handles[name] = os.fdopen(fd, "wb")
        rejected = []
        # with a split, lines wait in a spill file until the count (and so the chosen hashes) is known
        spill = tempfile.TemporaryFile(dir=spill_files.directory()) if split else None
        digests = array("Q")
        with _open_source(source) as stream:
            for row in reader.rows(stream, max_line_bytes=linter.settings.max_line_bytes):
                if not row.parsed:
                    if row.problem is not None and row.problem.whole_file:
                        raise FileRefused(f"{row.problem.message.split('; the rows were not read')[0]}; nothing was converted")
                    if row.problem is not None and row.problem.between_rows:
                        report.noted.append((row.number, row.problem.message + "; no row is lost, the output is valid JSON Lines"))
                    elif row.problem is not None or (row.raw is None):
                        reason = row.problem.message if row.problem else f"line longer than {linter.settings.max_line_bytes:,} bytes"
                        rejected.append((row.number, reason, as_written(row)))
                    continue  # blank lines carry no data
                repeated = repeated_key_reason(row)
                if repeated:
                    rejected.append((row.number, repeated, as_written(row)))
                    continue
                try:
                    value = convert_value(registry, row.value, to)
                    line = orjson.dumps(value) + b"\n"
                except Unconvertible as exc:
                    rejected.append((row.number, str(exc), as_written(row)))
                    continue
                except orjson.JSONEncodeError as exc:  # nested too deep or an integer beyond 64 bits once converted
                    rejected.append((row.number, f"cannot be written as JSON: {exc}", as_written(row)))
                    continue
                if known and not value.keys() <= known:  # a format that lists no keys (a plugin's) is not judged
                    _note_extra_keys(value, known, carried, writer.name, row.number, report)
                if spill is None:
                    report.written += 1
                    handles["train"].write(line)
                else:
                    digests.append(hashing.stable_digest(orjson.dumps([seed, value], option=orjson.OPT_SORT_KEYS)))
                    spill.write(line)
        if spill is not None:
            _split_spill(spill, digests, validation_size(split, len(digests)), handles, report)
        for handle in handles.values():
            handle.close()
        for temp, target in temps.values():
            atomic.replace(temp, target)
        report.rejected = [(line, reason) for line, reason, _ in rejected]
        if rejected:
            with open(rejects_path, "wb") as out:
                for line, reason, raw in rejected:
                    out.write(orjson.dumps({"line": line, "reason": reason, "raw": (raw or b"").decode("utf-8", "backslashreplace")}) + b"\n")
    finally:
        for temp, _ in temps.values():
            if os.path.exists(temp):
                os.unlink(temp)
    return report


def _note_extra_keys(value: dict, known, carried: set, name: str, number: int, report: ConvertReport) -> None:
    """Note (once per key) a key the target format does not define, kept in the output as the input
    has it (a CSV column beside the example's, a JSONL row's own key): every writer keeps them, as
    the input's own data, except Bedrock's, whose format allows none and which refuses the row."""
    for key in value:
        if key not in known and key not in carried:
            carried.add(key)
            report.noted.append((number, f"key {show(key)} is not a key of {name}; every row that has it keeps it as the input has it "
                                         f"(trainers ignore or refuse such keys: remove it from the input if it is not wanted)"))


def repeated_key_reason(row) -> str | None:
    """Why a parsed row is refused because its JSON text repeats a key (the parsed value kept only the
    last value, so writing it would lose the others: what FT004 reports), or None. Rows that came from
    cells (CSV, XLSX, Parquet) have no JSON text of their own; a messages cell that repeats a key is
    refused by the reader itself (a table-row problem, FT014)."""
    text = json_text(row)
    if text is None:
        return None
    serialised = row.raw if text is not row.raw else None  # a JSON array's element: raw is its serialisation
    if serialised is None:
        try:
            serialised = orjson.dumps(row.value)
        except orjson.JSONEncodeError:  # nested too deep or an integer beyond 64 bits: the slow check decides
            pass
    found = repeated_keys(text, row.value, serialised)
    if not found:
        return None
    said = "; ".join(f"key {show(key)} appears more than once at {where}" for where, key in found)
    return f"{said}; the parsed row keeps only the last value, so converting it would lose the others (FT004)"


def _split_spill(spill, digests: array, wanted: int, handles: dict, report: ConvertReport) -> None:
    """Write the spilled lines in order: the ``wanted`` with the smallest digests (ties by position)
    to validation, the others to training."""
    chosen = set(heapq.nsmallest(wanted, range(len(digests)), key=lambda i: (digests[i], i)))
    spill.seek(0)
    for index, line in enumerate(spill):
        if index in chosen:
            handles["valid"].write(line)
            report.validation += 1
        else:
            handles["train"].write(line)
            report.written += 1
    spill.close()
