"""``ftlint stats``: count the tokens of every example (distributions, epochs, billing tokens),
as text, JSON or a self-contained HTML report (``--html``, which also counts the findings)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .. import discovery, runner
from ..cpus import available_cpus
from ..report_format import JSON, TEXT, report_format_option
from ..trainer import cli_options as trainer_cli
from .common import expand_paths, formatter, settings_from_options


@click.command()
@click.argument("paths", nargs=-1)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Read settings from this TOML file instead of the nearest pyproject.toml.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--model", help="Target model (tokenizer and limit).")
@click.option("--max-tokens", type=click.IntRange(min=1), help="Per-example token limit.")
@click.option("--profile", help="Provider profile (see 'ftlint profiles'): how rows are read and billed; default openai-sft.")
@report_format_option(TEXT, JSON, help="Print the statistics as text or JSON (--json is the deprecated spelling of json).")
@click.option("--html", "html_file", type=click.Path(dir_okay=False), help="Also write a self-contained HTML report (histograms, rule counts, worst lines).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Processes per file (default: every core this process may use). Only JSONL files of 8 MiB or more are split (FTLINT_PARALLEL_MIN_BYTES moves that).")
@trainer_cli.trainer_options
@discovery.discovery_options
def stats(paths, config_file, isolated, model, max_tokens, profile, output_format, html_file, jobs) -> None:
    """Count the tokens of every example: distributions, epochs, billing tokens."""
    settings = settings_from_options(config_file, isolated, (), (), (), (), model, max_tokens, profile)
    if not html_file:
        settings.cli_select = []  # the HTML report also counts findings; plain stats need no rules
    settings.exact_stats = True
    linter = runner.make_linter(settings)
    files = expand_paths(paths, settings)
    if html_file:
        from ..output.html import ReportSink, render

        sink = ReportSink()
        outcome = runner.run(linter, files, sink, jobs=jobs or available_cpus())
        Path(html_file).write_text(render(outcome.files, outcome.summary, sink, linter), encoding="utf-8")
    else:
        outcome = runner.run(linter, files, jobs=jobs or available_cpus())
    if output_format == JSON:
        click.echo(json.dumps([r.summary() for r in outcome.files], indent=2))
        return
    sink = formatter("text", sys.stdout, statistics=True, summary=False)
    for result in outcome.files:
        sink.file_done(result)
