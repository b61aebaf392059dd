"""OpenAI's formats: chat (SFT, tools, weight, images), RFT prompts, DPO
pairs, and legacy prompt/completion (which is also TRL's standard
prompt-completion type).

Structural checks of these formats are the FT1xx/FT6xx/FT9xx rules, so these
adapters report no problems of their own.
"""

from __future__ import annotations

from typing import Any

from .. import schema
from ..text import show
from ..view import ASSISTANT, SYSTEM, TOOL, USER, Conversation, Turn
from ..text import describe_type
from ..view import Problem
from .base import (Format, Reject, arguments_text, call_id, call_name, extras, message_turns, openai_tools, plain_text, require_known_roles,
                   text_turn, tuple_new, unknown_role, unread_messages)
from .media import IMAGE_PART, place_images

CHAT_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})
DPO_KEYS = frozenset({"input", "preferred_output", "non_preferred_output", "preferred_completion", "non_preferred_completion"})
_INPUT_KEYS = frozenset({"messages", "tools"})  # what the view reads of a DPO row's input
_PREFERENCE_KEYS = ("preferred_output", "non_preferred_output", "preferred_completion", "non_preferred_completion")


def write_messages(turns, target: str = "OpenAI messages", first_index: int = 0, ids_needed: bool = True) -> list[dict]:
    """OpenAI messages for view turns; ShareGPT-style calls without ids get
    deterministic ids, and tool results without ids answer the calls in order.
    ``ids_needed``: the written ids pair each result with its call (OpenAI, and TRL's
    messages, whose chat templates may render the ids: Mistral's), so calls the
    writer gave ids must each be answered (``_all_answered``) rather than have one
    result paired with the first of them; LLaMA-Factory's messages drop the ids
    and answer calls in order, so its KTO rows need no pairing."""
    messages = []
    pending: list[str] = []
    made: dict[str, str] = {}  # ids this writer made up -> the call's pointer
    for number, turn in enumerate(turns, start=first_index):
        if turn.role != TOOL and ids_needed:
            _all_answered(pending, made, target)
        if not turn.role:
            raise Reject(unknown_role(turn, target))
        role = turn.source_role if turn.source_role in ("developer", "function") and turn.role in (SYSTEM, TOOL) else turn.role
        message: dict[str, Any] = {"role": role}
        content = _content(turn, target)
        if content is not _ABSENT:
            message["content"] = content
        if turn.tool_calls:
            calls = []
            for k, call in enumerate(turn.tool_calls):
                ident = call.id if isinstance(call.id, str) else call_id(number, k)
                if not isinstance(call.id, str):
                    made[ident] = call.pointer
                pending.append(ident)
                calls.append({"id": ident, "type": "function", "function": {"name": call_name(call), "arguments": arguments_text(call.arguments)}})
            message["tool_calls"] = calls
            if content is _ABSENT or content == "":
                message["content"] = None
        if turn.role == TOOL and role == TOOL:
            ident = turn.tool_call_id if turn.tool_call_id is not None else (pending.pop(0) if pending else None)
            if ident is None:
                raise Reject(f"the tool result at {turn.pointer} answers no tool call")
            if turn.tool_call_id is not None and ident in pending:
                pending.remove(ident)
            message["tool_call_id"] = ident
        if turn.name is not None:
            message["name"] = turn.name
        if turn.weight is not None:
            message.update(_weight(turn, target))
        for key, item in turn.extra:
            message.setdefault(key, item)
        messages.append(message)
    return messages  # calls left pending at the end are the answer being trained: no result follows them


def _all_answered(pending: list[str], made: dict[str, str], target: str) -> None:
    """Reject a row whose calls without ids (ShareGPT's function_call) are not each answered by a result of
    their own before the conversation goes on: LLaMA-Factory answers parallel calls with one observation,
    which cannot be split without guessing, and the ids written would pair it with the first call only (FT508)."""
    unanswered = [ident for ident in pending if ident in made]
    if unanswered:
        raise Reject(f"the tool call at {made[unanswered[0]]} has no tool result of its own before the conversation goes on "
                     f"({len(unanswered)} call(s) unanswered); the ids written in {target} pair each tool message with one call, and a "
                     "result answering several parallel calls cannot be split without guessing")


def write_continued(prompt, sides, target: str = "OpenAI messages") -> tuple[list[dict], list[list[dict]]]:
    """The messages of a prompt and of each continuation of it (a completion; a preferred and a rejected
    answer), each continuation written after the prompt as one conversation, as the trainer reads them:
    a result in it answers a call of the prompt, and calls the prompt leaves unanswered are judged by
    what follows them, not taken for the answer being trained."""
    count = len(prompt)
    whole = [write_messages(tuple(prompt) + tuple(side), target) for side in sides]
    return (whole[0][:count] if whole else write_messages(prompt, target)), [messages[count:] for messages in whole]


