"""Showing untrusted dataset text safely.

Dataset text may hold terminal escape sequences, GitHub workflow commands or
megabytes of prose. Anything a rule quotes goes through ``show``: control
characters become visible escapes and long values are cut.
"""

from __future__ import annotations

import json
import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape_char(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_control(text: str) -> str:
    """Replace control and bidi-override characters (tab and newline excepted) with visible escapes."""
    return _CONTROL.sub(_escape_char, text)


def one_line(text: str) -> str:
    """Escape control characters and newlines/tabs too, for single-line output."""
    return escape_control(text).replace("\n", "\\n").replace("\t", "\\t")


def show(value: Any, limit: int = 60) -> str:
    """A short, escaped, quoted rendering of a dataset value for a message."""
    if isinstance(value, str):
        text = json.dumps(value[: limit + 1], ensure_ascii=False)[1:-1]
        if len(value) > limit:
            text = text[:limit] + "…"
        return "'" + one_line(text) + "'"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return one_line(text)


_TYPE_NAMES = {str: "a string", bool: "a boolean", int: "a number", float: "a number", list: "an array", dict: "an object"}


def describe_type(value: Any) -> str:
    """'a string', 'an array', 'null', ... in JSON's vocabulary."""
    if value is None:
        return "null"
    return _TYPE_NAMES.get(type(value), type(value).__name__)
