"""ftlint: a pluggable linter for LLM fine-tuning datasets.

The public API for plugin authors and scripts::

    from linter import hookimpl, Rule, DatasetRule, Violation, Severity, pointer
    from linter import lint_file, lint_text
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
    "lint_file",
    "lint_text",
    "pointer",
]