_ABSENT = object()


def _content(turn: Turn, target: str) -> Any:
    if turn.content_state == "missing":
        return _ABSENT
    if turn.content_state == "null":
        return None
    if turn.content_state == "invalid":
        raise Reject(f"content at {turn.content_pointer} is neither text nor parts")
    if turn.content_state == "text":
        return turn.parts[0].text
    if all(p.kind == "text" and p.text is not None for p in turn.parts):
        if len(turn.parts) == 1 or not all(isinstance(p.source, dict) for p in turn.parts):
            return turn.text  # Alpaca's instruction and input become one user message, as LLaMA-Factory joins them
        return [{"type": "text", "text": p.text} for p in turn.parts]
    parts = []
    for part in turn.parts:
        if part.kind == "text" and part.text is not None:
            parts.append({"type": "text", "text": part.text})
        elif isinstance(part.source, dict) and part.source.get("type") in ("image_url", "input_audio", "file"):
            parts.append(part.source)
        elif part.source is IMAGE_PART:  # an image placed by place_images, whose caller writes the row's images
            parts.append(dict(IMAGE_PART))
        else:
            raise Reject(f"{part.kind} content at {part.pointer} cannot be written as {target}")
    return parts


def _weight(turn: Turn, target: str) -> dict:
    weight = turn.weight
    if turn.role != ASSISTANT:
        if weight in (0, 0.0, False):
            return {}  # what OpenAI does anyway: only assistant turns are trained
        raise Reject(f"the weight at {turn.weight_pointer} trains a {turn.role} turn; {target} trains only assistant turns")
    if weight in (0, 1) and not isinstance(weight, bool):
        return {"weight": int(weight)}
    raise Reject(f"the weight {show(weight)} at {turn.weight_pointer} is not 0 or 1")


def tools_list(conversation: Conversation) -> dict:
    return {} if conversation.tools is None else {"tools": openai_tools(conversation.tools)}


def reject_unpaired(conversation: Conversation, target: str) -> None:
    if conversation.label is not None:
        raise Reject(f"the label at {conversation.label_pointer} (unpaired preference) cannot be written as {target}")
    if conversation.step_labels is not None:
        raise Reject(f"stepwise labels cannot be written as {target}")
    if conversation.images:
        raise Reject(f"the media listed at {conversation.images[0].pointer} cannot be written as {target}")


class OpenAIChat(Format):
    name = "openai-chat"
    kind = schema.CHAT
    pair_target = "openai-dpo"
    description = "OpenAI chat (messages with roles, tools, weight, images); TRL's conversational language modeling"
    keys = CHAT_KEYS
    requires = "a \"messages\" list of role/content objects"
    required = (("messages",),)

    triggers = frozenset({"messages"})
    detect_reads = frozenset()

    def detect(self, value: dict) -> int:
        return 5 if "messages" in value else 0

    def kind_of(self, value: dict, chat_kind: str) -> str:
        return schema.chat_or_rft(value, chat_kind)

    def kind_of_keys(self, keys: frozenset[str], chat_kind: str) -> str | None:
        return schema.chat_or_rft_of_keys(keys, chat_kind)

    def structure(self, value: dict) -> tuple:
        return ()  # turns follow the messages' keys and roles; the view has no problems of its own

    def view(self, value: dict) -> Conversation:
        # Conversation(name, kind, turns, tools=..., tools_pointer=..., extras=...), every field in order:
        # a view is built for every row, and the keywords cost more than the rest of the call
        return tuple_new(Conversation, (
            self.name, schema.CHAT, message_turns(value.get("messages"), "/messages"), value.get("tools"),
            "/tools" if "tools" in value else "", None, None, None, "", None, None, (),
            () if value.keys() <= CHAT_KEYS else extras(value, CHAT_KEYS), (),
        ))

    def unread(self, value: dict) -> tuple[Problem, ...]:
        return tuple(unread_messages(value, "messages", "/messages"))

    def rewrites(self, value: dict) -> bool:
        """A TRL or Hugging Face row is read as OpenAI chat but is not OpenAI's form, so converting it to
        OpenAI chat writes it rather than copy it: image parts (``{"type": "image"}``, the images beside
        them or inline) become ``image_url`` parts, calls without ids get ids and their argument objects
        JSON strings, tool results are paired with their calls, tools held as a JSON string become a list."""
        messages = value.get("messages")
        if not isinstance(messages, list):
            return False
        if isinstance(value.get("tools"), str):
            return True
        for message in messages:
            if not isinstance(message, dict):
                continue
            content = message.get("content")
            if isinstance(content, list) and any(isinstance(p, dict) and p.get("type") not in _OPENAI_PARTS for p in content):
                return True
            calls = message.get("tool_calls")
            if isinstance(calls, list) and any(_not_openai_call(call) for call in calls):
                return True
            if message.get("role") == "tool" and "tool_call_id" not in message:
                return True
        return False

    def write(self, conversation: Conversation) -> dict:
        placed, images = place_images(conversation, "OpenAI chat", keeps=_openai_image)
        return chat_row(_image_urls(placed, images), "OpenAI chat")


