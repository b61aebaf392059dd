"""Dataset statistics: sizes, token distributions, epochs and billing tokens.

Epochs and billing follow the OpenAI cookbook heuristic
(``Chat_finetuning_data_prep.ipynb``): 3 epochs, raised for tiny datasets
(at least 100 examples seen) and lowered for huge ones (at most 25,000),
clamped to 1..25; billing counts each example up to the token limit.

``check`` estimates token statistics from two strata, identical whether the
file is linted in one piece or in shards: every example of at least
``LONG_ROW_BYTES`` is counted (the long tail carries most of the variance of
a sum, and the token limit check has usually tokenized those rows already),
and the shorter ones on a deterministic sample (the first 1,000 lines, then
one line in 64), weighted up to their number. ``--exact-stats`` and
``ftlint stats`` count every example.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .text import counted

TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25
SAMPLE_HEAD = 1000
SAMPLE_STRIDE = 64  # past the head, one row in 64: thousands of samples at 100k rows, 1.5% of the tokenizing
LONG_ROW_BYTES = 8192  # rows at least this long are always counted
LONGEST = 20
# why a parsed row is not counted as an example (FileStats.not_counted), as the reports say it
IN_NO_FORMAT = "in no format"
MESSAGES_UNREAD = "whose messages are not a list"


def in_sample(line: int) -> bool:
    return line <= SAMPLE_HEAD or line % SAMPLE_STRIDE == 0


def estimate_epochs(n_examples: int) -> int:
    if n_examples <= 0:
        return 0
    if n_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_examples)
    if n_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_examples)
    return TARGET_EPOCHS


def epochs_text(epochs: int) -> str:
    """``"1 epoch"``, ``"3 epochs"``: the estimate as the text and HTML reports write it."""
    return counted(epochs, "epoch")


def _value_at(histogram: list[tuple[int, int]], rank: int) -> int:
    """The value at 0-based ``rank`` of the sorted multiset ``histogram`` ((value, count) sorted by value)."""
    seen = 0
    for value, count in histogram:
        seen += count
        if rank < seen:
            return value
    return histogram[-1][0]


def percentile(counts: Counter, q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default) over a value -> count histogram."""
    total = sum(counts.values())
    if not total:
        return 0.0
    histogram = sorted(counts.items())
    pos = (total - 1) * q
    low = int(pos)
    low_value = _value_at(histogram, low)
    high_value = _value_at(histogram, min(low + 1, total - 1))
    return low_value + (high_value - low_value) * (pos - low)


