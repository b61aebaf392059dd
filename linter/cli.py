"""The ``ftlint`` command.

Exit codes follow ruff: 0 when no error-severity finding remains, 1 when one
does, 2 for usage, configuration, plugin and internal errors (which print a
one-line reason, never a traceback; ``FTLINT_DEBUG=1`` shows it).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import click

from . import __version__
from .baseline import BaselineError
from .config import COMMAND_LINE, ConfigError, Settings, did_you_mean, load, split_codes
from .cpus import available_cpus
from ._dispatch import INTERNAL_ERROR
from .engine import Linter, UsageError
from . import discovery, runner
from .output import RunSummary
from .plugin import host
from .plugin.host import PluginError
from .readers import MissingDependency
from .registry import get_registry
from .report_format import JSON, TEXT, report_format_option
from .selection import SelectionError
from .text import one_line
from .tokens import TokenizerUnavailable
from .trainer import cli_options as trainer_cli

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Failure(click.ClickException):
    """A problem with the run itself (exit 2)."""

    exit_code = EXIT_ERROR

    def show(self, file=None) -> None:
        click.echo(f"ftlint: error: {one_line(self.format_message())}", err=True)


class FtlintGroup(click.Group):
    """Turns every expected failure into a clear message and exit code 2."""

    def invoke(self, ctx: click.Context):
        try:
            result = super().invoke(ctx)
        except SystemExit as exc:
            if UNREADABLE and exc.code in (None, EXIT_CLEAN, EXIT_FINDINGS):
                raise SystemExit(EXIT_ERROR) from None  # a folder could not be listed: the run is incomplete
            raise
        except (ConfigError, SelectionError, UsageError, PluginError, TokenizerUnavailable, BaselineError, runner.RunError,
                MissingDependency) as exc:
            raise Failure(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit, KeyboardInterrupt, BrokenPipeError):
            raise
        except OSError as exc:
            if exc.filename is None or os.environ.get("FTLINT_DEBUG"):
                raise
            raise Failure(_os_error_message(exc)) from None
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if os.environ.get("FTLINT_DEBUG"):
                raise
            raise Failure(f"internal error: {type(exc).__name__}: {exc} (set FTLINT_DEBUG=1 for a traceback)") from None
        if UNREADABLE:
            raise SystemExit(EXIT_ERROR)
        return result


@click.group(cls=FtlintGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="ftlint")
def cli() -> None:
    """Lint LLM fine-tuning datasets (JSONL chat, tools, DPO, RFT, prompt/completion)."""


def _os_error_message(exc: OSError) -> str:
    """``path: reason`` for a file that could not be opened, naming a missing folder."""
    name = os.fsdecode(exc.filename)
    folder = os.path.dirname(name)
    if isinstance(exc, FileNotFoundError) and folder and not os.path.isdir(folder):
        written = "" if os.path.basename(name).startswith(".ftlint-") else f"{name}: "  # not our temporary file's name
        return f"{written}the folder {folder} does not exist"
    return f"{name}: {exc.strerror or exc}"


def _unreadable(exc: OSError) -> None:
    """A subfolder that cannot be listed is warned about, never skipped silently (and the run exits 2)."""
    click.echo(f"ftlint: warning: {one_line(os.fsdecode(exc.filename))}: cannot list the folder ({exc.strerror}); its files were not linted", err=True)
    UNREADABLE.append(exc.filename)


def _not_regular(path: str) -> str:
    return f"{path}: not a regular file (a FIFO, device or socket); ftlint reads files and folders"


UNREADABLE: list[str] = []  # folders that could not be listed in this run: the exit code becomes 2


def _expand(paths: tuple[str, ...], settings: Settings | None = None) -> list[str]:
    registry = get_registry()
    out: list[str] = []
    if not paths and settings is not None and settings.files:
        paths = tuple(str(Path(settings.root) / p) for p in settings.files)
    if not paths:
        raise Failure("no paths given, and no 'files' in [tool.ftlint] to lint")
    found = discovery.from_settings(settings or Settings())
    for raw in paths:
        path = Path(raw)
        if found.force_excluded(raw):
            continue  # named, but excluded, and --force-exclude says that wins (as pre-commit needs)
        if path.is_dir():
            out.extend(found.walk(raw, lambda p: any(r.claims(p) for r in registry.readers), _unreadable))
        elif path.is_file() or raw == "-":
            out.append(raw)
        elif os.path.exists(raw):
            raise Failure(_not_regular(raw))
        else:
            raise Failure(f"{raw}: no such file or directory")
    if not out and found.force_exclude and any(found.force_excluded(raw) for raw in paths):
        click.echo("ftlint: warning: every path given is excluded (--force-exclude); nothing to lint", err=True)
        sys.exit(EXIT_CLEAN)
    if not out:
        raise Failure("no dataset files found in the given paths")
    return out


def _settings(config_file, isolated, select, extend_select, ignore, severity, model, max_tokens, profile, validation_file=None) -> Settings:
    settings = Settings() if isolated else load(config_file)
    if select:
        settings.cli_select = split_codes(select)
    settings.cli_extend_select = split_codes(extend_select)
    settings.cli_ignore = split_codes(ignore)
    for item in severity:
        code, sep, level = item.partition("=")
        if not sep:
            raise Failure(f"--severity takes CODE=LEVEL, got {item!r}")
        settings.severity[code.strip()] = level.strip()
        settings.origins["severity"] = _with_cli(settings.origins.get("severity"))
    for key, value in (("model", model), ("max-tokens", max_tokens), ("profile", profile), ("validation-file", validation_file)):
        if value:
            settings.set(key, value, COMMAND_LINE)
    if settings.validation_file and settings.origins.get("validation-file") != COMMAND_LINE:
        settings.validation_file = str(Path(settings.root) / settings.validation_file)
    trainer_cli.apply(settings)
    discovery.apply(settings)
    return settings


def _with_cli(origin: str | None) -> str:
    return COMMAND_LINE if origin in (None, COMMAND_LINE) or origin.endswith(COMMAND_LINE) else f"{origin} + {COMMAND_LINE}"


def selection_options(func):
    for option in reversed(
        [
            click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Read settings from this TOML file instead of the nearest pyproject.toml."),
            click.option("--isolated", is_flag=True, help="Ignore every configuration file."),
            click.option("--select", multiple=True, metavar="CODES", help="Rules to enable (codes, prefixes, names, ALL); replaces the config's select."),
            click.option("--extend-select", multiple=True, metavar="CODES", help="Rules to enable on top of the selection."),
            click.option("--ignore", multiple=True, metavar="CODES", help="Rules to disable."),
            click.option("--severity", multiple=True, metavar="CODE=LEVEL", help="Override a rule's severity (error, warning, info)."),
            click.option("--model", help="Target model: sets the tokenizer and per-example token limit (default: 4096 tokens)."),
            click.option("--max-tokens", type=click.IntRange(min=1), help="Per-example token limit, overriding the model's."),
            click.option("--profile", help="Provider profile (see 'ftlint profiles'); default openai-sft."),
            click.option("--validation-file", type=click.Path(dir_okay=False), help="Validation file: linted too, and checked for examples that leak from the training files (FT406)."),
            discovery.discovery_options,
        ]
    ):
        func = option(func)
    return func


def _formatter(name: str, stream, **kwargs):
    formatters = get_registry().formatters
    if name not in formatters:
        raise Failure(f"unknown output format {name!r}; choose from {', '.join(sorted(formatters))}")
    return formatters[name](stream, **kwargs)


class Gate:
    """What happens to findings between the engine and the formatter: baseline, step summary, recording."""

    def __init__(self, baseline_file: str | None, write_baseline: str | None, summary_file: str | None) -> None:
        from .baseline import Baseline

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

    def close(self, run: RunSummary) -> int | None:
        """Write what was asked for; returns an exit code when recording replaces the verdict."""
        from . import baseline
        from .output import markdown

        suppressed = self.baseline.suppressed if self.baseline else 0
        if suppressed:
            click.echo(f"ftlint: {suppressed:,} finding(s) hidden by the baseline", err=True)
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
        if getattr(report, "recovered", False):
            click.echo(f"ftlint: completed an interrupted earlier fix of {one_line(report.path)} first", err=True)
        if diff:
            sys.stdout.write(report.diff)
            return
        if report.fixed:
            detail = ", ".join(f"{code} ×{count}" for code, count in sorted(report.fixed.items()))
            where = f" (written to {output})" if output else ""
            click.echo(f"Fixed {sum(report.fixed.values()):,} problem(s) in {one_line(report.path)}{where}: {detail}", err=True)
        for note in report.notes():  # each dropped row (input line, rule); a fix that did not settle
            click.echo(note, err=True)
        if report.rejects:
            click.echo(f"Moved the dropped row(s) to {one_line(report.rejects)}", err=True)
            if report.result is not None and not report.result.stats.examples:
                click.echo(f"ftlint: the unsafe fixes dropped every example of {one_line(report.path)}, which is now empty; "
                           f"the rows are in {one_line(report.rejects)} (review with --diff before --unsafe-fixes)", err=True)

    return show


def _verdict(outcome, gate: Gate, exit_zero: bool) -> int:
    recorded = gate.close(outcome.summary)
    if outcome.summary.by_rule.get(INTERNAL_ERROR):
        return _internal_errors(outcome.summary.by_rule[INTERNAL_ERROR])
    if recorded is not None:
        return recorded
    return EXIT_FINDINGS if outcome.summary.errors and not exit_zero else EXIT_CLEAN


def _internal_errors(count: int) -> int:
    """A rule failed on some rows (FT000 findings name it): the run finished, but exits 2."""
    click.echo(f"ftlint: error: {count:,} internal error(s) (FT000): a rule failed on some rows; the findings name the rule and line", err=True)
    return EXIT_ERROR


@cli.command()
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
@click.option("--rejects", type=click.Path(dir_okay=False), help="With --fix: where rows dropped by unsafe fixes go (default: FILE.rejects.jsonl).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Processes per file (default: every core this process may use: CPU affinity and cgroup quota; JSONL files over 8 MB).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True, help="Where shards run: local processes, or a Dask cluster (needs ftlint's 'dask' extra).")
@click.option("--scheduler", help="With --engine dask: the scheduler address (tcp://host:8786); default a local cluster.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), help="Hide findings recorded in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), help="Record every current finding in this baseline file and exit 0.")
@click.option("--summary", "summary_file", type=click.Path(dir_okay=False), help="Append a Markdown report here (e.g. \"$GITHUB_STEP_SUMMARY\").")
@trainer_cli.trainer_options
@click.option("--show-settings", is_flag=True, help="Print the resolved settings and where each came from, then exit.")
@click.option("--show-files", is_flag=True, help="Print the files that would be linted, then exit.")
def check(paths, config_file, isolated, select, extend_select, ignore, severity, model, max_tokens, profile, validation_file,
          output_format, output_file, exit_zero, quiet, statistics, exact_stats, no_token_stats, color,
          fix, unsafe_fixes, diff, fix_output, rejects, jobs, engine, scheduler, baseline_file, write_baseline, summary_file,
          show_settings, show_files) -> None:
    """Lint dataset files (or folders of them)."""
    if show_settings or show_files:
        settings = _settings(config_file, isolated, select, extend_select, ignore, severity, model, max_tokens, profile, validation_file)
        _stats_flags(settings, exact_stats, no_token_stats)
        runner.make_linter(settings)  # the same checks as a run: a typo fails here too
        if show_settings:
            _show_settings(settings)
        if show_files:
            for path in _expand(paths, settings):
                click.echo(one_line(path))
        return
    del show_settings, show_files
    _check(**locals())


def _stats_flags(settings: Settings, exact_stats: bool, no_token_stats: bool) -> None:
    if exact_stats:
        settings.set("exact-stats", True, COMMAND_LINE)
    if no_token_stats:
        settings.set("token-stats", False, COMMAND_LINE)


def _show_settings(settings: Settings) -> None:
    """``key = value  # origin`` per setting, in TOML syntax, as ruff's --show-settings."""
    click.echo(f"# configuration: {one_line(settings.source)}")
    rows = [(key, json.dumps(value, ensure_ascii=False, sort_keys=True), origin) for key, value, origin in settings.resolved()]
    width = max((len(key) + len(value) for key, value, _ in rows if len(key) + len(value) <= 60), default=0) + 3
    for key, value, origin in rows:
        click.echo(f"{f'{key} = {value}':<{width}}  # {origin}")