def chat_row(conversation: Conversation, target: str, messages: str = "OpenAI messages") -> dict:
    """A ``messages`` row (OpenAI chat's, TRL's language modeling) of a conversation whose images are placed."""
    reject_unpaired(conversation, target)
    if conversation.is_preference:
        raise Reject(f"a preference pair cannot be written as {target}; convert --to openai-dpo or trl")
    return {"messages": write_messages(conversation.turns, messages), **tools_list(conversation), **dict(conversation.extras)}


_OPENAI_PARTS = frozenset({"text", "image_url", "input_audio", "file"})


def _not_openai_call(call: Any) -> bool:
    """A call as chat templates take it: no id, or its arguments an object rather than a JSON string."""
    if not isinstance(call, dict):
        return False
    function = call.get("function")
    return not isinstance(call.get("id"), str) or (isinstance(function, dict) and not isinstance(function.get("arguments"), str))


_URL_PREFIXES = ("https://", "http://", "data:")


def _openai_image(part: Any) -> bool:
    """An image part already in OpenAI's form, written as it is (its ``detail`` kept: OpenAI takes
    ``{"type": "image_url", "image_url": {"url": ..., "detail": "low"}}``, and FT800 judges the value)."""
    if not isinstance(part, dict) or part.keys() != {"type", "image_url"} or part["type"] != "image_url":
        return False
    image = part["image_url"]
    return isinstance(image, dict) and image.keys() <= {"url", "detail"} and isinstance(image.get("url"), str)


def _image_urls(conversation: Conversation, images: list) -> Conversation:
    """The placed images as OpenAI ``image_url`` parts, every image (those kept as they were too) a URL
    or a data URI: OpenAI takes no file path."""
    kept = [(p.pointer, p.source["image_url"]["url"]) for t in conversation.turns for p in t.parts if p.kind == "image" and _openai_image(p.source)]
    for where, image in images + kept:
        if not (isinstance(image, str) and image.startswith(_URL_PREFIXES)):
            raise Reject(f"the image at {where} ({show(image)}) is not a URL or data URI, the only images OpenAI chat takes")
    if not images:
        return conversation
    queue = iter(image for _, image in images)
    turns = []
    for turn in conversation.turns:
        if any(p.source is IMAGE_PART for p in turn.parts):
            turn = turn._replace(parts=tuple(p._replace(source={"type": "image_url", "image_url": {"url": next(queue)}})
                                             if p.source is IMAGE_PART else p for p in turn.parts))
        turns.append(turn)
    return conversation._replace(turns=tuple(turns))


def _message_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(message, dict) for message in value)


def pair_keys(value: dict) -> tuple[str, str]:
    """The keys of a DPO row's two answers: OpenAI's, or the ``*_completion`` spelling FT602 renames.
    The view reads them here, and FT300's bound without a view (``rules.tokens.dpo_lists``) too."""
    return ("preferred_output" if "preferred_output" in value else "preferred_completion",
            "non_preferred_output" if "non_preferred_output" in value else "non_preferred_completion")


