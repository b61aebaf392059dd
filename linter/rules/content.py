"""FT2xx: the text inside messages, read through the conversation view, so
the same checks serve every format and point into the source row
(``/messages/1/content``, ``/conversations/2/value``, ``/output``,
``/preferred_output/0/content``)."""

from __future__ import annotations

import re
from typing import Any, Iterable

from .. import patching
from ..findings import Applicability, Fix, Severity, Violation
from ..plugin import hookimpl
from ..rows import Row
from ..schema import CONVERSATION_KINDS, PREFERENCE
from ..screening import StructuralScreen
from ..view import Turn
from .base import Rule
from .chat import CHAT_LIKE

# every kind whose rows hold turns: OpenAI's chat, RFT and DPO rows and every adapted format (a DPO pair's
# input messages and both outputs are turns of its view, pointed at in the source row like any other)
TEXT_KINDS = CONVERSATION_KINDS
# OpenAI's own message rows, whose content parts these rules leave alone (only whole-string content)
_OPENAI_MESSAGES = CHAT_LIKE | {PREFERENCE}
_CONTINUATIONS = ("/completion", "/chosen", "/rejected")

# What ``str.strip()`` removes: the 29 characters Python calls whitespace (written out: finding
# them among 1.1 million code points cost a quarter of a second at every start;
# tests/test_text_speed.py holds the list to str.isspace).
WHITESPACE = tuple("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                   "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _alternatives(encodings: list[bytes]) -> bytes:
    """A regex alternation matching exactly these byte strings (grouped by all but their last byte)."""
    by_prefix: dict[bytes, list[int]] = {}
    for encoded in encodings:
        by_prefix.setdefault(encoded[:-1], []).append(encoded[-1])
    return b"|".join(re.escape(prefix) + b"[" + b"".join(re.escape(bytes([last])) for last in sorted(lasts)) + b"]"
                     for prefix, lasts in sorted(by_prefix.items()))


def _hex_escape(char: str) -> bytes:
    """The regex for ``char`` written as a JSON ``\\uXXXX`` escape, hex digits in either case (after the ``\\u``)."""
    return b"".join(b"[%s%s]" % (d.encode(), d.upper().encode()) if d.isalpha() else d.encode() for d in f"{ord(char):04x}")


def _edge_screen() -> tuple[re.Pattern, re.Pattern]:
    """Raw-line patterns, one of which matches wherever a JSON string may be empty or start or end with whitespace.

    FT200 and FT201 fire only on such a string, on an empty content list or
    on a text part without a string (``"type"``), and every text the view
    yields is one JSON string value of the line. A whitespace character
    appears on the line as itself (UTF-8), as a ``\\t \\n \\r \\f`` escape or
    as ``\\uXXXX`` in either case (the line parsed, so no raw control character
    sits inside a string).

    The first pattern: at a quote that no backslash escapes (an opening
    quote never follows one, and a closing quote after one ends a text with
    a backslash, not whitespace), an empty string, a leading whitespace
    character (or JSON whitespace after a closing quote, which a writer may
    put before a comma: over-matching is safe), ``"type"``, an empty list
    after a key; or a value's closing quote (one followed by ``, } ]``) after
    a whitespace character written as itself. The second, at every
    backslash: an escaped whitespace character, which a closing quote follows.

    Both are plain patterns (no lookarounds), so the engine's automaton
    (``linter.screening``, Hyperscan) takes them exactly and scans a line for
    both in one pass with every other screen.
    """
    ascii_ws = b"".join(re.escape(c.encode()) for c in WHITESPACE if c.isascii())
    multibyte = [c.encode() for c in WHITESPACE if not c.isascii()]
    escaped = rb"\\(?:[tnrf]|u(?:" + b"|".join(_hex_escape(c) for c in WHITESPACE) + b"))"
    quote = re.compile(
        rb'(?:^|[^\\])"(?:["%s]|%s|%s|type"|:[ \t\r\n]*\[[ \t\r\n]*\]|$)|(?:[%s]|%s)"[,}\]]'
        % (ascii_ws, escaped, _alternatives(multibyte), ascii_ws, _alternatives(multibyte))
    )
    backslash = re.compile(escaped + b'"')
    return quote, backslash


# the row scanner answers the same question for a block of plain lines from the strings it walks (its EDGES flag)
EDGE_SCREEN = StructuralScreen("string-edges", _edge_screen())


def _carried(turn: Turn) -> bool:
    """True when a tool call (or an OpenAI refusal) carries the turn instead of its content."""
    return turn.carries_call or any(key == "refusal" and item for key, item in turn.extra)


def _empty(turn: Turn) -> bool:
    if turn.content_state == "text":
        return not turn.parts[0].text.strip()
    if turn.content_state == "parts":
        return all(p.kind == "text" and not (p.text or "").strip() for p in turn.parts)
    return False


def _nothing(turn: Turn) -> bool:
    """True when the content is ``""`` or ``[]``: no text at all, not only whitespace."""
    return not turn.parts or (turn.content_state == "text" and not turn.parts[0].text)


class ContentEmpty(Rule):
    """Empty or whitespace-only content trains the model to answer with
    nothing (assistant) or to answer nothing (user). An assistant message whose
    turn is a tool call may leave ``content`` empty. Every format's turns are
    read, an OpenAI DPO pair's input messages and both outputs too; an output
    with no content at all (``""``) is FT601's finding while FT601 is on."""

    code = "FT200"
    name = "content-empty"
    summary = "Message content is empty or whitespace only"
    kinds = TEXT_KINDS
    reads = ("turns",)
    screen = EDGE_SCREEN
    severity = Severity.WARNING
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "  "}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        said = row.kind == PREFERENCE and self.context.reports("FT601")
        for where, turn in row.view.all_turns():
            if _empty(turn) and not _carried(turn):
                if said and where != "turns" and _nothing(turn):
                    continue  # a DPO output with no content at all: FT601 says so ("has no content")
                yield Violation("content is empty or whitespace only", turn.content_pointer)


