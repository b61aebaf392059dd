"""``ftlint stats --html``: one self-contained HTML file (inline CSS and SVG, no
script, nothing fetched), to open anywhere or keep as a CI artifact.

Histograms of tokens per example and per example's assistant messages, with
the token limit drawn in; the counts per rule; the longest examples and the
first error lines. Every dataset-derived string is HTML-escaped.
"""

from __future__ import annotations

import html
from collections import Counter

from ..engine import FileResult
from ..findings import Finding
from ..text import one_line
from . import RunSummary

BINS = 40
WIDTH, HEIGHT = 640, 160


def _histogram(counts: Counter, limit: int | None, title: str) -> str:
    if not counts:
        return f"<p>{html.escape(title)}: nothing counted.</p>"
    top = max(max(counts), limit or 0)
    width = max(1, -(-top // BINS))
    bins = [0] * BINS
    for value, n in counts.items():
        bins[min(BINS - 1, value // width)] += n
    peak = max(bins) or 1
    bar = WIDTH / BINS
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT + 20}" role="img" aria-label="{html.escape(title)}">']
    for i, n in enumerate(bins):
        h = HEIGHT * n / peak
        label = f"{i * width:,}-{(i + 1) * width - 1:,} tokens: {n:,} example(s)"
        parts.append(f'<rect x="{i * bar:.1f}" y="{HEIGHT - h:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" fill="#4c78a8"><title>{label}</title></rect>')
    if limit:
        x = min(WIDTH - 1, WIDTH * limit / (width * BINS))
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{HEIGHT}" stroke="#d62728" stroke-width="2"/>')
        parts.append(f'<text x="{max(0, x - 4):.1f}" y="{HEIGHT + 14}" font-size="11" text-anchor="end" fill="#d62728">limit {limit:,}</text>')
    parts.append(f'<text x="0" y="{HEIGHT + 14}" font-size="11">0</text><text x="{WIDTH}" y="{HEIGHT + 14}" font-size="11" text-anchor="end">{width * BINS:,}</text>')
    parts.append("</svg>")
    return f"<h3>{html.escape(title)}</h3>" + "".join(parts)


def render(results: list[FileResult], run: RunSummary, errors: list[Finding]) -> str:
    out = ["<!doctype html><html><head><meta charset='utf-8'><title>ftlint report</title>",
           "<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}"
           "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}code{font-size:13px}</style></head><body>",
           "<h1>ftlint report</h1>"]
    for result in results:
        summary = result.summary()
        tokens = summary.get("tokens", {})
        out.append(f"<h2>{html.escape(one_line(result.path))}</h2>")
        out.append(f"<p>{summary['examples']:,} examples, {summary['lines']:,} lines, {summary['bytes']:,} bytes; model "
                   f"{html.escape(result.model)}; limit {result.token_limit:,} tokens ({html.escape(result.encoding)}).</p>")
        if tokens:
            out.append(f"<p>tokens per example: min {tokens['min']:,}, mean {tokens['mean']:,}, p50 {tokens['p50']:,.0f}, "
                       f"p90 {tokens['p90']:,.0f}, max {tokens['max']:,}; {tokens['over_limit']:,} over the limit; "
                       f"{tokens['estimated_epochs']} epochs, {tokens['estimated_billing_tokens']:,} billing tokens"
                       + (f", about ${tokens['estimated_cost_usd']:,.2f}" if "estimated_cost_usd" in tokens else "") + ".</p>")
        from ..trainer.report import html_rows

        trainer = html_rows(summary)
        if trainer:
            out.append("<h3>Trainer</h3><table>" + "".join(
                f"<tr><th>{html.escape(k)}</th><td>{html.escape(one_line(v))}</td></tr>" for k, v in trainer) + "</table>")
        out.append(_histogram(result.stats.tokens, result.token_limit, "Tokens per example"))
        out.append(_histogram(result.stats.assistant_tokens, None, "Assistant tokens per example"))
        longest = result.stats.longest_examples()
        if longest:
            out.append("<h3>Longest examples</h3><table><tr><th>line</th><th>tokens</th></tr>")
            out.extend(f"<tr><td>{line:,}</td><td>{n:,}</td></tr>" for line, n in longest)
            out.append("</table>")
    if run.total:
        out.append("<h2>Findings per rule</h2><table><tr><th>code</th><th>name</th><th>severity</th><th>count</th></tr>")
        out.extend(f"<tr><td>{r['code']}</td><td>{html.escape(r['name'])}</td><td>{r['severity']}</td><td>{r['count']:,}</td></tr>" for r in run.rule_rows())
        out.append("</table>")
    if errors:
        out.append("<h2>First error lines</h2><table><tr><th>file:line</th><th>rule</th><th>message</th></tr>")
        out.extend(f"<tr><td><code>{html.escape(one_line(f.path))}:{f.line}</code></td><td>{f.code} {html.escape(f.name)}</td>"
                   f"<td>{html.escape(one_line(f.message))}</td></tr>" for f in errors)
        out.append("</table>")
    out.append("</body></html>\n")
    return "\n".join(out)
