"""ftlint: a pluggable linter for LLM fine-tuning datasets.

The public API for plugin authors and scripts::

    from linter import hookimpl, Rule, DatasetRule, Violation, Severity, pointer
    from linter import lint_file, lint_text, lint_rows, lint_dataframe

See docs/api.md.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .findings import Applicability, Finding, Fix, Severity, Violation, pointer
from .plugin import hookimpl
from .rows import Row
from .rules.base import LINE, RECORD, DatasetRule, Rule, RuleContext


def lint_file(path, **settings):
    """Lint one file; returns ``(findings, stats)``. Keyword arguments are config keys in snake_case."""
    from .api import lint_file as _lint_file

    return _lint_file(path, **settings)


def lint_text(text, **settings):
    """Lint JSONL given as a string or bytes; returns the list of findings."""
    from .api import lint_text as _lint_text

    return _lint_text(text, **settings)


def lint_rows(rows, **settings):
    """Lint an iterable of dicts (or a ``datasets.Dataset``); ``line`` is the 1-based row index."""
    from .api import lint_rows as _lint_rows

    return _lint_rows(rows, **settings)


def lint_dataframe(frame, **settings):
    """Lint a pandas DataFrame, its columns mapped as the CSV and Parquet readers map them."""
    from .api import lint_dataframe as _lint_dataframe

    return _lint_dataframe(frame, **settings)


__all__ = [
    "Applicability",
    "DatasetRule",
    "Finding",
    "Fix",
    "LINE",
    "RECORD",
    "Row",
    "Rule",
    "RuleContext",
    "Severity",
    "Violation",
    "__version__",
    "hookimpl",
    "lint_dataframe",
    "lint_file",
    "lint_rows",
    "lint_text",
    "pointer",
]
