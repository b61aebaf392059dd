"""Turn one JSONL line into a value, or into a precise reason why not.

orjson is strict (it rejects NaN, lone surrogates, invalid UTF-8 and a BOM),
which is what providers do too. When it refuses a line, the stdlib parser is
asked a second time only to name the exact problem, so the slow path costs
nothing on valid data.
"""

from __future__ import annotations

import json
import re
import sys

import orjson

from .rows import ParseProblem, Row

INVALID_JSON = "invalid-json"
INVALID_UTF8 = "invalid-utf8"
NON_STANDARD = "non-standard-json"
LONE_SURROGATE = "lone-surrogate"
TOO_DEEP = "nesting-too-deep"
PROBLEMS = (INVALID_JSON, INVALID_UTF8, NON_STANDARD, LONE_SURROGATE, TOO_DEEP)  # every kind parse_row reports

# orjson writes at most 254 nested arrays/objects and recursive Python code walks
# only about as deep: a deeper row could be read but not fixed, converted or
# checked, so every reader refuses it as FT006 nesting-too-deep.
MAX_DEPTH = 254
TOO_DEEP_MESSAGE = f"JSON nesting is deeper than {MAX_DEPTH} levels (ftlint cannot write it back, many parsers refuse it)"

_MAYBE_BLANK = frozenset((b"", b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c"))  # what bytes.strip() removes
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}")


class _NonStandardConstant(ValueError):
    pass


def _reject_constant(name: str) -> None:
    raise _NonStandardConstant(name)


def parse_row(row: Row) -> None:
    """Parse ``row.raw`` in place: set ``value``/``parsed`` or ``problem``."""
    raw = row.raw
    if raw is None:
        return
    if raw.endswith(b"\r"):
        row.crlf = True
        raw = raw[:-1]
    if raw[:1] in _MAYBE_BLANK and not raw.strip():  # most lines open with "{": no stripped copy
        return
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        row.problem = diagnose(raw, exc)
        return
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and too_deep(value):
        row.problem = ParseProblem(TOO_DEEP, TOO_DEEP_MESSAGE)
        return
    row.value = value
    row.parsed = True


def too_deep(value: object) -> bool:
    """Whether arrays/objects nest more than ``MAX_DEPTH`` levels (iterative: safe at any depth)."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _has_lone_surrogate(value: object) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def diagnose(raw: bytes, exc: orjson.JSONDecodeError) -> ParseProblem:
    """Name the exact problem of a line orjson refused."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        bad = raw[err.start : err.start + 1]
        return ParseProblem(
            INVALID_UTF8,
            f"invalid UTF-8: byte 0x{bad.hex()} at byte {err.start + 1} of the line cannot be decoded",
            err.start + 1,
        )
    if "recursion" in str(exc).lower():
        return ParseProblem(TOO_DEEP, TOO_DEEP_MESSAGE, exc.colno)
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except _NonStandardConstant as err:
        return ParseProblem(
            NON_STANDARD, f"{err} is not valid JSON (Python's json accepts it, providers do not); use null or a number"
        )
    except RecursionError:
        return ParseProblem(TOO_DEEP, "JSON nesting is too deep to parse")
    except json.JSONDecodeError as err:
        # json's "Unterminated string starting at" ends with "at": one "at" before the column, not two
        return ParseProblem(INVALID_JSON, f"invalid JSON: {err.msg.removesuffix(' at')} at column {err.colno}", err.colno)
    except ValueError:  # Python's int/str limit: no parser keeps such a number exact
        return ParseProblem(INVALID_JSON, f"invalid JSON: a number with more than {sys.get_int_max_str_digits():,} digits")
    if _SURROGATE_ESCAPE.search(raw) and _has_lone_surrogate(value):
        return ParseProblem(
            LONE_SURROGATE, "a \\ud800-\\udfff escape is not part of a surrogate pair, so the text is not valid Unicode"
        )
    return ParseProblem(INVALID_JSON, f"invalid JSON: {exc.msg} at column {exc.colno}", exc.colno)
