"""The floor to compare against: parse every line with orjson and tokenize every
message with tiktoken, nothing else, on every core (``--jobs 1`` for one process).

    python bench/baseline.py FILE [--encoding o200k_base] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor

import orjson
import tiktoken


def ranges(path: str, parts: int) -> list[tuple[int, int]]:
    size = os.path.getsize(path)
    cuts = [0]
    with open(path, "rb") as handle:
        for i in range(1, parts):
            handle.seek(max(size * i // parts, cuts[-1]))
            handle.readline()
            if cuts[-1] < handle.tell() < size:
                cuts.append(handle.tell())
    return list(zip(cuts, cuts[1:] + [size]))


def work(task: tuple[str, str, int, int]) -> tuple[int, int]:
    path, encoding, start, end = task
    encode = tiktoken.get_encoding(encoding).encode_ordinary
    examples = tokens = 0
    with open(path, "rb") as handle:
        handle.seek(start)
        while handle.tell() < end:
            line = handle.readline()
            if not line:
                break
            row = orjson.loads(line)
            examples += 1
            for message in row.get("messages", ()):
                content = message.get("content")
                if isinstance(content, str):
                    tokens += len(encode(content))
    return examples, tokens


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--encoding", default="o200k_base")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    tasks = [(args.path, args.encoding, a, b) for a, b in ranges(args.path, args.jobs)]
    if args.jobs == 1:
        results = [work(t) for t in tasks]
    else:
        with ProcessPoolExecutor(args.jobs) as pool:
            results = list(pool.map(work, tasks))
    print(f"{sum(r[0] for r in results)} examples, {sum(r[1] for r in results)} tokens")


if __name__ == "__main__":
    main()
