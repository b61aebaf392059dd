"""What finding code costs: markdown-it-py against the fence scan ftlint uses.

Times, on every message text of the real fixtures (texts with a fence and
texts without): markdown-it-py's block parse (fences, indented code, lists,
quotes; its inline pass off), ``linter.code_spans.fence_blocks`` (the
CommonMark fence rules as a scan), and what a rule pays for one ``code_at``
question on a text it has not seen. Needs markdown-it-py (not a dependency of
ftlint: this measurement is why). Prints microseconds per text.

    python bench/code_spans.py [tests/data/real/*.jsonl]
"""

from __future__ import annotations

import glob
import json
import sys
import time

from markdown_it import MarkdownIt

from linter import code_spans

BLOCKS = MarkdownIt("zero").enable(["fence", "code", "list", "blockquote"]).disable(["inline", "text_join"])


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
    print(f"| markdown-it-py block parse | {per_text(BLOCKS.parse, fenced):.1f} | {per_text(BLOCKS.parse, plain):.1f} |")
    print(f"| code_spans.fence_blocks scan | {per_text(code_spans.fence_blocks, fenced):.1f} | {per_text(code_spans.fence_blocks, plain):.1f} |")
    print(f"| code_ranges (blocks, inline spans, unfenced runs) | {per_text(uncached, fenced):.1f} | {per_text(uncached, plain):.1f} |")
    middle = lambda text: (code_spans._markdown_ranges.cache_clear(), code_spans.code_at(text, len(text) // 2))  # noqa: E731
    print(f"| code_at one match, what a rule pays per text that matched | {per_text(middle, fenced):.1f} | {per_text(middle, plain):.1f} |")


if __name__ == "__main__":
    main()
