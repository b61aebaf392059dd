"""Render once per conversation shape, splice the contents in: exact, and far cheaper than Jinja per row.

Most chat templates branch on roles and positions, never on what a message
says; they write each content verbatim or ``| trim``-med. For such a
template, the rendering of a conversation is the rendering of its *shape*
(roles, the other message fields, tools) with each content put in place. So:

1. ``content_transparent(source)`` checks the template's syntax tree: every
   use of a ``content`` (``message['content']``, ``message.content``, or a
   variable set from one) must flow only into output, through ``+``/``~``
   concatenation and the ``trim`` filter. A test (``if 'x' in content``,
   ``is string``), a method call (``content.split``) or any other filter
   makes the template non-transparent, and every row is rendered exactly.
2. For a shape seen twice, the skeleton is rendered with padded sentinels
   (private-use characters) twice, with two different sentinel sets; the two
   must agree, each sentinel must appear once, and its padding shows whether
   the template trimmed it. Template errors of a shape are shape errors.
3. A row of a known shape is spliced: the skeleton's pieces with the
   contents (trimmed where the template trims), and the generation spans
   moved by the contents' lengths.

Anything unusual (a content with sentinel characters, a non-string content,
a span boundary inside a content) falls back to exact rendering, which is
always correct; tests/test_trainer_speed.py holds both paths equal.
"""

from __future__ import annotations

from typing import Any

import jinja2.nodes as nodes
import orjson

from .template import ChatTemplate, Rendered, TemplateFailure

MAX_SHAPES = 8192
OPEN, CLOSE = "\ue000", "\ue001"
ALT_OPEN, ALT_CLOSE = "\ue002", "\ue003"
# padding that ``trim`` (str.strip) removes and no template writes: its presence tells verbatim from trimmed
PAD, ALT_PAD = "\x1f", "\x1e"
_PASS_THROUGH = (nodes.Concat, nodes.Add)


def content_transparent(template: ChatTemplate) -> bool:
    """True when contents reach the output only verbatim or trimmed (see the module docstring)."""
    tree = template.env.parse(template.source)
    parents: dict[int, Any] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        for child in node.iter_child_nodes():
            parents[id(child)] = node
            stack.append(child)

    def is_content(node) -> bool:
        return (isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and node.arg.value == "content") or (
            isinstance(node, nodes.Getattr) and node.attr == "content")

    # (node, pure): pure while nothing has been joined to the content, so that a
    # ``trim`` on it strips the content alone (a trim over a join could strip
    # across two contents, which splicing cannot mirror)
    references = [(n, True) for n in tree.find_all((nodes.Getitem, nodes.Getattr)) if is_content(n)]
    aliases: set[str] = set()
    checked = 0
    while checked < len(references):
        node, pure = references[checked]
        checked += 1
        child, parent = node, parents.get(id(node))
        while True:
            if isinstance(parent, nodes.Output):
                break
            if isinstance(parent, _PASS_THROUGH):
                child, parent, pure = parent, parents.get(id(parent)), False
                continue
            if isinstance(parent, nodes.Filter) and parent.name == "trim" and parent.node is child and pure and not parent.args:
                child, parent = parent, parents.get(id(parent))
                continue
            if isinstance(parent, nodes.Assign) and parent.node is child and isinstance(parent.target, nodes.Name):
                name = parent.target.name
                if name in aliases:
                    return False  # assigned twice: too clever to follow
                aliases.add(name)
                references.extend((n, pure) for n in tree.find_all(nodes.Name) if n.name == name and n.ctx == "load")
                break
            return False
    return True


