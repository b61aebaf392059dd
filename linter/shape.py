"""A row's shape: everything the structural chat rules look at, and nothing else.

Most rows of a dataset share a handful of shapes (system, user, assistant;
the same keys; weights on the same turns), and the structural rules (roles,
keys, types, order, weights: ``Rule.shape_only``) give the same verdict on
rows of one shape. The engine remembers, per shape, which of those rules were
silent and skips them on later rows of the same shape (the ones that fired run
again, to report each row): most rows then cost one tuple instead of twenty
rule calls. A row with anything unusual (content parts, a
non-string role, an odd weight) has no shape and runs every rule.
"""

from __future__ import annotations

from typing import Any

_WEIGHT_TYPES = (int, float, bool)
_NO_WEIGHT = ("no weight",)
_PLAIN = ("role", "content")


def shape_of(row: Any) -> tuple | None:
    """A hashable summary of a chat row's structure, or None when the row must run every rule.

    The row's kind, its format adapter and what the adapter says its view
    depends on beyond the messages (``Format.structure``; None from the
    adapter: no shape), its top-level keys. Per message: its keys in order,
    its role, whether content is null, a string or missing, its weight with
    its type (``1``, ``1.0`` and ``true`` differ), and whether a tool call,
    function call or refusal carries it; a message of just a string ``role``
    and a string ``content``, in that order, is summed up by its role alone.
    """
    value = row.value
    if type(value) is not dict:
        return None
    messages = value.get("messages")
    if type(messages) is not list:
        return None
    adapter = row.format  # the adapter decides which turns the row has (Bedrock's system string is one)
    try:
        structure = adapter.structure(value) if adapter is not None else ()
        hash(structure)  # the memo keys on it: an unhashable summary is a plugin bug too
    except Exception:  # noqa: BLE001 - a plugin format's bug costs its rows the memo, never the file
        return None
    if structure is None:
        return None
    shape: list = [row.kind, adapter, structure, tuple(value)]
    for message in messages:
        if type(message) is not dict:
            return None
        keys = tuple(message)
        if keys == _PLAIN:  # most messages: a string role and string content, nothing else
            role = message["role"]
            if type(role) is str and type(message["content"]) is str:
                shape.append(role)  # the role alone stands for such a message (no tuple equals a string)
                continue
        role = message.get("role")
        if role is not None and type(role) is not str:
            return None
        content = message.get("content")
        if content is not None and type(content) is not str:
            return None
        if len(message) == 2 and role is not None and content is not None:
            shape.append((tuple(message), role, False, _NO_WEIGHT, False))  # the usual message: a role and a string
            continue
        weight = message.get("weight", _NO_WEIGHT)
        if weight is not _NO_WEIGHT:
            if type(weight) not in _WEIGHT_TYPES:
                return None
            weight = (type(weight).__name__, repr(weight) if type(weight) is float else weight)  # -0.0 == 0.0, but findings quote it
        carried = bool(message.get("tool_calls")) or bool(message.get("function_call")) or bool(message.get("refusal"))
        shape.append((keys, role, content is None, weight, carried))
    return tuple(shape)
