"""Rule options: the types a rule declares for them, checked once when the config loads.

A rule's ``options`` describe its ``[tool.ftlint.options.<rule>]`` table in words; ``option_types``
says what TOML gives for each, in Python's own spelling::

    options = {"approved": "the words an assistant may answer with"}
    option_types = {"approved": list[str]}

Without a declared type, ``approved = 5`` reached the rule and failed on every row (FT000, "please
report it to the rule's plugin") and ``approved = "yes"`` was silently matched substring by substring;
with one, the config is refused before any row is read, in one line naming the file, table, option,
the type wanted and the value found. The vocabulary is TOML's: ``str``, ``int``, ``float`` (an integer
is a number too), ``bool``, ``list``, ``dict`` (a table), ``list[X]``, ``dict[str, X]``, and a tuple of
these for an option that takes either.
"""

from __future__ import annotations

import typing
from typing import Any

from ..text import show

_SCALARS = {str: ("a string", "strings"), int: ("an integer", "integers"), float: ("a number", "numbers"),
            bool: ("true or false", "booleans"), list: ("a list", "lists"), dict: ("a table", "tables")}
VOCABULARY = "str, int, float, bool, list, dict, list[X], dict[str, X] or a tuple of these"


def valid_type(expected: Any) -> bool:
    """Is ``expected`` a type the vocabulary above holds (checked when the rule registers)?"""
    if isinstance(expected, tuple):
        return bool(expected) and all(valid_type(one) for one in expected)
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if origin is list:
        return len(args) == 1 and valid_type(args[0])
    if origin is dict:
        return len(args) == 2 and args[0] is str and valid_type(args[1])
    return isinstance(expected, type) and expected in _SCALARS  # [str] or {"a": str} is no type (and unhashable)


def matches(value: Any, expected: Any) -> bool:
    """Does a TOML value have the declared type? ``true`` is no integer, ``5`` is a number."""
    if isinstance(expected, tuple):
        return any(matches(value, one) for one in expected)
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if origin is list:
        return isinstance(value, list) and all(matches(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict) and all(matches(item, args[1]) for item in value.values())
    if expected is bool:
        return isinstance(value, bool)
    if expected in (int, float):
        return isinstance(value, expected if expected is int else (int, float)) and not isinstance(value, bool)
    return isinstance(value, expected)


def wanted(expected: Any, plural: bool = False) -> str:
    """The declared type in words: 'a list of strings', 'a table of integers', 'a string or a list of strings'."""
    if isinstance(expected, tuple):
        return " or ".join(wanted(one, plural) for one in expected)
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if origin is list:
        return f"{'lists' if plural else 'a list'} of {wanted(args[0], True)}"
    if origin is dict:
        return f"{'tables' if plural else 'a table'} of {wanted(args[1], True)}"
    return _SCALARS[expected][plural]


def found(value: Any, expected: Any) -> str:
    """What the config holds instead, down to the first element that is wrong: 'a list holding an integer (5)'."""
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if origin is list and isinstance(value, list):
        item = next(item for item in value if not matches(item, args[0]))
        return f"a list holding {found(item, args[0])}"
    if origin is dict and isinstance(value, dict):
        key, item = next((key, item) for key, item in value.items() if not matches(item, args[1]))
        return f"a table whose {show(key)} is {found(item, args[1])}"
    for kind in (bool, int, float, str, list, dict):  # bool first: True is an int too
        if isinstance(value, kind):
            name = "a boolean" if kind is bool else "a float" if kind is float else _SCALARS[kind][0]
            return f"{name} ({show(value, 40)})"
    return f"a {type(value).__name__} ({show(value, 40)})"  # TOML's dates and times


def check_declaration(rule: type) -> None:
    """Raise ValueError when ``option_types`` or ``option_choices`` name an option the rule does not
    describe in ``options``, or a type outside the vocabulary (a type TOML never gives would refuse
    every config)."""
    for attribute in ("option_types", "option_choices"):
        declared = getattr(rule, attribute, {})
        if not isinstance(declared, dict):
            raise ValueError(f"rule {rule.code}: {attribute} must be a dict keyed by option name")
        unknown = sorted(set(declared) - set(rule.options))
        if unknown:
            raise ValueError(f"rule {rule.code}: {attribute} names option(s) {', '.join(unknown)} that options does not describe")
    for option, expected in rule.option_types.items():
        if not valid_type(expected):
            raise ValueError(f"rule {rule.code}: option_types[{option!r}] is {expected!r}; a type must be {VOCABULARY}")


def type_problem(rule: type, options: dict[str, Any]) -> str | None:
    """'approved must be a list of strings, found an integer (5)' for the first option of a config
    table whose value is not of its declared type, or None."""
    for option, expected in getattr(rule, "option_types", {}).items():
        if option in options and not matches(options[option], expected):
            return f"{option} must be {wanted(expected)}, found {found(options[option], expected)}"
    return None
