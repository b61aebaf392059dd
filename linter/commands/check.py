"""``ftlint check``: lint files or folders and report the findings (``--fix``, ``--diff`` and
``-o`` fix them first; ``--show-settings`` and ``--show-files`` print what a run would use).

``ftlint fix`` (linter.commands.fix) is ``check --fix`` with fewer options: both run through
:func:`lint_and_report`, which builds the settings, picks the files and the formatter, passes
the findings through the baseline/summary :class:`Gate` and turns the outcome into the exit code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .. import baseline, runner
from .._dispatch import INTERNAL_ERROR
from ..config import COMMAND_LINE, Settings
from ..fix_guard import Refused, check_output_name
from ..cpus import available_cpus
from ..output import RunSummary
from ..registry import get_registry
from ..text import one_line
from ..trainer import cli_options as trainer_cli
from .common import (EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, Failure, expand_paths, formatter, selection_options,
                     settings_from_options, shown_path)


@click.command()
@click.argument("paths", nargs=-1)
@selection_options
@click.option("--output-format", "--format", "output_format", default="text", show_default=True, help="text, json, json-lines, github, sarif, junit (or a plugin's).")
@click.option("--output-file", type=click.Path(dir_okay=False, writable=True), help="Write the report here instead of standard output.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when errors are found.")
@click.option("-q", "--quiet", is_flag=True, help="Findings only: no summary, no progress bar.")
@click.option("--statistics", is_flag=True, help="Counts per rule and file statistics only, no individual findings.")
@click.option("--exact-stats", is_flag=True, help="Count the tokens of every example for the summary (slower).")
@click.option("--no-token-stats", is_flag=True, help="Do not count tokens for the summary.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.option("--fix", is_flag=True, help="Apply fixes (safe ones unless --unsafe-fixes), then report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change what is trained.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing (exit 1 if there is a diff).")
@click.option("-o", "--output", "fix_output", type=click.Path(dir_okay=False), help="With --fix: write the fixed file here instead of in place.")
@click.option("--rejects", type=click.Path(dir_okay=False), help="With --fix: where rows dropped by unsafe fixes go (default: beside the file written, OUTPUT.rejects.jsonl with -o, else FILE.rejects.jsonl).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Processes per file (default: every core this process may use: CPU affinity and cgroup quota). Only JSONL files of 8 MiB or more are split (FTLINT_PARALLEL_MIN_BYTES moves that).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True, help="Where shards run: local processes, or a Dask cluster (needs ftlint's 'dask' extra).")
@click.option("--scheduler", help="With --engine dask: the scheduler address (tcp://host:8786); default a local cluster.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), help="Hide findings recorded in this baseline file (default: [tool.ftlint] baseline).")
@click.option("--no-baseline", is_flag=True, help="Ignore the baseline that [tool.ftlint] names: report every finding.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), help="Record every current finding in this baseline file and exit 0.")
@click.option("--summary", "summary_file", type=click.Path(dir_okay=False), help="Append a Markdown report here (e.g. \"$GITHUB_STEP_SUMMARY\").")
@trainer_cli.trainer_options
@click.option("--show-settings", is_flag=True, help="Print the resolved settings and where each came from, then exit.")
@click.option("--show-files", is_flag=True, help="Print the files that would be linted, then exit.")
def check(paths, config_file, isolated, select, extend_select, ignore, severity, model, max_tokens, profile, validation_file,
          output_format, output_file, exit_zero, quiet, statistics, exact_stats, no_token_stats, color,
          fix, unsafe_fixes, diff, fix_output, rejects, jobs, engine, scheduler, baseline_file, no_baseline, write_baseline,
          summary_file, show_settings, show_files) -> None:
    """Lint dataset files (or folders of them)."""
    if show_settings or show_files:
        settings = settings_from_options(config_file, isolated, select, extend_select, ignore, severity, model, max_tokens, profile, validation_file)
        _stats_flags(settings, exact_stats, no_token_stats)
        use_baseline(settings, baseline_file, no_baseline, write_baseline)
        runner.make_linter(settings)  # the same checks as a run: a typo fails here too
        if show_settings:
            _show_settings(settings)
        if show_files:
            for path in expand_paths(paths, settings):
                click.echo(one_line(path))
        return
    del show_settings, show_files
    lint_and_report(**locals())


def lint_and_report(paths, config_file, isolated, select, extend_select, ignore, severity, model, max_tokens, profile,
                    output_format, output_file, exit_zero, quiet, statistics, exact_stats, no_token_stats, color,
                    fix, unsafe_fixes, diff, fix_output, rejects=None, jobs=None, engine="local", scheduler=None,
                    baseline_file=None, write_baseline=None, summary_file=None, validation_file=None, no_baseline=False) -> None:
    """``check`` (and ``fix``) after parsing: lint or fix the files, report, exit with the verdict."""
    if fix_output and not (fix or diff):
        # ruff's -o is --output-file: `check --format sarif -o report.sarif` once wrote the dataset there
        raise click.UsageError("-o/--output is where --fix writes the fixed dataset; add --fix "
                               "(or run ftlint fix), or write the report with --output-file")
    if fix_output:
        try:
            check_output_name(fix_output)  # before the tokenizer loads: a name alone decides it
        except Refused as exc:
            raise Failure(str(exc)) from None
    settings = settings_from_options(config_file, isolated, select, extend_select, ignore, severity, model, max_tokens, profile, validation_file)
    _stats_flags(settings, exact_stats, no_token_stats)
    use_baseline(settings, baseline_file, no_baseline, write_baseline)
    shown = get_registry().formatters.get(output_format)
    if statistics and shown is not None and not shown.supports_statistics:
        raise Failure(f"--statistics prints counts instead of findings, which the {output_format} format does not do; "
                      "use --output-format text or json")
    if shown is not None and not shown.shows_token_stats(not quiet, statistics) and not summary_file:
        settings.set("token-stats", False, "-q: no output shows them")  # nothing shows them: not counted
    linter = runner.make_linter(settings)
    for code, needs in linter.idle_selected():
        click.echo(f"ftlint: warning: {code} is selected but idle in this run: it runs only with {needs}", err=True)
    files = expand_paths(paths, settings)
    files = runner.with_validation_file(linter, files, lambda: _configured_training(settings))
    if settings.validation_file and linter.train_fingerprints is None and "FT406" in linter.enabled:
        click.echo(f"ftlint: note: FT406 (validation-leak) did not run: no training file to compare "
                   f"{one_line(settings.validation_file)} with; lint it with its training files, or list them "
                   "in [tool.ftlint] files", err=True)
    gate = Gate(settings.baseline, write_baseline, summary_file)
    colour = {"auto": None, "always": True, "never": False}[color]
    stream = open(output_file, "w", encoding="utf-8") if output_file else sys.stdout  # noqa: SIM115
    try:
        sink = formatter(output_format, stream, color=colour if not output_file else False, summary=not quiet, statistics=statistics)
        if fix or diff:
            if fix_output and len(files) != 1:
                raise Failure("-o/--output takes one input file")
            mode = runner.FixMode(unsafe=unsafe_fixes, diff=diff, output=fix_output, rejects=rejects,
                                  on_report=_print_fix_report(fix_output, diff), baseline=gate.baseline)
            outcome = runner.run(linter, files, sink, fix=mode, keep=gate.pass_through)
            code = (EXIT_FINDINGS if outcome.any_diff else EXIT_CLEAN) if diff else _verdict(outcome, gate, exit_zero)
        else:
            from ..progress import bar

            with bar(not quiet) as progress_bar:
                outcome = runner.run(linter, files, sink, jobs=jobs or available_cpus(), engine=engine,
                                     scheduler=scheduler, progress_bar=progress_bar, keep=gate.pass_through,
                                     unsafe_fixes=unsafe_fixes)
                code = _verdict(outcome, gate, exit_zero)
    finally:
        if output_file:
            stream.close()
    sys.exit(code)


def _stats_flags(settings: Settings, exact_stats: bool, no_token_stats: bool) -> None:
    if exact_stats:
        settings.set("exact-stats", True, COMMAND_LINE)
    if no_token_stats:
        settings.set("token-stats", False, COMMAND_LINE)


def use_baseline(settings: Settings, baseline_file: str | None, no_baseline: bool, write_baseline: str | None) -> None:
    """Which baseline this run filters by: ``--baseline``, else ``[tool.ftlint] baseline`` (relative to
    the config file's folder, as ``files`` are). None with ``--no-baseline``, and none when
    ``--write-baseline`` re-records the configured one: filtered by the old file, the new one would
    hold only the new findings and forget every known one. The file is never linted from a folder."""
    if baseline_file and no_baseline:
        raise Failure("--baseline and --no-baseline contradict each other: give one")
    if baseline_file:
        settings.set("baseline", baseline_file, COMMAND_LINE)
    elif no_baseline:
        settings.set("baseline", None, COMMAND_LINE)
    elif settings.baseline and write_baseline:
        settings.set("baseline", None, "--write-baseline records every finding")
    elif settings.baseline:
        settings.baseline = baseline.configured(settings)
    if settings.baseline:
        settings.run_outputs.append(settings.baseline)


def _configured_training(settings: Settings) -> list[str]:
    """The files [tool.ftlint] files names, FT406's training files when the validation file is linted
    alone. One that is missing (generated, gitignored) leaves FT406 idle with a note: it must not stop a
    pre-commit run that staged only the validation file, which lints fine without it."""
    found = []
    for entry in settings.files or ():
        try:
            found.extend(expand_paths((shown_path(Path(settings.root) / entry),), settings))
        except Failure as exc:  # one missing entry: the others are still compared with
            click.echo(f"ftlint: note: a training file [tool.ftlint] files names was not read ({one_line(exc.message)})", err=True)
    return found


def _show_settings(settings: Settings) -> None:
    """``key = value  # origin`` per setting, in TOML syntax, as ruff's --show-settings."""
    click.echo(f"# configuration: {one_line(settings.source)}")
    rows = [(key, json.dumps(value, ensure_ascii=False, sort_keys=True), origin) for key, value, origin in settings.resolved()]
    width = max((len(key) + len(value) for key, value, _ in rows if len(key) + len(value) <= 60), default=0) + 3
    for key, value, origin in rows:
        click.echo(f"{f'{key} = {value}':<{width}}  # {origin}")
    from ..plugin.host import loaded_plugins

    # 'plugins' is the config's list of local plugins: the installed ones take part too, unnamed there
    click.echo(f"# {one_line(loaded_plugins())}")
    from ..registry import get_registry

    profile = get_registry().profiles.get(settings.profile)
    if profile is not None and profile.enables:
        click.echo(f"# profile {profile.name} {profile.turns_on()}")


class Gate:
    """What happens to findings between the engine and the formatter: baseline, step summary, recording."""

    def __init__(self, baseline_file: str | None, write_baseline: str | None, summary_file: str | None) -> None:
        from ..baseline import Baseline

        self.baseline = Baseline(baseline_file) if baseline_file else None
        self.write_baseline = write_baseline
        self.summary_file = summary_file
        self.recorded: list = []
        self.sample: list = []

    def pass_through(self, findings):
        if self.baseline is not None:
            findings = self.baseline.filter(findings)
        for finding in findings:
            if self.write_baseline:
                self.recorded.append(finding)
            if self.summary_file and len(self.sample) < 100:
                self.sample.append(finding)
            yield finding

    def close(self, run: RunSummary, unfixed: int = 0) -> int | None:
        """Write what was asked for; returns an exit code when recording replaces the verdict. ``unfixed``:
        how many of the hidden findings a fix left as they are because the baseline holds them."""
        from ..output import markdown

        suppressed = self.baseline.suppressed if self.baseline else 0
        if suppressed:
            held = (f" ({unfixed:,} of them fixable, left unfixed: 'fix --no-baseline' fixes them, "
                    "then re-record the baseline)") if unfixed else ""
            click.echo(f"ftlint: {suppressed:,} finding(s) hidden by the baseline{held}", err=True)
        if self.baseline is not None and (note := self.baseline.note(sum(run.by_rule.values()))):
            click.echo(note, err=True)
        if self.summary_file:
            markdown.append(self.summary_file, markdown.render(run, self.sample, suppressed))
        if self.write_baseline:
            count = baseline.write(self.write_baseline, self.recorded)
            click.echo(f"ftlint: wrote a baseline of {count:,} finding(s) to {one_line(self.write_baseline)}", err=True)
            return EXIT_CLEAN
        return None


def _print_fix_report(output: str | None, diff: bool):
    """What ``--fix`` tells the user about each file before its remaining findings."""

    def show(report) -> None:
        if report.untouched:
            others = "the diff shows the other files" if diff else "fixing the other files"  # --diff writes nothing
            click.echo(f"ftlint: {one_line(report.untouched)}; {others}", err=True)
            return
        if getattr(report, "recovered", False):
            click.echo(f"ftlint: completed an interrupted earlier fix of {one_line(report.path)} first", err=True)
        if diff:
            sys.stdout.write(report.diff)
            return
        if report.fixed:
            detail = ", ".join(f"{code} ×{count:,}" for code, count in sorted(report.fixed.items()))
            where = f" (written to {output})" if output else ""
            click.echo(f"Fixed {sum(report.fixed.values()):,} problem(s) in {one_line(report.path)}{where}: {detail}", err=True)
        for note in report.notes():  # each dropped row (input line, rule); a fix that did not settle
            click.echo(note, err=True)
        if report.rejects:
            from ..fix_rejects import reasons_path

            kept = {"appended": "after its earlier rows; ", "replaced": "its earlier rows replaced; "}.get(report.rejects_kept, "")
            click.echo(f"Moved {report.rejected_rows:,} dropped row(s) of {one_line(report.path)} to {one_line(report.rejects)} "
                       f"({kept}why each left: {one_line(reasons_path(report.rejects))})", err=True)
            if report.result is not None and not report.result.stats.examples:
                click.echo(f"ftlint: the unsafe fixes dropped every example of {one_line(report.path)}, which is now empty; "
                           f"the rows are in {one_line(report.rejects)} (review with --diff before --unsafe-fixes)", err=True)

    return show


def _verdict(outcome, gate: Gate, exit_zero: bool) -> int:
    recorded = gate.close(outcome.summary, sum(report.held_back for report in outcome.reports))
    if outcome.summary.by_rule.get(INTERNAL_ERROR):
        return _internal_errors(outcome.summary.by_rule[INTERNAL_ERROR])
    if recorded is not None:
        return recorded
    return EXIT_FINDINGS if outcome.summary.errors and not exit_zero else EXIT_CLEAN


def _internal_errors(count: int) -> int:
    """A rule failed on some rows (FT000 findings name it): the run finished, but exits 2."""
    click.echo(f"ftlint: error: {count:,} internal error(s) (FT000): a rule failed on some rows; the findings name the rule and line", err=True)
    return EXIT_ERROR
