"""Programmatic entry points: lint a file or a string without the CLI."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from .config import Settings
from .engine import FileResult, Linter
from .findings import Finding


def _settings(options: dict[str, Any]) -> Settings:
    settings = Settings()
    for key, value in options.items():
        if not hasattr(settings, key):
            raise TypeError(f"unknown setting {key!r}")
        setattr(settings, key, value)
    return settings


def lint_file(path: str | Path, **options: Any) -> tuple[list[Finding], FileResult]:
    """Lint one file with settings given as keyword arguments (``select=[...]``, ``model=...``)."""
    findings, result = Linter(_settings(options)).lint_path(path)
    return list(findings), result


def lint_text(text: str | bytes, **options: Any) -> list[Finding]:
    """Lint JSONL held in memory; the path in findings is ``<text>``."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    findings, _ = Linter(_settings(options)).lint_stream(io.BytesIO(data), "<text>")
    return list(findings)
