"""ShareGPT as LLaMA-Factory and axolotl read it: ``conversations`` of
``{"from", "value"}`` turns (human, gpt, system, function_call, observation),
an optional ``system`` string, ``tools`` as a JSON string, preference rows
with single-message ``chosen``/``rejected``, and KTO rows with a boolean
label (``kto_tag`` or ``label``; LLaMA-Factory's KTO demo also uses OpenAI
``messages`` with ``label``).

A ``function_call`` turn's value is JSON (``{"name", "arguments"}`` or a list
of them), after a ``<think>...</think>`` thought LLaMA-Factory takes off first,
or wrapped in ``<tool_call>...</tool_call>`` after any text: the view holds them
as tool calls of an assistant turn (the thought as its reasoning), and
``observation`` turns as tool results.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..text import describe_type, show
from ..view import ASSISTANT, SYSTEM, TOOL, USER, Conversation, Part, Problem, ToolCall, Turn
from .base import (Format, Reject, arguments_object, bare_tools, call_name, called_names, check_bool, extras, message_turns, missing_key, parse_json,
                   plain_text, ptr, read_content, require_held, require_known_roles, require_no_weights, split_last_answer, unknown_role)
from .media import as_placeholders, with_images
from .openai import reject_unpaired, write_messages

SHAREGPT_ROLES = {"human": USER, "user": USER, "gpt": ASSISTANT, "assistant": ASSISTANT, "chatgpt": ASSISTANT, "bing": ASSISTANT,
                  "bard": ASSISTANT, "model": ASSISTANT, "system": SYSTEM, "function_call": ASSISTANT, "observation": TOOL,
                  "tool": TOOL, "function": TOOL}
SHAREGPT_KEYS = frozenset({"conversations", "system", "tools", "images", "videos", "audios", "chosen", "rejected", "kto_tag", "label"})
_WRITE_ROLE = {USER: "human", ASSISTANT: "gpt", SYSTEM: "system", TOOL: "observation"}


def _missing_key(turn: dict, where: str, key: str) -> Problem:
    """A turn without ``key``; where it holds the key in another case (``From``) or misspelt (``vlaue``),
    that is the finding, at that key, with its rename: LLaMA-Factory and axolotl read the exact key, so
    the turn has no speaker or text for them."""
    return missing_key(turn, where, key, _TURN_KEYS, "turn", "trainers read the exact key")


_TURN_KEYS = ("from", "value")


def sharegpt_turn(turn: Any, where: str, problems: list) -> Turn | None:
    if not isinstance(turn, dict):
        problems.append(Problem(f"turn is {describe_type(turn)}, not an object with \"from\" and \"value\"", where))
        return None
    speaker = turn.get("from")
    if "from" not in turn:
        problems.append(_missing_key(turn, where, "from"))
    elif not isinstance(speaker, str):
        problems.append(Problem(f"\"from\" must be a string, got {describe_type(speaker)}", ptr(where, "from")))
    text = turn.get("value")
    value_at = ptr(where, "value")
    if "value" not in turn:
        problems.append(_missing_key(turn, where, "value"))
        state, parts = "missing", ()
    elif isinstance(text, str):
        state, parts = "text", (Part("text", value_at, text, text),)
    elif isinstance(text, list):
        # LLaMA-Factory v1 parts under "value"
        state, parts = read_content(text, value_at, True)
    else:
        problems.append(Problem(f"\"value\" must be a string, got {describe_type(text)}", value_at))
        state, parts = ("null" if text is None else "invalid"), ()
    calls: tuple[ToolCall, ...] = ()
    if speaker == "function_call" and isinstance(text, str):
        calls, state, parts = _function_call(text, value_at, problems)
    role = SHAREGPT_ROLES.get(speaker, "") if isinstance(speaker, str) else ""
    return Turn(role, speaker, where, ptr(where, "from") if "from" in turn else "", value_at, state, parts, calls,
                extra=tuple((k, v) for k, v in turn.items() if k not in ("from", "value")))


# A thought before the call in a function_call value: LLaMA-Factory's FunctionFormatter.apply takes it off
# (re.search of the template's thought_words) before json.loads of the rest, and renders it before the call
# (hiyouga/LLaMA-Factory src/llamafactory/data/formatter.py FunctionFormatter; the words come from
# src/llamafactory/data/template.py register_template: "<think>\n" and "\n</think>\n\n" for every template that
# names none, qwen3 and deepseekr1 among them, "<think>" and "</think>" for glm4_7, hy3, mimo_v2 and aeva;
# v0.9.3 took off any <think>(.*)</think>). ftlint does not know the template, so it reads either spacing,
# and only a leading thought: one after the call would be rendered before it, so it stays unread (FT120).
# Templates with other thought words (gemma4, gpt_oss, kimi_vl, seed_oss) take no <think> off.
_THOUGHT = re.compile(r"\s*<think>(.*?)</think>", re.DOTALL)


# A call wrapped in tags: LLaMA-Factory's FunctionFormatter.apply (v0.9.4 on, hiyouga/LLaMA-Factory commit
# fdd24276e "support new function call value") re.search-es the template's tool_call_words in a function_call
# value first; where they are found it json.loads only the text between them (the first pair), takes no thought
# off, and renders every other text of the value, as it is, before the call (content.replace(match, "")).
# The words (src/llamafactory/data/template.py register_template) are "<tool_call>" and "</tool_call>" for every
# template that names none, "<|tool_call_start|>" and "<|tool_call_end|>" for lfm2 and lfm2_vl; ftlint does not
# know the template, so it reads either. Text after the closing tag would be trained before the call, and a
# second wrapped call is not parsed at all: both are FT120, as a thought after an unwrapped call is.
_TOOL_CALL = (re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL), re.compile(r"<\|tool_call_start\|>(.*?)<\|tool_call_end\|>", re.DOTALL))


def split_thought(text: str) -> tuple[str | None, str]:
    """A function_call value's leading thought (its text between the tags, without the newlines the tags
    are written with; None when there is none) and the call text after it."""
    match = _THOUGHT.match(text)
    return (None, text) if match is None else (match.group(1).strip(), text[match.end():])


def wrapped_call(text: str) -> re.Match | None:
    """The first call of a function_call value wrapped in tool_call tags, as LLaMA-Factory finds it; None when
    the value has none (its JSON is then the value, after any leading thought)."""
    for tags in _TOOL_CALL:
        match = tags.search(text)
        if match is not None:
            return match
    return None


def split_call(text: str) -> tuple[str, str, str]:
    """A function_call value as ``(before, call, after)``: the call's JSON text (without the spaces around it)
    and the text written before and after it, so the JSON can be written again and the rest kept as it is."""
    match = wrapped_call(text)
    start, end = match.span(1) if match is not None else (len(text) - len(split_thought(text)[1]), len(text))
    inner = text[start:end]
    start += len(inner) - len(inner.lstrip())
    end -= len(inner) - len(inner.rstrip())
    return text[:start], text[start:end], text[end:]


def _function_call(text: str, where: str, problems: list) -> tuple[tuple[ToolCall, ...], str, tuple[Part, ...]]:
    """The calls of a function_call value with its content state and parts: what LLaMA-Factory trains before
    the call (a thought, or the text before a wrapped call) is the turn's reasoning or text."""
    match = wrapped_call(text)
    if match is None:
        thought, call = split_thought(text)
        if thought is None:
            return _calls(text, where, problems, "a function_call value"), "null", ()
        # the thought trains as the turn's reasoning, before the call
        return _calls(call, where, problems, "a function_call value after its thought"), "parts", (Part("reasoning", where, thought, text),)
    opening = match.group(0)[: match.start(1) - match.start(0)]
    calls = _calls(match.group(1), where, problems, f"the call inside {opening} of a function_call value")
    after = text[match.end():]
    if after.strip():
        opening_again = opening in after
        closing = match.group(0)[match.end(1) - match.start(0):]
        what = f"a second {opening} call" if opening_again else f"text ({show(after.strip(), 40)})"
        why = "parses only the first and trains the rest as text before it" if opening_again else "trains it before the call"
        problems.append(Problem(f"a function_call value has {what} after its {closing}: LLaMA-Factory {why}", where))
    before = text[: match.start()]
    if not before.strip():
        return calls, "null", ()
    thought, rest = split_thought(before)
    if thought is not None and not rest.strip():
        return calls, "parts", (Part("reasoning", where, thought, text),)
    return calls, "parts", (Part("text", where, before.strip(), text),)


