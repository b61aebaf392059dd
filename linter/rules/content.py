"""FT2xx: the text inside messages, read through the conversation view, so
the same checks serve every format and point into the source row
(``/messages/1/content``, ``/conversations/2/value``, ``/output``)."""

from __future__ import annotations

from typing import Any, Iterable


from .. import patching
from ..findings import Applicability, Fix, Severity, Violation
from ..plugin import hookimpl
from ..rows import Row
from ..schema import ADAPTED_KINDS
from ..view import Turn
from .base import Rule
from .chat import CHAT_LIKE

TEXT_KINDS = CHAT_LIKE | ADAPTED_KINDS
_CONTINUATIONS = ("/completion", "/chosen", "/rejected")


def _carried(turn: Turn) -> bool:
    """True when a tool call (or an OpenAI refusal) carries the turn instead of its content."""
    return turn.carries_call or any(key == "refusal" and item for key, item in turn.extra)


def _empty(turn: Turn) -> bool:
    if turn.content_state == "text":
        return not turn.parts[0].text.strip()
    if turn.content_state == "parts":
        return all(p.kind == "text" and not (p.text or "").strip() for p in turn.parts)
    return False


class ContentEmpty(Rule):
    """Empty or whitespace-only content trains the model to answer with
    nothing (assistant) or to answer nothing (user). An assistant message whose
    turn is a tool call may leave ``content`` empty."""

    code = "FT200"
    name = "content-empty"
    summary = "Message content is empty or whitespace only"
    kinds = TEXT_KINDS
    reads = ("turns",)
    severity = Severity.WARNING
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "  "}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for _, turn in row.view.all_turns():
            if _empty(turn) and not _carried(turn):
                yield Violation("content is empty or whitespace only", turn.content_pointer)


def _strip_at(where: str, text: str, keep_start: bool = False) -> tuple[dict, ...]:
    """The edit that strips the string at ``where`` (a JSON pointer into the source row), or only its end."""
    return (patching.replace(where, text.rstrip() if keep_start else text.strip()),)


class WhitespacePadding(Rule):
    """Leading or trailing spaces and newlines in content are learned too: a
    model trained on ``"Sure! \\n"`` emits the trailing whitespace. Usually an
    artefact of templating or copy-paste. Suggestion only.

    Fix (safe): strip the whitespace from both ends of the content."""

    code = "FT201"
    name = "whitespace-padding"
    summary = "Message content starts or ends with whitespace"
    kinds = TEXT_KINDS
    reads = ("turns",)
    severity = Severity.INFO
    fix = Applicability.SAFE
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!\\n\\n"}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for _, turn in row.view.all_turns():
            if turn.content_state != "text" and row.kind in CHAT_LIKE:
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
