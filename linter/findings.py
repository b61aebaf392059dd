"""What a rule reports: violations (from rules) and findings (located, for output)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable

from .secrets import redact, redact_named


class Severity(str, enum.Enum):
    """How bad a finding is. Only ``error`` fails a run (exit code 1)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, value: str) -> "Severity":
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise ValueError(f"unknown severity {value!r}: use error, warning or info") from None


_RANK = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1}


class Applicability(str, enum.Enum):
    """How safe a fix is, after ruff: safe fixes apply by default, unsafe on request."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


@dataclass(frozen=True)
class Fix:
    """A proposed change, as data where it can be.

    ``edits`` are JSON Patch operations (RFC 6902: dicts such as
    ``{"op": "replace", "path": "/messages/0/content", "value": "Hi"}``) on the
    parsed *source* row: they show in json and SARIF output, cross processes,
    and one applier (``linter.patching``) applies them and detects conflicts.
    ``raw(segment) -> bytes`` rewrites the line's bytes (with its line ending,
    and the BOM on line 1), returning b"" to delete it; ``drops`` removes the
    row (``description`` is the reason). A fix on a dataset-level finding
    applies ``raw`` (or ``apply``) to every line of the file.

    ``apply(value) -> value`` (a callable rewriting the parsed row) is
    deprecated: it is still honoured so third-party plugins keep working, but
    it cannot be shown, checked for conflicts or sent to another process.
    """

    description: str
    applicability: Applicability = Applicability.SAFE
    apply: Callable[[Any], Any] | None = field(default=None, compare=False, repr=False)
    raw: Callable[[bytes], bytes] | None = field(default=None, compare=False, repr=False)
    # drops=True: the fix removes the row; the fixer writes it to the rejects file
    # (only ever UNSAFE). On a dataset-level finding it applies to that line only.
    drops: bool = False
    edits: tuple[dict[str, Any], ...] = field(default=(), compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The fix as output shows it: description, safety, ``removes_row`` for a removal, and its edits when it has any.

        Edits quote dataset text, so a value that looks like a secret is shown redacted, and
        ``"redacted": true`` then says these edits no longer reproduce the fix byte for byte.
        """
        out: dict[str, Any] = {"description": self.description, "applicability": self.applicability.value}
        if self.drops:
            out["removes_row"] = True  # fix writes the row to the rejects file, with the description as its reason
        if self.edits:
            shown = [_redacted(edit) for edit in self.edits]
            out["edits"] = shown
            if shown != list(self.edits):
                out["redacted"] = True
        return out


def _redacted(value: Any) -> Any:
    """``value`` with every string that looks like a secret redacted: edits quote dataset text."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {_redacted(k): redact_named(k, v) if isinstance(v, str) else _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


def drop_row(description: str) -> Fix:
    """An unsafe fix that moves the row to the rejects file."""
    return Fix(description, Applicability.UNSAFE, drops=True)


@dataclass(frozen=True)
class Violation:
    """What a rule yields: the engine adds code, name, severity, path and line."""

    message: str
    pointer: str = ""
    fix: Fix | None = None
    line: int | None = None  # dataset rules name the line (none: the whole file); record rules leave it to the engine
    column: int = 0  # and the row's column where rows share a line (``rows.located`` of a kept ``rows.place``)


@dataclass(frozen=True)
class Finding:
    """A located violation, ready for output."""

    path: str
    line: int
    code: str
    name: str
    severity: Severity
    message: str
    pointer: str = ""
    fix: Fix | None = None
    context: str = ""  # hash of the row's bytes: identifies the row without its line number
    # False for a verdict on the whole file (FT402 example-count, FT011 empty-file...): it is
    # shown at line 1 but is not about that row, so tools selecting rows by line skip it
    row: bool = True
    # where on its line the record starts, 1-based, when a line can hold several (a JSON array written
    # on one line, as json.dump does by default); 0 where the line is the record (JSONL, CSV)
    column: int = 0

    @property
    def location(self) -> str:
        """``line`` or ``line:column``, as a location follows a path in text output."""
        return f"{self.line}:{self.column}" if self.column else str(self.line)

    @property
    def fixable(self) -> bool:
        return self.fix is not None and self.fix.applicability is not Applicability.DISPLAY_ONLY

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "pointer": self.pointer,
            "fix": None if self.fix is None else self.fix.to_dict(),
            **({"column": self.column} if self.column else {}),
        }


def pointer(*parts: str | int) -> str:
    """A JSON pointer (RFC 6901) from path parts: ``pointer("messages", 2, "role")``."""
    out = []
    for part in parts:
        out.append("/" + redact(str(part)).replace("~", "~0").replace("/", "~1"))  # a key can be a secret
    return "".join(out)
