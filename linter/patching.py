"""The one applier of value fixes: JSON Patch (RFC 6902) edits on a parsed row.

A row's fixes are applied in order with the ``jsonpatch`` library. Two fixes
conflict when one touches a pointer equal to, or a prefix of, a pointer the
other touches (``/messages/1`` and ``/messages/1/content``); the first wins
and the later one waits for the fixer's next pass, where it is recomputed on
the fixed row. An edit that does not apply (a stale pointer, a failed
``test``) is skipped: the row stays as it was and its finding remains.
Deprecated ``apply`` callables of plugin fixes run after the edits, in order.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Iterable

import jsonpatch
import jsonpointer

from .findings import Fix


class _MoveKeepingPlace(jsonpatch.MoveOperation):
    """RFC 6902 ``move``; a key renamed within one object keeps its place (the smallest diff of the line)."""

    def apply(self, obj):
        source, target = jsonpointer.JsonPointer(self.operation["from"]), self.pointer
        if source.parts[:-1] == target.parts[:-1] and source.parts:
            parent = jsonpointer.JsonPointer.from_parts(source.parts[:-1]).resolve(obj)
            old, new = source.parts[-1], target.parts[-1]
            if isinstance(parent, dict) and old in parent and new not in parent:
                items = [((new if key == old else key), value) for key, value in parent.items()]
                parent.clear()
                parent.update(items)
                return obj
        return super().apply(obj)


class _Patch(jsonpatch.JsonPatch):
    operations = MappingProxyType({**jsonpatch.JsonPatch.operations, "move": _MoveKeepingPlace})


def touched(fix: Fix) -> list[tuple[str, ...]]:
    """The pointers a fix's edits write or read (``path``, and ``from`` of move/copy), as part tuples."""
    out = []
    for edit in fix.edits:
        for key in ("path", "from"):
            where = edit.get(key) if isinstance(edit, dict) else None
            if isinstance(where, str):
                try:
                    out.append(tuple(jsonpointer.JsonPointer(where).parts))
                except jsonpointer.JsonPointerException:
                    out.append(())  # a malformed pointer conflicts with everything; applying it fails anyway
    return out


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]


def apply_fixes(value: Any, fixes: Iterable[Fix]) -> tuple[Any, list[Fix]]:
    """``value`` with the fixes applied, and the fixes that were (conflicting and failing ones are left out)."""
    taken: list[tuple[str, ...]] = []
    applied: list[Fix] = []
    callables: list[Fix] = []
    for fix in fixes:
        if not fix.edits:
            if fix.apply is not None:
                callables.append(fix)
            continue
        mine = touched(fix)
        if any(_overlap(a, b) for a in mine for b in taken):
            continue  # a conflict: the next pass sees this finding again, on the fixed row
        try:
            value = _Patch(list(fix.edits)).apply(value, in_place=False)
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError, KeyError, IndexError):
            continue
        taken.extend(mine)
        applied.append(fix)
    for fix in callables:
        try:
            value = fix.apply(value)
        except Exception:  # noqa: BLE001 - a plugin's fix that fails is skipped like a failing edit: its finding stays
            continue
        applied.append(fix)
    return value, applied


def at(*parts: str | int) -> str:
    """An exact JSON pointer into the source row for an edit (``findings.pointer`` redacts; an edit must not)."""
    return jsonpointer.JsonPointer.from_parts([str(part) for part in parts]).path


def move(source: str, target: str) -> dict[str, Any]:
    """The edit that moves a value to another pointer (JSON Patch ``move``): what sits at ``source`` is not copied
    and removed by hand, so nothing between the two steps can lose it."""
    return {"op": "move", "from": source, "path": target}


def rename(source: str, target: str) -> dict[str, Any]:
    """The edit that renames a key: a ``move`` within one object; the applier keeps the key in its place there."""
    return move(source, target)


def remove(where: str) -> dict[str, Any]:
    return {"op": "remove", "path": where}


def replace(where: str, value: Any) -> dict[str, Any]:
    return {"op": "replace", "path": where, "value": value}


def diff(before: Any, after: Any) -> tuple[dict[str, Any], ...]:
    """The edits that turn ``before`` into ``after``, computed by ``jsonpatch`` (for fixes with many parts)."""
    return tuple(jsonpatch.make_patch(before, after).patch)
