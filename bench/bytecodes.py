"""Python bytecodes per row, by function: where the interpreter's work goes, counted, not timed.

Most of what ``ftlint check`` spends on a clean row is the Python interpreter
(bench/instructions.py: about 70 % of a short row's instructions), spread over
thirty functions of 20-200 bytecodes each. Timers cannot rank them on a busy
machine, and cProfile's per-call cost distorts exactly those small functions.
This runs the engine in process over the first ROWS rows of FILE with
``sys.settrace`` opcode events switched on, and prints how many bytecodes each
function executed per row: a count that is the same on every run (the
tracer makes the run some fifty times slower, but does not change what runs).

    python bench/bytecodes.py bench/data/short-100000.jsonl --rows 2000 --top 30

Bytecodes are not time (a call into C, such as orjson or Hyperscan, is one
bytecode), so read this beside bench/instructions.py, which counts everything.
"""

from __future__ import annotations

import argparse
import collections
import io
import itertools
import os
import sys
from pathlib import Path


def count(path: str, rows: int) -> tuple[collections.Counter, int]:
    """Bytecodes executed per function (file, name, first line) while the engine lints the first ``rows`` rows."""
    from linter.config import Settings
    from linter.engine import Linter

    with open(path, "rb") as handle:
        data = b"".join(itertools.islice(handle, rows))
    linter = Linter(Settings(token_stats=False))
    linter.tokenizer.load()
    counts: collections.Counter = collections.Counter()

    def on_call(frame, event, arg):
        frame.f_trace_opcodes = True
        code = frame.f_code
        key = ("/".join(Path(code.co_filename).parts[-2:]), code.co_name, code.co_firstlineno)

        def on_event(frame, event, arg):
            if event == "opcode":
                counts[key] += 1
            return on_event

        return on_event

    def lint() -> None:
        for _ in linter.lint_stream(io.BytesIO(data), path)[0]:
            pass

    lint()  # warm: plans, memos and screens built once, as in a long file
    counts.clear()
    sys.settrace(on_call)
    try:
        lint()
    finally:
        sys.settrace(None)
    return counts, data.count(b"\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "tiktoken-cache"
    if shared.is_dir():
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(shared))
    os.environ["FTLINT_LOAD_PLUGINS"] = ""  # the built-in rules only
    counts, rows = count(args.path, args.rows)
    print(f"{args.path}: {sum(counts.values()) / rows:,.0f} bytecodes a row over {rows:,} rows")
    for (where, name, line), n in counts.most_common(args.top):
        print(f"  {n / rows:8.1f}  {where}:{line} {name}")


if __name__ == "__main__":
    main()
