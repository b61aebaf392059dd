"""FT8xx: images in messages (OpenAI vision fine-tuning and providers like it), and
media columns whose placeholders do not match them (FT805: LLaMA-Factory, TRL).

An image is a content part ``{"type": "image_url", "image_url": {"url": ...,
"detail": "low" | "high" | "auto"}}``. The URL is https (or a base64 data URL);
data URLs are JPEG, PNG or WebP and at most 10 MB decoded; at most 10 images
per example; images only in user messages. Limits and allowed sources come
from the profile (Together accepts data URLs only).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Iterable, Iterator

from ..findings import Severity, Violation, pointer
from ..plugin import hookimpl
from ..rows import Row
from ..text import describe_type, show
from .base import Rule
from ..schema import DIALOGUE_KINDS
from ..view import SYSTEM, TOOL, USER, Turn
from .reads import IMAGES, MEDIA, PARTS, computed, provide
from .chat import CHAT_LIKE

DATA_URL = re.compile(r"^data:(?P<mime>[\w.+\-]+/[\w.+\-]+)?(?P<params>(?:;[\w\-]+=[\w\-.]+)*)(?P<b64>;base64)?,", re.IGNORECASE)
FORMATS = {"image/jpeg": (b"\xff\xd8\xff",), "image/jpg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/webp": (b"RIFF",)}
GOOD_IMAGE = '{"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "https://example.com/cheese.jpg"}}]}, {"role": "assistant", "content": "Danbo cheese."}]}'


def images(row: Row) -> list[tuple[int, str, dict, str]]:
    """``(message index, pointer, image_url object, role)`` for each image part; once per row."""
    return computed(row, IMAGES)


def _images(row: Row) -> Iterator[tuple[int, str, dict, str]]:
    for index, message in row.messages():
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for pindex, part in enumerate(content):
            if isinstance(part, dict) and part.get("type") == "image_url":
                image = part.get("image_url")
                yield index, pointer("messages", index, "content", pindex, "image_url"), image if isinstance(image, dict) else {}, str(message.get("role"))


provide(IMAGES, lambda row: list(_images(row)))


class _ImageRule(Rule):
    reads = (PARTS, IMAGES)  # skipped on rows without content parts
    kinds = CHAT_LIKE


class ImageUrlInvalid(_ImageRule):
    """The image URL must be an ``https://`` URL (``http://`` too where the
    profile allows) or a ``data:`` URL with base64 data, and ``detail`` one of
    low, high, auto. Together accepts data URLs only."""

    code = "FT800"
    name = "image-url-invalid"
    summary = "An image URL is missing, malformed or of a kind the profile does not accept"
    bad = '{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "file:///home/ana/cheese.jpg"}}]}, {"role": "assistant", "content": "Danbo cheese."}]}'
    good = GOOD_IMAGE

    def check(self, row: Row) -> Iterable[Violation]:
        sources = self.context.profile.image_sources
        for _, where, image, _ in images(row):
            url = image.get("url")
            if not isinstance(url, str) or not url:
                yield Violation(f"image_url.url must be a URL string, got {describe_type(url)}", where + "/url")
                continue
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme not in ("http", "https", "data"):
                yield Violation(f"image URL must be https or a data URL, got {show(url[:40])}", where + "/url")
            elif scheme not in sources:
                allowed = ", ".join(sorted(sources))
                yield Violation(f"profile {self.context.profile.name} accepts images as {allowed} URLs only", where + "/url")
            elif scheme == "data" and not (DATA_URL.match(url) and DATA_URL.match(url).group("b64")):
                yield Violation("a data URL must be data:<type>;base64,<data>", where + "/url")
            if "detail" in image and image["detail"] not in ("low", "high", "auto"):
                yield Violation(f"detail must be low, high or auto, got {show(image['detail'])}", where + "/detail")


def _decoded_size(data: str) -> int:
    data = data.strip()
    return len(data) * 3 // 4 - data[-2:].count("=")


class ImageDataInvalid(_ImageRule):
    """A data-URL image must be JPEG, PNG or WebP, its base64 must decode, and
    the bytes must be the format it claims; GIFs, SVGs and broken base64 are
    rejected when the file is validated."""

    code = "FT801"
    name = "image-data-invalid"
    summary = "A data-URL image is not valid base64 JPEG, PNG or WebP"
    bad = '{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/gif;base64,R0lGODlhAQABAAAAACw="}}]}, {"role": "assistant", "content": "A pixel."}]}'
    good = '{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}}]}, {"role": "assistant", "content": "A pixel."}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for _, where, image, _ in images(row):
            url = image.get("url")
            match = DATA_URL.match(url) if isinstance(url, str) else None
            if not match or not match.group("b64"):
                continue
            mime = (match.group("mime") or "").lower()
            if mime not in FORMATS:
                yield Violation(f"image type {show(mime or 'none')} is not accepted (jpeg, png or webp)", where + "/url")
                continue
            head = url[match.end() : match.end() + 64]
            try:
                prefix = base64.b64decode(head[: len(head) // 4 * 4], validate=True)
            except (binascii.Error, ValueError):
                yield Violation("the image's base64 data does not decode", where + "/url")
                continue
            if not prefix.startswith(FORMATS[mime]):
                yield Violation(f"the data is not a {mime.split('/')[1].upper()} image", where + "/url")


class ImageTooLarge(_ImageRule):
    """Data-URL images over 10 MB (decoded) are rejected; resize or re-encode
    them. The size is computed from the base64 length without decoding."""

    code = "FT802"
    name = "image-too-large"
    summary = "A data-URL image is larger than the profile allows"

    def check(self, row: Row) -> Iterable[Violation]:
        limit = self.context.profile.max_image_bytes
        for _, where, image, _ in images(row):
            url = image.get("url")
            match = DATA_URL.match(url) if isinstance(url, str) else None
            if match and match.group("b64"):
                size = _decoded_size(url[match.end() :])
                if size > limit:
                    yield Violation(f"image is {size / 1e6:,.1f} MB decoded, over the {limit / 1e6:,.0f} MB limit", where + "/url")


class TooManyImages(_ImageRule):
    """OpenAI accepts at most 10 images per training example (profile
    ``max_images``); extra images make the example fail."""

    code = "FT803"
    name = "too-many-images"
    summary = "An example has more images than the profile allows"
    bad = '{"messages": [{"role": "user", "content": [' + ", ".join(['{"type": "image_url", "image_url": {"url": "https://example.com/%d.jpg"}}' % i for i in range(11)]) + ']}, {"role": "assistant", "content": "Eleven cheeses."}]}'
    good = GOOD_IMAGE

    def check(self, row: Row) -> Iterable[Violation]:
        limit = self.context.profile.max_images
        if limit is None:
            return
        count = sum(1 for _ in images(row))
        if count > limit:
            yield Violation(f"example has {count} images; profile {self.context.profile.name} allows {limit}", pointer("messages"))


class ImageNotInUserMessage(_ImageRule):
    """Images are input: OpenAI accepts them in user messages only; in an
    assistant or system message the example is rejected."""

    code = "FT804"
    name = "image-not-user"
    summary = "An image is in a message that is not from the user"
    severity = Severity.ERROR
    bad = '{"messages": [{"role": "user", "content": "Show me a cheese."}, {"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/cheese.jpg"}}]}]}'
    good = GOOD_IMAGE

    def check(self, row: Row) -> Iterable[Violation]:
        for _, where, _, role in images(row):
            if role != "user":
                yield Violation(f"image in a {show(role)} message; images go in user messages", where)


# LLaMA-Factory's default placeholders (src/llamafactory/extras/constants.py: IMAGE_PLACEHOLDER and the
# others, read from the environment variables of the same names) and the columns they are counted against
PLACEHOLDERS = (("image", "images", "<image>"), ("video", "videos", "<video>"), ("audio", "audios", "<audio>"))
_KINDS = tuple(kind for kind, _, _ in PLACEHOLDERS)
_LLAMAFACTORY_ONLY = frozenset({"sharegpt", "sharegpt-preference", "sharegpt-kto", "alpaca"})
_TRL_SIDES = ("completion", "chosen", "rejected")  # TRL hands the images to the prompt only: these hold none
_TRL_PROMPTS = ("messages", "prompt", "conversations")  # what TRL gives the images to (ShareGPT rows become messages)
_TRL_PART = '{"type": "image"}'


def _items(value: dict, key: str) -> int | None:
    """How many media LLaMA-Factory reads from a column (``_find_medias``: null and [] are none, a
    single item is wrapped in a list); None when the row has no such column."""
    if key not in value:
        return None
    items = value[key]
    if items is None:
        return 0
    return len(items) if isinstance(items, list) else 1


def _side_of(turn: Turn) -> str:
    return turn.pointer.split("/", 2)[1]


class MediaCountMismatch(Rule):
    """The media listed beside a conversation must match its placeholders one for one, or the
    trainer refuses the row when it reaches it: after hours of preprocessing, or mid-training.

    **LLaMA-Factory** (ShareGPT, Alpaca and OpenAI-style ``messages`` rows with ``images``,
    ``videos`` or ``audios`` columns): every multimodal template's plugin counts ``<image>``,
    ``<video>`` and ``<audio>`` in the text of the prompt and the response (the system prompt is
    not counted) and raises "The number of images does not match the number of <image> tokens"
    when a count differs from the column's (``MMPluginMixin._validate_messages`` in
    src/llamafactory/data/mm_plugin.py, hiyouga/LLaMA-Factory ``ff6d4d1``). A preference row is
    checked twice, prompt plus chosen and prompt plus rejected (processor/pairwise.py). Training
    inserts no placeholder of its own (only the chat engines do, for inference: chat/hf_engine.py),
    so a column whose row has no placeholder at all is refused too (data/README.md: "The number
    of images should be identical to the <image> tokens in the conversations"). The column counts as
    ``_find_medias`` reads it (converter.py): null or ``[]`` is no media, a single path is one.
    The placeholders are those LLaMA-Factory uses unless the run sets ``IMAGE_PLACEHOLDER``,
    ``VIDEO_PLACEHOLDER`` or ``AUDIO_PLACEHOLDER`` (extras/constants.py); name those with the
    option ``placeholders = {image = "<img>"}``.

    **TRL** (conversational rows with ``images`` or ``image``): ``prepare_multimodal_messages``
    (trl/data_utils.py, huggingface/trl ``f2cd577``) gives the images to the prompt (``messages``
    or ``prompt``), counts the ``{"type": "image"}`` parts that carry no ``image`` yet, and raises
    "Number of images provided (N) does not match number of image placeholders (M)". When a user
    message's content is a plain string, TRL first puts one image part per image in the first
    such message, so any other image part is then one too many; ``completion``, ``chosen`` and
    ``rejected`` get no images, so an image part there is always one too many.

    Which convention applies follows the profile: ``--profile llamafactory`` counts the text
    placeholders, ``--profile trl`` the image parts, and ``--profile axolotl`` neither (axolotl
    fills the first bare image part or adds one, using the column's first image, and refuses
    nothing: docs/multimodal.qmd and src/axolotl/processing_strategies.py, axolotl-ai-cloud/axolotl
    ``067b021``). Under other profiles ShareGPT and Alpaca rows are LLaMA-Factory's, and a
    ``messages`` row is judged by its image parts when it has some, else by its text
    placeholders when it has some (a row with neither is fine for TRL, which inserts the parts).

    The rule runs only on rows with a media column: a row without one is text, and a text
    model's template reads ``<image>`` as text (LLaMA-Factory counts placeholders only for
    multimodal templates). With a column, even an empty one, the row is meant for a
    multimodal run.
    """

    code = "FT805"
    name = "media-count-mismatch"
    summary = "The media placeholders in a row's text do not match the media listed in its column"
    severity = Severity.ERROR
    kinds = CHAT_LIKE | DIALOGUE_KINDS | {"prompt-only"}
    reads = (MEDIA,)  # skipped on rows without a media column
    options = {"placeholders": "LLaMA-Factory's placeholders when the run changes them: {image = \"<img>\", video = ..., audio = ...}"}
    option_types = {"placeholders": dict[str, str]}
    example_profile = "llamafactory"
    bad = '{"conversations": [{"from": "human", "value": "<image><image>Which cheese is this?"}, {"from": "gpt", "value": "Danbo."}], "images": ["cheese.jpg"]}'
    good = '{"conversations": [{"from": "human", "value": "<image>Which cheese is this?"}, {"from": "gpt", "value": "Danbo."}], "images": ["cheese.jpg"]}'

    def __init__(self, context) -> None:
        super().__init__(context)
        given = context.options.get("placeholders") or {}  # a table of strings: option_types checked that with the config
        if not all(kind in _KINDS and text for kind, text in given.items()):
            raise ValueError("placeholders must be a table of non-empty strings keyed image, video or audio, like placeholders = {image = \"<img>\"}")
        self.marks = {**{kind: text for kind, _, text in PLACEHOLDERS}, **given}

    def check(self, row: Row) -> Iterable[Violation]:
        profile = self.context.profile.name
        if profile == "axolotl":
            return
        view = row.view
        has_parts = any(p.kind == "image" and isinstance(p.source, dict) for _, t in view.all_turns() for p in t.parts)
        if profile == "trl" or (profile != "llamafactory" and row.kind not in _LLAMAFACTORY_ONLY and has_parts):
            yield from self._trl(row)
        elif not has_parts:
            yield from self._llamafactory(row, strict=profile == "llamafactory" or row.kind in _LLAMAFACTORY_ONLY)

    # LLaMA-Factory: text placeholders against the images/videos/audios columns
    def _llamafactory(self, row: Row, strict: bool) -> Iterator[Violation]:
        value, view = row.value, row.view
        if not any(key in value for _, key, _ in PLACEHOLDERS):
            return  # TRL's "image" alone: LLaMA-Factory reads it only where dataset_info.json maps it, which ftlint cannot see
        chosen = view.chosen or ()
        prompt = [t for t in view.turns if t.role != SYSTEM]
        sides = [("", prompt)] if not view.is_preference else [("chosen", prompt + list(chosen)), ("rejected", prompt + list(view.rejected or ()))]
        for kind, key, _ in PLACEHOLDERS:
            mark = self.marks[kind]
            column = _items(value, key)
            in_prompt = sum(t.text.count(mark) for t in prompt)
            wanted = column or 0
            said = set()
            for side, turns in sides:
                count = sum(t.text.count(mark) for t in turns)
                in_what = f"the prompt and /{side}" if count != in_prompt else "the text"
                if count == wanted or (not strict and count == 0) or in_what in said:
                    continue
                said.add(in_what)
                where = f"/{key}" if column is not None else next((p.pointer for t in turns for p in t.texts if mark in p.text), "")
                listed = f"{wanted} item(s) in /{key}" if column is not None else f"no {key} column"
                yield Violation(
                    f"{count} {show(mark)} placeholder(s) in {in_what} but {listed}; LLaMA-Factory refuses the row "
                    f"(\"The number of {key} does not match the number of {show(mark, quoted=False)} tokens\")", where)

    # TRL: {"type": "image"} parts against the images / image column
    def _trl(self, row: Row) -> Iterator[Violation]:
        value, view = row.value, row.view
        key = "image" if "image" in value else "images"
        if key == "image":
            images = 1  # TRL wraps it: [example["image"]]
        elif isinstance(value.get(key), list) or value.get(key) is None:
            images = len(value.get(key) or ())
        else:
            return  # not a list: TRL's reading of it is not certain
        groups: dict[str, list[Turn]] = {}
        for _, turn in view.all_turns():
            groups.setdefault(_side_of(turn), []).append(turn)
        for side, turns in groups.items():
            if side not in _TRL_PROMPTS and side not in _TRL_SIDES:
                continue  # not a column TRL reads (an Alpaca field, a system column)
            if side in _TRL_SIDES and "prompt" not in value:
                continue  # an implicit-prompt pair: where TRL's prompt ends is its own to decide
            given = 0 if side in _TRL_SIDES else images
            parts = [p for t in turns if t.role != TOOL for p in t.parts
                     if isinstance(p.source, dict) and p.source.get("type") == "image" and "image" not in p.source]
            inserted = given if any(t.role == USER and t.content_state == "text" for t in turns) else 0
            if len(parts) + inserted == given:
                continue
            added = f", plus the {inserted} TRL puts in the first user message whose content is a string" if inserted else ""
            if side in _TRL_SIDES:
                yield Violation(f"{len(parts)} {_TRL_PART} part(s) in /{side}; TRL gives the {key} to the prompt only, so it raises "
                                f"\"Number of images provided (0) does not match number of image placeholders ({len(parts)})\"", parts[0].pointer)
            else:
                yield Violation(f"{len(parts) + inserted} image placeholder(s) in /{side} ({len(parts)} {_TRL_PART} part(s){added}) but "
                                f"{given} item(s) in /{key}; TRL raises \"Number of images provided ({given}) does not match number of "
                                f"image placeholders ({len(parts) + inserted})\"", f"/{key}")


RULES = (ImageUrlInvalid, ImageDataInvalid, ImageTooLarge, TooManyImages, ImageNotInUserMessage, MediaCountMismatch)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
