"""``ftlint convert``: any input format to JSONL, and between example formats.

Reads with the same readers as ``check`` (CSV, TSV, XLSX, JSON arrays,
Parquet, gzip'd JSONL, JSONL) and converts each row through the conversation
view: the reading format's adapter maps the row to a view, the target
format's adapter writes the view (``linter.formats``). A writer represents
every element of the view or refuses the row, so nothing is dropped
silently: rows that cannot be read or written go to a rejects file with the
reason (rows written + rows rejected = rows read), and the exit code says so.
``--split-validation F`` sends a deterministic fraction (by a hash of each
example) to a validation file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import orjson

from . import atomic, hashing
from .formats import Reject, writers


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
    if adapter is writer:
        return value  # already in the target format: written as read
    view = adapter.view(value)
    if view.problems:
        problem = view.problems[0]
        raise Unconvertible(f"{adapter.name} row: {problem.message} (at {problem.pointer or '/'})")
    try:
        return writer.write(view)
    except Reject as exc:
        raise Unconvertible(f"{adapter.name} to {to}: {exc}") from None


@dataclass
class ConvertReport:
    written: int = 0
    validation: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def validation_path(output: str) -> str:
    root, ext = os.path.splitext(output)
    return f"{root}.valid{ext or '.jsonl'}"


def convert(linter, source: str, output: str, *, to: str = "chat", split: float | None = None,
            seed: int = 0, validation_output: str | None = None, rejects: str | None = None) -> ConvertReport:
    report = ConvertReport()
    registry = linter.registry
    if to not in writers(registry.formats.values()):
        raise Unconvertible(f"unknown target format {to!r}; known: {', '.join(target_names(registry))}")
    reader = linter.registry.reader_for(source)
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
        with open(source, "rb") as stream:
            for row in reader.rows(stream, max_line_bytes=linter.settings.max_line_bytes):
                if not row.parsed:
                    if row.problem is not None or (row.raw is None):
                        reason = row.problem.message if row.problem else f"line longer than {linter.settings.max_line_bytes:,} bytes"
                        rejected.append((row.number, reason, row.raw))
                    continue  # blank lines carry no data
                try:
                    value = convert_value(registry, row.value, to)
                    line = orjson.dumps(value) + b"\n"
                except Unconvertible as exc:
                    rejected.append((row.number, str(exc), row.raw))
                    continue
                except orjson.JSONEncodeError as exc:  # nested too deep or an integer beyond 64 bits once converted
                    rejected.append((row.number, f"cannot be written as JSON: {exc}", row.raw))
                    continue
                name = "train"
                if split and (hashing.stable_digest(orjson.dumps([seed, value], option=orjson.OPT_SORT_KEYS)) % 1_000_000) < split * 1_000_000:
                    name = "valid"
                    report.validation += 1
                else:
                    report.written += 1
                handles[name].write(line)
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