def _calls(text: str, where: str, problems: list, what: str) -> tuple[ToolCall, ...]:
    """The calls of a ``function_call`` value (``what`` names it in problems). Text that is not JSON, or
    JSON that is not a call object (or a list of them), cannot be read as calls: a format problem (FT120).
    An object is a call even when its name or arguments are missing or wrong: FT503 judges it on the view,
    as it judges an OpenAI call, so one problem gets one finding whatever the format."""
    before = len(problems)
    decoded = parse_json(text, where, problems, what)
    if decoded is None:
        if len(problems) == before:  # the text is JSON's null, which parse_json returns without a problem
            problems.append(Problem(f"{what} is null: it holds no call", where))
        return ()
    if decoded == []:  # the turn would train an empty call: LLaMA-Factory renders nothing for it
        problems.append(Problem(f"{what} is an empty list: it holds no call", where))
        return ()
    items = decoded if isinstance(decoded, list) else [decoded]
    calls = []
    for item in items:
        if not isinstance(item, dict):
            problems.append(Problem(f"{what} must be {{\"name\", \"arguments\"}} or a list of them", where))
            return ()
        calls.append(ToolCall(where, item.get("name"), item.get("arguments")))
    return tuple(calls)


def read_conversations(value: dict, problems: list) -> tuple[Turn, ...]:
    source = value.get("conversations")
    if not isinstance(source, list):
        problems.append(Problem(f"\"conversations\" must be a list of turns, got {describe_type(source)}", "/conversations"))
        return ()
    turns = []
    system = value.get("system")
    if "system" in value:
        if isinstance(system, str):
            if system:
                turns.append(Turn(SYSTEM, None, "/system", "", "/system", "text", (Part("text", "/system", system, system),)))
        else:
            problems.append(Problem(f"\"system\" must be a string, got {describe_type(system)}", "/system"))
    for i, item in enumerate(source):
        turn = sharegpt_turn(item, ptr("/conversations", i), problems)
        if turn is not None:
            turns.append(turn)
    return tuple(turns)


