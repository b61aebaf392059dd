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
import weakref
from typing import Any, Callable, Iterable, Iterator

import orjson

TOKENS_PER_MESSAGE = 3
_PLAIN_MESSAGE_KEYS = frozenset({"role", "content", "name", "weight"})
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

    return _loading(name, get_encoding)


def load_vocabulary(name: str) -> tuple[dict, dict] | None:
    """``(arguments, shards)`` for a subset encoder (``bpe_cache.recipe``: the encoding's
    pattern and special tokens; its ranks by first bytes), None when the encoding is not
    built that way or nothing is cached; raises TokenizerUnavailable like ``load_encoding``:
    it reads the same BPE file."""
    from .bpe_cache import recipe

    def load(name: str) -> tuple[dict, dict] | None:
        found = recipe(name)
        shards = found[1].shards() if found is not None else None
        return None if shards is None else (found[0], shards)

    return _loading(name, load)


def _read_bpe_file(name: str) -> None:
    """Read (or download) the encoding's BPE file, checked against its pinned hash, without decoding it
    (``BpeFile.digest``, kept for the cache that decodes it later); an encoding built some other way
    is built whole."""
    from .bpe_cache import get_encoding, recipe

    found = recipe(name)
    if found is None:
        get_encoding(name)
    else:
        found[1].digest()


