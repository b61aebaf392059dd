"""The Python API: lint files, text, rows of dicts or a pandas DataFrame without the CLI.

Every entry point resolves settings the way the CLI does (keyword arguments
act as command-line options, on top of ``[tool.ftlint]`` when ``config`` asks
for it), loads the same plugins, and lints through :mod:`linter.runner`.
"""

from __future__ import annotations

import io
import math
from dataclasses import fields
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from . import runner
from .config import Settings, did_you_mean, load, split_codes
from .engine import FileResult, Linter
from .findings import Finding
from .parsing import INVALID_JSON
from .readers import Reader
from .readers.tabular import TABLE_ROW, header_problem, map_columns, message_cells, problem_row, value_row, with_null_answers
from .rows import Row

API = "API"
ROWS = "<rows>"
DATAFRAME = "<dataframe>"
_SELECTION = {"select": "cli_select", "extend_select": "cli_extend_select", "ignore": "cli_ignore"}
_SETTABLE = {f.name for f in fields(Settings)} - {"root", "source", "origins", *_SELECTION.values()}
COLUMNS = ("path", "line", "code", "name", "severity", "message", "pointer", "fixable", "fix", "row")


class Findings(list):
    """The findings of a run (a list), with each file's statistics and a DataFrame view."""

    files: list[FileResult]

    def __init__(self, findings: Iterable[Finding] = (), files: list[FileResult] | None = None) -> None:
        super().__init__(findings)
        self.files = files or []

    def to_dataframe(self):
        """One row per finding: path, line, code, name, severity, message, pointer, fixable, fix, row."""
        import pandas as pd

        return pd.DataFrame(
            [
                (f.path, f.line, f.code, f.name, f.severity.value, f.message, f.pointer, f.fixable,
                 f.fix.description if f.fix else None, f.row)
                for f in self
            ],
            columns=list(COLUMNS),
        )


def settings_from(options: dict[str, Any], config: bool | str | Path | None = None) -> Settings:
    """Settings as the CLI resolves them: ``config=True`` reads the nearest pyproject.toml,
    a path reads that file; keyword arguments (snake_case config keys) come on top.

    ``select``/``extend_select``/``ignore`` take a list or a comma-separated
    string (``"FT1,FT402"``), never a string split into letters.
    """
    settings = load(None) if config is True else load(config) if config else Settings()
    for key, value in options.items():
        key = key.replace("-", "_")
        if key in _SELECTION:
            codes = split_codes([value] if isinstance(value, str) else list(value or []))
            setattr(settings, _SELECTION[key], codes)
            continue
        if key not in _SETTABLE:
            raise TypeError(f"unknown setting {key!r}{did_you_mean(key, _SETTABLE)}")
        settings.set(key.replace("_", "-"), value, API)
    return settings


def _linter(options: dict[str, Any], config) -> Linter:
    return runner.make_linter(settings_from(options, config))


def _result(linter: Linter, sources: list, as_dataframe: bool):
    sink = runner.Collect()
    outcome = runner.run(linter, sources, sink)
    found = Findings(sink.findings, outcome.files)
    return found.to_dataframe() if as_dataframe else found


def lint_file(path: str | Path, *, config: bool | str | Path | None = None, **options: Any) -> tuple[Findings, FileResult]:
    """Lint one file; returns ``(findings, result)``. Keyword arguments are config keys in snake_case."""
    found = _result(_linter(options, config), [str(path)], False)
    return found, found.files[0]


def lint_text(text: str | bytes, *, config: bool | str | Path | None = None, **options: Any) -> Findings:
    """Lint JSONL held in memory; the path in findings is ``<text>``."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return _result(_linter(options, config), [runner.Source("<text>", io.BytesIO(data))], False)


def lint_rows(rows: Iterable[Any], *, config: bool | str | Path | None = None, as_dataframe: bool = False,
              **options: Any):
    """Lint any iterable of dicts (a list, a generator, a Hugging Face ``datasets.Dataset``).

    Rows are read one at a time; a finding's ``line`` is the row's 1-based
    index and its ``pointer`` the place in the row. Values JSON cannot hold
    (numpy scalars and arrays, timestamps) are converted as pandas would.
    """
    return _lint_records(ROWS, ((value, None) for value in rows), options, config, as_dataframe)


def lint_dataframe(frame, *, config: bool | str | Path | None = None, as_dataframe: bool = False, **options: Any):
    """Lint a pandas DataFrame whose columns map to examples as the CSV/Parquet readers map them:
    a ``messages`` column (lists or JSON text), ``system``/``user``/``assistant`` columns, or
    ``prompt``/``completion``. ``line`` is the 1-based row position."""
    columns = [str(c) for c in frame.columns]

    def records() -> Iterator[tuple[Any, tuple[str, str] | None]]:
        problem = header_problem(columns)
        if problem:
            yield None, (TABLE_ROW, problem.replace("the header has", "the DataFrame has"))
            return
        for cells in frame.itertuples(index=False, name=None):
            cells = dict(zip(columns, map(_plain, cells)))
            record = with_null_answers({name: value for name, value in cells.items() if value is not None}, cells)
            value, problem = map_columns(record)
            yield value, problem, message_cells(record)  # findings on role columns point at the cell, as for a CSV

    return _lint_records(DATAFRAME, records(), options, config, as_dataframe)


def _lint_records(name: str, records: Iterable[tuple], options, config, as_dataframe: bool):
    linter = _linter(options, config)
    reader = RecordsReader(name, records)
    linter.registry = _with_reader(linter.registry, reader)
    return _result(linter, [runner.Source(name, io.BytesIO(b""))], as_dataframe)


def _with_reader(registry, reader: Reader):
    import dataclasses

    return dataclasses.replace(registry, readers=[reader, *registry.readers])


class RecordsReader(Reader):
    """Rows from values in memory, numbered from 1: the reader the API puts first for its own pseudo-path.
    Each record is ``(value, problem)``, or ``(value, problem, cells)`` with the column each message came
    from (``message_cells``: a DataFrame of role columns)."""

    extensions = ()

    def __init__(self, name: str, records: Iterable[tuple]) -> None:
        self.name = name
        self.records = records

    def claims(self, path: str) -> bool:
        return path == self.name

    def rows(self, stream, *, max_line_bytes: int) -> Iterator[Row]:
        for number, (value, problem, *cells) in enumerate(self.records, start=1):
            if problem is not None:
                yield problem_row(number, *problem)
                continue
            try:
                row = value_row(number, _plain(value))
                if cells and row.parsed:
                    row.cells = cells[0]
                yield row
            except (TypeError, ValueError, orjson.JSONEncodeError) as exc:
                yield problem_row(number, INVALID_JSON, f"row {number} cannot be represented as JSON: {exc}")


def _plain(value: Any) -> Any:
    """A value JSON can hold: numpy scalars and arrays, pandas' missing values and timestamps converted."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalar or array
        return _plain(value.tolist())
    try:
        import pandas as pd

        if pd.isna(value):  # pd.NA, pd.NaT, numpy's NaT
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
