"""Which kind of fine-tuning row a row is.

The format adapters (``linter.formats``) recognise the row's format; its
kind groups formats for rules and profiles: OpenAI's ``chat``, ``preference``,
``rft`` and ``completion`` as before, and one kind per other family
(``sharegpt``, ``alpaca``, ``trl-preference``...). Detection is per row and
cheap (a few key lookups). A row with no recognisable format is judged as the
profile's default kind, so a chat row that lost its ``messages`` key is
reported as ``messages-missing`` rather than as an unknown format.
"""

from __future__ import annotations

from typing import Any

CHAT = "chat"
PREFERENCE = "preference"
RFT = "rft"
COMPLETION = "completion"
NON_OBJECT = "non-object"
UNKNOWN = ""

DESCRIPTIONS = {
    CHAT: "chat (SFT: messages)",
    PREFERENCE: "preference (DPO: input, preferred_output, non_preferred_output)",
    RFT: "reinforcement (RFT: messages ending with a user turn, plus grader fields)",
    COMPLETION: "prompt/completion strings (OpenAI legacy, TRL standard)",
    "text": "TRL language modeling (text)",
    "prompt-only": "TRL prompt-only (prompt)",
    "prompt-completion": "TRL conversational prompt-completion (prompt and completion message lists)",
    "trl-preference": "TRL preference (prompt, chosen, rejected)",
    "unpaired-preference": "unpaired preference (KTO: a completion with a boolean label)",
    "stepwise": "TRL stepwise supervision (prompt, completions, labels)",
    "sharegpt": "ShareGPT (conversations of from/value)",
    "sharegpt-preference": "ShareGPT preference (conversations, chosen, rejected)",
    "sharegpt-kto": "LLaMA-Factory KTO (conversations or messages with a boolean kto_tag/label)",
    "alpaca": "Alpaca (instruction, input, output)",
    "llamafactory-v1": "LLaMA-Factory v1 (messages of {type, value} parts)",
    "bedrock-nova": "Bedrock Nova (bedrock-conversation-2024)",
}
KINDS = tuple(DESCRIPTIONS)
# kinds whose rows hold a conversation the view-based rules read
CONVERSATION_KINDS = frozenset(KINDS) - {COMPLETION}
# the kinds the adapters added: OpenAI's own kinds keep their own rules (FT6xx, FT9xx)
# besides the view-based ones, so the view-based rules add only these to them
ADAPTED_KINDS = CONVERSATION_KINDS - {CHAT, RFT, PREFERENCE}
# adapted kinds whose rows are one dialogue (or a pair of them): role order rules apply
DIALOGUE_KINDS = ADAPTED_KINDS - {"text", "prompt-only", "stepwise"}

_CHAT_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})
# bookkeeping columns exports add to any row; they do not make a row an RFT prompt
_METADATA_KEYS = frozenset({"id", "uuid", "source", "metadata", "tags", "split", "index", "idx", "category", "lang", "language", "created_at"})
_SFT_KEYS = _CHAT_KEYS | _METADATA_KEYS  # a row with only these keys is never an RFT prompt


def detect(value: Any, chat_kind: str = CHAT, detector: Any = None) -> str:
    """The kind of one parsed row, or UNKNOWN.

    ``chat_kind`` is what a row with ``messages`` means for the target: the
    same shape is an SFT example for openai-sft and an RFT prompt for openai-rft.
    """
    if not isinstance(value, dict):
        return NON_OBJECT
    if detector is None:
        from .registry import get_registry

        detector = get_registry().detector
    adapter = detector.detect(value)
    return adapter.kind_of(value, chat_kind) if adapter is not None else UNKNOWN


def classify(value: Any, chat_kind: str, default_kind: str, detector: Any) -> tuple[Any, str]:
    """``(adapter, kind)`` of a parsed row; a row no adapter recognises is
    judged as ``default_kind`` and read by that kind's adapter (``Detector.classify``)."""
    return detector.classify(value, chat_kind, default_kind)


def chat_or_rft(value: dict, chat_kind: str = CHAT) -> str:
    """What an OpenAI-style ``messages`` row is for the target: SFT chat, or an RFT prompt."""
    # the cheap tests first: only a chat target with fields beyond SFT's can make an RFT prompt
    if chat_kind != CHAT or value.keys() <= _SFT_KEYS:
        return chat_kind
    messages = value.get("messages")
    if isinstance(messages, list) and messages and _looks_like_rft(value, messages):
        return RFT
    return chat_kind


def chat_or_rft_of_keys(keys: frozenset[str], chat_kind: str = CHAT) -> str | None:
    """What ``chat_or_rft`` answers for every row with these top-level keys, or None when it reads the messages."""
    return chat_kind if chat_kind != CHAT or keys <= _SFT_KEYS else None


def _looks_like_rft(value: dict, messages: list) -> bool:
    # RFT rows carry grader fields next to messages (chat_or_rft tested that) and end on a
    # user turn; an SFT row missing its assistant reply has no such extra fields.
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") not in ("user", "developer"):
        return False
    for message in messages:  # a plain loop: cheaper than any() over a generator, or map() over a methodcaller
        if isinstance(message, dict) and message.get("role") == "assistant":
            return False
    return True