def _loading(name: str, load: Callable[[str], Any]) -> Any:
    try:
        return load(name)
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
    """Counts the tokens of chat examples with one encoding, loaded on first use.

    A small file is counted by an encoder built on the tokens its texts can
    use (``linter.bpe_subset``: the same counts, without the 0.25 s the full
    encoder takes to load and build). The full encoder is built once instead
    for a file over ``SMALL_FILE`` (``expect``, from the runner), past the
    budgets of rebuilds or scanned text (streams, the API: no size hint), and
    before a fork (``linter.parallel``'s workers inherit it).
    """

    SHORT = 32  # strings up to this many characters have their counts memoised
    MAX_MEMO = 16_384
    # Each cover that brings new tokens rebuilds the subset encoder (~5 ms); the full one costs
    # ~0.25 s (its ranks and its build). Without a hint, a few rebuilds: a big file wastes little.
    SUBSET_REBUILDS = 4
    SMALL_FILE = 128 << 10  # a file this small (``expect``) is covered at once: 0.2 s less at 100 KB
    SMALL_FILE_REBUILDS = 24  # the run's budget once a small file was covered (texts its lines do not hold)
    SUBSET_SCAN_BYTES = 256 << 10  # text scanned for its tokens in all (bpe_subset), whatever the hint
    # A process that builds many (lint_text in a loop: a tokenizer per call) builds the full
    # encoder once instead, which every later tokenizer of the process reuses at no cost
    PROCESS_SUBSET_BUILDS = 48

    def __init__(self, encoding_name: str) -> None:
        self.encoding_name = encoding_name
        self._encode = None  # the encode function for the next text: the subset's, then the full one
        self._public = None
        self._subset = None  # a SubsetEncoder while it pays; False once the full encoder is built (or cannot be skipped)
        self._rebuilds = self.SUBSET_REBUILDS  # the subset's budget, until it starts (0 after a big file)
        self._raised = False
        self._required = False  # require() read the BPE file: statistics will count; the encoder is not chosen yet
        # Roles, names and call ids are tokenized on every message by the
        # cookbook formula and repeat endlessly: a dict lookup instead of a call
        # into the tokenizer (counts are deterministic, so the memo is exact).
        self._short: dict[str, int] = {}
        self._tools: dict[bytes, int] = {}  # serialised tools/functions -> their tokens

    def load(self) -> None:
        """Build the full encoder now (raises TokenizerUnavailable): every count after this is a lookup and a call."""
        self._full()

    def require(self) -> None:
        """Read the encoding's BPE file now (raises TokenizerUnavailable), so that a run fails
        before its first output. The encoder is chosen at the first count (``_start``), once
        ``expect`` may have said how big the file is: a big one goes straight to the full encoder,
        where reading the subset's vocabulary first cost 0.08 s for nothing (on the critical path of
        a parallel run, whose parent builds the encoder before it forks)."""
        if self._subset is None and not self._required:
            _loading(self.encoding_name, _read_bpe_file)
            self._required = True
            _SUBSETS.add(self)  # a fork before the first count builds the full encoder first, for the workers

    def _start(self) -> None:
        """Choose the encoder for the first count: a subset one (``bpe_subset``), or the full one."""
        if self._subset is None:
            self._start_subset()

    def expect(self, size: int | None, path: str | None = None) -> None:
        """A hint from the runner: the size in bytes of the file about to be counted (None when
        unknown: a stream) and its path. When every row will be counted (``require`` was called:
        token statistics), a small JSON Lines file has the strings of its lines covered at once
        (one rebuild for the file, not one a row) and the run's rebuild budget is raised once,
        for the texts its rows make that its lines do not hold (roles of other formats). A big
        file needs the full encoder, built at its first new token without rebuilds spent first."""
        if size is None:
            return
        subset = self._subset
        if size > self.SMALL_FILE:
            if subset:
                subset.rebuilds = 0
            self._rebuilds = 0
            return
        if subset is None and self._required:  # statistics of a small file: a subset encoder, covered at once
            self._start_subset()
            subset = self._subset
        if subset and path is not None and self._cover_file(path) and not self._raised:
            self._raised = True
            subset.rebuilds += self.SMALL_FILE_REBUILDS - self.SUBSET_REBUILDS

    def _cover_file(self, path: str) -> bool:
        """Cover the strings of the file's JSON lines; False when it has none (CSV, gzip...:
        its rows are covered one by one, within the default budget)."""
        try:
            with open(path, "rb") as handle:
                data = handle.read(self.SMALL_FILE + 1)
        except OSError:
            return False  # the run reports it
        texts: list[str] = []
        for line in data.splitlines():
            try:
                texts.extend(_strings(orjson.loads(line)))
            except orjson.JSONDecodeError:
                continue  # not a JSON line: a broken row, or not JSON Lines at all
        if texts and not self._subset.cover(texts):
            self._full()
        return bool(texts) and bool(self._subset)

    def _start_subset(self) -> None:
        from . import bpe_subset
        from .bpe_cache import built

        if built(self.encoding_name) or bpe_subset.builds >= self.PROCESS_SUBSET_BUILDS or self._rebuilds == 0:
            self._full()
            return
        vocabulary = load_vocabulary(self.encoding_name)
        if vocabulary is None:
            self._full()
        else:
            try:
                self._subset = bpe_subset.SubsetEncoder(*vocabulary, self._rebuilds, self.SUBSET_SCAN_BYTES)
            except Exception:  # noqa: BLE001 - a damaged shard in a cache file that looked whole: the full encoder counts
                self._full()
                return
            _SUBSETS.add(self)
            self._encode = self._subset_encode

    def _encoder(self):
        """The function that encodes the next text (``_subset_encode`` at first, then the full
        encoding's Rust ``encode_ordinary``, called without tiktoken's Python wrapper: a fifth
        of the cost of a short text); ``count_text`` falls back to the wrapper for what the
        core refuses (lone surrogates)."""
        if self._encode is None:
            self._start()
        return self._encode

    def _full(self):
        """Build the full encoder (once) and use it from now on; returns its encode function."""
        if self._subset is not False:
            encoding = load_encoding(self.encoding_name)
            self._public = encoding.encode_ordinary
            core = getattr(getattr(encoding, "_core_bpe", None), "encode_ordinary", None)
            self._encode = core or self._public
            self._subset = False
            _SUBSETS.discard(self)
        return self._encode

    def _subset_encode(self, text: str) -> list[int]:
        subset = self._subset
        if subset:
            tokens = subset.encode(text)
            if tokens is not None:
                return tokens
        return self._full()(text)

    def _cover(self, value: Any) -> None:
        """Grow the subset encoder by every string of a row at once: one rebuild per row, not per string."""
        if self._subset and not self._subset.cover(_strings(value)):
            self._full()

    def _fallback(self, text: str) -> list[int]:
        """tiktoken's Python ``encode_ordinary`` (it mends lone surrogates), on the full encoder."""
        self._full()
        return self._public(text)

    def count_text(self, text: str) -> int:
        short = len(text) <= self.SHORT
        if short:
            count = self._short.get(text)
            if count is not None:
                return count
        try:
            count = len((self._encode or self._encoder())(text))
        except UnicodeEncodeError:
            count = len(self._fallback(text))
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
        if self._subset is None:
            self._start()
        if self._subset:
            self._cover(value)
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

    def plain_layout(self, value: Any) -> tuple | None:
        """What ``count_detail`` gives a row of nothing but ``messages``, each holding only a string
        ``content`` beside its ``role``, ``name`` and ``weight``, apart from its contents' tokens:
        ``(total, assistant, trained, ((index, assistant's, trained), ...))``, the same for every row of
        the same skeleton (``linter.fast_path``); None for any other row."""
        messages = value.get("messages") if type(value) is dict and len(value) == 1 else None
        if type(messages) is not list:
            return None
        total, assistant, trained = REPLY_PRIMING, 0, 0
        slots = []
        for index, message in enumerate(messages):
            if type(message) is not dict or not message.keys() <= _PLAIN_MESSAGE_KEYS or type(message.get("content")) is not str:
                return None
            tokens = TOKENS_PER_MESSAGE
            for key, item in message.items():  # what _count_message counts besides the content
                if key != "content" and key != "weight" and isinstance(item, str):
                    tokens += self.count_text(item) + (TOKENS_PER_NAME if key == "name" else 0)
            said = message.get("role") == "assistant"
            learnt = said and message.get("weight", 1) != 0
            total += tokens
            assistant += tokens if said else 0
            trained += tokens if learnt else 0
            slots.append((index, said, learnt))
        return total, assistant, trained, tuple(slots)

    def count_plain_many(self, layout: tuple, values: Iterable[dict]) -> tuple[list[int], list[int], list[int]]:
        """``count_detail`` of many rows ``plain_layout`` gave ``layout`` for (rows of one skeleton), as three
        lists (totals, assistant's, trained): each
        content through the encoder or the short-text memo without a method call (``stats`` counts every
        row: the calls per content and per row cost 1.5 us of a short row's 9.5). ``values`` may be a
        generator: a row is dropped once counted (a block's rows all kept alive cost collections)."""
        if self._subset is None:
            self._start()
        if self._subset:
            values = list(values)
            for value in values:  # one rebuild per row at most, as count_detail's
                self._cover(value)
        total0, assistant0, trained0, slots = layout
        encode = self._encode or self._encoder()
        short, limit, count = self._short, self.SHORT, self.count_text
        totals, assistants, trains = [], [], []
        for value in values:
            messages = value["messages"]
            total, assistant, trained = total0, assistant0, trained0
            for index, said, learnt in slots:
                text = messages[index]["content"]
                if len(text) > limit:
                    try:
                        tokens = len(encode(text))
                    except UnicodeEncodeError:  # a lone surrogate the core refuses: count_text mends it
                        tokens = count(text)
                else:
                    tokens = short.get(text)
                    if tokens is None:
                        tokens = count(text)  # it fills the memo
                total += tokens
                if said:
                    assistant += tokens
                    if learnt:
                        trained += tokens
            totals.append(total)
            assistants.append(assistant)
            trains.append(trained)
        return totals, assistants, trains

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
        return _per_definitions(self._tools, value, self._count_definitions)

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
            total += self.count_text(_signature(function))
            properties = _properties(function)
            if properties:
                total += prop_init
                for key, prop in properties.items():
                    prop = prop if isinstance(prop, dict) else {}
                    total += prop_key
                    total += self.count_text(_property_text(key, prop))
                    enum = prop.get("enum")
                    if isinstance(enum, list) and enum:
                        total += enum_init
                        for item in enum:
                            total += enum_item + self.count_text(str(item))
        return total + func_end