class ShapeCache:
    """Skeletons of the conversation shapes seen more than once, for one transparent template."""

    def __init__(self, template: ChatTemplate) -> None:
        self.template = template
        self.enabled = content_transparent(template)
        self.seen: dict[Any, int] = {}
        self.skeletons: dict[Any, Any] = {}

    def render(self, messages: list[dict], tools: list | None) -> Rendered | None:
        """The rendering from the shape's skeleton, or None when the row must be rendered exactly.
        Raises TemplateFailure when the shape itself fails."""
        if not self.enabled:
            return None
        key = self._key(messages, tools)
        if key is None:
            return None
        skeleton = self.skeletons.get(key)
        if skeleton is None:
            count = self.seen.get(key, 0) + 1
            if count < 2:  # a shape seen once is rendered exactly: unique shapes cost nothing extra
                if len(self.seen) >= MAX_SHAPES:
                    self.seen.clear()
                self.seen[key] = count
                return None
            skeleton = self._skeleton(messages, tools)
            if len(self.skeletons) >= MAX_SHAPES:
                self.skeletons.clear()
            self.skeletons[key] = skeleton
        if isinstance(skeleton, TemplateFailure):
            raise skeleton
        if skeleton is False:
            return None
        return _splice(skeleton, [m["content"] for m in messages])

    @staticmethod
    def _key(messages: list[dict], tools: list | None):
        parts = []
        for message in messages:
            content = message.get("content")
            if not isinstance(content, str) or any(c in content for c in (OPEN, CLOSE, ALT_OPEN, ALT_CLOSE)):
                return None
            if len(message) == 2 and "role" in message:
                parts.append(message["role"])
            else:
                try:
                    parts.append(orjson.dumps({k: v for k, v in message.items() if k != "content"}, option=orjson.OPT_SORT_KEYS))
                except TypeError:
                    return None
        if tools:
            try:
                parts.append(orjson.dumps(tools))
            except TypeError:
                return None
        return tuple(parts)

    def _skeleton(self, messages: list[dict], tools: list | None):
        """``(pieces, trims, places, spans)`` or a TemplateFailure for the shape, or False when it cannot be spliced.

        Two renders whose sentinels differ in their characters and padding
        (two separator characters that ``trim`` strips) must cut into the same
        pieces: a trimmed content loses its padding in both, a verbatim one
        keeps it in both.
        """
        try:
            first = self.template.render([dict(m, content=f"{PAD}{OPEN}{i}{CLOSE}{PAD}") for i, m in enumerate(messages)], tools)
            second = self.template.render([dict(m, content=f"{ALT_PAD}{ALT_OPEN}{i}{ALT_CLOSE}{ALT_PAD}") for i, m in enumerate(messages)], tools)
        except TemplateFailure as exc:
            return exc
        cut = _cut(first.text, len(messages), OPEN, CLOSE, PAD)
        if cut is None or first.spans != second.spans or cut[:2] != (_cut(second.text, len(messages), ALT_OPEN, ALT_CLOSE, ALT_PAD) or ())[:2]:
            return False
        pieces, trims, places = cut
        for a, b in first.spans:
            for p in (a, b):
                if any(s < p < e for s, e in places):
                    return False
        return pieces, trims, places, first.spans


def _cut(text: str, count: int, open_: str, close: str, pad: str):
    """The literal pieces between the sentinels, whether each was trimmed, and where each sits."""
    pieces, trims, places, cursor = [], [], [], 0
    for i in range(count):
        marker = f"{open_}{i}{close}"
        if text.count(marker) != 1:
            return None
        at = text.index(marker)
        left, right = text[at - 1:at] == pad, text[at + len(marker):at + len(marker) + 1] == pad
        if left != right:
            return None  # half-stripped: not a trim of the content alone
        padded = left
        start, end = (at - 1, at + len(marker) + 1) if padded else (at, at + len(marker))
        if start < cursor:
            return None
        pieces.append(text[cursor:start])
        trims.append(not padded)
        places.append((start, end))
        cursor = end
    pieces.append(text[cursor:])
    return pieces, trims, places


def _splice(skeleton, contents: list[str]) -> Rendered:
    pieces, trims, places, spans = skeleton
    parts = [pieces[0]]
    shifts = []  # (skeleton end of the sentinel, cumulative length change)
    delta = 0
    for i, content in enumerate(contents):
        value = content.strip() if trims[i] else content
        parts.append(value)
        parts.append(pieces[i + 1])
        start, end = places[i]
        delta += len(value) - (end - start)
        shifts.append((end, delta))

    def moved(p: int) -> int:
        change = 0
        for end, total in shifts:
            if end <= p:
                change = total
            else:
                break
        return p + change

    return Rendered("".join(parts), [(moved(a), moved(b)) for a, b in spans])
