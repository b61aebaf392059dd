"""LLaMA-Factory's v1 format: ``messages`` whose ``content`` is a list of
``{"type", "value"}`` parts (text, reasoning, tool_call, image_url...) with a
per-message ``loss_weight``; DPO rows are ``chosen_messages`` and
``rejected_messages``, each a full conversation that repeats the prompt.

Text lives under ``value``, not ``text``: read through the view, a v1 text
part is text, not an empty message.
"""

from __future__ import annotations

import json
from typing import Any

from ..text import describe_type, show
from ..view import Conversation, Problem, ToolCall
from .base import (Format, Reject, arguments_object, call_name, called_names, extras, in_call_order, message_turns, missing_key, no_text,
                   parse_json, ptr, require_held, shared_prefix, unknown_role)
from .openai import reject_unpaired

V1_KEYS = frozenset({"messages", "chosen_messages", "rejected_messages", "tools", "extra_info"})
V1_PART_TYPES = frozenset({"text", "reasoning", "tool_call", "image_url", "video_url", "audio_url"})


def _is_v1(messages: Any) -> bool:
    if not isinstance(messages, list):
        return False
    for message in messages[:4]:
        if isinstance(message, dict):
            if "loss_weight" in message:
                return True
            content = message.get("content")
            if content.__class__ is str:
                continue  # most messages: text, never parts (this test costs less than the list test it skips)
            if isinstance(content, list) and content and isinstance(content[0], dict) and "value" in content[0] and "text" not in content[0]:
                return True
    return False


def _with_calls(turns, problems: list) -> tuple:
    """v1 ``tool_call`` parts (a JSON ``{"name", "arguments"}`` under ``value``) as the turn's tool calls.

    Any JSON object is a call (FT503 says what it lacks, as for every format); a value that is not
    JSON, or not an object, is the format's problem (FT120)."""
    out = []
    for turn in turns:
        calls = list(turn.tool_calls)
        for part in turn.parts:
            source = part.source if isinstance(part.source, dict) else {}
            if source.get("type") == "tool_call" and isinstance(source.get("value"), str):
                before = len(problems)
                decoded = parse_json(source["value"], ptr(part.pointer, "value"), problems, "a tool_call value")
                if isinstance(decoded, dict):
                    calls.append(ToolCall(ptr(part.pointer, "value"), decoded.get("name"), decoded.get("arguments")))
                elif decoded is not None or len(problems) == before:  # not an object (JSON's null included)
                    problems.append(Problem("a tool_call value must be {\"name\", \"arguments\"}", ptr(part.pointer, "value")))
        if len(calls) != len(turn.tool_calls):
            turn = turn._replace(tool_calls=tuple(calls), parts=tuple(
                p for p in turn.parts if not (isinstance(p.source, dict) and p.source.get("type") == "tool_call")))
        out.append(turn)
    return tuple(out)


def _check_parts(turns, problems: list) -> None:
    for turn in turns:
        if turn.content_state == "parts":
            for part in turn.parts:
                source = part.source if isinstance(part.source, dict) else {}
                kind = source.get("type")
                if kind not in V1_PART_TYPES:
                    problems.append(Problem(f"v1 content part type {show(kind)} is not one of {', '.join(sorted(V1_PART_TYPES))}", part.pointer))
                elif not isinstance(source.get("value"), str):
                    problems.append(Problem(f"a v1 {kind} part needs \"value\" as a string, got {describe_type(source.get('value'))}", part.pointer))
        elif turn.content_state not in ("missing",):
            problems.append(Problem("v1 content must be a list of {\"type\", \"value\"} parts", turn.content_pointer))
        if turn.weight is not None and (isinstance(turn.weight, bool) or not isinstance(turn.weight, (int, float))):
            problems.append(Problem(f"loss_weight must be a number, got {show(turn.weight)}", turn.weight_pointer))


