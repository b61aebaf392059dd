"""Where a row's time goes: each rule timed inside the real engine loop.

Runs the engine in process over each FILE (one core, no statistics, CPU
time of this process): once
plain, once plain without screens (``FTLINT_NO_SCREENS``), for the totals,
and once with every rule's ``check``/``update`` wrapped in a timer (the
wrappers add about 0.2 µs per call, so the per-rule figures are a little
high; a rule the engine skips costs nothing). Prints microseconds per row.

    python bench/rules.py bench/data/short-100000.jsonl bench/data/text-100000.jsonl [--top 30] [--rows 30000]
"""

from __future__ import annotations

import argparse
import collections
import io
import os
import time
from pathlib import Path


def main() -> None:
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "tiktoken-cache"
    if shared.is_dir():
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(shared))
    os.environ["FTLINT_LOAD_PLUGINS"] = ""  # the built-in rules only

    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--rows", type=int, default=30000, help="the first ROWS rows of each file")
    args = parser.parse_args()
    for path in args.paths:
        report(path, args.rows, args.top)


def report(path: str, limit: int, top: int) -> None:
    from linter.config import Settings
    from linter.engine import Linter
    from linter.rules.base import DatasetRule

    with open(path, "rb") as handle:
        data = b"".join(line for line, _ in zip(handle, range(limit)))
    rows = data.count(b"\n") or 1

    def run(linter: Linter) -> float:
        start = time.process_time()
        for _ in linter.lint_stream(io.BytesIO(data), path)[0]:
            pass
        return (time.process_time() - start) / rows * 1e6

    settings = Settings(token_stats=False)
    plain = Linter(settings)
    plain.tokenizer.load()
    print(f"{path}: {rows:,} rows, {len(data) / rows:,.0f} bytes a row")
    print(f"  {run(plain):.1f} µs per row, every rule and the engine")
    plain.screens = False
    print(f"  {run(plain):.1f} µs per row without screens")

    timed = Linter(settings)
    timed.tokenizer.load()
    cost: collections.Counter = collections.Counter()
    clock = time.process_time  # CPU time: on a shared machine, wall time measures the queue
    build = timed.rules_for

    def rules_for(path):
        rules = build(path)
        for rule in rules:
            name = "update" if isinstance(rule, DatasetRule) else "check"
            inner = getattr(rule, name)

            def wrapped(*a, inner=inner, code=rule.code, name=name):
                start = clock()
                out = inner(*a) if name == "update" else list(inner(*a))
                cost[code] += clock() - start
                return out

            setattr(rule, name, wrapped)
        return rules

    timed.rules_for = rules_for
    total = run(timed)
    print(f"  timed run: {total:.1f} µs per row, {sum(cost.values()) / rows * 1e6:.1f} of them inside rules")
    for code, seconds in cost.most_common(top):
        print(f"    {code:<8} {seconds / rows * 1e6:6.2f}")


if __name__ == "__main__":
    main()
