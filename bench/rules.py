"""Where a row's time goes: each rule timed inside the real engine loop.

Runs the engine in process over FILE (one core, no statistics) twice: once
plain, for the total, and once with every rule's ``check``/``update`` wrapped
in a timer (the wrappers add about 0.2 µs per call, so the per-rule figures
are a little high). Prints microseconds per row.

    python bench/rules.py bench/data/chat-100000.jsonl [--top 30]
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

    from linter.config import Settings
    from linter.engine import Linter
    from linter.rules.base import DatasetRule

    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    data = Path(args.path).read_bytes()
    rows = data.count(b"\n") or 1

    def run(linter: Linter) -> float:
        result = linter._result(args.path)
        start = time.perf_counter()
        for _ in linter._lint(io.BytesIO(data), args.path, result, None):
            pass
        return (time.perf_counter() - start) / rows * 1e6

    settings = Settings(token_stats=False)
    plain = Linter(settings)
    plain.tokenizer.load()
    print(f"{rows:,} rows: {run(plain):.1f} µs per row, every rule and the engine")

    timed = Linter(settings)
    timed.tokenizer.load()
    cost: collections.Counter = collections.Counter()
    clock = time.perf_counter
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
    print(f"timed run: {total:.1f} µs per row, {sum(cost.values()) / rows * 1e6:.1f} of them inside rules")
    for code, seconds in cost.most_common(args.top):
        print(f"  {code:<8} {seconds / rows * 1e6:6.2f}")


if __name__ == "__main__":
    main()
