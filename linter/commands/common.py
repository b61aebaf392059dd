"""What several commands share: the selection options, settings built from the command line,
paths expanded into dataset files, the formatter by name, exit codes and the one-line error."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .. import discovery
from ..config import COMMAND_LINE, Settings, load, shown_path, split_codes
from ..registry import get_registry
from ..text import one_line
from ..trainer import cli_options as trainer_cli

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Failure(click.ClickException):
    """A problem with the run itself (exit 2)."""

    exit_code = EXIT_ERROR

    def show(self, file=None) -> None:
        click.echo(f"ftlint: error: {one_line(self.format_message())}", err=True)


def _unreadable(exc: OSError) -> None:
    """A subfolder that cannot be listed is warned about, never skipped silently (and the run exits 2)."""
    click.echo(f"ftlint: warning: {one_line(os.fsdecode(exc.filename))}: cannot list the folder ({exc.strerror}); its files were not linted", err=True)
    UNREADABLE.append(exc.filename)


def not_regular(path: str) -> str:
    return f"{path}: not a regular file (a FIFO, device or socket); ftlint reads files and folders"


UNREADABLE: list[str] = []  # folders that could not be listed in this run: the exit code becomes 2


def expand_paths(paths: tuple[str, ...], settings: Settings | None = None) -> list[str]:
    """The dataset files to lint: files as named, folders walked (exclusions, .gitignore), or the
    config's ``files`` when no path is given; a path that is not there is a one-line error."""
    registry = get_registry()
    out: list[str] = []
    if not paths and settings is not None and settings.files:
        paths = tuple(shown_path(Path(settings.root) / p) for p in settings.files)
    if not paths:
        raise Failure("no paths given, and no 'files' in [tool.ftlint] to lint")
    found = discovery.from_settings(settings or Settings())
    for raw in paths:
        path = Path(raw)
        if found.force_excluded(raw):
            continue  # named, but excluded, and --force-exclude says that wins (as pre-commit needs)
        if path.is_dir():
            out.extend(found.walk(raw, lambda p: any(r.claims(p) for r in registry.readers), _unreadable))
        elif path.is_file() or raw == "-":
            out.append(raw)
        elif os.path.exists(raw):
            raise Failure(not_regular(raw))
        else:
            raise Failure(f"{raw}: no such file or directory")
    if not out and found.force_exclude and any(found.force_excluded(raw) for raw in paths):
        click.echo("ftlint: warning: every path given is excluded (--force-exclude); nothing to lint", err=True)
        sys.exit(EXIT_CLEAN)
    if not out:
        raise Failure("no dataset files found in the given paths")
    return out


def settings_from_options(config_file, isolated, select, extend_select, ignore, severity, model, max_tokens, profile, validation_file=None) -> Settings:
    """The configuration file's settings (none with ``--isolated``) with the command line's on top,
    each recorded with its origin for ``--show-settings``; the trainer and discovery options too."""
    settings = Settings() if isolated else load(config_file)
    if select:
        settings.cli_select = split_codes(select)
    settings.cli_extend_select = split_codes(extend_select)
    settings.cli_ignore = split_codes(ignore)
    for item in severity:
        code, sep, level = item.partition("=")
        if not sep:
            raise Failure(f"--severity takes CODE=LEVEL, got {item!r}")
        settings.severity[code.strip()] = level.strip()
        settings.origins["severity"] = _with_cli(settings.origins.get("severity"))
    for key, value in (("model", model), ("max-tokens", max_tokens), ("profile", profile), ("validation-file", validation_file)):
        if value:
            settings.set(key, value, COMMAND_LINE)
    if settings.validation_file and settings.origins.get("validation-file") != COMMAND_LINE:
        settings.validation_file = shown_path(Path(settings.root) / settings.validation_file)
    trainer_cli.apply(settings)
    discovery.apply(settings)
    return settings


def _with_cli(origin: str | None) -> str:
    return COMMAND_LINE if origin in (None, COMMAND_LINE) or origin.endswith(COMMAND_LINE) else f"{origin} + {COMMAND_LINE}"


# which configuration a command reads: 'check' and the commands that only show something ('rules') alike
CONFIG_OPTION = click.option("--config", "config_file", type=click.Path(dir_okay=False),
                             help="Read settings from this TOML file instead of the nearest pyproject.toml.")
ISOLATED_OPTION = click.option("--isolated", is_flag=True, help="Ignore every configuration file.")


def selection_options(func):
    for option in reversed(
        [
            CONFIG_OPTION,
            ISOLATED_OPTION,
            click.option("--select", multiple=True, metavar="CODES", help="Rules to enable (codes, prefixes, names, ALL); replaces the config's select."),
            click.option("--extend-select", multiple=True, metavar="CODES", help="Rules to enable on top of the selection."),
            click.option("--ignore", multiple=True, metavar="CODES", help="Rules to disable."),
            click.option("--severity", multiple=True, metavar="CODE=LEVEL", help="Override a rule's severity (error, warning, info)."),
            click.option("--model", help="Target model: sets the tokenizer and per-example token limit (default: 4096 tokens)."),
            click.option("--max-tokens", type=click.IntRange(min=1), help="Per-example token limit, overriding the model's."),
            click.option("--profile", help="Provider profile (see 'ftlint profiles'); default openai-sft."),
            click.option("--validation-file", type=click.Path(dir_okay=False), help="Validation file: linted too, and checked for examples that leak from the training files (FT406)."),
            discovery.discovery_options,
        ]
    ):
        func = option(func)
    return func


def formatter(name: str, stream, **kwargs):
    formatters = get_registry().formatters
    if name not in formatters:
        raise Failure(f"unknown output format {name!r}; choose from {', '.join(sorted(formatters))}")
    return formatters[name](stream, **kwargs)
