"""``ftlint rule``: explain one rule (or every rule with ``--all``) as Markdown or JSON, or write
the docs/rules/ pages (``--docs-dir``); the pages themselves come from linter.rule_docs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..config import did_you_mean
from ..registry import get_registry
from ..report_format import JSON, TEXT, report_format_option
from .common import Failure


@click.command()
@click.argument("reference", required=False)
@click.option("--all", "show_all", is_flag=True, help="Print every rule.")
@click.option("--docs-dir", type=click.Path(file_okay=False), help="Write one Markdown page per rule (and an index) into this folder.")
@report_format_option(TEXT, JSON, help="Print the rule (every rule with --all) as Markdown text or JSON (--json is the deprecated spelling of json).")
def rule(reference, show_all, docs_dir, output_format) -> None:
    """Explain one rule, by code (FT101) or name (messages-missing)."""
    from ..rule_docs import render_rule, rule_json, rules_markdown, source_of, write_rule_docs

    registry = get_registry()
    if docs_dir:
        pages = write_rule_docs(Path(docs_dir))
        click.echo(f"wrote {len(pages)} pages to {docs_dir}")
        return
    if show_all and output_format == JSON:
        click.echo(json.dumps([rule_json(found) for found in registry.rules.values()], indent=2))
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
        click.echo(json.dumps(rule_json(found), indent=2))
        return
    click.echo(render_rule(found, registry.rule_plugin[found.code]))
    source = source_of(found)
    if source:
        click.echo(f"Source: {source}")
