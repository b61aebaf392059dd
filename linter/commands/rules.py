"""``ftlint rules``: list the rules (code, name, severity, fix, summary), as text or JSON.

Which opt-in rules count as on depends on the profile, resolved as ``ftlint check`` resolves it
(``--profile``, else the configuration's ``profile``, else the default): listed by another profile
than the one check runs with, the list would say rules are off that run, or on that do not."""

from __future__ import annotations

import json

import click

from ..config import Settings, load
from ..profiles import unknown_profile
from ..registry import get_registry
from ..report_format import JSON, TEXT, report_format_option
from ..text import show
from .common import CONFIG_OPTION, ISOLATED_OPTION, Failure


@click.command()
@report_format_option(TEXT, JSON, help="Print the list as text or JSON (--json is the deprecated spelling of json).")
@click.option("--all", "show_all", is_flag=True, help="Include opt-in rules that are off by default.")
@click.option("--profile", metavar="NAME",
              help="The target whose opt-in rules count as on (the hosted services' profiles turn on FT205); "
                   "default: [tool.ftlint] profile, else openai-sft.")
@CONFIG_OPTION
@ISOLATED_OPTION
def rules(output_format, show_all, profile, config_file, isolated) -> None:
    """List every rule: code, name, severity, fix, summary."""
    from ..rule_docs import rule_table

    registry = get_registry()
    settings = Settings() if isolated else load(config_file)
    target = registry.profiles.get(profile or settings.profile)
    if target is None:
        if profile:
            raise click.UsageError(f"unknown profile {show(profile, 60)}; known: {', '.join(registry.profiles)}")
        # a configured name is no typo on this command line: say which file holds it
        raise Failure(f"{settings.source}: {unknown_profile(settings.profile, registry.profiles)}")
    rows = rule_table(show_all, target)
    if output_format == JSON:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        fix = "fix" if r["fix"] else "   "
        marker = "" if r["default"] else f"(on: profile {target.name}) " if r["on"] else "(opt-in) "
        click.echo(f"{r['code']:<7} {r['name']:<{width}}  {r['severity']:<7}  {fix}  {marker}{r['summary']}")
    total = len(registry.rules)
    on = sum(1 for rule in registry.rules.values() if rule.default_enabled)
    turned_on = [code for code, rule in registry.rules.items() if not rule.default_enabled and code in target.enables]
    by_profile = f", {len(turned_on)} more on under profile {target.name} ({', '.join(turned_on)})" if turned_on else ""
    shown = "" if show_all else "; 'ftlint rules --all' lists the opt-in ones too"
    click.echo(f"{total} rules: {on} on by default{by_profile}, {total - on - len(turned_on)} opt-in{shown}", err=True)
