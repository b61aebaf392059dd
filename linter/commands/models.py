"""``ftlint models``: the known models with their tokenizer and per-example token limit, as text
or JSON. A group, so that plugins can add subcommands (the submit plugin's ``models delete``)."""

from __future__ import annotations

import json

import click

from ..registry import get_registry
from ..report_format import JSON, TEXT, report_format_option



@click.group(invoke_without_command=True)
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
