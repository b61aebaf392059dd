"""AWS Bedrock's fine-tuning formats.

Claude (Anthropic's cookbook "Finetuning Claude 3 Haiku on Bedrock"):
``{"system": "...", "messages": [{"role": "user"|"assistant", "content": str}]}``,
a top-level system string, no other keys. Its rows are chat rows (kind
``chat``) whose system prompt sits at ``/system``.

Nova (``bedrock-conversation-2024``): ``schemaVersion``, ``system`` as a list
of ``{"text"}`` blocks, and messages whose content is a list of ``{"text"}``,
``{"image"}`` or ``{"video"}`` blocks.
"""

from __future__ import annotations

from typing import Any

from .. import schema
from ..text import describe_type, show
from ..view import ASSISTANT, SYSTEM, USER, Conversation, Part, Problem, Turn
from .base import Format, Reject, extras, message_turns, no_text, plain_text, ptr, require_held, require_no_weights, unknown_role, unread_messages
from .openai import CHAT_KEYS, reject_unpaired

NOVA_SCHEMA = "bedrock-conversation-2024"
_SFT_KEYS = schema._SFT_KEYS
CLAUDE_KEYS = frozenset({"system", "messages"})
NOVA_KEYS = frozenset({"schemaVersion", "system", "messages"})
BEDROCK_ROLES = {"user": USER, "assistant": ASSISTANT}


def _system_turn(text: str, where: str) -> Turn:
    return Turn(SYSTEM, None, where, "", where, "text", (Part("text", where, text, text),))


class BedrockClaude(Format):
    name = "bedrock-claude"
    kind = schema.CHAT
    description = "Bedrock Claude (top-level system string, user/assistant messages with string content)"
    keys = CLAUDE_KEYS
    requires = "\"messages\" with a top-level \"system\" string"
    required = (("system", "messages"),)

    triggers = frozenset({"system"})
    detect_reads = frozenset({"system"})

    def detect(self, value: dict) -> int:
        return 8 if isinstance(value.get("system"), str) and "messages" in value and "schemaVersion" not in value else 0

    def kind_of(self, value: dict, chat_kind: str) -> str:
        # the top-level system string is Claude's system prompt, not an RFT grader field: a row that lacks
        # its reply is an SFT example missing it (FT112), not an RFT prompt
        if value.keys() - {"system"} <= _SFT_KEYS:
            return chat_kind
        return schema.chat_or_rft(value, chat_kind)

    def kind_of_keys(self, keys: frozenset[str], chat_kind: str) -> str | None:
        return chat_kind if keys - {"system"} <= _SFT_KEYS else schema.chat_or_rft_of_keys(keys, chat_kind)

    def structure(self, value: dict) -> tuple:
        return (bool(value.get("system")),)  # an empty system string is no system turn

    def view(self, value: dict) -> Conversation:
        system = value["system"]
        turns = message_turns(value.get("messages"), "/messages", roles={**BEDROCK_ROLES, "system": SYSTEM})
        if system:
            turns = (_system_turn(system, "/system"),) + turns
        return Conversation(self.name, schema.CHAT, turns, tools=value.get("tools"), tools_pointer="/tools" if "tools" in value else "",
                            extras=extras(value, CLAUDE_KEYS | CHAT_KEYS))

    def unread(self, value: dict) -> tuple[Problem, ...]:
        return tuple(unread_messages(value, "messages", "/messages"))

    def write(self, conversation: Conversation) -> dict:
        row: dict[str, Any] = {}
        turns = _bedrock_turns(conversation, "Bedrock Claude")
        if turns and turns[0].role == SYSTEM:
            row["system"] = plain_text(turns[0], "Bedrock Claude")
            turns = turns[1:]
        row["messages"] = [{"role": t.role, "content": plain_text(t, "Bedrock Claude")} for t in turns]
        return row


