"""Human output: ``path:line: CODE [name] message``, then a summary.

Colour only on a terminal (rich decides, honouring NO_COLOR and FORCE_COLOR,
unless ``--color`` says otherwise). Messages are escaped again here, so a
plugin rule that forgets to quote dataset text still cannot drive the terminal.
"""

from __future__ import annotations

from ..engine import FileResult
from ..findings import Finding, Severity
from ..stats import epochs_text, not_counted_text
from ..text import counted, one_line
from . import Formatter, RunSummary

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


class TextFormatter(Formatter):
    name = "text"
    supports_statistics = True
    description = "path:line: CODE [name] message, then a summary (default)"

    def __init__(self, stream, **kwargs):
        from rich.console import Console  # here, not at import: the other formats never need rich (22 ms)

        super().__init__(stream, **kwargs)
        force = None if self.color is None else self.color
        self.console = Console(
            file=stream,
            force_terminal=force,
            no_color=self.color is False,
            highlight=False,
            soft_wrap=True,
            emoji=False,
        )
        # Off a terminal with no colour, rich renders a finding as exactly its
        # plain text (one_line already escaped what rich would strip), at about
        # 150 µs a finding: write that text directly instead.
        self._plain = stream.write if not self.console.is_terminal and self.console.color_system is None else None

    def finding(self, finding: Finding) -> None:
        if self.statistics:
            return
        if self._plain is not None:
            at = f" (at {one_line(finding.pointer)})" if finding.pointer else ""
            self._plain(
                f"{one_line(finding.path)}:{finding.location}: {finding.code} [{finding.name}] {one_line(finding.message)}{at}\n"
            )
            return
        from rich.text import Text

        line = Text()
        line.append(f"{one_line(finding.path)}:{finding.location}:", style="bold")
        line.append(" ")
        line.append(finding.code, style=STYLE[finding.severity])
        line.append(f" [{finding.name}] ")
        line.append(one_line(finding.message))
        if finding.pointer:
            line.append(f" (at {one_line(finding.pointer)})", style="dim")
        self.console.print(line)

    @classmethod
    def shows_token_stats(cls, summary: bool, statistics: bool) -> bool:
        return summary or statistics  # the per-file lines under the findings

    def file_done(self, result: FileResult) -> None:
        if self.show_summary or self.statistics:
            self._file_stats(result)

    def _file_stats(self, result: FileResult) -> None:
        from rich.text import Text

        summary = result.summary()
        out = self.console.print
        head = f"{one_line(result.path)}: {counted(summary['examples'], 'example')} in {counted(summary['lines'], 'line')}"
        messages = summary.get("messages_per_example")
        if messages:
            if messages["min"] == messages["max"]:  # "2-2 messages each (mean 2)" said one number three times
                head += f", {messages['min']:g} messages each"
            else:
                head += f", {messages['min']:g}-{messages['max']:g} messages each (mean {messages['mean']:g})"
        out(Text(head, style="bold"))
        if summary.get("not_counted"):  # parsed rows that are no example: in no format (FT101), messages not a list
            out(f"  not counted as examples: {not_counted_text(summary['not_counted'])}")
        tokens = summary.get("tokens")
        if not tokens:
            return
        scope = (
            f"all {tokens['counted_examples']:,} counted"
            if tokens["exact"]
            else f"sampled {tokens['counted_examples']:,} of {tokens['countable_examples']:,}; --exact-stats counts all"
        )
        # a sample's figures estimate the file's, and its extremes only bound them: its max is at most the file's
        approx, low, high = ("", "", "") if tokens["exact"] else ("≈ ", "≤ ", "≥ ")
        out(
            f"  tokens per example ({tokens['encoding']}, {scope}): min {low}{tokens['min']:,} · mean {approx}{tokens['mean']:,.1f}"
            f" · p50 {approx}{tokens['p50']:,.0f} · p90 {approx}{tokens['p90']:,.0f} · max {high}{tokens['max']:,}"
        )
        if tokens.get("approximates"):  # a model counted with a tiktoken encoding: say so, and what is exact
            exact = ": --tokenizer DIR (its tokenizer folder) counts exactly" if tokens.get("open_tokenizer") else ""
            out(f"  approximate: {tokens['encoding']} stands in for the model's own tokenizer ({tokens['approximates']}){exact}")
        if tokens.get("counted_on_view"):
            out(f"  {tokens['counted_on_view']:,} example(s) of other formats than OpenAI chat counted by the OpenAI cookbook "
                "formula on their conversation view; --tokenizer counts them as the model's own chat template renders them")
        if tokens.get("pairs"):
            billed = ("; the billing estimate counts its prompt once and both answers (OpenAI does not document how a pair "
                      "is billed)") if "estimated_billing_tokens" in tokens else ""
            out(f"  {tokens['pairs']:,} preference pair(s): each counted as its prompt with the longer answer{billed}")
        pairs = f"; {tokens['pair_limit']:,} for preference pairs" if tokens.get("pair_limit") else ""
        out(f"  limit {tokens['limit']:,} tokens ({result.limit_from or result.model}{pairs}): {tokens['over_limit']:,} example(s) over")
        trained = summary.get("trained_tokens")
        if trained:
            out(f"  assistant tokens per example: mean {approx}{summary['assistant_tokens']['mean']:,.1f}; trained (weight ≠ 0): "
                f"{approx}{trained['total_per_epoch']:,} per epoch")
        if "estimated_billing_tokens" in tokens:  # an OpenAI run only
            out(
                f"  estimated training: {epochs_text(tokens['estimated_epochs'])} × {approx}{tokens['billing_tokens_per_epoch']:,} "
                f"tokens {approx or '= '}{tokens['estimated_billing_tokens']:,} billing tokens (cookbook heuristic)"
            )
        if "estimated_cost_usd" in tokens:
            price = tokens["price"]
            out(f"  estimated cost: ≈ ${tokens['estimated_cost_usd']:,.2f} at ${price['usd_per_million']:g} per 1M training tokens "
                f"({price['model']}, price as of {price['as_of']})")
        from ..trainer.report import text_lines

        for line in text_lines(summary):
            out(Text(one_line(line)))

    def close(self, run: RunSummary) -> None:
        if not (self.show_summary or self.statistics):
            return
        from rich.text import Text

        out = self.console.print
        if not run.total:
            out(Text("All checks passed.", style="bold green"))
            return
        counts = ", ".join(
            f"{run.by_severity[s]:,} {s.value}{'s' if s is not Severity.INFO and run.by_severity[s] != 1 else ''}"
            for s in Severity
            if run.by_severity[s]
        )
        out(Text(f"Found {counted(run.total, 'problem')} in {counted(len(run.files), 'file')} ({counts}).", style="bold"))
        rows = run.rule_rows()
        # columns as wide as the longest code and name present: a plugin's ACME001 beside FT201 shifted its row
        code_width, width = max(len(r["code"]) for r in rows), max(len(r["name"]) for r in rows)
        for r in rows:
            # ruff's marks: what `--fix` (with this run's --unsafe-fixes) would apply, not every fix on offer
            mark = "[*]" if r["applicable"] == r["count"] else "[-]" if r["applicable"] else "[ ]"
            text = Text(f"{r['count']:>8,}  ")
            text.append(r["code"], style=STYLE[Severity(r["severity"])])
            text.append(f"{'':<{code_width - len(r['code'])}} {mark} {r['name']:<{width}}  {r['severity']}")
            out(text)
        fixable = sum(r["fixable"] for r in rows)
        if fixable and run.unsafe_fixes:
            out(f"[*] {fixable:,} fixable with 'ftlint check --fix --unsafe-fixes'.", markup=False)
        elif fixable and not run.safe_fixable:  # "0 fixable with 'ftlint check --fix' (2 more ...)" said it backwards
            out(f"[*] {fixable:,} fixable with 'ftlint check --fix --unsafe-fixes' (no safe fix).", markup=False)
        elif fixable:
            unsafe = fixable - run.safe_fixable
            more = f" ({unsafe:,} more with --unsafe-fixes)" if unsafe else ""
            out(f"[*] {run.safe_fixable:,} fixable with 'ftlint check --fix'{more}.", markup=False)
