"""FT8xx: images in messages (OpenAI vision fine-tuning and providers like it).

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
from .reads import IMAGES, PARTS, computed, provide
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


RULES = (ImageUrlInvalid, ImageDataInvalid, ImageTooLarge, TooManyImages, ImageNotInUserMessage)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
