"""``ftlint profiles``: the provider profiles (what each target accepts), as text or JSON."""

from __future__ import annotations

import json

import click

from ..registry import get_registry
from ..report_format import JSON, TEXT, report_format_option


@click.command()
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
