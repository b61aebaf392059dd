"""Which fine-tuning format a row is in.

Detection is per row and cheap (a few key lookups). A row with no
recognisable format is judged as the profile's default format, so a chat
row that lost its ``messages`` key is reported as ``messages-missing``
rather than as an unknown format.
"""

from __future__ import annotations

from typing import Any

CHAT = "chat"
PREFERENCE = "preference"
RFT = "rft"
COMPLETION = "completion"
NON_OBJECT = "non-object"
UNKNOWN = ""

KINDS = (CHAT, PREFERENCE, RFT, COMPLETION)
DESCRIPTIONS = {
    CHAT: "chat (SFT: messages)",
    PREFERENCE: "preference (DPO: input, preferred_output, non_preferred_output)",
    RFT: "reinforcement (RFT: messages ending with a user turn, plus grader fields)",
    COMPLETION: "prompt/completion (legacy)",
}

_PREFERENCE_KEYS = ("preferred_output", "non_preferred_output", "preferred_completion", "non_preferred_completion")
_CHAT_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})
# bookkeeping columns exports add to any row; they do not make a row an RFT prompt
_METADATA_KEYS = frozenset({"id", "uuid", "source", "metadata", "tags", "split", "index", "idx", "category", "lang", "language", "created_at"})


def detect(value: Any, chat_kind: str = CHAT) -> str:
    """The format of one parsed row, or UNKNOWN.

    ``chat_kind`` is what a row with ``messages`` means for the target: the
    same shape is an SFT example for openai-sft and an RFT prompt for openai-rft.
    """
    if not isinstance(value, dict):
        return NON_OBJECT
    if "input" in value and any(k in value for k in _PREFERENCE_KEYS):
        return PREFERENCE
    messages = value.get("messages")
    if messages is not None:
        if chat_kind == CHAT and isinstance(messages, list) and messages and _looks_like_rft(value, messages):
            return RFT
        return chat_kind
    lowered = {k.lower() for k in value if isinstance(k, str)}
    if "prompt" in lowered or "completion" in lowered:
        return COMPLETION
    return UNKNOWN


def _looks_like_rft(value: dict, messages: list) -> bool:
    # RFT rows carry grader fields next to messages and end on a user turn;
    # an SFT row missing its assistant reply has no such extra fields.
    if not any(k not in _CHAT_KEYS and k not in _METADATA_KEYS for k in value):
        return False
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") not in ("user", "developer"):
        return False
    return not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages)
