"""``ftlint plugins``: the installed plugins with their version, hooks and rules (and why one
failed to load), as text or JSON."""

from __future__ import annotations

import json

import click

from ..plugin import host
from ..registry import get_registry
from ..report_format import JSON, TEXT, report_format_option
from ..text import one_line


@click.command()
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
