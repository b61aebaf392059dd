"""Baselines: adopt ftlint on an existing dataset and fail only on new problems.

``--write-baseline FILE`` records a fingerprint of every current finding;
``--baseline FILE`` then hides findings whose fingerprint is recorded. A
fingerprint is the path (relative to the baseline file), the rule code, the
JSON pointer and a hash of the row's bytes, not the line number, so inserting or
deleting other rows does not revive old findings, while editing a row does.
Identical rows are counted, so a new copy of a known-bad row is still reported.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .findings import Finding

VERSION = 1


class BaselineError(ValueError):
    pass


_NUMBER = re.compile(r"\d[\d,]*")


def identity(finding: Finding) -> str:
    """What makes a finding the same one from run to run, beside its path, code and pointer: row findings
    carry a hash of their row; dataset findings are known by their message, with numbers (line numbers,
    counts) left out, so a count that grows keeps the finding (baselines, SARIF fingerprints)."""
    return finding.context or _NUMBER.sub("#", finding.message)


def fingerprint(finding: Finding, base_dir: str, path: str | None = None) -> str:
    """The finding's key in a baseline; ``path`` names its file instead of ``finding.path``."""
    path = path or finding.path
    path = path if path.startswith("<") else os.path.relpath(os.path.abspath(path), base_dir)
    key = "|".join((Path(path).as_posix(), finding.code, finding.pointer, identity(finding)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _base(file: str | Path) -> str:
    return os.path.dirname(os.path.abspath(file))


def write(file: str | Path, findings: Iterable[Finding]) -> int:
    base = _base(file)
    counts = Counter(fingerprint(f, base) for f in findings)
    Path(file).write_text(json.dumps({"version": VERSION, "fingerprints": dict(sorted(counts.items()))}, indent=1) + "\n")
    return sum(counts.values())


class Baseline:
    """A loaded baseline; ``filter`` passes only findings it does not hold."""

    def __init__(self, file: str | Path) -> None:
        try:
            data = json.loads(Path(file).read_text(encoding="utf-8"))
            self.recorded = Counter({str(k): int(v) for k, v in data["fingerprints"].items()})
        except FileNotFoundError:
            raise BaselineError(f"baseline {file} does not exist (create it with --write-baseline)") from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BaselineError(f"baseline {file} is not an ftlint baseline file") from None
        self.remaining = Counter(self.recorded)
        self.base = _base(file)
        self.suppressed = 0
        self.names: dict[str, str] = {}  # a path findings name -> the path the baseline knows their rows by

    def read_as(self, shown: str, recorded: str) -> None:
        """Match findings that name ``shown`` as if they named ``recorded``: ``fix IN -o OUT`` names the
        findings by OUT, whose line numbers they carry, while the baseline knows the rows as IN's."""
        self.names[shown] = recorded

    def key(self, finding: Finding) -> str:
        return fingerprint(finding, self.base, self.names.get(finding.path))

    def filter(self, findings: Iterable[Finding]) -> Iterator[Finding]:
        for finding in findings:
            key = self.key(finding)
            if self.remaining[key] > 0:
                self.remaining[key] -= 1
                self.suppressed += 1
            else:
                yield finding

    def holder(self) -> Callable[[Finding], bool]:
        """Whether each finding of one lint is one the baseline holds, counted as ``filter`` counts (the
        second copy of a recorded row is new) but from the recorded counts: ``fix`` asks this of every pass
        to leave baselined findings unfixed, which must not use up the counts its report is filtered by."""
        used: Counter = Counter()

        def holds(finding: Finding) -> bool:
            key = self.key(finding)
            if used[key] < self.recorded[key]:
                used[key] += 1
                return True
            return False

        return holds
