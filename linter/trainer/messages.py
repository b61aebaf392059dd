"""The single place where a row becomes the messages a chat template receives.

Today it reads OpenAI chat rows (``messages`` plus ``tools``). Other formats
(ShareGPT, Alpaca...) reach it through ``linter.trainer.configs``, which maps
them to OpenAI rows first; a conversation view for every format can later be
plugged in here, and every trainer count and rule follows.
"""

from __future__ import annotations

from typing import Any


def messages_for_template(row: Any) -> list[dict] | None:
    """The row's messages as a template takes them, or None when the row has no conversation.

    ``row`` is a parsed JSON value or a ``linter.rows.Row``. Messages that are
    not objects make the row unrenderable (None): the structure rules report them.
    """
    value = getattr(row, "value", row)
    messages = value.get("messages") if isinstance(value, dict) else None
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        return None
    return messages


def tools_for_template(row: Any) -> list | None:
    """The row's tool definitions (``tools``, else legacy ``functions`` wrapped as tools), or None."""
    value = getattr(row, "value", row)
    if not isinstance(value, dict):
        return None
    tools = value.get("tools")
    if isinstance(tools, str):  # TRL accepts tools stored as a JSON string
        import json

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
