"""Token counting for chat examples, by the OpenAI cookbook's formula.

Per message 3 tokens plus the tokens of its string values, +1 when it has a
``name``; 3 more to prime the reply; ``tools`` definitions by the cookbook's
function-counting constants. The cookbook calls these approximations, and so
do we: they are what the limit check and the cost estimate need.

Tokens never outnumber UTF-8 bytes (every BPE token is at least one byte),
and a JSON line is never shorter than the text it encodes, so
``upper_bound`` gives a cheap ceiling from the line length: an example whose
ceiling is within the limit needs no tokenizer call at all.
"""

from __future__ import annotations

import os
from typing import Any

import orjson

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
IMAGE_TOKENS = 85  # the base cost of one image part (low detail); an approximation
# cookbook constants for tools: func_init, prop_init, prop_key, enum_init, enum_item, func_end
_TOOL_CONSTANTS = {"cl100k_base": (10, 3, 3, -3, 3, 12), "o200k_base": (7, 3, 3, -3, 3, 12)}


class TokenizerUnavailable(Exception):
    """No BPE file for the encoding could be loaded (offline and not cached)."""


def load_encoding(name: str) -> Any:
    """Load a tiktoken encoding (its decoded ranks cached between runs), or raise TokenizerUnavailable with what to do."""
    from .bpe_cache import get_encoding

    try:
        return get_encoding(name)
    except Exception as exc:  # network errors, hash mismatches, unknown names
        cache = os.environ.get("TIKTOKEN_CACHE_DIR")
        where = f"TIKTOKEN_CACHE_DIR={cache!r} has no usable copy" if cache else "TIKTOKEN_CACHE_DIR is not set"
        raise TokenizerUnavailable(
            f"cannot load the {name} tokenizer: tiktoken could not download its BPE file "
            f"({type(exc).__name__}) and {where}. Point TIKTOKEN_CACHE_DIR at a folder that holds it "
            f"(see 'Offline tokenizer' in the README), or skip token counting with "
            f"--ignore FT300 --no-token-stats."
        ) from None


