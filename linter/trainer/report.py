"""The trainer's part of the statistics: JSON, text lines, and what the HTML report shows.

The per-example distributions (``tokens``, ``assistant_tokens`` = trained
before truncation, ``trained_tokens`` = trained within max-seq-length) live
in the common statistics, filled with the exact counts; this adds the
truncation shares and the view's description.
"""

from __future__ import annotations

from typing import Any

from .truncation import DROP, LLAMAFACTORY, RAISE


def trainer_summary(stats: Any, described: dict[str, Any]) -> dict[str, Any]:
    counts = stats.trainer
    examples = counts["examples"]
    trained = counts["trained_tokens"]
    lost = trained - counts["trained_tokens_kept"]
    return {
        **described,
        "examples": examples,
        "template_errors": counts["template_errors"],
        "tokens_per_epoch": counts["tokens_kept"],
        "trained_tokens_per_epoch": counts["trained_tokens_kept"],
        "truncated_examples": counts["truncated_examples"],
        "share_examples_truncated": round(counts["truncated_examples"] / examples, 4) if examples else 0.0,
        "examples_left_untrained": counts["examples_left_untrained"],
        "examples_without_trained_tokens": counts["examples_without_trained_tokens"],
        "trained_tokens_lost": lost,
        "share_trained_tokens_lost": round(lost / trained, 4) if trained else 0.0,
    }


def text_lines(summary: dict[str, Any]) -> list[str]:
    """Lines for the text report (after the token statistics)."""
    view = summary.get("trainer")
    if not view:
        return []
    lines = [
        f"  trainer: {view['tokenizer']}, max-seq-length {view['max_seq_length']:,}, {_truncation(view)}; "
        f"trained tokens from {view['trained_tokens_from']}",
        f"  per epoch: {view['tokens_per_epoch']:,} tokens, {view['trained_tokens_per_epoch']:,} trained "
        f"(exact, after truncation)",
        f"  truncated: {view['truncated_examples']:,} example(s) ({view['share_examples_truncated']:.1%}), "
        f"{view['trained_tokens_lost']:,} trained tokens lost ({view['share_trained_tokens_lost']:.1%}); "
        f"{view['examples_left_untrained']:,} left with nothing trained",
    ]
    if view["template_errors"]:
        lines.append(f"  chat template errors: {view['template_errors']:,} example(s) (FT310)")
    return lines


def html_rows(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """``(label, value)`` pairs for the HTML report's file table."""
    view = summary.get("trainer")
    if not view:
        return []
    return [
        ("tokenizer", str(view["tokenizer"])),
        ("max-seq-length", f"{view['max_seq_length']:,}" + (f" ({view['max_seq_length_from']})" if view.get("max_seq_length_from") else "")),
        ("truncation", _truncation(view)),
        ("trained tokens from", str(view["trained_tokens_from"])),
        ("trained tokens per epoch", f"{view['trained_tokens_per_epoch']:,}"),
        ("examples truncated", f"{view['truncated_examples']:,} ({view['share_examples_truncated']:.1%})"),
        ("trained tokens lost to truncation", f"{view['trained_tokens_lost']:,} ({view['share_trained_tokens_lost']:.1%})"),
        ("template errors", f"{view['template_errors']:,}"),
    ]


def _truncation(view: dict[str, Any]) -> str:
    words = {LLAMAFACTORY: "LLaMA-Factory's per-turn truncation", DROP: "longer examples dropped (axolotl)",
             RAISE: "a longer example stops the run (axolotl)"}
    return words.get(view.get("truncation"), "right truncation")