@dataclass
class FileStats:
    """Per-file counters; ``merge`` combines shards in file order."""

    lines: int = 0
    bytes: int = 0
    examples: int = 0  # parsed rows (the count FT011 and FT402 take); the reports' examples leave out not_counted
    # parsed rows that are no example, by why (IN_NO_FORMAT, MESSAGES_UNREAD): no tokens, no epochs, no billing
    not_counted: Counter = field(default_factory=Counter)
    countable: int = 0  # chat-shaped examples whose tokens count
    view_counted: int = 0  # of them, rows of other formats counted on their conversation view
    pairs: int = 0  # of those, preference pairs: counted as their prompt with the longer answer
    messages: Counter = field(default_factory=Counter)  # messages per example -> examples
    # tokens per counted example -> examples: exact percentiles in memory bounded by
    # the number of distinct counts (at most the token limit), not by the file size
    tokens: Counter = field(default_factory=Counter)
    assistant_tokens: Counter = field(default_factory=Counter)  # per counted example
    trained_tokens: Counter = field(default_factory=Counter)  # assistant tokens with weight != 0
    # what a counted pair bills beyond its counted sequence cut at the limit (rules.tokens.extra_billed: a pair's
    # prompt once and both answers), per pair; examples of one sequence bill that sequence cut at the limit
    billed: Counter = field(default_factory=Counter)
    # the sampled stratum (rows under LONG_ROW_BYTES, when not counting every row):
    # its sample's histograms, and how many rows it has
    sampled_tokens: Counter = field(default_factory=Counter)
    sampled_assistant: Counter = field(default_factory=Counter)
    sampled_trained: Counter = field(default_factory=Counter)
    sampled_billed: Counter = field(default_factory=Counter)
    short_countable: int = 0
    max_tokens_seen: int = 0
    over_limit: int = 0
    longest: list = field(default_factory=list)  # (tokens, line) of the longest counted examples, at most LONGEST
    trainer: Counter = field(default_factory=Counter)  # linter.trainer's tallies (truncation, template errors)

    def add_tokens(self, total: int, assistant: int, trained: int, sampled: bool = False, extra_billed: int = 0) -> None:
        """One counted example, into the histograms of every row or of the sampled stratum's sample. The
        billing estimate charges ``total`` cut at the limit, plus ``extra_billed`` (a preference pair's other
        answer: ``rules.tokens.extra_billed``), kept only where it is not 0."""
        if sampled:
            self.sampled_tokens[total] += 1
            self.sampled_assistant[assistant] += 1
            self.sampled_trained[trained] += 1
        else:
            self.tokens[total] += 1
            self.assistant_tokens[assistant] += 1
            self.trained_tokens[trained] += 1
        if extra_billed:
            (self.sampled_billed if sampled else self.billed)[extra_billed] += 1

    def note_counted(self, tokens: int, line: int, limit: int) -> None:
        """What the statistics keep of every counted row, sampled or not: the longest count, the longest
        examples and how many are over ``limit`` (the engine's slow way and its fast path alike)."""
        self.max_tokens_seen = max(self.max_tokens_seen, tokens)
        self.note_length(tokens, line)
        if tokens > limit:
            self.over_limit += 1

    def add_counted_block(self, totals, assistants, trained, lines, limit: int) -> None:
        """``add_tokens`` (every row, no extra billing) and ``note_counted`` of many rows at once (the fast
        path's block of counted rows): numpy integer arrays of one length, ``lines`` their line numbers. The
        histograms, the longest count and the longest examples do not depend on the order rows come in."""
        self.tokens.update(totals.tolist())
        self.assistant_tokens.update(assistants.tolist())
        self.trained_tokens.update(trained.tolist())
        self.note_counted_block(totals, lines, limit)

    def note_counted_block(self, totals, lines, limit: int) -> None:
        """``note_counted`` of many rows at once (numpy integer arrays of one length)."""
        import numpy as np

        if not len(totals):
            return
        top = int(totals.max())
        self.max_tokens_seen = max(self.max_tokens_seen, top)
        self.over_limit += int(np.count_nonzero(totals > limit))
        if len(self.longest) >= LONGEST and top < self.longest[0][0]:
            return  # none of them is longer than the shortest of the longest kept
        if len(totals) > LONGEST:  # the block's own longest: ties within it keep their earlier lines
            order = np.lexsort((lines, -totals))[:LONGEST]
            totals, lines = totals[order], lines[order]
        for tokens, line in zip(totals.tolist(), lines.tolist()):
            self.note_length(tokens, line)

    def note_length(self, tokens: int, line: int) -> None:
        item = (tokens, -line)  # ties: the earlier line ranks higher
        if len(self.longest) < LONGEST:
            heapq.heappush(self.longest, item)
        elif item > self.longest[0]:
            heapq.heapreplace(self.longest, item)

    def longest_examples(self) -> list[tuple[int, int]]:
        """``(line, tokens)``, longest first."""
        return [(-line, tokens) for tokens, line in sorted(self.longest, reverse=True)]

    def merge(self, other: "FileStats") -> "FileStats":
        self.lines += other.lines
        self.bytes += other.bytes
        self.examples += other.examples
        self.not_counted.update(other.not_counted)
        self.countable += other.countable
        self.view_counted += other.view_counted
        self.pairs += other.pairs
        self.messages.update(other.messages)
        self.tokens.update(other.tokens)
        self.assistant_tokens.update(other.assistant_tokens)
        self.trained_tokens.update(other.trained_tokens)
        self.billed.update(other.billed)
        self.sampled_billed.update(other.sampled_billed)
        self.sampled_tokens.update(other.sampled_tokens)
        self.sampled_assistant.update(other.sampled_assistant)
        self.sampled_trained.update(other.sampled_trained)
        self.short_countable += other.short_countable
        self.max_tokens_seen = max(self.max_tokens_seen, other.max_tokens_seen)
        self.over_limit += other.over_limit
        self.trainer.update(other.trainer)
        for tokens, line in other.longest:
            self.note_length(tokens, -line)
        return self

    def summary(self, *, token_limit: int, encoding: str, model: str | None = None, prices: dict | None = None) -> dict[str, Any]:
        """The JSON-ready summary (documented in docs/output.md)."""
        out: dict[str, Any] = {"lines": self.lines, "bytes": self.bytes, "examples": self.examples - sum(self.not_counted.values())}
        if self.not_counted:
            out["not_counted"] = dict(sorted(self.not_counted.items()))
        if self.messages:
            out["messages_per_example"] = _distribution(self.messages)
        sampled = sum(self.sampled_tokens.values())
        weight = self.short_countable / sampled if sampled else 0.0
        tokens = _weighted(self.tokens, self.sampled_tokens, weight)
        if tokens:
            dist = _distribution(tokens)
            dist["max"] = max(dist["max"], self.max_tokens_seen)
            counted = sum(self.tokens.values()) + sampled
            complete = counted >= self.countable
            # every example bills its counted sequence cut at the limit, a pair its other answer besides
            extra = _weighted(self.billed, self.sampled_billed, weight)
            billed = sum(min(token_limit, value) * n for value, n in tokens.items()) + sum(value * n for value, n in extra.items())
            mean_billed = billed / sum(tokens.values())
            billing = round(mean_billed * self.countable)
            epochs = estimate_epochs(self.countable)
            out["tokens"] = {
                "encoding": encoding,
                "limit": token_limit,
                "counted_examples": counted,
                "countable_examples": self.countable,
                "exact": complete,
                "counted_on_view": self.view_counted,
                "pairs": self.pairs,
                "over_limit": self.over_limit,
                **dist,
                "billing_tokens_per_epoch": billing,
                "estimated_epochs": epochs,
                "estimated_billing_tokens": billing * epochs,
            }
            assistant = _weighted(self.assistant_tokens, self.sampled_assistant, weight)
            if assistant:
                trained = _weighted(self.trained_tokens, self.sampled_trained, weight)
                out["assistant_tokens"] = _distribution(assistant)
                scale = self.countable / sum(trained.values())
                out["trained_tokens"] = {
                    **_distribution(trained),
                    "total_per_epoch": round(sum(v * n for v, n in trained.items()) * scale),
                }
            if model:
                from .prices import price_for

                price = price_for(model, prices)
                if price is not None:
                    out["tokens"]["estimated_cost_usd"] = round(price.cost(billing * epochs), 2)
                    out["tokens"]["price"] = {"model": price.model, "usd_per_million": price.usd_per_million, "as_of": price.as_of}
        return out


def not_counted_text(not_counted: dict[str, int]) -> str:
    """``2 row(s) in no format, 1 row(s) whose messages are not a list``: a summary's ``not_counted`` as the reports say it."""
    return ", ".join(f"{count:,} row(s) {reason}" for reason, count in not_counted.items())


def _weighted(counted: Counter, sample: Counter, weight: float) -> Counter:
    """Rows counted one for one, plus a sample's rows weighted up to the stratum they stand for."""
    if not sample:
        return counted
    combined = Counter(counted)
    for value, n in sample.items():
        combined[value] += max(1, round(n * weight))
    return combined


def _distribution(counts: Counter) -> dict[str, float]:
    total = sum(counts.values())
    return {
        "min": min(counts),
        "mean": round(sum(value * n for value, n in counts.items()) / total, 2),
        "p50": percentile(counts, 0.5),
        "p90": percentile(counts, 0.9),
        "max": max(counts),
    }