class Tokenizer:
    """Counts the tokens of chat examples with one encoding, loaded on first use."""

    SHORT = 32  # strings up to this many characters have their counts memoised
    MAX_MEMO = 16_384

    def __init__(self, encoding_name: str) -> None:
        self.encoding_name = encoding_name
        self._encode = None
        self._public = None
        # Roles, names and call ids are tokenized on every message by the
        # cookbook formula and repeat endlessly: a dict lookup instead of a call
        # into the tokenizer (counts are deterministic, so the memo is exact).
        self._short: dict[str, int] = {}
        self._tools: dict[bytes, int] = {}  # serialised tools/functions -> their tokens

    def load(self) -> None:
        """Load the encoding now (raises TokenizerUnavailable)."""
        self._encoder()

    def _encoder(self):
        """The encoding's Rust ``encode_ordinary``, called without tiktoken's Python
        wrapper (a fifth of the cost of a short text); ``count_text`` falls back
        to the wrapper for what the core refuses (lone surrogates)."""
        if self._encode is None:
            encoding = load_encoding(self.encoding_name)
            self._public = encoding.encode_ordinary
            core = getattr(getattr(encoding, "_core_bpe", None), "encode_ordinary", None)
            self._encode = core or self._public
        return self._encode

    def count_text(self, text: str) -> int:
        short = len(text) <= self.SHORT
        if short:
            count = self._short.get(text)
            if count is not None:
                return count
        try:
            count = len((self._encode or self._encoder())(text))
        except UnicodeEncodeError:
            count = len(self._public(text))
        if short and len(self._short) < self.MAX_MEMO:
            self._short[text] = count
        return count

    def count_row(self, row: Any) -> int:
        """Tokens of a parsed row, counted once and cached on the row (with the assistant/trained split)."""
        if row.tokens is None:
            row.tokens, assistant, trained = self.count_detail(row.value)
            row.token_parts = (assistant, trained)
        return row.tokens

    def count_example(self, value: Any) -> int:
        """Tokens of one chat-shaped row (``messages`` plus ``tools``/``functions``)."""
        return self.count_detail(value)[0]

    def count_detail(self, value: Any) -> tuple[int, int, int]:
        """``(total, assistant, trained)``: the whole example; its assistant
        messages; the assistant messages that are trained (``weight`` not 0)."""
        total = REPLY_PRIMING
        assistant = trained = 0
        messages = value.get("messages") if isinstance(value, dict) else None
        for message in messages if isinstance(messages, list) else ():
            if not isinstance(message, dict):
                continue
            tokens = TOKENS_PER_MESSAGE + self._count_message(message)
            total += tokens
            if message.get("role") == "assistant":
                assistant += tokens
                if message.get("weight", 1) != 0:
                    trained += tokens
        total += self._count_tools(value)
        return total, assistant, trained

    def _count_message(self, message: dict) -> int:
        count = self.count_text
        encode = self._encode or self._encoder()
        short, limit = self._short, self.SHORT
        total = 0
        for key, item in message.items():
            if isinstance(item, str):
                if key != "weight":
                    if len(item) > limit:
                        # contents: the encoder without count_text's call (and its
                        # fallback only for what the core refuses)
                        try:
                            total += len(encode(item))
                        except UnicodeEncodeError:
                            total += count(item)
                    else:
                        # roles and names: the memo without a call (count_text fills it)
                        known = short.get(item)
                        total += known if known is not None else count(item)
                    if key == "name":
                        total += TOKENS_PER_NAME
            elif key == "content" and isinstance(item, list):
                total += self._count_parts(item)
            elif key == "tool_calls" and isinstance(item, list):
                for call in item:
                    function = call.get("function") if isinstance(call, dict) else None
                    total += self._count_call(function)
            elif key == "function_call":
                total += self._count_call(item)
        return total

    def _count_parts(self, parts: list) -> int:
        total = 0
        for part in parts:
            if not isinstance(part, dict):
                continue
            text = part.get("text")
            if isinstance(text, str):
                total += self.count_text(text)
            elif part.get("type") == "image_url":
                total += IMAGE_TOKENS
        return total

    def _count_call(self, function: Any) -> int:
        if not isinstance(function, dict):
            return 0
        return sum(self.count_text(v) for k, v in function.items() if k in ("name", "arguments") and isinstance(v, str))

    def _count_tools(self, value: dict) -> int:
        if "tools" not in value and "functions" not in value:
            return 0
        # the same definitions ride along on every row of a dataset: count each set once
        try:
            key = orjson.dumps([value.get("tools"), value.get("functions")])
        except TypeError:  # past orjson's limits: count without the memo
            return self._count_definitions(value)
        count = self._tools.get(key)
        if count is None:
            count = self._count_definitions(value)
            if len(self._tools) < 1024:
                self._tools[key] = count
        return count

    def _count_definitions(self, value: dict) -> int:
        functions = _function_definitions(value)
        if not functions:
            return 0
        func_init, prop_init, prop_key, enum_init, enum_item, func_end = _TOOL_CONSTANTS.get(
            self.encoding_name, _TOOL_CONSTANTS["cl100k_base"]
        )
        total = 0
        for function in functions:
            total += func_init
            description = str(function.get("description") or "").rstrip(".")
            total += self.count_text(f"{function.get('name', '')}:{description}")
            properties = _properties(function)
            if properties:
                total += prop_init
                for key, prop in properties.items():
                    prop = prop if isinstance(prop, dict) else {}
                    total += prop_key
                    pdesc = str(prop.get("description") or "").rstrip(".")
                    total += self.count_text(f"{key}:{prop.get('type', '')}:{pdesc}")
                    enum = prop.get("enum")
                    if isinstance(enum, list) and enum:
                        total += enum_init
                        for item in enum:
                            total += enum_item + self.count_text(str(item))
        return total + func_end


def _function_definitions(value: dict) -> list[dict]:
    out = []
    tools = value.get("tools")
    if isinstance(tools, list):
        for tool in tools:
            function = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(function, dict):
                out.append(function)
    functions = value.get("functions")
    if isinstance(functions, list):
        out.extend(f for f in functions if isinstance(f, dict))
    return out


def _properties(function: dict) -> dict:
    parameters = function.get("parameters")
    properties = parameters.get("properties") if isinstance(parameters, dict) else None
    return properties if isinstance(properties, dict) else {}


def upper_bound(value: Any, raw_length: int, raw: bytes | None = None) -> int:
    """A ceiling on ``Tokenizer.count_example`` computed without tokenizing.

    Every counted string appears in the raw line at least as long as its UTF-8
    bytes, and a byte is at least one token's worth; only the fixed per-message,
    per-image and per-function constants come on top.

    With the row's ``raw`` JSON line, a line holding a single ``[`` (the
    messages list's own) has no list of content parts, so the per-message walk
    that counts image parts is skipped (one C count instead of a Python loop).
    """
    messages = value.get("messages") if isinstance(value, dict) else None
    bound = raw_length + REPLY_PRIMING
    if isinstance(messages, list):
        bound += (TOKENS_PER_MESSAGE + TOKENS_PER_NAME) * len(messages)
        if raw is not None and raw.count(b"[") < 2:
            messages = ()  # a content list would need a "[" of its own beside the messages list's
        for message in messages:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, list):
                bound += IMAGE_TOKENS * len(content)
    if isinstance(value, dict) and ("tools" in value or "functions" in value):
        bound += 12
        for function in _function_definitions(value):
            bound += 13
            for prop in _properties(function).values():
                enum = prop.get("enum") if isinstance(prop, dict) else None
                bound += 3 + 3 * (len(enum) if isinstance(enum, list) else 0)
    return bound