def read_tools(value: dict, problems: list) -> Any:
    if "tools" not in value:
        return None
    tools = parse_json(value["tools"], "/tools", problems, "tools")
    if tools is not None and not isinstance(tools, list):
        problems.append(Problem(f"tools must be a list of functions, got {describe_type(tools)}", "/tools"))
    return tools


_MEDIA_COLUMNS = (("images", "image"), ("videos", "video"), ("audios", "audio"))  # LLaMA-Factory's


def read_media(value: dict, columns: tuple = _MEDIA_COLUMNS) -> tuple[Part, ...]:
    """The media listed in a row's columns beside its conversation (a single item, not in a list, is one)."""
    media = []
    for key, kind in columns:
        items = value.get(key)
        if isinstance(items, list):
            media.extend(Part(kind, ptr("/" + key, i), None, item) for i, item in enumerate(items))
        elif items is not None:  # one item, not in a list: LLaMA-Factory reads it as a list of one
            media.append(Part(kind, "/" + key, None, items))
    return tuple(media)


def kto_label(value: dict, problems: list) -> tuple[Any, str]:
    key = "kto_tag" if "kto_tag" in value else "label"
    check_bool(value.get(key), "/" + key, problems, key + " (LLaMA-Factory treats anything but a JSON boolean as a plain SFT row)")
    return value.get(key), "/" + key