class OpenAIDPO(Format):
    name = "openai-dpo"
    kind = schema.PREFERENCE
    description = "OpenAI/Azure/Together/Fireworks preference pairs (input, preferred_output, non_preferred_output)"
    keys = DPO_KEYS
    requires = "\"input\" with \"messages\", and \"preferred_output\" and \"non_preferred_output\" message lists"
    required = (("input", "preferred_output", "non_preferred_output"),)
    answers = frozenset({"preferred_output", "non_preferred_output"})

    triggers = frozenset({"input"})
    detect_reads = frozenset()

    def detect(self, value: dict) -> int:
        return 10 if "input" in value and any(k in value for k in _PREFERENCE_KEYS) else 0

    def view(self, value: dict) -> Conversation:
        source = value.get("input")
        messages = source.get("messages") if isinstance(source, dict) else None
        chosen_key, rejected_key = pair_keys(value)
        tools = source.get("tools") if isinstance(source, dict) else None
        return Conversation(
            self.name, schema.PREFERENCE, message_turns(messages, "/input/messages"),
            tools=tools, tools_pointer="/input/tools" if tools is not None else "",
            chosen=message_turns(value.get(chosen_key), "/" + chosen_key),
            rejected=message_turns(value.get(rejected_key), "/" + rejected_key),
            extras=extras(value, DPO_KEYS),
        )

    def rewrites(self, value: dict) -> bool:
        """A row not in OpenAI's own form is written from its view, never copied: the ``*_completion`` spelling
        (written as ``*_output``), or a prompt or answer that is not a message list (a string answer copied as
        read would be refused at upload; from the view the row is rejected with the reason, ``unread``)."""
        source = value.get("input")
        if not isinstance(source, dict) or not _message_list(source.get("messages")):
            return True
        return not all(key in value and _message_list(value[key]) for key in _PREFERENCE_KEYS[:2])

    def unread(self, value: dict) -> tuple[Problem, ...]:
        source = value.get("input")
        if not isinstance(source, dict):
            return (Problem(f"input is {describe_type(source)}, not an object with a \"messages\" list", "/input"),)
        problems = unread_messages(source, "messages", "/input/messages")
        others = [key for key in source if key not in _INPUT_KEYS]
        if others:  # the writers carry the messages and tools of the prompt, nothing else of it
            problems.append(Problem(f"input holds {', '.join(map(show, others))}, which no other format holds beside the messages", "/input/" + others[0]))
        for key in pair_keys(value):
            problems.extend(unread_messages(value, key, "/" + key))
        return tuple(problems)

    def write(self, conversation: Conversation) -> dict:
        reject_unpaired(conversation, "OpenAI DPO")
        if not conversation.is_preference:
            raise Reject("not a preference pair: OpenAI DPO needs a preferred and a non-preferred answer")
        messages, (preferred, non_preferred) = write_continued(conversation.turns, (conversation.chosen or (), conversation.rejected or ()))
        source: dict[str, Any] = {"messages": messages}
        if conversation.tools is not None:
            source["tools"] = openai_tools(conversation.tools)
        return {"input": source, "preferred_output": preferred, "non_preferred_output": non_preferred, **dict(conversation.extras)}


class PromptCompletion(Format):
    """Two strings: OpenAI's legacy format and TRL's standard prompt-completion type."""

    name = "prompt-completion"
    kind = schema.COMPLETION
    pair_target = "trl"
    description = "prompt/completion strings (OpenAI legacy; TRL standard prompt-completion)"
    keys = frozenset({"prompt", "completion"})
    requires = "\"prompt\" and \"completion\" strings"
    required = (("prompt", "completion"),)
    answers = frozenset({"completion"})
    detect_reads = frozenset({"prompt", "completion"})

    def detect(self, value: dict) -> int:
        prompt, completion = value.get("prompt"), value.get("completion")
        if isinstance(prompt, list) or isinstance(completion, list):
            return 0
        if "prompt" in value and "completion" in value:
            return 6
        lowered = {k.lower() for k in value if isinstance(k, str)}
        return 3 if ("prompt" in lowered or "completion" in lowered) and not lowered & {"label", "chosen", "rejected", "completions"} else 0

    def view(self, value: dict) -> Conversation:
        problems: list = []
        turns = [t for t in (text_turn(value.get("prompt"), "/prompt", USER, [], "prompt"),
                             text_turn(value.get("completion"), "/completion", ASSISTANT, [], "completion")) if t]
        return Conversation(self.name, schema.COMPLETION, tuple(turns), completion_from=1 if len(turns) == 2 else None,
                            extras=extras(value, self.keys), problems=tuple(problems))

    def rewrites(self, value: dict) -> bool:
        """A row whose prompt or completion is no string (a Parquet null completion, a number) is written from its
        view, never copied: copied, ``--to prompt-completion`` wrote what check reports as FT900; from the view it
        is rejected with the reason (``unread``), as every other target rejects it."""
        return not (isinstance(value.get("prompt"), str) and isinstance(value.get("completion"), str))

    def unread(self, value: dict) -> tuple[Problem, ...]:
        problems: list = []  # the view records none: FT900 and FT901 report these when linting
        for key, role in (("prompt", USER), ("completion", ASSISTANT)):
            text_turn(value.get(key), "/" + key, role, problems, key)
        return tuple(problems)

    def write(self, conversation: Conversation) -> dict:
        reject_unpaired(conversation, "prompt/completion")
        if conversation.is_preference:
            raise Reject("a preference pair cannot be written as prompt/completion")
        turns = conversation.turns
        require_known_roles(turns, "prompt/completion")  # before the roles are counted: "roles: ?, assistant" names none
        roles = [t.role for t in turns]
        if roles not in ([USER, ASSISTANT], [SYSTEM, USER, ASSISTANT]):
            raise Reject(f"only single-turn conversations become prompt/completion (roles: {', '.join(r or '?' for r in roles)})")
        if conversation.tools is not None:
            raise Reject(f"the tools at {conversation.tools_pointer} cannot be written as prompt/completion")
        texts = [plain_text(t, "prompt/completion") for t in turns]
        prompt = texts[-2] if len(texts) == 2 else texts[0] + "\n\n" + texts[1]
        return {"prompt": prompt, "completion": texts[-1], **dict(conversation.extras)}
