"""``ftlint rules``: list the rules (code, name, severity, fix, summary), as text or JSON."""

from __future__ import annotations

import json

import click

from ..registry import get_registry
from ..report_format import JSON, TEXT, report_format_option


@click.command()
@report_format_option(TEXT, JSON, help="Print the list as text or JSON (--json is the deprecated spelling of json).")
@click.option("--all", "show_all", is_flag=True, help="Include opt-in rules that are off by default.")
def rules(output_format, show_all) -> None:
    """List every rule: code, name, severity, fix, summary."""
    from ..rule_docs import rule_table

    registry = get_registry()
    rows = rule_table(show_all)
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
