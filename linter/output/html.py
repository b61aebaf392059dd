"""``ftlint stats --html``: one self-contained HTML file (inline CSS and SVG, no
script, nothing fetched), to open anywhere, print, or keep as a CI artifact.

Per file: histograms with real axes (ticks, labels, a range that fits the
data, a log scale for long tails, the token limit as a marker line), turns per
example, roles, the trainer's view (trained tokens and truncation losses
with a tokenizer, else what to pass for them), the longest examples with a preview. Then the counts per
rule with two example lines each, and duplicates. Every dataset-derived string
is HTML-escaped; the charts are drawn here (a few dozen lines of SVG) so the
report needs no plotting library.
"""

from __future__ import annotations

import bisect
import html
import math
from collections import Counter
from dataclasses import dataclass, field

from ..engine import FileResult, Linter
from ..findings import Finding
from ..stats import epochs_text, not_counted_text
from ..text import one_line, redact, show
from . import RunSummary

BINS = 30
WIDTH, HEIGHT = 560, 250
LEFT, RIGHT, TOP, BOTTOM = 64, 18, 14, 46
PREVIEW_CHARS = 240
EXAMPLES_PER_RULE = 2
MAX_ERRORS = 50
MAX_ROLES = 12
LONG_TAIL = 20  # max / median above this: the token axes go logarithmic
DUPLICATE_RULES = ("FT403", "FT404", "FT405")

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#222}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:14px 0 4px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:12px 24px}
figure{margin:0;break-inside:avoid}figcaption{font-weight:600;margin-bottom:2px}
svg{display:block;max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#333}
.axis line,.axis path{stroke:#555}.grid-line{stroke:#e5e5e5}.bar{fill:#4c78a8}.limit{stroke:#d62728;stroke-width:2;stroke-dasharray:5 3}
svg text.limit-label{fill:#d62728;font-weight:600}
table{border-collapse:collapse;width:100%;margin:4px 0 12px}td,th{border:1px solid #d0d0d0;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
pre.preview{margin:2px 0;white-space:pre-wrap;word-break:break-all;font:12px/1.35 ui-monospace,Menlo,Consolas,monospace;background:#f7f7f7;padding:4px 6px;max-height:7.5em;overflow:hidden}
.note{color:#555}
@media print{body{max-width:none;margin:0}.grid{grid-template-columns:1fr 1fr}h2{break-after:avoid}tr,figure{break-inside:avoid}}
"""


@dataclass
class ReportSink:
    """Collects what the report shows from the finding stream: the first error lines and
    two example findings per rule (the rest are only counted, by the run summary)."""

    errors: list[Finding] = field(default_factory=list)
    examples: dict[str, list[Finding]] = field(default_factory=dict)

    def finding(self, finding: Finding) -> None:
        if finding.severity.value == "error" and len(self.errors) < MAX_ERRORS:
            self.errors.append(finding)
        kept = self.examples.setdefault(finding.code, [])
        if len(kept) < EXAMPLES_PER_RULE:
            kept.append(finding)

    def file_done(self, result: FileResult) -> None:
        pass

    def close(self, run: RunSummary) -> None:
        pass


# ---------------------------------------------------------------- axes


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 x 10^k apart, at least 1: the data are counts) that cover ``[low, high]``."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = max(1, next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw))
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high - step * 1e-9 or len(ticks) < 2:
        ticks.append(round(first + len(ticks) * step, 10))
    return ticks


def log_ticks(low: float, high: float) -> list[float]:
    """Powers of ten (with 2 and 5 between them over few decades) covering ``[low, high]``, low >= 1."""
    first, last = math.floor(math.log10(max(low, 1))), math.ceil(math.log10(max(high, 1)))
    last = max(last, first + 1)
    steps = (1, 2, 5) if last - first <= 3 else (1,)
    ticks = [m * 10**e for e in range(first, last + 1) for m in steps]
    return [t for t in ticks if t <= 10**last]


def _round_steps(least: float) -> float:
    """The smallest 1, 2 or 5 x 10^k (k >= 0: the data are counts) that is at least ``least``."""
    magnitude = 10 ** max(0, math.floor(math.log10(max(least, 1))))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= least)


def bin_edges(low: int, high: int, log: bool = False) -> list[int]:
    """Round histogram bin edges covering the integer values ``[low, high]``; bin i is ``[edge_i, edge_i+1)``.

    Linear: equal widths of 1, 2 or 5 x 10^k, as few bins as fit ``BINS``, starting
    at a multiple of the width. Logarithmic (``low >= 1``): the 1-2-5 sequence
    (1, 2, 5, 10, 20, 50...), from the last value not above ``low``.
    """
    if log:
        first = 10 ** math.floor(math.log10(low))
        edges = [m * first for m in (1, 2, 5) if m * first <= low][-1:]
        while edges[-1] <= high:
            value = edges[-1]
            magnitude = 10 ** math.floor(math.log10(value))
            edges.append(value * 5 // 2 if value // magnitude == 2 else value * 2)
        return edges
    width = _round_steps((high + 1 - low) / BINS)
    while True:
        start = math.floor(low / width) * width
        count = math.floor((high - start) / width) + 1
        if count <= BINS:
            return [start + i * width for i in range(count + 1)]
        width = _round_steps(width + 1)


def _short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 10_000:
        return f"{value / 1000:g}k"
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


class Scale:
    """Maps data values to pixels, linear or logarithmic."""

    def __init__(self, low: float, high: float, start: float, end: float, log: bool = False) -> None:
        self.log = log
        self.low, self.high = (math.log10(low), math.log10(high)) if log else (low, high)
        self.start, self.end = start, end

    def __call__(self, value: float) -> float:
        v = math.log10(max(value, 1e-9)) if self.log else value
        span = (self.high - self.low) or 1
        return self.start + (v - self.low) / span * (self.end - self.start)


def _frame(title: str, x_label: str, y_label: str, x_ticks, x_scale: Scale, y_ticks, y_scale: Scale) -> list[str]:
    """The SVG start, grid, axes with ticks and labels."""
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    out = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{html.escape(title)}">']
    for tick in y_ticks:
        y = y_scale(tick)
        out.append(f'<line class="grid-line" x1="{LEFT}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_short(tick)}</text>')
    out.append(f'<g class="axis"><line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{bottom}"/><line x1="{LEFT}" x2="{right}" y1="{bottom}" y2="{bottom}"/>')
    for tick, label in x_ticks:
        x = x_scale(tick)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 5}"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 17}" text-anchor="middle">{label}</text>')
    out.append("</g>")
    out.append(f'<text x="{(LEFT + right) / 2:.0f}" y="{HEIGHT - 6}" text-anchor="middle">{html.escape(x_label)}</text>')
    out.append(f'<text transform="translate(14,{(TOP + bottom) / 2:.0f}) rotate(-90)" text-anchor="middle">{html.escape(y_label)}</text>')
    return out


def _figure(title: str, svg: list[str], note: str = "") -> str:
    extra = f'<div class="note">{note}</div>' if note else ""
    return f"<figure><figcaption>{html.escape(title)}</figcaption>{''.join(svg)}</svg>{extra}</figure>"


# ---------------------------------------------------------------- charts


def histogram(counts: Counter, title: str, x_label: str, limit: int | None = None) -> str:
    """A histogram of a value -> count Counter, the x range fitted to the data.

    The limit is a marker line when it falls near the data; far above it, a note
    says so instead of squeezing every bar into one. A long tail (max over
    ``LONG_TAIL`` times the median) gets a logarithmic x axis.
    """
    if not counts:
        return f"<figure><figcaption>{html.escape(title)}</figcaption><p class='note'>nothing counted</p></figure>"
    low, high = min(counts), max(counts)
    ordered = sorted(counts.elements()) if sum(counts.values()) < 200_000 else None
    median = ordered[len(ordered) // 2] if ordered else (low + high) / 2
    show_limit = bool(limit) and limit <= high * 1.25
    top = max(high, limit) if show_limit else high
    log = low >= 1 and median >= 1 and top / median > LONG_TAIL
    edges = bin_edges(low, high, log)
    if log:
        ticks = log_ticks(edges[0], max(top, edges[-1]))
    else:
        ticks = nice_ticks(edges[0], max(top + 1, edges[-1]))
    x = Scale(min(ticks[0], edges[0]), max(ticks[-1], edges[-1]), LEFT, WIDTH - RIGHT, log=log)
    bins = [0] * (len(edges) - 1)
    for value, n in counts.items():
        bins[min(bisect.bisect_right(edges, value) - 1, len(bins) - 1)] += n
    y_ticks = nice_ticks(0, max(bins), 4)
    y = Scale(0, y_ticks[-1], HEIGHT - BOTTOM, TOP)
    svg = _frame(title, x_label + (" (log scale)" if log else ""), "examples", [(t, _short(t)) for t in ticks], x, y_ticks, y)
    for i, n in enumerate(bins):
        if not n:
            continue
        x0, x1 = x(edges[i]), x(edges[i + 1])
        span = _short(edges[i]) if edges[i + 1] - edges[i] <= 1 else f"{_short(edges[i])}–{_short(edges[i + 1] - 1)}"
        svg.append(f'<rect class="bar" x="{x0 + 0.5:.1f}" y="{y(n):.1f}" width="{max(x1 - x0 - 1, 1):.1f}" height="{y(0) - y(n):.1f}">'
                   f"<title>{span}: {n:,} example(s)</title></rect>")
    note = ""
    if show_limit:
        lx = x(limit)
        svg.append(f'<line class="limit" x1="{lx:.1f}" x2="{lx:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>')
        anchor, dx = ("end", -4) if lx > WIDTH / 2 else ("start", 4)
        svg.append(f'<text class="limit-label" x="{lx + dx:.1f}" y="{TOP + 12}" text-anchor="{anchor}">limit {limit:,}</text>')
    elif limit:
        note = f"limit {limit:,} tokens: beyond the largest example ({high:,}), not drawn"
    return _figure(title, svg, note)


def bars(counts: Counter | list[tuple[str, int]], title: str, x_label: str) -> str:
    """Vertical bars for a small set of categories (turns per example, roles): labels escaped."""
    items = sorted(counts.items()) if isinstance(counts, Counter) else list(counts)
    if not items:
        return f"<figure><figcaption>{html.escape(title)}</figcaption><p class='note'>nothing counted</p></figure>"
    y_ticks = nice_ticks(0, max(n for _, n in items), 4)
    y = Scale(0, y_ticks[-1], HEIGHT - BOTTOM, TOP)
    slot = (WIDTH - LEFT - RIGHT) / len(items)
    x = Scale(0, len(items), LEFT, WIDTH - RIGHT)
    labels = [(i + 0.5, html.escape(_clip(str(label), max(3, int(slot / 7))))) for i, (label, _) in enumerate(items)]
    svg = _frame(title, x_label, "count", labels, x, y_ticks, y)
    for i, (label, n) in enumerate(items):
        x0 = x(i) + slot * 0.15
        svg.append(f'<rect class="bar" x="{x0:.1f}" y="{y(n):.1f}" width="{slot * 0.7:.1f}" height="{y(0) - y(n):.1f}">'
                   f"<title>{html.escape(one_line(str(label)))}: {n:,}</title></rect>")
    return _figure(title, svg)


def _clip(text: str, chars: int) -> str:
    text = one_line(text)
    return text if len(text) <= chars else text[: chars - 1] + "…"


def turns_chart(messages: Counter) -> str:
    """Messages per example: a bar per count when there are few, else a histogram."""
    if messages and max(messages) - min(messages) <= 40:
        every = [(str(k), messages.get(k, 0)) for k in range(min(messages), max(messages) + 1)]
        return bars(every, "Turns per example", "messages in the example")
    return histogram(messages, "Turns per example", "messages in the example")


def roles_chart(roles: Counter) -> str:
    # role names are dataset text: escaped and redacted like every quoted value
    top = [(show(role, 40, quoted=False), n) for role, n in roles.most_common(MAX_ROLES)]
    rest = sum(roles.values()) - sum(n for _, n in top)
    if rest:
        top.append(("(other roles)", rest))
    return bars(top, "Messages per role", "role")


# ---------------------------------------------------------------- trainer's view


def trainer_view(trained: Counter | None = None, untrained: Counter | None = None,
                 truncated_examples: int | None = None, truncated_tokens: int | None = None) -> str:
    """Room for the trainer's view: what a trainer learns from versus what it only reads.

    ``trained``/``untrained`` are tokens-per-example histograms (tokens under the
    assistant mask within the maximum length, and everything else); ``truncated_*``
    are the examples a trainer cuts at its maximum sequence length and the trained
    tokens it loses. Pass what is known; the section shows only that (and nothing
    when nothing is known). Without a tokenizer, ``TRAINER_HINT`` says what to pass.
    """
    parts = []
    if trained:
        parts.append(histogram(trained, "Trained tokens per example", "tokens the loss is computed on"))
    if untrained:
        parts.append(histogram(untrained, "Untrained tokens per example", "tokens read but not trained"))
    facts = []
    if truncated_examples is not None:
        facts.append(f"{truncated_examples:,} example(s) truncated")
    if truncated_tokens is not None:
        facts.append(f"{truncated_tokens:,} trained token(s) lost to truncation")
    if not parts and not facts:
        return ""
    note = f"<p>{'; '.join(facts)}.</p>" if facts else ""
    grid = f'<div class="grid">{"".join(parts)}</div>' if parts else ""
    return f"<h3>Trainer's view</h3>{note}{grid}"


TRAINER_HINT = ("<h3>Trainer's view</h3><p class='note'>Not computed: pass <code>--tokenizer</code> (a model folder or a "
                "cached repo id) with <code>--max-seq-length</code>, or <code>--trainer-config</code>, to see the exact tokens "
                "the trainer reads, the ones it trains on, and what truncation cuts.</p>")


# ---------------------------------------------------------------- rows


@dataclass
class FileScan:
    """What the report reads back from a file: roles, and the text of the rows it previews."""

    roles: Counter = field(default_factory=Counter)
    previews: dict[int, str] = field(default_factory=dict)


def scan(linter: Linter, path: str, lines: set[int]) -> FileScan:
    """One more pass over a file for the roles and the previewed rows (not possible for stdin)."""
    found = FileScan()
    if path.startswith("<"):
        return found
    reader = linter.registry.reader_for(path)
    try:
        with open(path, "rb") as handle:
            for row in reader.rows(handle, max_line_bytes=linter.settings.max_line_bytes):
                if row.number in lines and row.raw is not None:
                    found.previews[row.number] = row.raw[: PREVIEW_CHARS * 4].decode("utf-8", "replace")
                if row.parsed and isinstance(row.value, dict):
                    # roles as the source names them, in every format (ShareGPT's human/gpt too)
                    row.format = linter.registry.detector.detect(row.value)
                    for _, turn in row.view.all_turns():
                        role = turn.source_role if turn.source_role is not None else turn.role
                        found.roles[role if isinstance(role, str) and role else f"({type(role).__name__})"] += 1
    except OSError:
        pass
    return found


def _preview(text: str | None) -> str:
    if text is None:
        return ""
    text = redact(text)  # previews quote dataset text: never a secret, whatever rules are enabled
    clipped = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + " …"
    return f'<pre class="preview">{html.escape(clipped)}</pre>'


# ---------------------------------------------------------------- page


def _file_section(result: FileResult, found: FileScan) -> list[str]:
    summary = result.summary()
    tokens = summary.get("tokens", {})
    limit_from = f", {html.escape(result.limit_from)}" if result.limit_from and result.limit_from != result.model else ""
    not_counted = f" (not counted: {html.escape(not_counted_text(summary['not_counted']))})" if summary.get("not_counted") else ""
    out = [f"<h2>{html.escape(one_line(result.path))}</h2>",
           f"<p>{summary['examples']:,} examples{not_counted}, {summary['lines']:,} lines, {summary['bytes']:,} bytes; model "
           f"{html.escape(result.model)}; limit {result.token_limit:,} tokens ({html.escape(result.encoding)}{limit_from}).</p>"]
    if tokens:
        billing = ""
        if "estimated_billing_tokens" in tokens:  # an OpenAI run only
            billing = (f"; {epochs_text(tokens['estimated_epochs'])}, {tokens['estimated_billing_tokens']:,} billing tokens"
                       + (f", about ${tokens['estimated_cost_usd']:,.2f}" if "estimated_cost_usd" in tokens else ""))
        out.append(f"<p>tokens per example: min {tokens['min']:,}, mean {tokens['mean']:,}, p50 {tokens['p50']:,.0f}, "
                   f"p90 {tokens['p90']:,.0f}, max {tokens['max']:,}; {tokens['over_limit']:,} over the limit{billing}.</p>")
    from ..trainer.report import html_rows

    trainer = html_rows(summary)
    if trainer:
        out.append("<h3>Trainer</h3><table>" + "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(one_line(v))}</td></tr>" for k, v in trainer) + "</table>")
    stats = result.stats
    out.append('<div class="grid">')
    out.append(histogram(stats.tokens, "Tokens per example", "tokens", result.token_limit))
    out.append(histogram(stats.assistant_tokens, "Assistant tokens per example", "assistant tokens"))
    out.append(turns_chart(stats.messages))
    out.append(roles_chart(found.roles))
    out.append("</div>")
    view = summary.get("trainer")
    if view is None:
        out.append(TRAINER_HINT)
    else:
        out.append(trainer_view(trained=stats.trained_tokens or None, truncated_examples=view["truncated_examples"],
                                truncated_tokens=view["trained_tokens_lost"]))
    longest = stats.longest_examples()
    if longest:
        out.append("<h3>Longest examples</h3><table><tr><th>line</th><th>tokens</th><th>preview</th></tr>")
        out.extend(f'<tr><td class="num">{line:,}</td><td class="num">{n:,}</td><td>{_preview(found.previews.get(line))}</td></tr>'
                   for line, n in longest)
        out.append("</table>")
    return out


def _rules_section(run: RunSummary, sink: ReportSink, previews: dict[tuple[str, int], str]) -> list[str]:
    out = ["<h2>Findings per rule</h2><table><tr><th>code</th><th>name</th><th>severity</th><th>count</th><th>fixable</th><th>examples</th></tr>"]
    for row in run.rule_rows():
        shown = []
        for f in sink.examples.get(row["code"], []):
            where = f"{html.escape(one_line(f.path))}:{f.location}" + (f" {html.escape(f.pointer)}" if f.pointer else "")
            shown.append(f"<div><code>{where}</code> {html.escape(one_line(f.message))}{_preview(previews.get((f.path, f.line)))}</div>")
        out.append(f"<tr><td>{html.escape(row['code'])}</td><td>{html.escape(row['name'])}</td><td>{row['severity']}</td>"
                   f'<td class="num">{row["count"]:,}</td><td class="num">{row["fixable"]:,}</td><td>{"".join(shown)}</td></tr>')
    out.append("</table>")
    return out


def _duplicates_section(run: RunSummary) -> list[str]:
    counts = [(code, run.by_rule.get(code, 0)) for code in DUPLICATE_RULES if code in run.rules]
    if not counts:
        return []
    items = "".join(f"<li>{html.escape(code)} {html.escape(run.rules[code].name)}: {n:,}</li>" for code, n in counts)
    return [f"<h2>Duplicates</h2><ul>{items}</ul>"]


def render(results: list[FileResult], run: RunSummary, sink: ReportSink, linter: Linter) -> str:
    wanted: dict[str, set[int]] = {}
    for result in results:
        wanted.setdefault(result.path, set()).update(line for line, _ in result.stats.longest_examples())
    for kept in sink.examples.values():
        for f in kept:
            wanted.setdefault(f.path, set()).add(f.line)
    scans = {path: scan(linter, path, lines) for path, lines in wanted.items()}
    previews = {(path, line): text for path, found in scans.items() for line, text in found.previews.items()}
    out = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
           "<meta name='viewport' content='width=device-width,initial-scale=1'><title>ftlint report</title>",
           f"<style>{CSS}</style></head><body>",
           f"<h1>ftlint report</h1><p class='note'>{len(results):,} file(s); {run.total:,} finding(s), "
           f"{run.errors:,} error(s).</p>"]
    for result in results:
        out.extend(_file_section(result, scans.get(result.path, FileScan())))
    if run.total:
        out.extend(_rules_section(run, sink, previews))
    out.extend(_duplicates_section(run))
    if sink.errors:
        out.append("<h2>First error lines</h2><table><tr><th>file:line</th><th>rule</th><th>message</th></tr>")
        out.extend(f"<tr><td><code>{html.escape(one_line(f.path))}:{f.location}</code></td><td>{html.escape(f.code)} {html.escape(f.name)}</td>"
                   f"<td>{html.escape(one_line(f.message))}</td></tr>" for f in sink.errors)
        out.append("</table>")
    out.append("</body></html>\n")
    return "\n".join(out)
