"""The floor to compare against: parse every line with orjson and tokenize every
message with tiktoken, nothing else (one process).

    python bench/baseline.py FILE [ENCODING]
"""

from __future__ import annotations

import sys

import orjson
import tiktoken


def main() -> None:
    path = sys.argv[1]
    encode = tiktoken.get_encoding(sys.argv[2] if len(sys.argv) > 2 else "o200k_base").encode_ordinary
    examples = tokens = 0
    with open(path, "rb") as handle:
        for line in handle:
            row = orjson.loads(line)
            examples += 1
            for message in row.get("messages", ()):
                content = message.get("content")
                if isinstance(content, str):
                    tokens += len(encode(content))
    print(f"{examples} examples, {tokens} tokens")


if __name__ == "__main__":
    main()
