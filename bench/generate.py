"""Generate a realistic, seeded chat fine-tuning dataset for benchmarks.

Multi-turn support chats, tool calls with tool definitions, Chinese and emoji
text, a weight-0 turn now and then, a few real mistakes (1 %), and a long tail
of examples past 4096 tokens (0.5 %).

    python bench/generate.py 100000 bench/data/100k.jsonl [--corpus chat|short|text] [--duplicates 0.9]

Corpora: ``chat`` (the default above, about 1.7 KB a row), ``short`` (one or
two short turns, about 0.4 KB: per-row overhead dominates) and ``text``
(text-heavy: lognormal reply lengths with a tail up to about 4,096 tokens,
about a quarter of the tokens in rows longer than 4,096 bytes: the issue 14
corpus, where tokenizing and text rules dominate).

``--duplicates FRACTION`` makes that fraction of the rows exact copies: the
first ``count * (1 - FRACTION)`` rows of the corpus, written again and again
(0.9: each row ten times), the file that measures duplicate detection's memory
(FT403 reports every repeat). Rows are regenerated from the seed, not held.
"""

from __future__ import annotations

import argparse
import json
import random

WORDS = (
    "order shipping return refund jacket tent backpack size warranty store account password invoice "
    "delivery tracking discount coupon exchange boots color stock weekend hours policy receipt "
    "the a to and of in for is you your we our can will please thanks help with on it that this"
).split()
CHINESE = "请问我的订单什么时候发货退货需要多长时间谢谢帮助保修期颜色尺码"
EMOJI = "🏕️🎒👟⛺🙂👍🔥✨"
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup_order",
            "description": "Look up an order by its number.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string", "description": "Order number"}},
                "required": ["order_id"],
            },
        },
    }
]


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.1:
        words.append("".join(rng.choice(CHINESE) for _ in range(rng.randint(4, 20))))
    if rng.random() < 0.1:
        words.append(rng.choice(EMOJI))
    return " ".join(words).capitalize() + "."


def example(rng: random.Random) -> dict:
    messages = [{"role": "system", "content": "You are Ada, the support assistant for Northwind Outdoor Gear."}]
    row: dict = {"messages": messages}
    turns = rng.choice([1, 1, 2, 2, 3, 4])
    long_tail = rng.random() < 0.005
    for turn in range(turns):
        messages.append({"role": "user", "content": sentence(rng, rng.randint(5, 40))})
        if rng.random() < 0.15:
            call_id = f"call_{rng.randrange(16**8):08x}"
            messages.append(
                {
                    "role": "assistant",
                    "tool_calls": [
                        {"id": call_id, "type": "function", "function": {"name": "lookup_order", "arguments": json.dumps({"order_id": str(rng.randint(10000, 99999))})}}
                    ],
                }
            )
            messages.append({"role": "tool", "tool_call_id": call_id, "content": json.dumps({"status": "shipped", "eta_days": rng.randint(1, 9)})})
            row["tools"] = TOOLS
        length = rng.randint(3000, 6000) if long_tail and turn == 0 else rng.randint(10, 120)
        reply = {"role": "assistant", "content": sentence(rng, length)}
        if turns > 1 and rng.random() < 0.1:
            reply["weight"] = rng.choice([0, 1])
        messages.append(reply)
    if rng.random() < 0.01:  # a real mistake now and then
        rng.choice(
            [
                lambda: messages[-1].update(content=messages[-1].get("content", "") + "  "),
                lambda: messages[1].update(role="human"),
                lambda: messages.pop(),
                lambda: row.update(source="export"),
            ]
        )()
    return row


def short(rng: random.Random) -> dict:
    """One or two short turns, no system message half of the time."""
    messages = [{"role": "system", "content": "You are a helpful assistant."}] if rng.random() < 0.5 else []
    for _ in range(rng.choice([1, 1, 2])):
        messages.append({"role": "user", "content": sentence(rng, rng.randint(3, 15))})
        messages.append({"role": "assistant", "content": sentence(rng, rng.randint(3, 25))})
    return {"messages": messages}


def text_heavy(rng: random.Random) -> dict:
    """Replies of lognormal length (median ~150 words, tail capped near 4,096 tokens)."""
    messages = [{"role": "system", "content": "You are Ada, the support assistant for Northwind Outdoor Gear."}]
    for _ in range(rng.choice([1, 1, 2])):
        messages.append({"role": "user", "content": sentence(rng, rng.randint(8, 60))})
        words = min(3500, max(5, int(rng.lognormvariate(4.6, 1.05))))
        messages.append({"role": "assistant", "content": sentence(rng, words)})
    return {"messages": messages}


CORPORA = {"chat": example, "short": short, "text": text_heavy}


SEED = 20261123


def rows(make, count: int, duplicates: float = 0.0):
    """``count`` rows; with ``duplicates`` that fraction repeats the distinct ones, block after block."""
    distinct = max(1, count - round(count * duplicates))
    written = 0
    while written < count:
        rng = random.Random(SEED)  # the same distinct rows on every pass
        for _ in range(min(distinct, count - written)):
            yield make(rng)
            written += 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a seeded benchmark dataset (JSON Lines).")
    parser.add_argument("count", type=int, help="how many rows")
    parser.add_argument("out", help="the file to write")
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="chat", help="the kind of rows (default: chat)")
    parser.add_argument("--duplicates", type=float, default=0.0, help="fraction of rows that repeat earlier ones, in [0, 1)")
    args = parser.parse_args(argv)
    if not 0 <= args.duplicates < 1:
        parser.error(f"--duplicates takes a fraction in [0, 1), not {args.duplicates}")
    with open(args.out, "w", encoding="utf-8") as handle:
        for row in rows(CORPORA[args.corpus], args.count, args.duplicates):
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