def _strings(value: Any) -> Iterator[str]:
    """Every string a row's count can encode: its string values and the tool signatures built from them."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        # numbers are left out (str() of a huge int raises): an enum item counted as str(item)
        # is covered when it is encoded (SubsetEncoder.encode), at the cost of a rebuild
    if isinstance(value, dict) and ("tools" in value or "functions" in value):
        for function in _function_definitions(value):
            yield _signature(function)
            for key, prop in _properties(function).items():
                yield _property_text(key, prop if isinstance(prop, dict) else {})


def _signature(function: dict) -> str:
    """``name:description``, the text the cookbook counts for a function definition."""
    description = str(function.get("description") or "").rstrip(".")
    return f"{function.get('name', '')}:{description}"


def _property_text(key: str, prop: dict) -> str:
    """``key:type:description``, the text the cookbook counts for one parameter."""
    description = str(prop.get("description") or "").rstrip(".")
    return f"{key}:{prop.get('type', '')}:{description}"


# Tokenizers that will count but have no full encoder yet (on a subset encoder, or required and not
# started): a fork (linter.parallel's workers, which count a big file's rows) builds their full encoder
# first, so each worker inherits it.
_SUBSETS: "weakref.WeakSet[Tokenizer]" = weakref.WeakSet()


def _full_before_fork() -> None:
    for tokenizer in list(_SUBSETS):
        try:
            tokenizer._full()
        except TokenizerUnavailable:
            pass  # the workers report it, as they would have without the fork


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_full_before_fork)


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
        bound += _tools_bound(value)
    return bound


def _tools_bound(value: dict) -> int:
    """The tool definitions' part of ``upper_bound``: their constants, and what their values add beyond
    their bytes in the line, worked out once per set (a walk of every enum item on every row cost up to
    50 us a row)."""
    return _per_definitions(_TOOLS_BOUNDS, value, _definitions_bound)


_TOOLS_BOUNDS: dict[bytes, int] = {}


def _per_definitions(memo: dict, value: dict, work: Callable[[dict], int]) -> int:
    """``work(value)`` of a row's tool definitions, memoised in ``memo`` by their serialisation: the same
    definitions ride along on every row of a dataset. At most 1,024 sets are kept; a value past orjson's
    limits is worked out without the memo."""
    try:
        key = orjson.dumps([value.get("tools"), value.get("functions")])
    except TypeError:
        return work(value)
    found = memo.get(key)
    if found is None:
        found = work(value)
        if len(memo) < 1024:
            memo[key] = found
    return found


def _definitions_bound(value: dict) -> int:
    bound = 12
    for function in _function_definitions(value):
        bound += 13 + _longer_than_raw(function.get("name")) + _longer_than_raw(function.get("description"))
        for prop in _properties(function).values():
            if not isinstance(prop, dict):
                bound += 3
                continue
            enum = prop.get("enum")
            bound += 3 + _longer_than_raw(prop.get("type")) + _longer_than_raw(prop.get("description"))
            if isinstance(enum, list):
                bound += 3 * len(enum) + sum(map(_longer_than_raw, enum))
    return bound


def _longer_than_raw(value: Any) -> int:
    """What a definition's value adds to the bound beyond its bytes in the line: the count encodes
    ``str(value)``, which for a string, an integer, a boolean or null is no longer than the value's
    JSON, but for a float (``1e15`` reads back as ``1000000000000000.0``), a list or an object can be
    much longer; their ``str`` is then counted whole."""
    if value is None or type(value) in _NO_LONGER_THAN_RAW:
        return 0
    return len(str(value).encode("utf-8", "surrogatepass"))


_NO_LONGER_THAN_RAW = (str, int, bool)
