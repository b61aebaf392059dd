"""``ftlint fix``: ``check --fix`` with only the options a fix needs (safe fixes by default,
``--unsafe-fixes``, ``--diff``, ``-o``, ``--rejects``, ``--baseline``); the run is check's (:func:`lint_and_report`)."""

from __future__ import annotations

import click

from ..trainer import cli_options as trainer_cli
from .check import lint_and_report
from .common import selection_options


@click.command(name="fix")
@click.argument("paths", nargs=-1)
@selection_options
@click.option("--output-format", "--format", "output_format", default="text", show_default=True, help="Format of the findings that remain.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change what is trained.")
@click.option("--diff", is_flag=True, help="Print a unified diff instead of writing (exit 1 if there is a diff).")
@click.option("-o", "--output", "fix_output", type=click.Path(dir_okay=False), help="Write the fixed file here instead of in place.")
@click.option("--rejects", type=click.Path(dir_okay=False), help="Where rows dropped by unsafe fixes go (default: beside the file written, OUTPUT.rejects.jsonl with -o, else FILE.rejects.jsonl).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Findings recorded in this baseline file neither fail the run nor get fixed (default: [tool.ftlint] baseline).")
@click.option("--no-baseline", is_flag=True, help="Ignore the baseline that [tool.ftlint] names: fix and report every finding.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when errors remain.")
@click.option("-q", "--quiet", is_flag=True, help="Remaining findings only, no summary.")
@click.option("--exact-stats", is_flag=True, help="Count the tokens of every remaining example for the summary (slower).")
@click.option("--no-token-stats", is_flag=True, help="Do not count tokens for the summary.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@trainer_cli.trainer_options
def fix_command(paths, config_file, isolated, select, extend_select, ignore, severity, model, max_tokens, profile, validation_file,
                output_format, unsafe_fixes, diff, fix_output, rejects, baseline_file, no_baseline, exit_zero, quiet, exact_stats,
                no_token_stats, color) -> None:
    """Apply fixes (as 'check --fix'): safe ones by default, atomically, untouched lines kept byte for byte."""
    lint_and_report(paths, config_file, isolated, select, extend_select, ignore, severity, model, max_tokens, profile,
                    output_format, None, exit_zero, quiet, False, exact_stats, no_token_stats, color, True, unsafe_fixes, diff, fix_output,
                    rejects=rejects, validation_file=validation_file, baseline_file=baseline_file, no_baseline=no_baseline)