class ShareGPT(Format):
    name = "sharegpt"
    kind = "sharegpt"
    pair_target = "sharegpt-preference"
    description = "ShareGPT (conversations of from/value: human, gpt, system, function_call, observation; tools as a JSON string)"
    keys = SHAREGPT_KEYS
    requires = "a \"conversations\" list of {\"from\", \"value\"} turns"
    required = (("conversations",),)

    triggers = frozenset({"conversations"})
    detect_reads = frozenset()

    def detect(self, value: dict) -> int:
        return 7 if "conversations" in value and not any(k in value for k in ("chosen", "rejected", "kto_tag", "label")) else 0

    def view(self, value: dict) -> Conversation:
        problems: list = []
        turns = read_conversations(value, problems)
        return Conversation(self.name, self.kind, turns, tools=read_tools(value, problems), tools_pointer="/tools" if "tools" in value else "",
                            images=read_media(value), extras=extras(value, SHAREGPT_KEYS), problems=tuple(problems))

    def write(self, conversation: Conversation) -> dict:
        return with_placeholders(conversation, self._write)

    def _write(self, conversation: Conversation) -> dict:
        reject_unpaired(conversation, "ShareGPT")
        if conversation.is_preference:
            raise Reject("a preference pair needs --to sharegpt-preference")
        return write_sharegpt(conversation.turns, conversation)


def with_placeholders(conversation: Conversation, write) -> dict:
    """The row ``write`` makes of the conversation with its images in LLaMA-Factory's form: an ``<image>``
    in the text at each image's place, the images themselves in the row's ``images``, in the same order."""
    return with_images(conversation, "ShareGPT", write, _placeholders)


def _placeholders(placed: Conversation) -> Conversation:
    def text(turns):
        return None if turns is None else tuple(as_placeholders(t, "LLaMA-Factory") for t in turns)
    return placed._replace(turns=text(placed.turns), chosen=text(placed.chosen), rejected=text(placed.rejected))


def write_sharegpt(turns, conversation: Conversation, answered: bool = False) -> dict:
    """The ShareGPT row of ``turns``; ``answered``: chosen and rejected hold the answer (a preference row)."""
    require_no_weights(turns, "ShareGPT")
    row: dict[str, Any] = {}
    out = []
    for index, turn in enumerate(turns):
        if turn.role == SYSTEM and index == 0:
            row["system"] = plain_text(turn, "a ShareGPT system prompt")
            continue
        out.append(_write_turn(turn, called_names(turns, index)))
    _alternate(turns[1:] if turns and turns[0].role == SYSTEM else turns, answered)
    row["conversations"] = out
    if conversation.tools is not None:
        row["tools"] = json.dumps(bare_tools(conversation.tools), ensure_ascii=False)
    row.update(conversation.extras)
    return row


_ASKS = (USER, TOOL)  # LLaMA-Factory's tags at even positions: human, observation; gpt and function_call answer them
_NOUN = {USER: "user turn", ASSISTANT: "assistant turn", TOOL: "tool result", SYSTEM: "system turn"}
_SKIPS = "LLaMA-Factory skips a row whose tags do not alternate"


def _alternate(turns, answered: bool) -> None:
    """Reject turns LLaMA-Factory's ShareGPT converter would skip ("Invalid role tag", "Invalid message
    count"): after the system prompt (the row's ``system``), human or observation at even positions and
    gpt or function_call at odd ones, ending on an answer, or on a question when ``answered`` (chosen and
    rejected answer it). Joining two turns or moving a system prompt would be a guess at what the row means,
    so the row is refused with where it breaks."""
    previous = None
    for position, turn in enumerate(turns):
        if turn.role == SYSTEM:
            raise Reject(f"the system turn at {turn.pointer} is not first: ShareGPT holds one system prompt, before the "
                         "conversation, and LLaMA-Factory skips a row with a system turn elsewhere (convert does not move or join them)")
        if (turn.role in _ASKS) == (position % 2 == 0):
            previous = turn
            continue
        noun = _NOUN[turn.role]
        if previous is None:
            raise Reject(f"the conversation opens with the {noun} at {turn.pointer}: ShareGPT's turns open with human or "
                         f"observation ({_SKIPS})")
        if previous.role == turn.role:
            hint = "ShareGPT holds one observation per function_call turn" if turn.role == TOOL else "join them in the source if they are one"
            raise Reject(f"the {noun} at {turn.pointer} follows another {noun}: ShareGPT's turns alternate human or observation, "
                         f"then gpt or function_call ({_SKIPS}); convert does not join turns: {hint}")
        raise Reject(f"the {noun} at {turn.pointer} follows the {_NOUN[previous.role]} at {previous.pointer}: ShareGPT's turns "
                     f"alternate human or observation, then gpt or function_call ({_SKIPS})")
    if previous is not None and (previous.role in _ASKS) != answered:
        if answered:
            raise Reject(f"the conversation ends with the {_NOUN[previous.role]} at {previous.pointer}: in a ShareGPT preference row "
                         "chosen and rejected answer its last human or observation turn (LLaMA-Factory skips the row otherwise)")
        raise Reject(f"the conversation ends with the {_NOUN[previous.role]} at {previous.pointer}, which nothing answers: "
                     "LLaMA-Factory needs every human and observation turn answered (an even number of turns) and skips the row")


