"""What finding code costs: markdown-it-py against a hand-written fence matcher.

Times ``linter.code_spans`` (memo off) on every message text of the real
fixtures, split into texts with a fence and texts without, and the same texts
through a minimal hand-written fence scanner (a regex for opening lines, then
a search for the closing line), to decide whether the maintained parser is
affordable. Prints microseconds per text.

    python bench/code_spans.py [tests/data/real/*.jsonl]
"""

from __future__ import annotations

import glob
import json
import re
import sys
import time

from linter import code_spans

_OPEN = re.compile(r"(?m)^ {0,3}(`{3,}|~{3,})[^\n]*$")


def hand_written_fences(text: str) -> list[tuple[int, int]]:
    """Fences only, CommonMark's closing rule (same character, at least as long); no lists, no indented code."""
    out, position = [], 0
    while True:
        opening = _OPEN.search(text, position)
        if not opening:
            return out
        fence = opening.group(1)
        closing = re.compile(rf"(?m)^ {{0,3}}{fence[0]}{{{len(fence)},}}[ \t]*$").search(text, opening.end())
        end = closing.end() if closing else len(text)
        out.append((opening.start(), end))
        position = end


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def per_text(function, texts: list[str], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            function(text)
        best = min(best, time.perf_counter() - start)
    return best / max(len(texts), 1) * 1e6


def main() -> None:
    paths = sys.argv[1:] or sorted(glob.glob("tests/data/real/*.jsonl"))
    texts = [s for path in paths for line in open(path, encoding="utf-8") for s in strings(json.loads(line)) if len(s) > 40]
    fenced = [t for t in texts if "```" in t or "~~~" in t]
    plain = [t for t in texts if t not in fenced]
    uncached = lambda text: (code_spans._markdown_ranges.cache_clear(), code_spans.code_ranges(text))  # noqa: E731
    print(f"{len(fenced)} texts with a fence (mean {sum(map(len, fenced)) // max(len(fenced), 1)} chars), {len(plain)} without")
    print("| µs per text | with a fence | without |")
    print("|---|---:|---:|")
    print(f"| markdown-it-py blocks only | {per_text(code_spans.parse_blocks, fenced):.1f} | {per_text(code_spans.parse_blocks, plain):.1f} |")
    print(f"| hand-written fence scan | {per_text(hand_written_fences, fenced):.1f} | {per_text(hand_written_fences, plain):.1f} |")
    print(f"| code_ranges (blocks, inline spans, unfenced runs) | {per_text(uncached, fenced):.1f} | {per_text(uncached, plain):.1f} |")
    middle = lambda text: (code_spans._markdown_ranges.cache_clear(), code_spans.code_at(text, len(text) // 2))  # noqa: E731
    print(f"| code_at one match, what a rule pays per text that matched | {per_text(middle, fenced):.1f} | {per_text(middle, plain):.1f} |")


if __name__ == "__main__":
    main()
