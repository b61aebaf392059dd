"""Images between formats that place them differently.

TRL puts ``{"type": "image"}`` parts in the messages and the images, in the
same order, in the row's ``images`` list; LLaMA-Factory (ShareGPT, Alpaca,
OpenAI-style ``messages``) puts ``<image>`` placeholders in the text and the
paths in ``images``; OpenAI chat puts each image in its part as an
``image_url`` (a URL or a data URI). ``place_images`` brings any of them to
one form, TRL's: every image a part at its place, and the images in order.
It never guesses: placeholders become parts only when their count is the
count of images, and whatever cannot be placed is a ``Reject`` with the reason.
"""

from __future__ import annotations

from typing import Any, Callable

from ..view import SYSTEM, Conversation, Part, Turn
from .base import Reject

PLACEHOLDER = "<image>"
IMAGE_PART = {"type": "image"}  # TRL's part: the image itself is the row's next item of "images"
_COLUMNS = ("images", "image")


def place_images(conversation: Conversation, target: str, keeps: Callable[[Any], bool] | None = None) -> tuple[Conversation, list[tuple[str, Any]]]:
    """The conversation with every image a ``{"type": "image"}`` part at its place (text split
    around ``<image>`` placeholders), its media column and image key taken out, and the images in
    the order of those parts, each as ``(pointer in the source row, image)``; ``(conversation, [])``
    unchanged when it holds no image. ``keeps``: the image parts already in the target's own form
    (OpenAI's ``image_url`` with its ``detail``), left at their place as they are, all they hold kept."""
    items, column, extras = _column(conversation, target)
    sides = {"turns": conversation.turns, "chosen": conversation.chosen, "rejected": conversation.rejected}
    inline = [(t, p) for turns in sides.values() for t in turns or () for p in t.parts if p.kind != "text" and p.kind not in ("reasoning", "other")]
    if column is None and all(p.kind == "image" and keeps is not None and keeps(p.source) for _, p in inline):
        return conversation, []
    for _, part in inline:
        if part.kind != "image":
            raise Reject(f"the {part.kind} at {part.pointer} cannot be written as {target}: convert places images only")
    placeholders = [p for _, p in inline if _is_placeholder(p.source)]
    sourced = [p for _, p in inline if not _is_placeholder(p.source)]
    if sourced and (items or placeholders):
        raise Reject(f"the image at {sourced[0].pointer} holds its own source, and the row also has {{\"type\": \"image\"}} parts or "
                     f"an images column; which image goes where would be a guess")
    if placeholders or sourced:
        if len(placeholders) != len(items):
            listed = f"{len(items)} image(s) in {column}" if column else "no images column"
            raise Reject(f"{len(placeholders)} {{\"type\": \"image\"}} part(s) but {listed}; the images cannot be placed without a guess")
        queue = iter(items)
        found: list = []
        mapped = {key: _with_parts(turns, queue, found, target, keeps) for key, turns in sides.items()}
    else:
        mapped, found = _split_placeholders(sides, items, column)
        if not found:
            return conversation, []  # an empty column and no placeholder: nothing to place, the row as it is
    return conversation._replace(turns=mapped["turns"], chosen=mapped["chosen"], rejected=mapped["rejected"], images=(),
                                 extras=extras), found


def with_images(conversation: Conversation, target: str, write: Callable[[Conversation], dict],
                form: Callable[[Conversation], Conversation] | None = None) -> dict:
    """The row ``write`` makes of the conversation with its images placed (``place_images``), in the
    target's form (``form``: LLaMA-Factory's ``<image>`` placeholders; none for TRL, whose form the placed
    parts are), and the images themselves in the row's ``images``, in the order of their places."""
    placed, images = place_images(conversation, target)
    if not images:
        return write(placed)
    row = write(form(placed) if form is not None else placed)
    return {**row, "images": [image for _, image in images]}


def _column(conversation: Conversation, target: str) -> tuple[list[tuple[str, Any]], str | None, tuple]:
    """The images a row lists beside its conversation, where (``/images``), and the extras without
    them: the view's media (ShareGPT, Alpaca, TRL), or an ``images``/``image`` key an adapter left
    in its extras (LLaMA-Factory's OpenAI-style rows)."""
    extras = conversation.extras
    if conversation.images:
        other = next((p for p in conversation.images if p.kind != "image"), None)
        if other is not None:
            raise Reject(f"the {other.kind} listed at {other.pointer} cannot be written as {target}: convert places images only")
        columns = {p.pointer.split("/")[1] for p in conversation.images}
        if len(columns) > 1:
            raise Reject("the row has both \"images\" and \"image\"; which images go where would be a guess")
        return [(p.pointer, p.source) for p in conversation.images], "/" + columns.pop(), extras
    present = [(k, v) for k, v in extras if k in _COLUMNS]
    if not present:
        return [], None, extras
    if len(present) > 1:
        raise Reject("the row has both \"images\" and \"image\"; which images go where would be a guess")
    key, value = present[0]
    items = list(enumerate(value)) if isinstance(value, list) else [] if value is None else [(None, value)]
    items = [(f"/{key}" if index is None else f"/{key}/{index}", item) for index, item in items]
    return items, "/" + key, tuple((k, v) for k, v in extras if k != key)


