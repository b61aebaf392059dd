"""What the compiled row scanner costs beside orjson.loads (issue 14: ``check`` within 1.5x of loading every line).

Times ``linter.rowscan.scan`` on blocks of lines and ``orjson.loads`` of the same lines one by one (the
list of parsed values kept, as a reader keeps its block), best of seven, and prints µs per line and how
many lines the scanner accepted (OK). Shared-machine noise is large: compare numbers from one sitting.

    python bench/rowscan.py bench/data/short-100000.jsonl bench/data/text-100000.jsonl [--rows 20000] [--block 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy
import orjson

from linter import rowscan


def best(function, repeat: int = 7) -> float:
    fastest = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--rows", type=int, default=20000, help="the first ROWS lines of each file")
    parser.add_argument("--block", type=int, default=0, help="lines per scan call (0: all ROWS in one call)")
    args = parser.parse_args()
    if not rowscan.available:
        raise SystemExit("linter._rowscan is not built: pip install -e . with a C compiler")
    print("| file | bytes per line | lines OK | scan µs/line | orjson.loads µs/line | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for path in args.paths:
        with open(path, "rb") as handle:
            lines = handle.read().splitlines()[: args.rows]
        size = args.block or len(lines)
        blocks = [lines[at:at + size] for at in range(0, len(lines), size)]
        scan, loads = rowscan.scan, orjson.loads
        scanned = best(lambda: [scan(block) for block in blocks]) / len(lines) * 1e6
        loaded = best(lambda: [loads(line) for line in lines]) / len(lines) * 1e6
        flags = numpy.frombuffer(b"".join(scan(block) for block in blocks), dtype=rowscan.dtype())["flags"]
        ok = int(numpy.count_nonzero(flags & rowscan.OK))
        mean = sum(map(len, lines)) / len(lines)
        print(f"| {path.rsplit('/', 1)[-1]} | {mean:.0f} | {ok}/{len(lines)} | {scanned:.2f} | {loaded:.2f} | {scanned / loaded:.2f} |")


if __name__ == "__main__":
    main()
