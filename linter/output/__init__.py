"""Output formats. Each is a ``Formatter`` registered by name through ``register_formatters``.

A formatter receives findings as they stream in (``finding``), each file's
result when that file is done (``file_done``), and the run summary at the end
(``close``), so formats that can stream (text, json-lines, github) never
hold the findings in memory.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TextIO

from .. import __version__
from ..engine import FileResult
from ..findings import Finding, Severity
from ..plugin import PROJECT_URL

TOOL_URI = PROJECT_URL


@dataclass
class RunSummary:
    """Counts over the whole run, built as findings stream past."""

    rules: dict[str, type] = field(default_factory=dict)  # every registered rule, for metadata
    by_rule: Counter = field(default_factory=Counter)
    fixable_by_rule: Counter = field(default_factory=Counter)
    safe_fixable: int = 0  # of the fixable findings, how many --fix applies without --unsafe-fixes
    unsafe_fixes: bool = False  # the run was given --unsafe-fixes: --fix would apply unsafe fixes too
    applicable_by_rule: Counter = field(default_factory=Counter)  # what this run's --fix would apply
    severity_of: dict[str, Severity] = field(default_factory=dict)
    by_severity: Counter = field(default_factory=Counter)
    files: list[FileResult] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.by_rule[finding.code] += 1
        self.severity_of[finding.code] = finding.severity
        self.by_severity[finding.severity] += 1
        if finding.fixable:
            self.fixable_by_rule[finding.code] += 1
            safe = finding.fix.applicability.value == "safe"
            if safe:
                self.safe_fixable += 1
            if safe or self.unsafe_fixes:
                self.applicable_by_rule[finding.code] += 1

    @property
    def total(self) -> int:
        return sum(self.by_rule.values())

    @property
    def errors(self) -> int:
        return self.by_severity[Severity.ERROR]

    def rule_rows(self) -> list[dict[str, Any]]:
        rows = []
        for code, count in sorted(self.by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
            rule = self.rules.get(code)
            rows.append(
                {
                    "code": code,
                    "name": rule.name if rule else code,
                    "severity": self.severity_of[code].value,
                    "count": count,
                    "fixable": self.fixable_by_rule[code],
                    "applicable": self.applicable_by_rule[code],  # of those, what this run's --fix applies
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": len(self.files),
            "findings": self.total,
            "errors": self.by_severity[Severity.ERROR],
            "warnings": self.by_severity[Severity.WARNING],
            "info": self.by_severity[Severity.INFO],
            "fixable": sum(self.fixable_by_rule.values()),
            "fixable_safe": self.safe_fixable,  # of those, what --fix applies without --unsafe-fixes
            "by_rule": self.rule_rows(),
        }


class Formatter:
    """Base class for output formats."""

    name = ""
    description = ""
    # True when the format honours ``statistics`` (``--statistics``: counts, no finding); ``check`` refuses
    # --statistics with a format that would print every finding anyway, rather than ignore the flag
    supports_statistics = False

    def __init__(self, stream: TextIO, *, color: bool | None = None, summary: bool = True, statistics: bool = False):
        self.stream = stream
        self.color = color
        self.show_summary = summary
        self.statistics = statistics

    @classmethod
    def shows_token_stats(cls, summary: bool, statistics: bool) -> bool:
        """Will this output show the token statistics? When not, ``check`` does not count them
        (tokenizing a sample of every file costs more than most rules)."""
        return True

    def finding(self, finding: Finding) -> None:
        pass

    def file_done(self, result: FileResult) -> None:
        pass

    def close(self, run: RunSummary) -> None:
        pass


TOOL = {"name": "ftlint", "version": __version__}
