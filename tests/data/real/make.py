"""Build the real-text fixtures in this folder from public instruction data.

The sources are not downloaded here (no network in CI): check out the repos
named in SOURCES.md and point this script at the files, then commit the output.

    python tests/data/real/make.py LLAMA_FACTORY/data ORCA_DPO/validation.jsonl

Each source is converted to the chat (``messages``) or preference
(``input``/``preferred_output``/``non_preferred_output``) JSONL that ftlint
reads. A source's rows are kept in their order when they hold anything the
text rules look at (template braces, a control token, a role label at a
line start, a code fence: ``INTERESTING``) and every ``keep_every``-th row otherwise, up to
``LIMIT`` bytes per file, so the selection does not depend on any rule's
verdict and the before/after counts compare the same rows.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIMIT = 290_000
INTERESTING = re.compile(r"(?im)\{\{|\$\{|\{%|<%|<\||</s>|<s>|INST\]|```|~~~|^\s*(?:user|human|assistant)\s*:|\{[a-z_]+\}")
ROLES = {"human": "user", "gpt": "assistant", "user": "user", "assistant": "assistant", "system": "system",
         "function_call": "assistant", "observation": "user"}


def turn(role: str, text: str) -> dict:
    return {"role": role, "content": text}


def alpaca(record: dict) -> dict:
    prompt = record["instruction"] + ("\n\n" + record["input"] if record.get("input") else "")
    return {"messages": [turn("user", prompt), turn("assistant", record["output"])]}


def sharegpt(turns: list, system: str = "") -> list:
    messages = [turn("system", system)] if system else []
    # function calls and tool observations stay text: the text rules read them as any other turn
    return messages + [turn(ROLES[t["from"]], t["value"]) for t in turns]


def glaive(record: dict) -> dict:
    return {"messages": sharegpt(record["conversations"], record.get("system", ""))}


def dpo(record: dict) -> dict:
    return {"input": {"messages": sharegpt(record["conversations"])},
            "preferred_output": sharegpt([record["chosen"]]), "non_preferred_output": sharegpt([record["rejected"]])}


def kto(record: dict) -> dict:
    return {"messages": [turn(m["role"], m["content"]) for m in record["messages"]]}


def same(record: dict) -> dict:
    return record


def texts(value) -> list[str]:
    """Every string inside a source record (keys excluded)."""
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return [text for item in items for text in texts(item)]


def write(name: str, records: list, convert, keep_every: int = 10) -> None:
    out, size = [], 0
    for index, record in enumerate(records):
        line = json.dumps(convert(record), ensure_ascii=False)
        if not (INTERESTING.search("\n\n".join(texts(record))) or index % keep_every == 0):
            continue
        if size + len(line.encode()) + 1 > LIMIT:
            break
        out.append(line)
        size += len(line.encode()) + 1
    (HERE / name).write_text("".join(line + "\n" for line in out), encoding="utf-8")
    print(f"{name}: {len(out)} of {len(records)} rows, {size:,} bytes")


def main() -> None:
    factory, orca = Path(sys.argv[1]), Path(sys.argv[2])
    load = lambda name: json.loads((factory / name).read_text(encoding="utf-8"))  # noqa: E731
    write("identity.jsonl", load("identity.json"), alpaca, keep_every=1)
    write("alpaca_en_demo.jsonl", load("alpaca_en_demo.json"), alpaca)
    write("glaive_toolcall_en_demo.jsonl", load("glaive_toolcall_en_demo.json"), glaive)
    write("dpo_en_demo.jsonl", load("dpo_en_demo.json"), dpo, keep_every=40)
    write("kto_en_demo.jsonl", load("kto_en_demo.json"), kto)
    write("orca_dpo_validation.jsonl", [json.loads(line) for line in orca.read_text(encoding="utf-8").splitlines()], same)


if __name__ == "__main__":
    main()