def _is_placeholder(source: Any) -> bool:
    return isinstance(source, dict) and source.get("type") == "image" and "image" not in source


def _image_source(part: Part, target: str) -> Any:
    """The image an image part holds: TRL's inline ``image``, OpenAI's ``image_url`` (its ``url``),
    LLaMA-Factory v1's ``value``; Reject for anything more (OpenAI's ``detail``) or another shape."""
    source = part.source if isinstance(part.source, dict) else {}
    kind = source.get("type")
    key = "image" if kind == "image" else ("image_url" if "image_url" in source else "value") if kind == "image_url" else None
    if key is None or key not in source:
        raise Reject(f"the image at {part.pointer} has no form {target} can hold")
    extra = sorted(map(str, set(source) - {"type", key}))
    if extra:
        raise Reject(f"the image at {part.pointer} cannot be written as {target} without losing its {', '.join(extra)}")
    value = source[key]
    if kind == "image_url" and isinstance(value, dict):
        if set(value) != {"url"}:
            lost = sorted(set(value) - {"url"}) or ["url"]
            raise Reject(f"the image at {part.pointer} cannot be written as {target}: {target} has no place for its {', '.join(map(str, lost))}")
        value = value["url"]
    return value


def _with_parts(turns, queue, found: list, target: str, keeps: Callable[[Any], bool] | None):
    """Turns whose image parts are TRL's, each taking its image from ``queue`` (placeholders) or its own
    source, but for the parts ``keeps`` (already the target's)."""
    if turns is None:
        return None
    out = []
    for turn in turns:
        if turn.is_plain_text:
            out.append(turn)
            continue
        parts = []
        for part in turn.parts:
            if part.kind == "image" and not (keeps is not None and keeps(part.source)):
                found.append(next(queue) if _is_placeholder(part.source) else (part.pointer, _image_source(part, target)))
                part = Part("image", part.pointer, None, IMAGE_PART)
            parts.append(part)
        out.append(turn._replace(content_state="parts", parts=tuple(parts)))
    return tuple(out)


def _split_placeholders(sides: dict, items: list, column: str | None) -> tuple[dict, list]:
    """Turns whose ``<image>`` placeholders are image parts, when there are exactly as many as images."""
    count = sum(t.text.count(PLACEHOLDER) for turns in sides.values() for t in turns or () if t.role != SYSTEM and t.is_plain_text)
    system = next((p for turns in sides.values() for t in turns or () if t.role == SYSTEM for p in t.texts if PLACEHOLDER in p.text), None)
    if system is not None:
        raise Reject(f"the system prompt at {system.pointer} holds {PLACEHOLDER}, which LLaMA-Factory does not count as an image; "
                     f"where the images go would be a guess")
    if count != len(items):
        raise Reject(f"{count} {PLACEHOLDER} placeholder(s) in the text but {len(items)} image(s) in {column}; "
                     f"the images cannot be placed without a guess")
    mapped = {key: None if turns is None else tuple(_split_turn(t) for t in turns) for key, turns in sides.items()}
    return mapped, list(items)


def _split_turn(turn: Turn) -> Turn:
    if not turn.is_plain_text or PLACEHOLDER not in turn.text:
        return turn
    # one text: several text parts (Alpaca's instruction and input) are joined as every text-only writer joins them
    pieces = turn.text.split(PLACEHOLDER)
    parts: list[Part] = []
    for index, piece in enumerate(pieces):
        if index:
            parts.append(Part("image", turn.content_pointer, None, IMAGE_PART))
        if piece:
            parts.append(Part("text", turn.content_pointer, piece, {"type": "text", "text": piece}))
    return turn._replace(content_state="parts", parts=tuple(parts))


def as_placeholders(turn: Turn, target: str) -> Turn:
    """A turn of TRL's image parts as one text with ``<image>`` at each image (LLaMA-Factory's form):
    adjacent texts joined by a newline, as text-only writers join them. A text that already holds
    ``<image>`` would be counted as an image too: Reject."""
    if turn.is_plain_text:
        if turn.parts and PLACEHOLDER in turn.text:
            raise Reject(_literal(turn, target))
        return turn
    text = ""
    previous = None
    for part in turn.parts:
        if part.kind == "text" and part.text is not None:
            if PLACEHOLDER in part.text:
                raise Reject(_literal(turn, target))
            text += ("\n" if previous == "text" else "") + part.text
            previous = "text"
        elif part.source is IMAGE_PART:
            text += PLACEHOLDER
            previous = "image"
        else:
            return turn  # the writer refuses what it cannot hold
    return turn._replace(content_state="text", parts=(Part("text", turn.content_pointer, text, text),))


def _literal(turn: Turn, target: str) -> str:
    return f"the text at {turn.content_pointer} holds {PLACEHOLDER} beside the row's images; {target} would count it as one more image"