def _check(paths, config_file, isolated, select, extend_select, ignore, severity, model, max_tokens, profile,
           output_format, output_file, exit_zero, quiet, statistics, exact_stats, no_token_stats, color,
           fix, unsafe_fixes, diff, fix_output, rejects=None, jobs=None, engine="local", scheduler=None, baseline_file=None,
           write_baseline=None, summary_file=None, validation_file=None) -> None:
    settings = _settings(config_file, isolated, select, extend_select, ignore, severity, model, max_tokens, profile, validation_file)
    _stats_flags(settings, exact_stats, no_token_stats)
    shown = get_registry().formatters.get(output_format)
    if statistics and shown is not None and not shown.supports_statistics:
        raise Failure(f"--statistics prints counts instead of findings, which the {output_format} format does not do; "
                      "use --output-format text or json")
    if shown is not None and not shown.shows_token_stats(not quiet, statistics) and not summary_file:
        settings.set("token-stats", False, "-q: no output shows them")  # nothing shows them: not counted
    linter = runner.make_linter(settings)
    files = _expand(paths, settings)
    if settings.validation_file:
        if not Path(settings.validation_file).is_file():
            raise Failure(f"{settings.validation_file}: no such validation file")
        training = [f for f in files if not linter.is_validation(f)]
        if len(training) == len(files):
            files.append(settings.validation_file)
        linter.use_training_files(training)
    gate = Gate(baseline_file, write_baseline, summary_file)
    colour = {"auto": None, "always": True, "never": False}[color]
    stream = open(output_file, "w", encoding="utf-8") if output_file else sys.stdout  # noqa: SIM115
    try:
        formatter = _formatter(output_format, stream, color=colour if not output_file else False, summary=not quiet, statistics=statistics)
        if fix or diff or fix_output:
            if fix_output and len(files) != 1:
                raise Failure("-o/--output takes one input file")
            mode = runner.FixMode(unsafe=unsafe_fixes, diff=diff, output=fix_output, rejects=rejects,
                                  on_report=_print_fix_report(fix_output, diff))
            outcome = runner.run(linter, files, formatter, fix=mode, keep=gate.pass_through)
            code = (EXIT_FINDINGS if outcome.any_diff else EXIT_CLEAN) if diff else _verdict(outcome, gate, exit_zero)
        else:
            from .progress import bar

            with bar(not quiet) as progress_bar:
                outcome = runner.run(linter, files, formatter, jobs=jobs or available_cpus(), engine=engine,
                                     scheduler=scheduler, progress_bar=progress_bar, keep=gate.pass_through,
                                     unsafe_fixes=unsafe_fixes)
                code = _verdict(outcome, gate, exit_zero)
    finally:
        if output_file:
            stream.close()
    sys.exit(code)