def _write_turn(turn: Turn, called: frozenset = frozenset()) -> Any:
    """A ``{"from", "value"}`` turn; ``called``: the function names of the calls a tool result answers (``require_held``)."""
    if not turn.role:
        raise Reject(unknown_role(turn, "ShareGPT"))
    if turn.tool_calls:
        if turn.parts and turn.text.strip():
            raise Reject(f"the assistant turn at {turn.pointer} has both text and tool calls; ShareGPT's function_call holds only the call")
        require_held(turn, "ShareGPT")
        calls = [{"name": call_name(c), "arguments": arguments_object(c.arguments)} for c in turn.tool_calls]
        return {"from": "function_call", "value": json.dumps(calls[0] if len(calls) == 1 else calls, ensure_ascii=False)}
    return {"from": _WRITE_ROLE[turn.role], "value": plain_text(turn, "ShareGPT", called)}


class ShareGPTPreference(Format):
    name = "sharegpt-preference"
    kind = "sharegpt-preference"
    description = "ShareGPT preference (LLaMA-Factory ranking: conversations plus one-message chosen and rejected)"
    keys = SHAREGPT_KEYS
    requires = "\"conversations\" plus \"chosen\" and \"rejected\" turns"
    required = (("conversations", "chosen", "rejected"),)
    answers = frozenset({"chosen", "rejected"})

    triggers = frozenset({"conversations"})
    detect_reads = frozenset()

    def detect(self, value: dict) -> int:
        return 8 if "conversations" in value and ("chosen" in value or "rejected" in value) else 0

    def view(self, value: dict) -> Conversation:
        problems: list = []
        turns = read_conversations(value, problems)
        sides = []
        for key in ("chosen", "rejected"):
            item = value.get(key)
            if key not in value:  # at the key that holds it misnamed ('Chosen'), with its rename, else at the key
                problems.append(missing_key(value, "", key, SHAREGPT_KEYS, "row", "keys are case-sensitive"))
                sides.append(())
                continue
            if isinstance(item, list):  # some exports hold a list of turns
                side = tuple(t for i, x in enumerate(item) if (t := sharegpt_turn(x, ptr("/" + key, i), problems)))
            else:
                turn = sharegpt_turn(item, "/" + key, problems)
                side = (turn,) if turn else ()
            for turn in side:
                if turn.source_role not in ("gpt", "function_call", "assistant"):
                    problems.append(Problem(f"{key} must be a gpt or function_call turn, got {show(turn.source_role)}", turn.role_pointer))
            sides.append(side)
        return Conversation(self.name, self.kind, turns, tools=read_tools(value, problems), tools_pointer="/tools" if "tools" in value else "",
                            chosen=sides[0], rejected=sides[1], images=read_media(value), extras=extras(value, SHAREGPT_KEYS),
                            problems=tuple(problems))

    def write(self, conversation: Conversation) -> dict:
        return with_placeholders(conversation, self._write)

    def _write(self, conversation: Conversation) -> dict:
        if not conversation.is_preference or conversation.label is not None:
            raise Reject("not a preference pair")
        row = write_sharegpt(conversation.turns, conversation, answered=True)
        for key, side in (("chosen", conversation.chosen or ()), ("rejected", conversation.rejected or ())):
            if len(side) != 1:
                raise Reject(f"{key} has {len(side)} turns; ShareGPT preference holds exactly one")
            require_known_roles(side, "ShareGPT")
            if side[0].role != ASSISTANT:
                raise Reject(f"{key} at {side[0].pointer} is a {_NOUN.get(side[0].role, 'turn of no known role')}; ShareGPT "
                             "preference holds a gpt or function_call turn there (LLaMA-Factory skips the row otherwise)")
            require_no_weights(side, "ShareGPT")
            row[key] = _write_turn(side[0])
        return row


