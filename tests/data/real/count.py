"""Count true and false positives of the text rules on the real fixtures.

Runs the real CLI (``python -m linter check --select FT202,FT203,FT204,FT207``)
on every ``*.jsonl`` here and looks each finding up in ``labels.toml``.
Prints one row per rule; findings without a label are listed and make the
exit code 1. Run it on an older checkout to count "before" (FT207 did not
exist then: ``--codes FT202,FT203,FT204``).

    python tests/data/real/count.py [--codes FT202,FT203,FT204,FT207]
"""

from __future__ import annotations

import collections
import fnmatch
import json
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
CODES = ["FT202", "FT203", "FT204", "FT207"]


def findings(path: Path) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "linter", "check", "--select", ",".join(CODES), "--format", "json", str(path)],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{path.name}: ftlint failed: {proc.stderr.strip()}")
    return json.loads(proc.stdout)["findings"]


def label(labels: dict, finding: dict) -> str | None:
    key = f"{finding['line']} {finding['code']} {finding['pointer']}"
    if key in labels:
        return labels[key]
    return next((value for pattern, value in labels.items() if fnmatch.fnmatchcase(key, pattern)), None)


def count() -> tuple[collections.Counter, list[str]]:
    labels = tomllib.loads((HERE / "labels.toml").read_text(encoding="utf-8"))
    totals: collections.Counter = collections.Counter()
    unlabelled = []
    for path in sorted(HERE.glob("*.jsonl")):
        for finding in findings(path):
            verdict = label(labels.get(path.name, {}), finding)
            if verdict is None:
                unlabelled.append(f"{path.name}:{finding['line']} {finding['code']} {finding['pointer']} {finding['message']}")
            totals[finding["code"], verdict or "unlabelled"] += 1
    return totals, unlabelled


def main() -> None:
    if sys.argv[1:2] == ["--codes"]:
        CODES[:] = sys.argv[2].split(",")
    totals, unlabelled = count()
    print("| rule | true positives | false positives |")
    print("|---|---:|---:|")
    for code in CODES:
        print(f"| {code} | {totals[code, 'tp']} | {totals[code, 'fp']} |")
    for line in unlabelled:
        print("unlabelled:", line)
    sys.exit(1 if unlabelled else 0)


if __name__ == "__main__":
    main()