def _strip_at(where: str, text: str, keep_start: bool = False) -> tuple[dict, ...]:
    """The edit that strips the string at ``where`` (a JSON pointer into the source row), or only its end."""
    return (patching.replace(where, text.rstrip() if keep_start else text.strip()),)


class WhitespacePadding(Rule):
    """Leading or trailing spaces and newlines in content are learned too: a
    model trained on ``"Sure! \\n"`` emits the trailing whitespace. Usually an
    artefact of templating or copy-paste. Suggestion only.

    In OpenAI chat, DPO and RFT rows, content written as a list of parts is
    not checked: the parts are read joined as written, so the whitespace at
    a part's edge may be what separates it from the next. TRL's standard
    completions (a prompt and its ``completion``, ``chosen`` or ``rejected``)
    start with a space by convention: only their end is checked.

    Fix (safe): strip the whitespace from both ends of the content."""

    code = "FT201"
    name = "whitespace-padding"
    summary = "Message content starts or ends with whitespace"
    kinds = TEXT_KINDS
    reads = ("turns",)
    screen = EDGE_SCREEN
    severity = Severity.INFO
    fix = Applicability.SAFE
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!\\n\\n"}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for _, turn in row.view.all_turns():
            if turn.content_state != "text" and row.kind in _OPENAI_MESSAGES:
                continue  # OpenAI content parts: only whole-string content, as before
            # TRL's standard completions start with a space by convention (" blue."): only their end counts
            convention = turn.source_role is None and turn.content_pointer in _CONTINUATIONS
            for part in turn.texts:
                text = part.text
                if text.strip() and text != (text.rstrip() if convention else text.strip()):
                    ends = [end for end, pad in (("leading", text[0].isspace() and not convention), ("trailing", text[-1].isspace())) if pad]
                    yield Violation(f"content has {' and '.join(ends)} whitespace", part.pointer,
                                    Fix("strip the whitespace", Applicability.SAFE, edits=_strip_at(part.pointer, text, convention)))


RULES = (ContentEmpty, WhitespacePadding)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
