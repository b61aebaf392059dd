"""The floors to compare against, on every core (``--jobs 1`` for one process).

* tokenize floor (default): parse every line with orjson and tokenize every
  message with tiktoken, nothing else: what ``stats`` must do.
* verdict floor (``--verdict LIMIT``): parse every line with orjson and
  tokenize only the examples whose UTF-8 size plus the formula's per-message
  overhead could exceed LIMIT tokens (a token is at least one byte), counting
  them by the cookbook formula: what an exact token-limit verdict must do,
  and so the floor of ``check``.
* parse floor (``--verdict 0 --parse-only``): orjson alone.

    python bench/baseline.py FILE [--encoding o200k_base] [--jobs N] [--verdict 4096]
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


PER_MESSAGE, PER_NAME, PRIMING = 3, 1, 3  # the cookbook formula's overheads


def work(task: tuple[str, str, int, int, int | None, bool]) -> tuple[int, int]:
    path, encoding, start, end, limit, parse_only = task
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
            if parse_only:
                continue
            messages = row.get("messages", ())
            if limit is None:
                for message in messages:
                    content = message.get("content")
                    if isinstance(content, str):
                        tokens += len(encode(content))
                continue
            if len(line) + PRIMING + (PER_MESSAGE + PER_NAME) * len(messages) <= limit:
                continue  # its bytes prove it fits
            count = PRIMING
            for message in messages:
                count += PER_MESSAGE + len(encode(message.get("role", "")))
                content = message.get("content")
                if isinstance(content, str):
                    count += len(encode(content))
            tokens += count > limit  # the verdicts: examples over the limit
    return examples, tokens


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--encoding", default="o200k_base")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--verdict", type=int, default=None, metavar="LIMIT", help="the verdict floor for this token limit")
    parser.add_argument("--parse-only", action="store_true", help="the parse floor: orjson alone")
    args = parser.parse_args()
    tasks = [(args.path, args.encoding, a, b, args.verdict, args.parse_only) for a, b in ranges(args.path, args.jobs)]
    if args.jobs == 1:
        results = [work(t) for t in tasks]
    else:
        with ProcessPoolExecutor(args.jobs) as pool:
            results = list(pool.map(work, tasks))
    what = "examples over the limit" if args.verdict is not None else "tokens"
    print(f"{sum(r[0] for r in results)} examples, {sum(r[1] for r in results)} {what}")


if __name__ == "__main__":
    main()
