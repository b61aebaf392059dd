"""``ftlint convert``: any readable format (CSV/TSV/XLSX/JSON/Parquet/JSONL; ShareGPT, Alpaca,
prompt/completion...) to a JSONL file in a writable format (linter.convert does the work), with
an optional validation split; rows that cannot be converted go to a rejects file (exit 1)."""

from __future__ import annotations

import os
import sys

import click

from ..config import load
from ..engine import Linter
from ..text import one_line
from .common import EXIT_FINDINGS, Failure, not_regular


def _split_value(value):
    from ..convert import parse_split

    try:
        return None if value is None else parse_split(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--split-validation") from None


@click.command()
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
    from ..convert import convert as run_convert, validation_path

    if source != "-" and not os.path.isfile(source):  # "-": standard input, read as JSON Lines
        raise Failure(not_regular(source))
    settings = load(None)
    settings.token_stats = False
    linter = Linter(settings)
    from ..convert import target_names

    if target not in target_names(linter.registry):
        raise click.BadParameter(f"unknown format {target!r}; choose from {', '.join(target_names(linter.registry))}", param_hint="--to")
    from ..fix_guard import Refused, check_distinct

    try:  # converting onto its own input would destroy the rows it reads
        check_distinct(None if source == "-" else source, output, rejects or output + ".rejects.jsonl",
                       (validation_output or validation_path(output)) if split_validation else None)
    except Refused as exc:
        raise Failure(one_line(str(exc))) from None
    from ..convert import FileRefused

    try:
        report = run_convert(linter, source, output, to=target, split=split_validation, seed=seed,
                             validation_output=validation_output, rejects=rejects)
    except FileRefused as exc:  # the temporaries are gone; the source is as it was
        raise Failure(f"{one_line(source)}: {one_line(str(exc))}") from None
    click.echo(f"wrote {report.written:,} example(s) to {one_line(output)}")
    if split_validation:
        click.echo(f"wrote {report.validation:,} example(s) to {one_line(validation_output or validation_path(output))}")
        if isinstance(split_validation, int) and report.validation + report.written < split_validation:
            click.echo(f"ftlint: warning: --split-validation {split_validation:,} asks for more examples than the "
                       f"{report.validation:,} converted; all of them went to validation", err=True)
    for line, reason in report.noted[:20]:
        where = f"{one_line(source)}:{line}" if line else one_line(source)  # line 0: about the whole file (the split)
        click.echo(f"{where}: note: {one_line(reason)}", err=True)
    if report.rejected:
        where = rejects or output + ".rejects.jsonl"
        if report.pair_hint:  # one reason for every row: said once, each row's own is in the rejects file
            click.echo(f"ftlint: {one_line(source)}: {report.pair_hint}", err=True)
        else:
            for line, reason in report.rejected[:20]:
                click.echo(f"{one_line(source)}:{line}: not converted: {one_line(reason)}", err=True)
        click.echo(f"ftlint: {len(report.rejected):,} row(s) not converted; they are in {one_line(where)}", err=True)
        sys.exit(EXIT_FINDINGS)
