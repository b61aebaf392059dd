"""Markers for ftlint plugins.

A plugin is any module (or object) with functions decorated by ``hookimpl``;
see ``linter.plugin.hookspecs`` for the hooks and ``docs/plugin-hooks.md`` for
the reference. The pluggy project name and the entry-point group are the same,
``ftlint``, so there is one name to remember.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar, cast

import pluggy

PROJECT_NAME = "ftlint"
PROJECT_URL = "https://github.com/ftlint/ftlint"

_F = TypeVar("_F", bound=Callable[..., Any])

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
# Cast so that decorated functions keep their signatures for type checkers.
hookimpl = cast(Callable[[_F], _F], pluggy.HookimplMarker(PROJECT_NAME))