class ShareGPTKTO(Format):
    name = "sharegpt-kto"
    kind = "sharegpt-kto"
    description = "ShareGPT KTO (LLaMA-Factory: conversations with a boolean kto_tag/label)"
    keys = SHAREGPT_KEYS
    requires = "\"conversations\" and a boolean \"kto_tag\" or \"label\""
    required = (("conversations", "kto_tag"), ("conversations", "label"))
    answers = frozenset({"kto_tag", "label"})

    triggers = frozenset({"conversations"})
    detect_reads = frozenset()

    def detect(self, value: dict) -> int:
        return 8 if "conversations" in value and ("kto_tag" in value or "label" in value) and "chosen" not in value else 0

    def view(self, value: dict) -> Conversation:
        problems: list = []
        turns = read_conversations(value, problems)
        label, where = kto_label(value, problems)
        return Conversation(self.name, self.kind, turns, tools=read_tools(value, problems), tools_pointer="/tools" if "tools" in value else "",
                            label=label, label_pointer=where, images=read_media(value), extras=extras(value, SHAREGPT_KEYS),
                            problems=tuple(problems))

    def write(self, conversation: Conversation) -> dict:
        return with_placeholders(conversation, self._write)

    def _write(self, conversation: Conversation) -> dict:
        if conversation.label is None or conversation.is_preference or conversation.step_labels is not None:
            raise Reject("not an unpaired-preference row: it needs a label")
        row = write_sharegpt(conversation.turns, conversation)
        row["kto_tag"] = conversation.label
        return row


class MessagesKTO(Format):
    """LLaMA-Factory's kto_en_demo.json: OpenAI-style ``messages`` plus ``label``."""

    name = "messages-kto"
    kind = "sharegpt-kto"  # LLaMA-Factory's KTO, not TRL's (TRL's KTO rows are prompt/completion/label)
    description = "KTO in OpenAI messages (LLaMA-Factory's KTO demo): messages plus a boolean label"
    keys = frozenset({"messages", "label", "kto_tag", "tools"})
    requires = "\"messages\" and a boolean \"label\""
    required = (("messages", "label"),)
    answers = frozenset({"label"})

    triggers = frozenset({"label", "kto_tag"})
    detect_reads = frozenset()

    def detect(self, value: dict) -> int:
        return 7 if "messages" in value and ("label" in value or "kto_tag" in value) else 0

    def structure(self, value: dict) -> tuple | None:
        # turns as OpenAI chat's; a label that is not a boolean is a problem whose message quotes it
        return () if type(value.get("kto_tag" if "kto_tag" in value else "label")) is bool else None

    def view(self, value: dict) -> Conversation:
        problems: list = []
        turns = message_turns(value.get("messages"), "/messages", problems)
        label, where = kto_label(value, problems)
        return Conversation(self.name, self.kind, turns, tools=value.get("tools"), tools_pointer="/tools" if "tools" in value else "",
                            label=label, label_pointer=where, completion_from=split_last_answer(turns),
                            extras=extras(value, self.keys), problems=tuple(problems))

    def write(self, conversation: Conversation) -> dict:
        if conversation.label is None or conversation.is_preference or conversation.step_labels is not None:
            raise Reject("not an unpaired-preference row: it needs a label")
        if conversation.images:  # this writer places no media: refused, never dropped (TRL rows' images are in their view)
            raise Reject(f"the media listed at {conversation.images[0].pointer} cannot be written as {self.name}")
        row: dict[str, Any] = {"messages": write_messages(conversation.turns, ids_needed=False), "label": conversation.label}
        if conversation.tools is not None:
            row["tools"] = conversation.tools
        return {**row, **dict(conversation.extras)}
