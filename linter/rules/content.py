"""FT2xx: the text inside messages."""

from __future__ import annotations

import copy
from typing import Any, Iterable

from ..findings import Applicability, Fix, Severity, Violation, pointer
from ..plugin import hookimpl
from ..rows import Row
from .base import Rule
from .chat import CHAT_LIKE, carries_call, messages_of


class ContentEmpty(Rule):
    """Empty or whitespace-only content trains the model to answer with
    nothing (assistant) or to answer nothing (user). An assistant message whose
    turn is a tool call may leave ``content`` empty."""

    code = "FT200"
    name = "content-empty"
    summary = "Message content is empty or whitespace only"
    kinds = CHAT_LIKE
    reads = ("turns",)
    severity = Severity.WARNING
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "  "}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for index, message in messages_of(row):
            content = message.get("content")
            if isinstance(content, str):
                empty = not content.strip()
            elif isinstance(content, list):
                empty = not content or all(
                    isinstance(p, dict) and p.get("type") == "text" and not str(p.get("text") or "").strip()
                    for p in content
                )
            else:
                continue
            if empty and not carries_call(message):
                yield Violation("content is empty or whitespace only", pointer("messages", index, "content"))


def _strip_content(index: int):
    def apply(value: Any) -> Any:
        fixed = copy.deepcopy(value)
        fixed["messages"][index]["content"] = fixed["messages"][index]["content"].strip()
        return fixed

    return apply


class WhitespacePadding(Rule):
    """Leading or trailing spaces and newlines in content are learned too: a
    model trained on ``"Sure! \\n"`` emits the trailing whitespace. Usually an
    artefact of templating or copy-paste. Suggestion only.

    Fix (safe): strip the whitespace from both ends of the content."""

    code = "FT201"
    name = "whitespace-padding"
    summary = "Message content starts or ends with whitespace"
    kinds = CHAT_LIKE
    reads = ("turns",)
    severity = Severity.INFO
    fix = Applicability.SAFE
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!\\n\\n"}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for index, message in messages_of(row):
            content = message.get("content")
            if isinstance(content, str) and content.strip() and content != content.strip():
                ends = []
                if content[0].isspace():
                    ends.append("leading")
                if content[-1].isspace():
                    ends.append("trailing")
                yield Violation(
                    f"content has {' and '.join(ends)} whitespace",
                    pointer("messages", index, "content"),
                    Fix("strip the whitespace", Applicability.SAFE, _strip_content(index)),
                )


RULES = (ContentEmpty, WhitespacePadding)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
