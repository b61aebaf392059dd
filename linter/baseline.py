"""Baselines: adopt ftlint on an existing dataset and fail only on new problems.

``--write-baseline FILE`` records a fingerprint of every current finding;
``--baseline FILE`` then hides findings whose fingerprint is recorded. A
fingerprint is the path (relative to the baseline file), the rule code, the
JSON pointer and a hash of the row's bytes, not the line number, so inserting or
deleting other rows does not revive old findings, while editing a row does.
Identical rows are counted, so a new copy of a known-bad row is still reported.
The row's bytes leave out what the safe file-wide fixes change (a BOM, the CR of
a CRLF ending: ``row_identity``), so fixing line endings, or a checkout with
git's core.autocrlf, keeps every finding known. Version 1 files, written before,
took the CR in; they are read as before, and a run that reports findings under
one says to re-record it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .config import shown_path
from .findings import Finding
from .rows import Row
from .text import one_line

VERSION = 2  # 2: a CRLF row is known without its CR (1: with it)
READ = (1, 2)


class BaselineError(ValueError):
    pass


_NUMBER = re.compile(r"\d[\d,]*")


def identity(finding: Finding) -> str:
    """What makes a finding the same one from run to run, beside its path, code and pointer: row findings
    carry a hash of their row; dataset findings are known by their message, with numbers (line numbers,
    counts) left out, so a count that grows keeps the finding (baselines, SARIF fingerprints)."""
    return finding.context or _NUMBER.sub("#", finding.message)


def row_identity(row: Row) -> bytes:
    """The bytes that make findings on a row the same ones from run to run (the engine hashes them into
    ``Finding.context``): the line without what FT008's and FT009's safe fixes change, its BOM (never in
    ``raw``) and the CR of a CRLF ending, so such a fix, or a checkout with git's core.autocrlf, keeps the
    row's findings known. A line too long to hold is known by its length, its BOM (the reader leaves it out
    of ``length`` too) and CR left out."""
    if row.raw is None:
        return b"%d" % (row.length - row.crlf)
    return row.raw[:-1] if row.crlf else row.raw


def fingerprint(finding: Finding, base_dir: str, path: str | None = None) -> str:
    """The finding's key in a baseline; ``path`` names its file instead of ``finding.path``."""
    path = path or finding.path
    path = path if path.startswith("<") else os.path.relpath(os.path.abspath(path), base_dir)
    key = "|".join((Path(path).as_posix(), finding.code, finding.pointer, identity(finding)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def configured(settings) -> str | None:
    """The file ``[tool.ftlint] baseline`` names, as the run shows paths: relative to the config file's folder
    (as ``files`` are), wherever ftlint runs from; None when none is named. ``ftlint check`` filters by it and
    ``ftlint submit`` says how many of a refusal's errors it holds: both ask here, so they never read two files."""
    if not settings.baseline:
        return None
    return shown_path(Path(settings.root) / settings.baseline)


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
            self.version = data.get("version", 1)
        except FileNotFoundError:
            raise BaselineError(f"baseline {file} does not exist (create it with --write-baseline)") from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BaselineError(f"baseline {file} is not an ftlint baseline file") from None
        if type(self.version) is not int or self.version < min(READ):
            raise BaselineError(f"baseline {file} is not an ftlint baseline file (its version is {self.version!r})")
        if self.version not in READ:
            raise BaselineError(f"baseline {file} is version {self.version!r}, written by a newer ftlint: this one reads "
                                f"versions {' and '.join(map(str, READ))}; upgrade ftlint or re-record it with --write-baseline")
        self.file = str(file)
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

    def note(self, reported: int) -> str | None:
        """Why findings a version 1 baseline recorded may be reported again: a run that reported some while
        entries went unmatched is told once to re-record it (nothing else can tell an old CRLF row from a new one)."""
        if self.version >= VERSION or not reported or not any(self.remaining.values()):
            return None
        return (f"ftlint: note: baseline {one_line(self.file)} is version {self.version}: its fingerprints took in the CR "
                f"of a CRLF line, which this ftlint leaves out, so if it was recorded on CRLF lines their findings are "
                f"reported again; re-record it with --write-baseline")

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
