"""What a rule reads: the fixed vocabulary of views a rule declares.

A rule says which parts of a row its verdict depends on::

    class ToolNameInvalid(Rule):
        reads = (TOOLS,)

and the engine (``linter._dispatch``) derives everything a rule author used
to hand-tune from that declaration:

* **gates**: a rule that reads only views with a presence test (tools, tool
  calls, content parts, images) is not called on rows where none of them is
  present;
* **the shape memo**: a rule that reads only structural views (``SHAPE``) is
  shape-only: once silent on a row of some shape (``linter.shape.shape_of``),
  it is skipped on later rows of that shape;
* **parse problems**: a ``scope = LINE`` rule with ``problem_kind`` runs only
  on rows whose reader reported that problem.

``screen`` (a separate class attribute, part of the same declaration) lists
strings of the text without which the rule cannot fire (``screen = ("{{",
"${")``); the engine proves most rules silent on the raw line before calling
them (see ``linter._dispatch``). Strings are text as the rule sees it (the
engine matches their JSON-escaped form exactly, and runs the rule
on any line that holds an escape which could hide them); an entry may instead
be a compiled bytes pattern over the raw JSON line, for triggers that are not
literal (``(?: |\\t)*:`` after a role label).

A dataset rule that declares ``reads = ()`` reads nothing of any row (a check
of the file name, say): the engine never calls its ``update``. A rule that declares
nothing reads ``VALUE`` (anything): it runs on every row of its kinds. That is always correct, only slower. Declaring too little is a
bug that hides findings, so declarations are checked by property tests
(tests/test_shape.py, tests/test_screens.py).

The view computations live here, memoised per row by view name, so every rule
that reads a view shares one computation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from ..rows import Row
from ..screening import AnyOf, StructuralScreen

RAW = "raw"  # the line's bytes: row.raw, row.length, row.bom, row.crlf
UNPARSED = "unparsed"  # a line that is not a record: skipped over-long, blank or unreadable (row.parsed false)
BOM = "bom"  # the byte-order mark opening a line, or its absence on the file's first line
LINE_ENDING = "line_ending"  # a CRLF line ending (row.crlf)
PROBLEM = "problem"  # the reader's parse problem (row.problem)
REPEATED_KEYS = "repeated_keys"  # an object of the line that repeats a key (its text: the parsed row keeps the last value)
SHAPE = "shape"  # keys, roles, types, weights and order: linter.shape.shape_of
TURNS = "turns"  # the messages with their roles and contents
TEXTS = "texts"  # every string a model is trained on or prompted with: the text parts of row.view, any format
TOOL_CALLS = "tool_calls"  # assistant calls and the tool messages answering them
TOOLS = "tools"  # the declared tools/functions
PARTS = "parts"  # content parts (lists of typed parts instead of a string)
IMAGES = "images"  # image parts
MEDIA = "media"  # media columns beside the conversation (images, videos, audios, image) and what must match them
FINGERPRINTS = "fingerprints"  # the row's exact and normalised fingerprints
TOKENS = "tokens"  # the row's token count
VALUE = "value"  # anything of the parsed row: no derivation is possible


def _messages(row: Row) -> list:
    return row.messages() if isinstance(row.value, dict) else []


def mentions_tools(row: Row) -> bool:
    """Does the row declare, call or answer tools at all?"""
    raw = row.raw
    if raw is not None and not _TOOL_WORDS(raw):
        return False  # every key and role below is spelt in the line (no \u escape could hide one)
    return _tools_in_value(row)


def _tools_in_value(row: Row) -> bool:
    """``mentions_tools`` once the raw line is known to hold a tool word (or has no raw line)."""
    value = row.value
    if not isinstance(value, dict):
        return False
    if "tools" in value or "functions" in value:
        return True
    for _, message in _messages(row):
        if "tool_calls" in message or "function_call" in message or "tool_call_id" in message:
            return True
        if message.get("role") in ("tool", "function"):
            return True
    # other formats (ShareGPT function_call/observation and a tools string, LLaMA-Factory v1 tool_call parts):
    # a cheap test of the line first, the view only for rows that can hold tools at all
    raw = row.raw
    if raw is not None and not any(key in raw for key in _TOOL_MARKS):
        return False
    view = row.view
    return view.tools is not None or any(turn.tool_calls or turn.role == "tool" for _, turn in view.all_turns())


# inside every key and role looked for below, or an escape that could spell one
_TOOL_SCREEN = (rb"tool", rb"function", rb"observation")
_TOOL_WORDS = AnyOf((*_TOOL_SCREEN, rb"\\u"))
_TOOL_MARKS = (b"tools", b"function_call", b"observation", b"tool_call", b'"tool"', b"functions")


def has_content_parts(row: Row) -> bool:
    """Does any message hold a list of content parts (text, images, audio)?"""
    raw = row.raw
    if raw is not None and not _LIST_CONTENT(raw):
        return False  # no "content" key opens a list on the line (and no \u escape could spell one)
    return _parts_in_value(row)


def _parts_in_value(row: Row) -> bool:
    """``has_content_parts`` once the raw line is known to open a content list (or has no raw line)."""
    return any(isinstance(message.get("content"), list) for _, message in _messages(row))


_PARTS_SCREEN = StructuralScreen("content-list", (rb'"content"[ \t\r\n]*:[ \t\r\n]*\[',))  # the row scanner flags it too
_LIST_CONTENT = AnyOf((*_PARTS_SCREEN, rb"\\u"))


MEDIA_COLUMNS = ("images", "videos", "audios", "image")  # LLaMA-Factory's columns, and TRL's images / image


def has_media_columns(row: Row) -> bool:
    """Does the row list media in a top-level column (LLaMA-Factory's ``images``, ``videos``,
    ``audios``; TRL's ``images`` or ``image``)? The key is enough: what it holds is the rule's to judge."""
    raw = row.raw
    if raw is not None and not _MEDIA_KEYS(raw):
        return False  # no column name is spelt on the line (and no \u escape could spell one)
    return _media_in_value(row)


def _media_in_value(row: Row) -> bool:
    """``has_media_columns`` once the raw line is known to hold a column name (or has no raw line)."""
    value = row.value
    return isinstance(value, dict) and any(key in value for key in MEDIA_COLUMNS)


_MEDIA_SCREEN = tuple(b'"' + key.encode() + b'"' for key in MEDIA_COLUMNS)
_MEDIA_KEYS = AnyOf((*_MEDIA_SCREEN, rb"\\u"))


@dataclass(frozen=True)
class View:
    """One name of the vocabulary: what it covers and what the engine may derive from it."""

    name: str
    doc: str
    structural: bool = False  # the view is a function of shape_of(row)
    present: Callable[[Row], bool] | None = None  # False: the row holds nothing of this view
    # The raw-line half of ``present``, for the engine's one scan per row: bytes patterns
    # one of which (or a \u escape) the line holds whenever the view is present, and
    # ``confirm``, the rest of the test, asked only on lines that hold one.
    screen: tuple[bytes, ...] = ()
    confirm: Callable[[Row], bool] | None = None


VIEWS: dict[str, View] = {
    view.name: view
    for view in (
        View(RAW, "the line's bytes, length, BOM and line ending"),
        View(UNPARSED, "a line that is not a record (over-long, blank, unreadable)", present=lambda row: not row.parsed),
        View(BOM, "a byte-order mark opening the line, or its absence on the first line", present=lambda row: row.bom or row.offset == 0),
        View(LINE_ENDING, "a CRLF line ending", present=lambda row: row.crlf),
        View(PROBLEM, "the reader's parse problem"),
        View(REPEATED_KEYS, "an object of the line's JSON text that repeats a key"),
        View(SHAPE, "keys, roles, types, weights and order (linter.shape.shape_of)", structural=True),
        View(TURNS, "the messages with their roles and contents"),
        View(TEXTS, "every text a model is trained on or prompted with"),
        View(TOOL_CALLS, "tool calls and the tool messages answering them", present=mentions_tools,
             screen=_TOOL_SCREEN, confirm=_tools_in_value),
        View(TOOLS, "the declared tools and functions", present=mentions_tools, screen=_TOOL_SCREEN, confirm=_tools_in_value),
        View(PARTS, "content parts", present=has_content_parts, screen=_PARTS_SCREEN, confirm=_parts_in_value),
        View(IMAGES, "image content parts", present=has_content_parts, screen=_PARTS_SCREEN, confirm=_parts_in_value),
        View(MEDIA, "media columns (images, videos, audios, image) and the placeholders or image parts matched against them",
             present=has_media_columns, screen=_MEDIA_SCREEN, confirm=_media_in_value),
        View(FINGERPRINTS, "the row's exact and normalised fingerprints"),
        View(TOKENS, "the row's token count"),
        View(VALUE, "anything of the parsed row"),
    )
}

_COMPUTE: dict[str, Callable[[Row], Any]] = {}
_GETTERS: dict[str, Callable[[Row], Any]] = {}  # name -> its memoised getter (``memoised``)
_MISSING = object()


def provide(name: str, compute: Callable[[Row], Any]) -> None:
    """Register how a named computation is made (the module that owns it calls this once)."""
    _COMPUTE[name] = compute
    _GETTERS.pop(name, None)  # a getter bound to the computation it replaces


def computed(row: Row, name: str) -> Any:
    """The named computation for this row, made once and shared by every rule that asks."""
    return memoised(name)(row)


def memoised(name: str) -> Callable[[Row], Any]:
    """The getter of one named computation: ``getter(row)`` is ``computed(row, name)`` in one
    call. The computations several rules ask for on every row (the fingerprints: five asks a
    row) bind it once, where a second call per ask was a tenth of their cost."""
    getter = _GETTERS.get(name)
    if getter is None:
        compute = _COMPUTE[name]

        def getter(row: Row) -> Any:
            memo = row.memo
            if memo is None:
                memo = row.memo = {}
            value = memo.get(name, _MISSING)
            if value is _MISSING:  # once per row and view: a KeyError there cost more than the lookup
                value = memo[name] = compute(row)
            return value

        getter.__qualname__ = getter.__name__ = f"memoised_{name.replace('.', '_')}"
        _GETTERS[name] = getter
    return getter


def check_reads(rule: type) -> None:
    """Raise ValueError when a rule declares a view the vocabulary does not have."""
    reads = getattr(rule, "reads", None)
    if reads is not None:
        if isinstance(reads, str) or not isinstance(reads, (tuple, list, frozenset, set)):
            raise ValueError(f"rule {rule.code}: reads must be a tuple of view names, like reads = ('texts',)")
        unknown = [name for name in reads if name not in VIEWS]
        if unknown:
            raise ValueError(f"rule {rule.code} reads unknown view(s) {', '.join(map(repr, unknown))}; known: {', '.join(VIEWS)}")
    screen = getattr(rule, "screen", ())
    if isinstance(screen, (str, bytes)) or not isinstance(screen, (tuple, list)) or not all((isinstance(s, str) and s) or _raw_pattern(s) for s in screen):
        raise ValueError(
            f"rule {rule.code}: screen must be a tuple of non-empty strings (or compiled bytes patterns over the raw line), like screen = ('{{{{',)"
        )


def _raw_pattern(entry: Any) -> bool:
    return isinstance(entry, re.Pattern) and isinstance(entry.pattern, bytes)