@cli.command(name="fix")
@click.argument("paths", nargs=-1)
@selection_options
@click.option("--output-format", "--format", "output_format", default="text", show_default=True, help="Format of the findings that remain.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change what is trained.")
@click.option("--diff", is_flag=True, help="Print a unified diff instead of writing (exit 1 if there is a diff).")
@click.option("-o", "--output", "fix_output", type=click.Path(dir_okay=False), help="Write the fixed file here instead of in place.")
@click.option("--rejects", type=click.Path(dir_okay=False), help="Where rows dropped by unsafe fixes go (default: FILE.rejects.jsonl).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when errors remain.")
@click.option("-q", "--quiet", is_flag=True, help="Remaining findings only, no summary.")
@click.option("--no-token-stats", is_flag=True, help="Do not count tokens for the summary.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
def fix_command(paths, config_file, isolated, select, extend_select, ignore, severity, model, max_tokens, profile, validation_file,
                output_format, unsafe_fixes, diff, fix_output, rejects, exit_zero, quiet, no_token_stats, color) -> None:
    """Apply fixes (as 'check --fix'): safe ones by default, atomically, untouched lines kept byte for byte."""
    _check(paths, config_file, isolated, select, extend_select, ignore, severity, model, max_tokens, profile,
           output_format, None, exit_zero, quiet, False, False, no_token_stats, color, True, unsafe_fixes, diff, fix_output,
           rejects=rejects, validation_file=validation_file)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Read settings from this TOML file instead of the nearest pyproject.toml.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--model", help="Target model (tokenizer and limit).")
@click.option("--max-tokens", type=click.IntRange(min=1), help="Per-example token limit.")
@report_format_option(TEXT, JSON, help="Print the statistics as text or JSON (--json is the deprecated spelling of json).")
@click.option("--html", "html_file", type=click.Path(dir_okay=False), help="Also write a self-contained HTML report (histograms, rule counts, worst lines).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Processes per file (default: every core this process may use).")
@trainer_cli.trainer_options
@discovery.discovery_options
def stats(paths, config_file, isolated, model, max_tokens, output_format, html_file, jobs) -> None:
    """Count the tokens of every example: distributions, epochs, billing tokens."""
    settings = _settings(config_file, isolated, (), (), (), (), model, max_tokens, None)
    if not html_file:
        settings.cli_select = []  # the HTML report also counts findings; plain stats need no rules
    settings.exact_stats = True
    linter = runner.make_linter(settings)
    files = _expand(paths, settings)
    if html_file:
        from .output.html import ReportSink, render

        sink = ReportSink()
        outcome = runner.run(linter, files, sink, jobs=jobs or available_cpus())
        Path(html_file).write_text(render(outcome.files, outcome.summary, sink, linter), encoding="utf-8")
    else:
        outcome = runner.run(linter, files, jobs=jobs or available_cpus())
    if output_format == JSON:
        click.echo(json.dumps([r.summary() for r in outcome.files], indent=2))
        return
    formatter = _formatter("text", sys.stdout, statistics=True, summary=False)
    for result in outcome.files:
        formatter.file_done(result)


def _split_value(value):
    from .convert import parse_split

    try:
        return None if value is None else parse_split(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--split-validation") from None


@cli.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The JSONL file to write (the training part with --split-validation).")
@click.option("--to", "target", default="chat", show_default=True,
              help="The format to write: any writable format (openai-chat, openai-dpo, trl, sharegpt, alpaca, bedrock-claude... "
                   "see docs/formats.md); chat and completion are short for openai-chat and prompt-completion.")
@click.option("--split-validation", metavar="N", callback=lambda ctx, param, value: _split_value(value),
              help="Examples for a validation file: a fraction in (0,1) (at least 1 example) or a whole count >= 1.")
@click.option("--validation-output", type=click.Path(dir_okay=False), help="Where the validation part goes (default: OUTPUT with .valid before the extension).")
@click.option("--seed", type=int, default=0, show_default=True, help="Changes which examples the split picks, deterministically.")
@click.option("--rejects", type=click.Path(dir_okay=False), help="Where rows that cannot be converted go (default: OUTPUT.rejects.jsonl).")
def convert(source, output, target, split_validation, validation_output, seed, rejects) -> None:
    """Convert CSV/TSV/XLSX/JSON/Parquet/JSONL, ShareGPT, Alpaca or prompt/completion rows to JSONL (SOURCE - reads JSON Lines from standard input)."""
    from .convert import convert as run_convert, validation_path

    if source != "-" and not os.path.isfile(source):  # "-": standard input, read as JSON Lines
        raise Failure(_not_regular(source))
    settings = load(None)
    settings.token_stats = False
    linter = Linter(settings)
    from .convert import target_names

    if target not in target_names(linter.registry):
        raise click.BadParameter(f"unknown format {target!r}; choose from {', '.join(target_names(linter.registry))}", param_hint="--to")
    from .fix_guard import Refused, check_distinct

    try:  # converting onto its own input would destroy the rows it reads
        check_distinct(None if source == "-" else source, output, rejects or output + ".rejects.jsonl",
                       (validation_output or validation_path(output)) if split_validation else None)
    except Refused as exc:
        raise Failure(one_line(str(exc))) from None
    report = run_convert(linter, source, output, to=target, split=split_validation, seed=seed,
                         validation_output=validation_output, rejects=rejects)
    click.echo(f"wrote {report.written:,} example(s) to {one_line(output)}")
    if split_validation:
        click.echo(f"wrote {report.validation:,} example(s) to {one_line(validation_output or validation_path(output))}")
        if isinstance(split_validation, int) and report.validation < split_validation:
            click.echo(f"ftlint: warning: --split-validation {split_validation:,} asks for more examples than the "
                       f"{report.validation:,} converted; all of them went to validation", err=True)
    if report.rejected:
        where = rejects or output + ".rejects.jsonl"
        for line, reason in report.rejected[:20]:
            click.echo(f"{one_line(source)}:{line}: not converted: {one_line(reason)}", err=True)
        click.echo(f"ftlint: {len(report.rejected):,} row(s) not converted; they are in {one_line(where)}", err=True)
        sys.exit(EXIT_FINDINGS)


@cli.command()
@report_format_option(TEXT, JSON, help="Print the list as text or JSON (--json is the deprecated spelling of json).")
@click.option("--all", "show_all", is_flag=True, help="Include opt-in rules that are off by default.")
def rules(output_format, show_all) -> None:
    """List every rule: code, name, severity, fix, summary."""
    registry = get_registry()
    rows = []
    for code, rule in registry.rules.items():
        if not rule.default_enabled and not show_all:
            continue
        rows.append(
            {
                "code": code,
                "name": rule.name,
                "severity": rule.severity.value,
                "fix": rule.fix.value if rule.fix else None,
                "default": rule.default_enabled,
                "plugin": registry.rule_plugin[code],
                "summary": rule.summary,
            }
        )
    if output_format == JSON:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        fix = "fix" if r["fix"] else "   "
        opt_in = "" if r["default"] else "(opt-in) "
        click.echo(f"{r['code']:<7} {r['name']:<{width}}  {r['severity']:<7}  {fix}  {opt_in}{r['summary']}")
    total = len(registry.rules)
    on = sum(1 for rule in registry.rules.values() if rule.default_enabled)
    shown = "" if show_all else "; 'ftlint rules --all' lists the opt-in ones too"
    click.echo(f"{total} rules: {on} on by default, {total - on} opt-in{shown}", err=True)


FIX_SAFETY = {
    None: "No automatic fix.",
    "safe": ("Safe: `ftlint check --fix` applies it. It keeps every row and every message and what each one "
             "means; the text trained on can still change (whitespace, an encoding, a key's name), as the fix "
             "above says. Review it with `--diff` if those bytes matter to you."),
    "unsafe": "Unsafe: applied only with `--unsafe-fixes`, because it changes training data; review the `--diff` first.",
    "display-only": "Display only: the suggested change is shown, never applied.",
}


def render_rule(rule, plugin: str) -> str:
    """The Markdown text ``ftlint rule`` prints and each docs/rules/CODE.md page holds."""
    lines = [f"## {rule.code} {rule.name}", "", rule.summary + ".", ""]
    lines.append(f"- Severity: {rule.severity.value}")
    lines.append(f"- Enabled by default: {'yes' if rule.default_enabled else 'no (opt-in)'}")
    lines.append(f"- Fix: {rule.fix.value if rule.fix else 'none'}")
    lines.append(f"- Plugin: {plugin}")
    if rule.example_profile:
        lines.append(f"- Examples below use profile: {rule.example_profile}")
    for name, text in rule.options.items():
        lines.append(f"- Option `{name}`: {text}")
    lines += ["", "### Why", "", _markdown_code(rule.rationale()), ""]
    lines += ["### Fix safety", "", FIX_SAFETY[rule.fix.value if rule.fix else None], ""]
    if rule.bad:
        lines += ["### Example", "", "```jsonl", _shown_example(rule.bad), "```", ""]
    if rule.good:
        lines += ["### Use instead", "", "```jsonl", _shown_example(rule.good), "```", ""]
    return "\n".join(lines)


_LONGEST_SHOWN = 160


def _shown_example(example: str) -> str:
    """An example as a reader can take it in: a string value longer than 160 characters (FT300's 20 KB
    row) is cut, saying how long it is. Lines with no such value, or that are not JSON, stay byte for byte."""
    shown = []
    for line in example.splitlines():
        try:
            value = json.loads(line) if len(line) > _LONGEST_SHOWN else None
        except ValueError:
            value = None
        shown.append(json.dumps(_elided(value), ensure_ascii=False) if value is not None and _has_long_text(value) else line)
    return "\n".join(shown)


def _has_long_text(value) -> bool:
    if isinstance(value, str):
        return len(value) > _LONGEST_SHOWN
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return any(_has_long_text(child) for child in children)


def _elided(value):
    if isinstance(value, str) and len(value) > _LONGEST_SHOWN:
        return f"{value[:60]}… ({len(value):,} characters in all)"
    if isinstance(value, dict):
        return {key: _elided(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_elided(child) for child in value]
    return value


def _markdown_code(text: str) -> str:
    """A docstring's reStructuredText literals (````x````) as Markdown code (```x```), for the rule pages."""
    return re.sub(r"``(.+?)``", r"`\1`", text)


def rules_markdown() -> str:
    """Every rule's page in one document (``ftlint rule --all``)."""
    registry = get_registry()
    parts = [
        "# Rules",
        "",
        "Every installed rule, from `ftlint rule --all`.",
        "",
    ]
    for code, found in registry.rules.items():
        parts.append(f"- [{code} {found.name}](#{code.lower()}-{found.name}): {found.summary}")
    parts.append("")
    for code, found in registry.rules.items():
        parts.append(render_rule(found, registry.rule_plugin[code]))
    return "\n".join(parts)


def write_rule_docs(folder: Path) -> list[Path]:
    """One Markdown page per rule plus an index (README.md), generated from the rules."""
    registry = get_registry()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    index = [
        "# Rules",
        "",
        "Generated by `FTLINT_LOAD_PLUGINS= ftlint rule --docs-dir docs/rules` from the rules themselves;",
        "do not edit by hand: a test checks the pages are current.",
        "",
        "| code | name | severity | fix | default | summary |",
        "|---|---|---|---|---|---|",
    ]
    for code, found in registry.rules.items():
        page = folder / f"{code}.md"
        page.write_text(render_rule(found, registry.rule_plugin[code]) + "\n", encoding="utf-8")
        written.append(page)
        fix = found.fix.value if found.fix else ""
        default = "on" if found.default_enabled else "opt-in"
        index.append(f"| [{code}]({code}.md) | {found.name} | {found.severity.value} | {fix} | {default} | {found.summary} |")
    readme = folder / "README.md"
    readme.write_text("\n".join(index) + "\n", encoding="utf-8")
    written.append(readme)
    return written


@cli.command()
@click.argument("reference", required=False)
@click.option("--all", "show_all", is_flag=True, help="Print every rule.")
@click.option("--docs-dir", type=click.Path(file_okay=False), help="Write one Markdown page per rule (and an index) into this folder.")
@report_format_option(TEXT, JSON, help="Print the rule (every rule with --all) as Markdown text or JSON (--json is the deprecated spelling of json).")
def rule(reference, show_all, docs_dir, output_format) -> None:
    """Explain one rule, by code (FT101) or name (messages-missing)."""
    registry = get_registry()
    if docs_dir:
        pages = write_rule_docs(Path(docs_dir))
        click.echo(f"wrote {len(pages)} pages to {docs_dir}")
        return
    if show_all and output_format == JSON:
        click.echo(json.dumps([_rule_json(found) for found in registry.rules.values()], indent=2))
        return
    if show_all:
        click.echo(rules_markdown(), nl=False)
        return
    if not reference:
        raise Failure("name a rule (code or name), or pass --all")
    found = registry.rule(reference)
    if found is None:
        hint = did_you_mean(reference.strip().lower(), [r.name for r in registry.rules.values()]) or \
            did_you_mean(reference.strip().upper(), list(registry.rules))
        raise Failure(f"no rule {reference!r}{hint} ('ftlint rules --all' lists them)")
    if output_format == JSON:
        click.echo(json.dumps(_rule_json(found), indent=2))
        return
    click.echo(render_rule(found, registry.rule_plugin[found.code]))
    source = _source_of(found)
    if source:
        click.echo(f"Source: {source}")


def _rule_json(found) -> dict:
    """What ``ftlint rule CODE --output-format json`` prints for one rule."""
    return {
        "code": found.code, "name": found.name, "summary": found.summary, "severity": found.severity.value,
        "fix": found.fix.value if found.fix else None, "default": found.default_enabled,
        "explanation": found.rationale(), "bad": found.bad, "good": found.good, "options": found.options,
        "source": _source_of(found),
    }


def _source_of(rule_class) -> str | None:
    """``path:line`` of the rule's class (relative to the current folder when inside it), to read or copy."""
    import inspect

    try:
        path = inspect.getsourcefile(rule_class)
        line = inspect.getsourcelines(rule_class)[1]
    except (OSError, TypeError):
        return None
    if path is None:
        return None
    try:
        path = str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        pass
    return f"{path}:{line}"


@cli.command()
@report_format_option(TEXT, JSON, help="Print the list as text or JSON (--json is the deprecated spelling of json).")
def plugins(output_format) -> None:
    """List installed plugins with their version and hooks."""
    infos = host.plugin_infos()
    registry = None if host.load_errors() else get_registry()
    rows = []
    for info in infos:
        rules_of = sorted(c for c, p in registry.rule_plugin.items() if p == info.name) if registry else []
        rows.append({
            "name": info.name, "distribution": info.distribution, "version": info.version, "builtin": info.builtin,
            "hooks": info.hooks, "rules": rules_of, "error": info.error,
        })
    if output_format == JSON:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        origin = f"{r['distribution']} {r['version']}" if r["distribution"] else "local"
        tag = " (built-in)" if r["builtin"] else ""
        click.echo(f"{r['name']}{tag}: {origin}")
        if r["error"]:
            click.echo(f"  failed to load: {one_line(r['error'])}")
            continue
        click.echo(f"  hooks: {', '.join(r['hooks'])}")
        if r["rules"]:
            click.echo(f"  rules: {', '.join(r['rules'])}")


@cli.command()
@click.option("--verbose", "-v", is_flag=True, help="Show each profile's formats, roles, order rules, keys, limits and sources.")
@report_format_option(TEXT, JSON, help="Print the list as text or JSON (JSON holds every field, as --verbose does).", legacy_json=False)
def profiles(verbose, output_format) -> None:
    """List provider profiles."""
    if output_format == JSON:
        click.echo(json.dumps([profile.as_dict() for profile in get_registry().profiles.values()], indent=2))
        return
    for profile in get_registry().profiles.values():
        click.echo(f"{profile.name}: {profile.description}")
        if verbose:
            click.echo("\n".join(profile.describe()))


@cli.group(invoke_without_command=True)
@report_format_option(TEXT, JSON, help="Print the list as text or JSON (JSON adds provider, family, tokenizer and source).", legacy_json=False)
@click.pass_context
def models(ctx, output_format) -> None:
    """List known models with their tokenizer and per-example token limit."""
    if ctx.invoked_subcommand is not None:
        return  # a plugin's subcommand, such as 'models delete'
    if output_format == JSON:
        import dataclasses

        click.echo(json.dumps([dataclasses.asdict(spec) for spec in sorted(get_registry().models, key=lambda m: m.name)], indent=2))
        return
    for spec in sorted(get_registry().models, key=lambda m: m.name):
        note = f"  ({spec.note})" if spec.note else ""
        click.echo(f"{spec.name:<20} {spec.encoding:<12} {spec.token_limit:>7,}{note}")


def _startup_settings(argv: list[str]) -> Settings:
    """The config whose local plugins load before the command runs: none with ``--isolated``
    (which ignores every configuration, its plugins too), ``--config FILE``'s, or the nearest."""
    options = argv[: argv.index("--")] if "--" in argv else argv
    if "--isolated" in options:
        return Settings()
    for index, arg in enumerate(options):
        if arg == "--config" and index + 1 < len(options):
            return load(options[index + 1])
        if arg.startswith("--config="):
            return load(arg.partition("=")[2])
    return load(None)


def main() -> None:
    # ftlint does no linear algebra, yet numpy (the duplicate finder, tabular readers)
    # starts a spinning OpenBLAS thread per core on import: 0.07-0.14 s of CPU a run
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        # local plugins named in the nearest config take part in every command
        # ('rules', 'rule', 'plugins' too), not only in 'check'
        settings = _startup_settings(sys.argv[1:])
        if settings.plugins:
            host.load_local_plugins(settings.plugins, settings.root)
    except (ConfigError, PluginError) as exc:
        click.echo(f"ftlint: error: {one_line(str(exc))}", err=True)
        sys.exit(EXIT_ERROR)
    try:
        registry = get_registry()
    except PluginError as exc:
        # still let 'ftlint plugins' show what failed
        if sys.argv[1:2] != ["plugins"]:
            click.echo(f"ftlint: error: {one_line(str(exc))}", err=True)
            sys.exit(EXIT_ERROR)
        registry = None
    if registry is not None:
        host.call_each("register_commands", cli=cli)
    try:
        cli(prog_name="ftlint")
    except BrokenPipeError:
        # the reader (head, less) went away: stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_FINDINGS)
