"""The single place where a row becomes the messages a chat template receives.

Three sources, in this order:

1. A trainer config's mapping (axolotl ``field_messages``/roles, LLaMA-Factory
   ``columns``/``tags``): ``linter.trainer.configs`` maps the row to an OpenAI
   row before it gets here, so the config wins.
2. An OpenAI ``messages`` row (``openai-chat``, ``messages-kto``) is passed as
   it is, every field included, exactly what a user hands ``apply_chat_template``.
3. Any other conversational format (ShareGPT, Alpaca, TRL conversational
   prompt/completion and preference rows, Bedrock...) through the row's
   conversation view (``linter.view``): roles normalised to
   system/user/assistant/tool, each turn's text, its tool calls, the tools.

Rows a trainer does not pass through a chat template give None: TRL's
*standard* (string) ``text``, ``prompt``/``completion`` and preference rows,
prompt-only and stepwise rows. A preference row renders as prompt + chosen
(what SFT on the preferred answer trains; DPO tokenizes the same prompt and
chosen sequence); the rejected continuation is not counted.
"""

from __future__ import annotations

import json
from typing import Any

# view kinds a trainer does not render with a chat template (or renders with a generation prompt)
_NOT_TEMPLATED = frozenset({"text", "prompt-only", "stepwise"})
_STRING_FIELDS = ("prompt", "completion", "chosen", "rejected")
_RAW_FORMATS = frozenset({"openai-chat", "messages-kto"})  # formats whose ``messages`` are OpenAI messages


def messages_for_template(row: Any) -> list[dict] | None:
    """The row's messages as a template takes them, or None when the row has no conversation to render.

    ``row`` is a parsed JSON value or a ``linter.rows.Row`` (whose lazy
    ``view`` is then reused). Messages that are not objects make an OpenAI row
    unrenderable (None): the structure rules report them.
    """
    value = getattr(row, "value", row)
    if not isinstance(value, dict):
        return None
    messages = value.get("messages")
    if isinstance(messages, list) and messages and _raw_messages(row, value):
        return messages if all(isinstance(m, dict) for m in messages) else None
    conversation = _conversation(row, value)
    if conversation is None:
        return None
    turns = tuple(conversation.turns) + tuple(conversation.chosen or ())
    out = []
    for turn in turns:
        if not turn.role:  # a source role that maps to no template role: the structure rules report it
            return None
        if turn.content_state != "text" and not turn.texts and not turn.tool_calls:
            return None  # no text to render (a number, an object, a missing field): the format rules report it
        out.append(_message(turn))
    return out or None


def tools_for_template(row: Any) -> list | None:
    """The row's tool definitions (``tools``, else legacy ``functions`` wrapped as tools), or None."""
    value = getattr(row, "value", row)
    if not isinstance(value, dict):
        return None
    tools = value.get("tools")
    if tools is None and not (isinstance(value.get("messages"), list) and _raw_messages(row, value)):
        conversation = _conversation(row, value)
        tools = conversation.tools if conversation is not None else None
    if isinstance(tools, str):  # TRL and LLaMA-Factory store tools as a JSON string
        try:
            tools = json.loads(tools)
        except ValueError:
            return None
    if isinstance(tools, list) and tools:
        return tools
    functions = value.get("functions")
    if isinstance(functions, list) and functions:
        return [{"type": "function", "function": f} for f in functions]
    return None


def _raw_messages(row: Any, value: dict) -> bool:
    """True for OpenAI-style ``messages`` rows, handed to the template as they are. Bedrock rows
    also have ``messages``, but with a top-level ``system`` and content blocks: the view reads those."""
    adapter = row.format if hasattr(row, "format") else _detector().detect(value)
    return adapter is None or adapter.name in _RAW_FORMATS


def _conversation(row: Any, value: dict):
    """The row's conversation view when a trainer would template it, else None."""
    if any(isinstance(value.get(key), str) for key in _STRING_FIELDS):
        return None  # TRL's standard (plain text) formats: tokenized without a chat template
    view = getattr(row, "view", None)  # a Row's lazy view; a bare value is detected here
    if view is None or not view.format:
        adapter = _detector().detect(value)
        if adapter is None:
            return None
        try:
            view = adapter.view(value)
        except Exception:  # noqa: BLE001 - an adapter bug must not stop the file; the row is just not rendered
            return None
    if view.kind in _NOT_TEMPLATED or not view.turns:
        return None
    return view


def _detector():
    """The registry's format detector: the one the engine uses, plugin formats included (a value
    without a Row has not been classified yet)."""
    from ..registry import get_registry

    return get_registry().detector


def _message(turn) -> dict:
    """One view turn as an OpenAI-style message (``None`` fields are dropped by the renderer)."""
    message: dict[str, Any] = {"role": turn.role, "content": turn.text if turn.parts else None}
    if turn.tool_calls:
        message["tool_calls"] = [
            {"type": "function", "function": {"name": call.name, "arguments": call.arguments},
             **({"id": call.id} if call.id is not None else {})}
            for call in turn.tool_calls
        ]
    if turn.tool_call_id is not None:
        message["tool_call_id"] = turn.tool_call_id
    if turn.name is not None:
        message["name"] = turn.name
    return message
