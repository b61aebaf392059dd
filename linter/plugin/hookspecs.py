"""The hooks a plugin can implement.

Every hook contributes things through a ``register`` callback, so the host
can validate each contribution and remember which plugin supplied it. An
implementation may accept any subset of a hook's arguments. The full
reference, one section per hook, is ``docs/plugin-hooks.md``; a test fails
when a hook here is missing there.
"""

from __future__ import annotations

from typing import Any, Callable

from . import hookspec


@hookspec
def register_rules(register: Callable[[type], None]) -> None:
    """Register rule classes (subclasses of ``linter.Rule`` or ``linter.DatasetRule``)."""


@hookspec
def register_readers(register: Callable[[Any], None]) -> None:
    """Register input readers (``linter.readers.Reader`` instances) by file extension."""


@hookspec
def register_formatters(register: Callable[[str, Any], None]) -> None:
    """Register output formats: ``register(name, formatter_class)``."""


@hookspec
def register_commands(cli: Any) -> None:
    """Add subcommands to the ``ftlint`` click group."""


@hookspec
def register_models(register: Callable[[Any], None]) -> None:
    """Register model specs (``linter.models.ModelSpec``): tokenizer and per-example token limit."""


@hookspec
def register_profiles(register: Callable[[Any], None]) -> None:
    """Register provider profiles (``linter.profiles.Profile``): roles, keys and formats a target accepts."""


@hookspec
def register_formats(register: Callable[[Any], None]) -> None:
    """Register row format adapters (``linter.formats.Format`` instances): detect, view, write."""
