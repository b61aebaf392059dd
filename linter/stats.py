"""Dataset statistics: sizes, token distributions, epochs and billing tokens.

Epochs and billing follow the OpenAI cookbook heuristic
(``Chat_finetuning_data_prep.ipynb``): 3 epochs, raised for tiny datasets
(at least 100 examples seen) and lowered for huge ones (at most 25,000),
clamped to 1..25; billing counts each example up to the token limit.

``check`` counts tokens on a deterministic sample (the first 1,000 examples
and every 16th after), identical whether the file is linted in one piece or
in shards; ``--exact-stats`` and ``ftlint stats`` count every example.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25
SAMPLE_HEAD = 1000
SAMPLE_STRIDE = 16


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


def percentile(values: list[int], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); ``values`` sorted."""
    if not values:
        return 0.0
    pos = (len(values) - 1) * q
    low = int(pos)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (pos - low)


@dataclass
class FileStats:
    """Per-file counters; ``merge`` combines shards in file order."""

    lines: int = 0
    bytes: int = 0
    examples: int = 0
    countable: int = 0  # chat-shaped examples whose tokens count
    messages: Counter = field(default_factory=Counter)  # messages per example -> examples
    tokens: list[int] = field(default_factory=list)  # counted examples (the sample, or all)
    max_tokens_seen: int = 0
    over_limit: int = 0

    def merge(self, other: "FileStats") -> "FileStats":
        self.lines += other.lines
        self.bytes += other.bytes
        self.examples += other.examples
        self.countable += other.countable
        self.messages.update(other.messages)
        self.tokens.extend(other.tokens)
        self.max_tokens_seen = max(self.max_tokens_seen, other.max_tokens_seen)
        self.over_limit += other.over_limit
        return self

    def summary(self, *, token_limit: int, encoding: str) -> dict[str, Any]:
        """The JSON-ready summary (documented in docs/output.md)."""
        out: dict[str, Any] = {"lines": self.lines, "bytes": self.bytes, "examples": self.examples}
        if self.messages:
            counts = sorted(self.messages.elements())
            out["messages_per_example"] = _distribution(counts)
        if self.tokens:
            counts = sorted(self.tokens)
            dist = _distribution(counts)
            dist["max"] = max(dist["max"], self.max_tokens_seen)
            counted = len(counts)
            complete = counted >= self.countable
            mean_billed = sum(min(token_limit, c) for c in counts) / counted
            billing = round(mean_billed * self.countable)
            epochs = estimate_epochs(self.countable)
            out["tokens"] = {
                "encoding": encoding,
                "limit": token_limit,
                "counted_examples": counted,
                "countable_examples": self.countable,
                "exact": complete,
                "over_limit": self.over_limit,
                **dist,
                "billing_tokens_per_epoch": billing,
                "estimated_epochs": epochs,
                "estimated_billing_tokens": billing * epochs,
            }
        return out


def _distribution(values: list[int]) -> dict[str, float]:
    return {
        "min": values[0],
        "mean": round(sum(values) / len(values), 2),
        "p50": percentile(values, 0.5),
        "p90": percentile(values, 0.9),
        "max": values[-1],
    }
