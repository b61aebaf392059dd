"""Showing untrusted dataset text safely.

Dataset text may hold terminal escape sequences, GitHub workflow commands or
megabytes of prose. Anything a rule quotes goes through ``show``: control
characters become visible escapes and long values are cut.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .secrets import redact

# control characters, bidi overrides, lone surrogates (from file names that are not
# UTF-8) and the two non-characters XML refuses
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def _escape_char(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_control(text: str) -> str:
    """Replace control and bidi-override characters (tab and newline excepted), lone
    surrogates and XML's non-characters with visible escapes."""
    return _CONTROL.sub(_escape_char, text)


def counted(count: int, word: str) -> str:
    """``"1 example"``, ``"2,000 examples"``: a count and its noun, singular for one."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def one_line(text: str) -> str:
    """Escape control characters and newlines/tabs too, for single-line output."""
    if text.isprintable():  # most messages: nothing to escape (every character escaped below is unprintable)
        return text
    return escape_control(text).replace("\n", "\\n").replace("\t", "\\t")


def show_lines(text: str) -> str:
    """Whole lines of dataset text shown as they are (a fix's diff): whatever looks like a
    secret redacted and control characters escaped, newlines and tabs kept."""
    return escape_control(redact(text))


# a window wider than any secret pattern needs, so a key that starts in the
# shown part is always seen whole by the detector before the value is cut
_REDACT_WINDOW = 256


def show(value: Any, limit: int = 60, *, quoted: bool = True) -> str:
    """A short, escaped rendering of a dataset value for a message: the one way
    rules quote dataset text. Control characters become visible escapes and
    whatever looks like a secret is redacted (whether or not FT205 is enabled).
    ``quoted=False`` renders a string without quotes or JSON escaping, for text
    that already reads as a sentence (a JSON Schema error that quotes values)."""
    if isinstance(value, str):
        plain = redact(value[: limit + _REDACT_WINDOW])
        text = json.dumps(plain[: limit + 1], ensure_ascii=False)[1:-1] if quoted else plain
        if len(plain) > limit or len(value) > limit + _REDACT_WINDOW:
            text = text[:limit] + "…"
        return "'" + one_line(text) + "'" if quoted else one_line(text)
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    text = redact(text[: limit + _REDACT_WINDOW])
    if len(text) > limit:
        text = text[:limit] + "…"
    return one_line(text)


_TYPE_NAMES = {str: "a string", bool: "a boolean", int: "a number", float: "a number", list: "an array", dict: "an object"}


def describe_type(value: Any) -> str:
    """'a string', 'an array', 'null', ... in JSON's vocabulary."""
    if value is None:
        return "null"
    return _TYPE_NAMES.get(type(value), type(value).__name__)
