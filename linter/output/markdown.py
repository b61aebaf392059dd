"""A Markdown report for CI step summaries (``--summary "$GITHUB_STEP_SUMMARY"``).

GitHub caps a step summary at 1 MiB, so the report keeps the per-rule table
and file statistics whole and lists at most ``MAX_ROWS`` findings. Dataset
text is escaped for Markdown tables (pipes, backticks, angle brackets).
"""

from __future__ import annotations

from pathlib import Path

from ..findings import Finding
from ..text import one_line
from . import RunSummary

MAX_ROWS = 100
MAX_BYTES = 1024 * 1024 - 1024


def _cell(text: str) -> str:
    text = one_line(text)
    for raw, safe in (("\\", "\\\\"), ("|", "\\|"), ("`", "\\`"), ("<", "&lt;"), (">", "&gt;"), ("*", "\\*"), ("_", "\\_")):
        text = text.replace(raw, safe)
    return text[:200]


def render(run: RunSummary, findings: list[Finding], suppressed: int = 0) -> str:
    verdict = "❌ errors found" if run.errors else "✅ no errors"
    lines = [f"## ftlint: {verdict}", ""]
    total = f"{run.total:,} finding(s) in {len(run.files)} file(s)"
    counts = ", ".join(f"{run.by_severity[s]:,} {s.value}" for s in sorted(run.by_severity, key=lambda s: -s.rank))
    lines.append(total + (f": {counts}" if counts else "") + (f"; {suppressed:,} hidden by the baseline" if suppressed else ""))
    lines.append("")
    if run.total:
        # as the text footer counts them: what --fix applies, and what only --unsafe-fixes would
        lines += ["| code | name | severity | count | --fix | --unsafe-fixes |", "|---|---|---|---:|---:|---:|"]
        for row in run.rule_rows():
            unsafe = row["fixable"] - row["applicable"]
            lines.append(f"| {row['code']} | {row['name']} | {row['severity']} | {row['count']:,} | {row['applicable']:,} | {unsafe:,} |")
        lines.append("")
    if run.files:
        lines += ["| file | examples | tokens p50 / p90 / max | over limit |", "|---|---:|---|---:|"]
        for result in run.files:
            summary = result.summary()
            tokens = summary.get("tokens")
            dist = f"{tokens['p50']:,.0f} / {tokens['p90']:,.0f} / {tokens['max']:,}" if tokens else "n/a"
            over = f"{tokens['over_limit']:,}" if tokens else "n/a"
            lines.append(f"| {_cell(result.path)} | {summary['examples']:,} | {dist} | {over} |")
        lines.append("")
    if findings:
        lines += ["| location | rule | message |", "|---|---|---|"]
        for f in findings[:MAX_ROWS]:
            lines.append(f"| {_cell(f.path)}:{f.location} | {f.code} {f.name} | {_cell(f.message)} |")
        if run.total > MAX_ROWS:
            lines.append(f"\n{run.total - MAX_ROWS:,} more finding(s) not listed; see the SARIF or JSON report.")
    text = "\n".join(lines) + "\n"
    encoded = text.encode("utf-8")
    if len(encoded) > MAX_BYTES:
        text = encoded[:MAX_BYTES].decode("utf-8", errors="ignore") + "\n\n(truncated at GitHub's 1 MiB limit)\n"
    return text


def append(path: str | Path, text: str) -> None:
    """Step summaries are appended to (several steps may write one file)."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)