def _bedrock_turns(conversation: Conversation, target: str) -> tuple[Turn, ...]:
    reject_unpaired(conversation, target)
    if conversation.is_preference:
        raise Reject(f"a preference pair cannot be written as {target}")
    if conversation.tools is not None:
        raise Reject(f"the tools at {conversation.tools_pointer} cannot be written as {target}")
    if conversation.extras:
        raise Reject(f"{target} accepts no extra keys; {show(conversation.extras[0][0])} would be lost")
    turns = conversation.turns
    require_no_weights(turns, target)
    for index, turn in enumerate(turns):
        if not turn.role:
            raise Reject(unknown_role(turn, target))
        if turn.role not in (USER, ASSISTANT) and not (turn.role == SYSTEM and index == 0):
            raise Reject(f"role {show(turn.source_role or turn.role)} at {turn.role_pointer or turn.pointer} cannot be written as {target} (user and assistant only)")
        require_held(turn, target)
    return turns


class BedrockNova(Format):
    name = "bedrock-nova"
    kind = "bedrock-nova"
    description = "Bedrock Nova (schemaVersion bedrock-conversation-2024, system list, content lists of text/image/video blocks)"
    keys = NOVA_KEYS
    requires = "\"schemaVersion\", and \"messages\" whose content is a list of {\"text\"} blocks"
    required = (("schemaVersion", "messages"),)

    triggers = frozenset({"schemaVersion", "system"})
    detect_reads = frozenset({"system"})

    def detect(self, value: dict) -> int:
        if "schemaVersion" in value:
            return 9
        return 8 if isinstance(value.get("system"), list) and "messages" in value else 0

    def view(self, value: dict) -> Conversation:
        problems: list = []
        version = value.get("schemaVersion")
        if "schemaVersion" in value and not isinstance(version, str):
            problems.append(Problem(f"schemaVersion must be a string, got {describe_type(version)}", "/schemaVersion"))
        elif version != NOVA_SCHEMA:
            problems.append(Problem(f"schemaVersion is {show(version)}; AWS's examples use {NOVA_SCHEMA!r}", "/schemaVersion"))
        turns: list[Turn] = []
        system = value.get("system")
        if isinstance(system, list):
            for i, block in enumerate(system):
                where = ptr("/system", i, "text")
                if isinstance(block, dict) and isinstance(block.get("text"), str):
                    turns.append(_system_turn(block["text"], where))
                else:
                    problems.append(Problem("a system block must be {\"text\": string}", ptr("/system", i)))
        elif system is not None:
            problems.append(Problem(f"system must be a list of {{\"text\"}} blocks, got {describe_type(system)}", "/system"))
        messages = message_turns(value.get("messages"), "/messages", problems, roles=BEDROCK_ROLES)
        for turn in messages:
            if turn.content_state != "parts":
                problems.append(Problem("Nova content must be a list of {\"text\"}, {\"image\"} or {\"video\"} blocks", turn.content_pointer))
            for part in turn.parts:
                if part.kind == "other" or (part.kind == "text" and part.text is None):
                    problems.append(Problem("a content block must be {\"text\"}, {\"image\"} or {\"video\"}", part.pointer))
        turns.extend(messages)
        return Conversation(self.name, self.kind, tuple(turns), extras=extras(value, NOVA_KEYS), problems=tuple(problems))

    def write(self, conversation: Conversation) -> dict:
        turns = _bedrock_turns(conversation, "Bedrock Nova")
        row: dict[str, Any] = {"schemaVersion": NOVA_SCHEMA}
        if turns and turns[0].role == SYSTEM:
            row["system"] = [{"text": plain_text(turns[0], "Bedrock Nova")}]
            turns = turns[1:]
        messages = []
        for turn in turns:
            if turn.content_state in ("missing", "null"):
                raise Reject(no_text(turn, "Bedrock Nova"))
            if turn.content_state == "invalid":
                raise Reject(f"content at {turn.content_pointer} is neither text nor parts")
            blocks = []
            for part in turn.parts:
                if part.kind == "text" and part.text is not None:
                    blocks.append({"text": part.text})
                elif isinstance(part.source, dict) and set(part.source) <= {"image", "video"}:
                    blocks.append(part.source)
                else:
                    raise Reject(f"{part.kind} content at {part.pointer} cannot be written as a Nova block")
            messages.append({"role": turn.role, "content": blocks})
        row["messages"] = messages
        return row
