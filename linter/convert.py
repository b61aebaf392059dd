"""``ftlint convert``: any input format to JSONL, and between example formats.

Reads with the same readers as ``check`` (CSV, TSV, XLSX, JSON arrays,
Parquet, gzip'd JSONL, JSONL) and writes one JSON object per line. To chat:
legacy prompt/completion, ShareGPT (``conversations`` with from/value) and
Alpaca (instruction/input/output) become ``messages``. To completion: a
single-turn chat becomes prompt/completion. Nothing is dropped silently:
rows that cannot be read or converted go to a rejects file with the reason,
and the exit code says so. ``--split-validation F`` sends a deterministic
fraction (by a hash of each example) to a validation file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import orjson

from . import atomic, hashing

SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "chatgpt": "assistant",
                  "bing": "assistant", "bard": "assistant", "model": "assistant", "system": "system", "tool": "tool",
                  "observation": "tool", "function": "tool"}


class Unconvertible(ValueError):
    pass


def to_chat(value: Any) -> Any:
    if not isinstance(value, dict):
        raise Unconvertible("row is not an object")
    if "messages" in value or ("input" in value and any(k.startswith(("preferred_", "non_preferred_")) for k in value)):
        return value  # chat and preference rows are already JSONL-ready
    if "conversations" in value:
        turns = value["conversations"]
        if not isinstance(turns, list):
            raise Unconvertible("conversations is not a list")
        messages = []
        for turn in turns:
            if not isinstance(turn, dict):
                raise Unconvertible("a conversation turn is not an object")
            speaker = str(turn.get("from", turn.get("role", "")))
            messages.append({"role": SHAREGPT_ROLES.get(speaker.lower(), speaker), "content": turn.get("value", turn.get("content", ""))})
        if isinstance(value.get("system"), str) and value["system"] and not any(m["role"] == "system" for m in messages):
            messages.insert(0, {"role": "system", "content": value["system"]})
        return {"messages": messages}
    if "instruction" in value and "output" in value:
        prompt = str(value["instruction"])
        if value.get("input"):
            prompt += "\n\n" + str(value["input"])
        messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": value["output"]}]
        if value.get("system"):
            messages.insert(0, {"role": "system", "content": value["system"]})
        return {"messages": messages}
    lowered = {k.lower(): k for k in value if isinstance(k, str)}
    if "prompt" in lowered and "completion" in lowered:
        return {"messages": [{"role": "user", "content": value[lowered["prompt"]]}, {"role": "assistant", "content": value[lowered["completion"]]}]}
    raise Unconvertible("not a format ftlint can convert to chat (messages, conversations, instruction/output, prompt/completion)")


def to_completion(value: Any) -> Any:
    chat = to_chat(value)
    if "prompt" in chat:
        return chat
    messages = chat.get("messages")
    if not isinstance(messages, list):
        raise Unconvertible("no messages")
    roles = [m.get("role") for m in messages if isinstance(m, dict)]
    if roles not in (["user", "assistant"], ["system", "user", "assistant"]):
        raise Unconvertible(f"only single-turn chats convert to prompt/completion (roles: {', '.join(map(str, roles))})")
    texts = {m["role"]: m.get("content") for m in messages}
    prompt = (texts["system"] + "\n\n" if texts.get("system") else "") + str(texts["user"])
    return {"prompt": prompt, "completion": texts["assistant"]}


@dataclass
class ConvertReport:
    written: int = 0
    validation: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def validation_path(output: str) -> str:
    root, ext = os.path.splitext(output)
    return f"{root}.valid{ext or '.jsonl'}"


def convert(linter, source: str, output: str, *, to: str = "chat", split: float | None = None,
            seed: int = 0, validation_output: str | None = None, rejects: str | None = None) -> ConvertReport:
    report = ConvertReport()
    mapper = to_chat if to == "chat" else to_completion
    reader = linter.registry.reader_for(source)
    targets = {"train": output}
    if split:
        targets["valid"] = validation_output or validation_path(output)
    temps = {}
    rejects_path = rejects or output + ".rejects.jsonl"
    try:
        handles = {}
        for name, target in targets.items():
            fd, temp = atomic.temp_beside(target)
            temps[name] = (temp, target)
            handles[name] = os.fdopen(fd, "wb")
        rejected = []
        with open(source, "rb") as stream:
            for row in reader.rows(stream, max_line_bytes=linter.settings.max_line_bytes):
                if not row.parsed:
                    if row.problem is not None or (row.raw is None):
                        reason = row.problem.message if row.problem else f"line longer than {linter.settings.max_line_bytes:,} bytes"
                        rejected.append((row.number, reason, row.raw))
                    continue  # blank lines carry no data
                try:
                    value = mapper(row.value)
                    line = orjson.dumps(value) + b"\n"
                except Unconvertible as exc:
                    rejected.append((row.number, str(exc), row.raw))
                    continue
                except orjson.JSONEncodeError as exc:  # nested too deep or an integer beyond 64 bits once converted
                    rejected.append((row.number, f"cannot be written as JSON: {exc}", row.raw))
                    continue
                name = "train"
                if split and (hashing.stable_digest(orjson.dumps([seed, value], option=orjson.OPT_SORT_KEYS)) % 1_000_000) < split * 1_000_000:
                    name = "valid"
                    report.validation += 1
                else:
                    report.written += 1
                handles[name].write(line)
        for handle in handles.values():
            handle.close()
        for temp, target in temps.values():
            atomic.replace(temp, target)
        report.rejected = [(line, reason) for line, reason, _ in rejected]
        if rejected:
            with open(rejects_path, "wb") as out:
                for line, reason, raw in rejected:
                    out.write(orjson.dumps({"line": line, "reason": reason, "raw": (raw or b"").decode("utf-8", "backslashreplace")}) + b"\n")
    finally:
        for temp, _ in temps.values():
            if os.path.exists(temp):
                os.unlink(temp)
    return report
