"""``--output-format``/``--format`` for the commands that print a report but are not ``check``.

``check`` and ``fix`` always took ``--output-format`` (ruff's spelling, ``--format`` for short),
while ``stats``, ``rules``, ``rule`` and ``plugins`` took a ``--json`` flag: two spellings for one
choice. Every command now takes the same option, limited to what that command can print, and an
unknown name is the one-line error ``check`` gives. ``--json`` stays as a hidden alias because
scripts use it; it says on standard error that it is deprecated (standard output is unchanged, so
a script reading the JSON keeps working).
"""

from __future__ import annotations

import functools

import click
from click.core import ParameterSource

from .engine import UsageError

TEXT, JSON = "text", "json"
DEPRECATED_JSON = "ftlint: warning: --json is deprecated; use --output-format json"


def report_format_option(*choices: str, help: str, legacy_json: bool = True):
    """Give a command ``--output-format``/``--format`` (one of ``choices``, the first the default) and,
    where it once took it, the deprecated ``--json``; the command receives the name as ``output_format``."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, output_format: str, legacy_json: bool = False, **kwargs):
            return func(*args, output_format=chosen_format(output_format, legacy_json, choices), **kwargs)

        if legacy_json:
            wrapper = click.option("--json", "legacy_json", is_flag=True, hidden=True,
                                   help="Deprecated spelling of --output-format json.")(wrapper)
        return click.option("--output-format", "--format", "output_format", default=choices[0], show_default=True,
                            metavar="[" + "|".join(choices) + "]", help=help)(wrapper)

    return decorate


def chosen_format(name: str, legacy_json: bool, choices: tuple[str, ...]) -> str:
    """The format to print, from ``--output-format`` and ``--json`` (a conflict between them is an error)."""
    if legacy_json:
        ctx = click.get_current_context(silent=True)
        given = ctx is not None and ctx.get_parameter_source("output_format") not in (None, ParameterSource.DEFAULT)
        if given and name != JSON:
            raise UsageError(f"--json and --output-format {name} disagree; use --output-format alone")
        click.echo(DEPRECATED_JSON, err=True)
        name = JSON
    if name not in choices:
        raise UsageError(f"unknown output format {name!r}; choose from {', '.join(choices)}")
    return name
