"""The trainer's view of one example: its exact tokens, trained tokens and truncation.

``TrainerView`` renders a row with the model's chat template, tokenizes the
text as ``apply_chat_template(tokenize=True)`` does (no extra special tokens),
and builds the assistant mask from the ``generation`` blocks exactly as
transformers' ``return_assistant_tokens_mask`` does (a token is trained when
its character span overlaps a block). A template without generation blocks
falls back to the assistant messages' contents, found in the rendered text in
order (``mask_source`` says which). Truncation is the trainer's
(``linter.trainer.truncation``): keep the first ``max_seq_length`` tokens (TRL,
axolotl), or LLaMA-Factory's per-turn cut when its config is given.

The view also answers the engine's token-counter interface (``count_row``,
``count_example``, ``count_detail``, ``encoding_name``), so FT300, the text,
JSON and HTML statistics all use these exact figures when it is configured.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from .hf_tokenizer import HFTokenizer, MistralFiles
from .mappings import PlainText, Skip
from .messages import messages_for_template, tools_for_template
from .template import ChatTemplate, TemplateFailure
from .truncation import KEEP_START, LLAMAFACTORY, WHOLE, llamafactory_trained

GENERATION_BLOCKS = "generation blocks"
ASSISTANT_CONTENT = "assistant contents (the template has no generation blocks)"
MISTRAL_MASK = "assistant messages with weight 1 (mistral-common)"
MISTRAL_COMMON_MASK = "assistant messages (mistral-common; weight is mistral-finetune's and not read)"


@dataclass(frozen=True)
class Analysis:
    """What the trainer makes of one example."""

    tokens: int = 0  # the whole rendered example
    trained: int = 0  # tokens under the assistant mask, before truncation
    kept_trained: int = 0  # ... within max_seq_length
    error: str | None = None  # the template's (or mistral-common's) message when it cannot be rendered
    renderable: bool = True  # False when the row has no conversation to render
    skipped: str | None = None  # why the trainer drops the row as its config reads it (a mapping's Skip): FT315
    pieces: int = 0  # a plain text the trainer splits into this many samples (axolotl completion); 0: not split
    problems: tuple = ()  # why mistral-finetune refuses the example (``linter.trainer.mistral.Problem``s): FT310


NOT_A_CONVERSATION = Analysis(renderable=False)
ANALYSIS_KEY = "trainer-analysis"  # where a row's Analysis is memoised (``Row.derived``)
BATCH_ROWS = 512  # rows whose rendered texts are tokenized in one ``encode_batch``
BATCH_BYTES = 16 * 1024 * 1024  # ... or fewer, once their lines hold this many bytes


class TrainerView:
    """Exact counts for one tokenizer, template and maximum sequence length."""

    def __init__(self, tokenizer: HFTokenizer | MistralFiles, max_seq_length: int | None = None,
                 assistant_only_loss: bool | None = None, chat_template: ChatTemplate | None = None,
                 trainer: str = "") -> None:
        self.source = tokenizer
        self.max_seq_length = max_seq_length
        self.assistant_only_loss = assistant_only_loss
        self.framework = ""  # the trainer config's framework (trl, axolotl, llamafactory), "" for --tokenizer alone
        self.truncation = KEEP_START  # or LLAMAFACTORY (a LLaMA-Factory config), DROP or RAISE (axolotl's)
        self.truncation_from = ""
        self.mask_history = False  # LLaMA-Factory's mask_history: only the last answer is trained
        self.limit_from = ""  # where max_seq_length came from, for the reports
        self.encoding_name = tokenizer.name
        self._short: dict[str, int] = {}
        self.mappers: dict[str, Any] = {}  # resolved dataset path -> row mapping (from a trainer config)
        self.notes: list[str] = []  # what the trainer config could not be mirrored exactly
        self._mapper = None
        if isinstance(tokenizer, MistralFiles):
            from .mistral import MistralBackend

            self.backend = MistralBackend(tokenizer.path, trainer)  # the request of mistral-finetune, or of the trainer
            self.template = None
            self.mask_source = MISTRAL_COMMON_MASK if trainer else MISTRAL_MASK
        else:
            self.backend = None
            self.template = chat_template or (ChatTemplate(tokenizer.chat_template, tokenizer.special_tokens)
                                              if tokenizer.chat_template else None)
            self.mask_source = GENERATION_BLOCKS if self.template and self.template.has_generation else ASSISTANT_CONTENT
        from .fastpath import ShapeCache

        self.shapes = ShapeCache(self.template) if self.template is not None else None

    # -- the trainer's figures --------------------------------------------------------------

    def for_path(self, path: str) -> "TrainerView":
        """Use the row mapping a trainer config gives this file (the engine lints one file at a time)."""
        self._mapper = self.mappers.get(_resolved(path))
        return self

    @property
    def mapping(self) -> Any:
        """The trainer config's mapping for the file being linted (``for_path``), or None."""
        return self._mapper

    def profile_for(self, path: str, profile: Any) -> Any:
        """``profile`` with the roles the trainer config's mapping of ``path`` reads, when it declares them:
        FT106 then accepts exactly the roles (LLaMA-Factory tags, axolotl roles) the trainer maps, and
        FT121/FT117 the tags a conversation may open and end with."""
        mapping = self.for_path(path).mapping
        roles = getattr(mapping, "roles", None)
        if roles is None:
            return profile
        import dataclasses

        order = {key: getattr(mapping, key) for key in ("first_roles", "last_roles")
                 if getattr(mapping, key, None) is not None and getattr(profile, key) is not None}
        return dataclasses.replace(profile, roles=roles, sharegpt_tags=roles if profile.sharegpt_tags is not None else None,
                                   sharegpt_tags_from=mapping.roles_from, **order)

    def _conversation(self, row: Any) -> tuple[list[dict] | None, list | None]:
        """The messages and tools to render: the trainer config's mapping wins, else the row's own.
        A row the mapping skips gives its ``Skip`` in place of the messages."""
        if self._mapper is not None:
            row = self._mapper(getattr(row, "value", row))
            if isinstance(row, (Skip, PlainText)):
                return row, None
        messages = messages_for_template(row)
        return messages, (tools_for_template(row) if messages is not None else None)

    def analyse(self, row: Any) -> Analysis:
        """What the trainer makes of a row (a ``linter.rows.Row`` or a parsed value)."""
        return self.analyse_many([row])[0]

    def _analyse_without_jinja(self, messages: list[dict], tools: list | None) -> Analysis:
        """A conversation for a Mistral backend (mistral-common renders and counts), or with no template at all."""
        if self.backend is not None:
            return self.backend.analyse(messages, tools, self.max_seq_length)
        return Analysis(error=f"{self.source.name} has no chat template (tokenizer_config.json chat_template or chat_template.jinja)")

    def render(self, messages: list[dict], tools: list | None, exact: bool = False):
        """The row's rendering: spliced from its shape's skeleton when possible, else by Jinja."""
        rendered = None if exact or self.shapes is None else self.shapes.render(messages, tools)
        return rendered if rendered is not None else self.template.render(messages, tools)

    def analyse_many(self, values: list[Any]) -> list[Analysis]:
        """``analyse`` for many rows, tokenizing the rendered texts in one batch on every core."""
        out: list[Analysis | None] = [None] * len(values)
        texts, spans, where, plain, plain_where = [], [], [], [], []
        for i, value in enumerate(values):
            messages, tools = self._conversation(value)
            out[i] = _not_rendered(messages)
            if out[i] is not None:
                continue
            if isinstance(messages, PlainText):  # tokenized as it is, with the tokenizer's special tokens
                plain.append(messages.text)
                plain_where.append(i)
                continue
            if self.backend is not None or self.template is None:
                out[i] = self._analyse_without_jinja(messages, tools)
                continue
            try:
                rendered = self.render(messages, tools)
            except TemplateFailure as exc:
                out[i] = Analysis(error=str(exc))
                continue
            texts.append(rendered.text)
            spans.append(rendered.spans if self.template.has_generation else assistant_spans(rendered.text, messages))
            where.append(i)
        encodings = self.source.backend.encode_batch(texts, add_special_tokens=False) if texts else ()
        for i, encoding, row_spans, text in zip(where, encodings, spans, texts):
            out[i] = self._measure(encoding, row_spans, text)
        if plain and self.backend is None:  # (a Mistral tokenizer file has no plain-text path here: not counted)
            for i, encoding in zip(plain_where, self.source.backend.encode_batch(plain, add_special_tokens=True)):
                out[i] = self._measure_plain(encoding.ids)
        return [found or NOT_A_CONVERSATION for found in out]

    def prefetch(self, rows: Any, classify: Any, size: int = BATCH_ROWS):
        """Yield ``rows`` unchanged and in order, having analysed them ``size`` at a time.

        The engine reads one row at a time; tokenizing one text at a time keeps
        the Rust tokenizer on one core. Here each batch of parsed rows is
        classified (``classify(row)``, which the engine then skips) and its
        rendered texts go through one ``encode_batch`` (every core); each
        row's Analysis is memoised where ``analysis_of`` finds it.
        """
        batch: list[Any] = []
        held = 0
        for row in rows:
            batch.append(row)
            held += row.length
            if len(batch) >= size or held >= BATCH_BYTES:  # a batch of huge rows is cut short: memory stays bounded
                self._analyse_rows(batch, classify)
                yield from batch
                batch, held = [], 0
        if batch:
            self._analyse_rows(batch, classify)
            yield from batch

    def _analyse_rows(self, batch: list[Any], classify: Any) -> None:
        parsed = [row for row in batch if row.parsed]
        for row in parsed:
            classify(row)
        try:
            analyses = self.analyse_many(parsed)
        except Exception:  # noqa: BLE001 - a bug on one row: the rules analyse each row alone, where a failure is isolated
            return
        for row, found in zip(parsed, analyses):
            if row.memo is None:
                row.memo = {}
            row.memo[ANALYSIS_KEY] = found

    def _measure_plain(self, ids: list[int]) -> Analysis:
        """axolotl's completion type (prompt_strategies/completion.py, prompt_tokenizers.py ``_tokenize``): the
        text is tokenized with special tokens up to 64 x sequence_len, EOS appended unless it ends the text or
        that cap is reached; every token is trained, and the tokens are split into samples of sequence_len.
        A last piece under two tokens is dropped (``min_sample_len``'s default), as is the rest past the cap."""
        limit = self.max_seq_length
        eos = self._eos_id
        ends = eos is not None and (not ids or ids[-1] != eos)
        total = len(ids) + ends
        cap = 64 * limit if limit else total
        kept = min(len(ids), cap)
        if ends and kept < cap:
            kept += 1
        pieces = -(-kept // limit) if limit else 1
        last = kept - (pieces - 1) * (limit or kept)
        if last < 2:  # dropped: no sample of its own (a text of one piece keeps pieces=1, the mark of a split text)
            kept -= last
            pieces -= pieces > 1
        return Analysis(total, total, kept, pieces=pieces)

    @functools.cached_property
    def _eos_id(self) -> int | None:
        """The tokenizer's EOS token id (looked up once: axolotl's completion type appends it to every row)."""
        eos = self.source.special_tokens.get("eos_token")
        eos = eos.get("content") if isinstance(eos, dict) else eos
        return self.source.backend.token_to_id(eos) if isinstance(eos, str) else None

    def _measure(self, encoding: Any, spans: list[tuple[int, int]], text: str) -> Analysis:
        total = len(encoding)
        limit = self.max_seq_length or total
        ranges = _token_ranges(encoding, spans, len(text))
        if ranges is None:  # a span the quick way cannot place: the full mask
            mask = assistant_mask(encoding.offsets, spans)
            if self.truncation != LLAMAFACTORY:
                whole_gone = self.truncation in WHOLE and total > limit
                return Analysis(total, sum(mask), 0 if whole_gone else sum(mask[:limit]))
            ranges = _runs(mask)
        if self.truncation == LLAMAFACTORY:
            return Analysis(total, *llamafactory_trained(ranges, total, self.max_seq_length, self.mask_history))
        trained = sum(b - a for a, b in ranges)
        if self.truncation in WHOLE and total > limit:
            return Analysis(total, trained, 0)  # axolotl removes the example (or stops): nothing of it is trained
        kept = sum(max(0, min(b, limit) - a) for a, b in ranges)
        return Analysis(total, trained, kept)

    # -- the engine's token-counter interface ------------------------------------------------

    def load(self) -> None:
        """Everything loads when the view is built; nothing is left to fail later."""

    def count_row(self, row: Any) -> int:
        """Tokens of a parsed row, cached on it with ``(trained, trained within the limit)``."""
        if row.tokens is None:
            row.tokens, trained, kept = self.count_detail(row.value, row)
            row.token_parts = (trained, kept)
        return row.tokens

    def count_example(self, value: Any) -> int:
        return self.analyse(value).tokens

    def count_detail(self, value: Any, row: Any = None) -> tuple[int, int, int]:
        found = self.analysis_of(row) if row is not None else self.analyse(value)
        return found.tokens, found.trained, found.kept_trained

    def analysis_of(self, row: Any) -> Analysis:
        """The row's analysis, computed once and shared by the rules and the statistics."""
        return row.derived(ANALYSIS_KEY, self.analyse)

    def count_text(self, text: str) -> int:
        if self.backend is not None:
            return self.backend.count_text(text)
        count = self._short.get(text)
        if count is None:
            count = len(self.source.backend.encode(text, add_special_tokens=False).ids)
            if len(text) <= 32 and len(self._short) < 16384:
                self._short[text] = count
        return count

    def tally(self, row: Any, counts: Any) -> bool:
        """Add one row to the file's trainer tallies (a Counter that merges across shards);
        False when the trainer cannot render it, so it has no tokens to count."""
        found = self.analysis_of(row)
        if not found.renderable:
            return False
        if found.error is not None:
            counts["template_errors"] += 1
            return False
        counts["examples"] += 1
        counts["tokens"] += found.tokens
        counts["trained_tokens"] += found.trained
        counts["trained_tokens_kept"] += found.kept_trained
        if found.pieces:  # split into samples (axolotl completion), not truncated
            counts["tokens_kept"] += found.kept_trained
            return True
        counts["tokens_kept"] += min(found.tokens, self.max_seq_length or found.tokens)
        if self.max_seq_length and found.tokens > self.max_seq_length:
            counts["truncated_examples"] += 1
            if found.trained and not found.kept_trained:
                counts["examples_left_untrained"] += 1
        if not found.trained:
            counts["examples_without_trained_tokens"] += 1
        return True

    def describe(self) -> dict[str, Any]:
        """What the reports print about the view."""
        return {
            "tokenizer": self.encoding_name,
            "max_seq_length": self.max_seq_length,
            "trained_tokens_from": self.mask_source,
            "assistant_only_loss": self.assistant_only_loss,
            "truncation": self.truncation,
            "max_seq_length_from": self.limit_from,
        }


def _not_rendered(messages: Any) -> Analysis | None:
    """The analysis of a row with nothing to render (no conversation, or a row the mapping skips), else None."""
    if messages is None:
        return NOT_A_CONVERSATION
    if isinstance(messages, Skip):
        return Analysis(renderable=False, skipped=messages.reason)
    return None


def _resolved(path: str) -> str:
    """The key of ``mappers``: the resolved path (the engine names files as the user typed them)."""
    from pathlib import Path

    try:
        return str(Path(path).resolve())
    except OSError:
        return path


def assistant_mask(offsets: list[tuple[int, int]], spans: list[tuple[int, int]]) -> list[int]:
    """1 for every token whose characters overlap a span: transformers' ``assistant_masks`` (5.x)."""
    mask = [0] * len(offsets)
    index = 0
    count = len(spans)
    for token, (start, end) in enumerate(offsets):
        while index < count and start >= spans[index][1]:
            index += 1
        if index == count:
            break
        if end > spans[index][0]:
            mask[token] = 1
    return mask


def _runs(mask: list[int]) -> list[tuple[int, int]]:
    """The ``[start, end)`` ranges of consecutive 1s in a mask."""
    ranges: list[tuple[int, int]] = []
    start = None
    for index, bit in enumerate(mask + [0]):
        if bit and start is None:
            start = index
        elif not bit and start is not None:
            ranges.append((start, index))
            start = None
    return ranges


def _token_ranges(encoding: Any, spans: list[tuple[int, int]], length: int) -> list[tuple[int, int]] | None:
    """Token ranges ``[a, b)`` that overlap the spans (``assistant_mask``'s rule), from a few
    Rust lookups per span instead of a walk over every token's offsets.

    The first token overlapping ``[start, end)`` holds character ``start``; the
    last is the token holding character ``end`` when it starts before ``end``,
    else the one before it (or the last token, for a span that ends the text).
    None when a lookup finds no token (then ``assistant_mask`` decides).
    """
    ranges: list[tuple[int, int]] = []
    count = len(encoding)
    for start, end in spans:
        if end <= start:
            return None
        first = encoding.char_to_token(start)
        if first is None:
            return None
        if end >= length:
            last = count - 1
        else:
            after = encoding.char_to_token(end)
            if after is None:
                return None
            last = after if encoding.token_to_chars(after)[0] < end else after - 1
        if ranges and first < ranges[-1][1]:  # a token shared with the previous span counts once
            first = ranges[-1][1]
        if last + 1 > first:
            ranges.append((first, last + 1))
    return ranges


def assistant_spans(text: str, messages: list[dict]) -> list[tuple[int, int]]:
    """Where each assistant message's text content appears in the rendered text, searched in order."""
    spans = []
    position = 0
    for message in messages:
        if message.get("role") != "assistant":
            continue
        content = message.get("content")
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
        if not isinstance(content, str) or not content:
            continue
        found = text.find(content, position)
        if found < 0:
            continue
        spans.append((found, found + len(content)))
        position = found + len(content)
    return spans