class LlamaFactoryV1(Format):
    name = "llamafactory-v1"
    kind = "llamafactory-v1"
    description = "LLaMA-Factory v1 (messages with {type, value} content parts and loss_weight; chosen_messages/rejected_messages)"
    keys = V1_KEYS
    requires = "\"messages\" (or \"chosen_messages\" and \"rejected_messages\") with {\"type\", \"value\"} parts"
    required = (("messages",), ("chosen_messages", "rejected_messages"))
    answers = frozenset({"chosen_messages", "rejected_messages"})

    triggers = frozenset({"messages", "chosen_messages", "rejected_messages"})
    detect_reads = frozenset({"messages"})

    def detect(self, value: dict) -> int:
        if "chosen_messages" in value or "rejected_messages" in value:
            return 9
        return 8 if _is_v1(value.get("messages")) else 0

    def view(self, value: dict) -> Conversation:
        problems: list = []
        tools = value.get("tools")
        common: dict[str, Any] = dict(tools=tools, tools_pointer="/tools" if "tools" in value else "", extras=extras(value, V1_KEYS))
        if "messages" in value:
            turns = message_turns(value["messages"], "/messages", problems, weight_key="loss_weight")
            _check_parts(turns, problems)
            turns = _with_calls(turns, problems)
            return Conversation(self.name, self.kind, turns, problems=tuple(problems), **common)
        chosen = message_turns(value.get("chosen_messages"), "/chosen_messages", problems, weight_key="loss_weight")
        rejected = message_turns(value.get("rejected_messages"), "/rejected_messages", problems, weight_key="loss_weight")
        _check_parts(chosen + rejected, problems)
        chosen, rejected = _with_calls(chosen, problems), _with_calls(rejected, problems)
        shared = shared_prefix(chosen, rejected)
        absent = next((key for key in ("chosen_messages", "rejected_messages") if key not in value), None)
        if absent is not None:  # at the key that holds it misnamed ('Rejected_messages'), with its rename, else at the key
            problems.append(missing_key(value, "", absent, V1_KEYS, "v1 DPO row", "keys are case-sensitive"))
        elif not isinstance(value.get("chosen_messages"), list) or not isinstance(value.get("rejected_messages"), list):
            problems.append(Problem("a v1 DPO row needs \"chosen_messages\" and \"rejected_messages\" lists",
                                    "/chosen_messages" if not isinstance(value.get("chosen_messages"), list) else "/rejected_messages"))
        return Conversation(self.name, self.kind, chosen[:shared], chosen=chosen[shared:], rejected=rejected[shared:],
                            problems=tuple(problems), **common)

    def write(self, conversation: Conversation) -> dict:
        reject_unpaired(conversation, "LLaMA-Factory v1")
        row: dict[str, Any] = {}
        if conversation.is_preference:
            row["chosen_messages"] = _messages(conversation.turns + (conversation.chosen or ()))
            row["rejected_messages"] = _messages(conversation.turns + (conversation.rejected or ()))
        else:
            row["messages"] = _messages(conversation.turns)
        if conversation.tools is not None:
            row["tools"] = conversation.tools
        return {**row, **dict(conversation.extras)}


def _messages(turns) -> list[dict]:
    out = []
    turns = in_call_order(turns, "LLaMA-Factory v1")
    for index, turn in enumerate(turns):
        if not turn.role:
            raise Reject(unknown_role(turn, "v1"))
        require_held(turn, "a v1 message", called_names(turns, index))  # v1 holds the weight as loss_weight
        if turn.content_state == "invalid":
            raise Reject(f"content at {turn.content_pointer} is neither text nor parts")
        if turn.content_state in ("missing", "null") and not turn.tool_calls:
            raise Reject(no_text(turn, "a v1 message"))
        parts = []
        for part in turn.parts:
            source = part.source if isinstance(part.source, dict) else None
            if part.text is not None:
                parts.append({"type": "reasoning" if part.kind == "reasoning" else "text", "value": part.text})
            elif source is not None and source.get("type") in V1_PART_TYPES:
                parts.append(source)
            else:
                raise Reject(f"{part.kind} content at {part.pointer} cannot be written as a v1 part")
        for call in turn.tool_calls:
            parts.append({"type": "tool_call", "value": json.dumps({"name": call_name(call), "arguments": arguments_object(call.arguments)}, ensure_ascii=False)})
        weight = turn.weight if turn.weight is not None else (1.0 if turn.role == "assistant" else 0.0)
        out.append({"role": turn.role, "content": parts, "loss_weight": weight})
    return out

