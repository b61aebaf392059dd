"""Rule selection with ruff's semantics.

A selector is ``ALL``, a code prefix (``FT``, ``FT1``, ``FT101``) or a rule's
kebab-case name. Selection happens in layers (config, then command line):
a layer with ``select`` starts from nothing, otherwise from the previous
layer's result; within a layer the most specific matching selector decides,
and on a tie ``ignore`` wins. Rules marked ``default_enabled = False`` (opt-in)
are only on when a ``select`` or ``extend-select`` names them or a prefix of them.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Iterable, Mapping

from .config import did_you_mean, plugin_hint
from .findings import Severity

NAME_SPECIFICITY = 1000  # a full rule name is as specific as a selector gets


class SelectionError(ValueError):
    """A selector matches no rule."""


@dataclass
class Layer:
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)


def specificity(selector: str, code: str, name: str) -> int:
    """How specifically ``selector`` names this rule; -1 when it does not."""
    selector = selector.strip()
    if selector.upper() == "ALL":
        return 0
    if selector.lower() == name:
        return NAME_SPECIFICITY
    if code.startswith(selector.upper()) and selector[:1].isalpha():
        return len(selector)
    return -1


def check_selectors(selectors: Iterable[str], rules: Mapping[str, type], where: str) -> None:
    for selector in selectors:
        if not any(specificity(selector, code, rule.name) >= 0 for code, rule in rules.items()):
            suggestion = did_you_mean(selector.lower(), [rule.name for rule in rules.values()])
            hint = "" if suggestion else plugin_hint(selector)
            raise SelectionError(f"{where}: {selector!r} matches no rule{suggestion} (see 'ftlint rules --all'){hint}")


def _best(selectors: Iterable[str], code: str, name: str) -> int:
    return max((specificity(s, code, name) for s in selectors), default=-1)


def resolve(rules: Mapping[str, type], layers: Iterable[Layer]) -> set[str]:
    """The codes enabled after applying the layers in order."""
    enabled = {code for code, rule in rules.items() if getattr(rule, "default_enabled", True)}
    for layer in layers:
        chosen = list(layer.select or []) + list(layer.extend_select)
        for code, rule in rules.items():
            on = _best(chosen, code, rule.name)
            off = _best(layer.ignore, code, rule.name)
            if off >= 0 and off >= on:
                enabled.discard(code)
            elif on >= 0:
                enabled.add(code)
            elif layer.select is not None:
                enabled.discard(code)
    return enabled


# a line ftlint could not read: said whatever the selection, as ruff reports a syntax error whatever
# rules are selected, since no selected rule can judge a row that was never read
UNREAD_LINES = ("FT007", "FT019")  # over max-line-bytes; a reader problem no other rule claims


def unread_rows(rules: Mapping[str, type], layers: Iterable[Layer]) -> set[str]:
    """The rules that report rows ftlint could not read (a reader's problem kind, FT007, FT019), less
    those a layer's ``ignore`` names: ``--select FT3`` still says that line 7 is not JSON."""
    codes = {code for code, rule in rules.items() if getattr(rule, "problem_kind", "") or code in UNREAD_LINES}
    for layer in layers:
        codes = {code for code in codes if _best(layer.ignore, code, rules[code].name) < 0}
    return codes


def ignored_for_path(path: str, per_file_ignores: Mapping[str, list[str]], rules: Mapping[str, type],
                     root: str | None = None) -> set[str]:
    """Codes that ``per-file-ignores`` turns off for this path.

    Patterns are globs matched against the path relative to ``root`` (the config
    file's folder, as in ruff: the same files match wherever ftlint runs from;
    the path as given when it lies outside ``root`` or no root is known), against
    its absolute path, and against its file name, so ``"*.val.jsonl"`` and
    ``"data/legacy/*"`` both work.
    """
    if not per_file_ignores:
        return set()
    absolute = os.path.abspath(path)
    shown = PurePath(path).as_posix()
    if root is not None:
        relative = os.path.relpath(absolute, os.path.abspath(root))
        if relative != ".." and not relative.startswith(".." + os.sep):
            shown = PurePath(relative).as_posix()
    candidates = (shown, PurePath(absolute).as_posix(), PurePath(path).name)
    out: set[str] = set()
    for pattern, selectors in per_file_ignores.items():
        if any(fnmatch.fnmatch(candidate, pattern) for candidate in candidates):
            for code, rule in rules.items():
                if _best(selectors, code, rule.name) >= 0:
                    out.add(code)
    return out


def severities(rules: Mapping[str, type], overrides: Mapping[str, str]) -> dict[str, Severity]:
    """Each rule's severity after overrides; the most specific selector wins."""
    parsed = {selector: Severity.parse(level) for selector, level in overrides.items()}
    out = {}
    for code, rule in rules.items():
        best, level = -1, rule.severity
        for selector, override in parsed.items():
            score = specificity(selector, code, rule.name)
            if score > best:
                best, level = score, override
        out[code] = level
    return out
