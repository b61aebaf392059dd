"""Fuzzing the real CLI with hostile rows (issue 11, item 9).

A seeded generator writes a few large files of hostile JSONL lines (random
types in every field, lone surrogates, NaN and huge numbers, BOMs, truncated
lines, stray CRs, invalid UTF-8; chat-, DPO-, prompt/completion-, ShareGPT- and
Alpaca-shaped rows), then runs ``check``, ``fix``, ``stats`` and ``convert`` on
them in subprocesses, as a user would. The properties:

* no command ever reports an internal error (or prints a traceback);
* ``fix`` is idempotent: a second run changes nothing;
* nothing is lost: rows in = rows out + rows rejected, for ``fix --unsafe-fixes``
  and for ``convert``.

The seed is fixed so a failure reproduces; ``FTLINT_FUZZ_SEED`` picks another.
"""

from __future__ import annotations

import json
import os
import random

import pytest

from .conftest import run_cli

SEED = int(os.environ.get("FTLINT_FUZZ_SEED", "11"))
LINES_PER_FILE = 3_500  # three corpora: 10,500 fuzzed lines in all
BOM = b"\xef\xbb\xbf"
HUGE = "\x00huge-integer\x00"  # a marker json.dumps writes, swapped for the digits afterwards
ROLES = ["system", "user", "assistant", "tool", "function", "developer", "ipython", "", "USER", "\x1b[31m", "bot"]
KEYS = ["messages", "role", "content", "weight", "name", "tools", "tool_calls", "tool_call_id", "id", "type",
        "function", "arguments", "parameters", "prompt", "completion", "input", "preferred_output",
        "non_preferred_output", "conversations", "from", "value", "instruction", "output", "functions",
        "function_call", "parallel_tool_calls", "chosen", "rejected", "text", "image_url", "url", "\u202e", ""]
STRINGS = ["", "hi", "Hello!", " ", "\r", "\n", "\x00", "\x1b]8;;x\x07", "\ud800", "\udfff", "\U0001f600", "{{name}}",
           "<|im_start|>", "[INST]", "data:image/png;base64,AAAA", "call_1", "c1", "f", "{}", "{\"a\": 1}", "[",
           "\u2028", "\ufeff", "sk-" + "A" * 40, "é" * 3, "\\", "\"", "NaN"]


class Hostile:
    """Random values of every JSON type, and of none (NaN, Infinity, huge integers)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def scalar(self):
        r = self.rng
        kind = r.randrange(12)
        if kind < 4:
            return r.choice(STRINGS) if kind < 3 else "".join(chr(r.randrange(0, 0x11000)) for _ in range(r.randrange(1, 12)))
        if kind == 4:
            return r.choice([0, 1, -1, 2**63, -(2**64), 10**30, r.randrange(-10**6, 10**6)])
        if kind == 5:
            return HUGE  # written as 5,000 digits, past Python's int/str limit
        if kind == 6:
            return r.choice([float("nan"), float("inf"), -float("inf"), 1e308, -0.0, 0.5])
        return r.choice([None, True, False, [], {}, "x"])

    def value(self, depth: int = 0):
        r = self.rng
        roll = r.random()
        if depth > 3 or roll < 0.5:
            return self.scalar()
        if roll < 0.75:
            return [self.value(depth + 1) for _ in range(r.randrange(0, 4))]
        return {r.choice(KEYS): self.value(depth + 1) for _ in range(r.randrange(0, 4))}

    def maybe(self, good):
        """Usually the well-typed value, sometimes anything at all."""
        return good if self.rng.random() < 0.7 else self.value()

    def message(self):
        r = self.rng
        message = {"role": self.maybe(r.choice(ROLES)), "content": self.maybe(r.choice(STRINGS))}
        extra = r.random()
        if extra < 0.15:
            message["tool_calls"] = self.maybe([{"id": self.maybe(r.choice(["c1", "call_1", "x"])), "type": self.maybe("function"),
                                                 "function": self.maybe({"name": self.maybe("f"), "arguments": self.maybe(r.choice(["{}", "{\"a\": 1}", "[", "1"]))})}])
        elif extra < 0.25:
            message["tool_call_id"] = self.maybe(r.choice(["c1", "call_1"]))
        elif extra < 0.3:
            message["weight"] = self.maybe(r.choice([0, 1]))
        elif extra < 0.35:
            message[r.choice(KEYS)] = self.value()
        return message

    def messages(self):
        return self.maybe([self.message() for _ in range(self.rng.randrange(0, 5))])

    def row(self):
        r = self.rng
        shape = r.randrange(8)
        if shape < 3:
            row = {"messages": self.messages()}
            if r.random() < 0.25:
                row["tools"] = self.maybe([{"type": self.maybe("function"), "function": self.maybe(
                    {"name": self.maybe("f"), "parameters": self.maybe({"type": self.maybe("object"), "properties": self.maybe({})})})}])
            if r.random() < 0.1:
                row["functions"] = self.maybe([{"name": self.maybe("f"), "parameters": self.maybe({"type": "object"})}])
        elif shape == 3:
            row = {"input": self.maybe({"messages": self.messages()}), "preferred_output": self.messages(),
                   "non_preferred_output": self.messages()}
        elif shape == 4:
            row = {"prompt": self.maybe(r.choice(STRINGS)), "completion": self.maybe(r.choice(STRINGS))}
        elif shape == 5:
            row = {"conversations": self.maybe([{"from": self.maybe(r.choice(["human", "gpt", "system"])), "value": self.maybe("hi")}
                                                for _ in range(r.randrange(0, 4))])}
        elif shape == 6:
            row = {"instruction": self.maybe("do"), "input": self.maybe(""), "output": self.maybe("done")}
        else:
            row = self.value()
        if isinstance(row, dict) and r.random() < 0.2:
            row[r.choice(KEYS)] = self.value()
        return row

    def line(self, *, mid_file_bom: bool) -> bytes:
        """One line's bytes (no newline), sometimes damaged."""
        r = self.rng
        row = self.row()
        ascii_only = r.random() < 0.5
        text = json.dumps(row, ensure_ascii=ascii_only).replace(json.dumps(HUGE), "9" * 5000)
        data = text.encode("utf-8", "surrogatepass")  # lone surrogates become invalid UTF-8
        damage = r.random()
        if damage < 0.04:
            data = data[: r.randrange(0, len(data) + 1)]  # truncated
        elif damage < 0.07:
            data += b"\r"  # CRLF line ending
        elif damage < 0.09:
            cut = r.randrange(0, len(data) + 1)
            data = data[:cut] + b"\r" + data[cut:]  # stray CR inside the line
        elif damage < 0.10:
            data = data[:-1] + b"\xff" + data[-1:] if data else b"\xff"
        elif damage < 0.11:
            data = b"   " if r.random() < 0.5 else b""
        elif damage < 0.12:
            data = b"[" * 300 + b"]" * 300
        elif damage < 0.13 and mid_file_bom:
            data = BOM + data
        return data


def write_corpus(path, seed: int, *, mid_file_bom: bool = False) -> int:
    """Write ``LINES_PER_FILE`` hostile lines; return the number of non-blank ones (the rows)."""
    hostile = Hostile(random.Random(seed))
    lines = [hostile.line(mid_file_bom=mid_file_bom) for _ in range(LINES_PER_FILE)]
    if seed % 2:
        lines[0] = BOM + lines[0]  # a BOM where it belongs
    path.write_bytes(b"\n".join(lines) + b"\n")
    return count_rows(path.read_bytes())


def count_rows(data: bytes) -> int:
    return sum(1 for line in data.split(b"\n") if line.strip())


def assert_no_internal_error(proc, *, allowed=(0, 1)):
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode in allowed, (proc.returncode, proc.stderr[-3000:])


def _rejects(path) -> bytes:
    return path.read_bytes() if path.exists() else b""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "fuzz.jsonl"
    rows = write_corpus(path, SEED)
    return path, rows


def test_check_and_stats_survive_hostile_rows(corpus, tmp_path):
    path, _ = corpus
    for fmt in ("json", "sarif"):
        proc = run_cli("check", "--format", fmt, path)
        assert_no_internal_error(proc)
        json.loads(proc.stdout)
    report = tmp_path / "report.html"
    assert_no_internal_error(run_cli("stats", "--html", report, path))
    assert "<html" in report.read_text(encoding="utf-8")


def test_convert_loses_no_row(corpus, tmp_path):
    path, rows = corpus
    for target in ("chat", "completion"):
        out = tmp_path / f"{target}.jsonl"
        proc = run_cli("convert", path, "-o", out, "--to", target)
        assert_no_internal_error(proc)
        written = count_rows(out.read_bytes())
        rejected = count_rows(_rejects(tmp_path / f"{target}.jsonl.rejects.jsonl"))
        assert written + rejected == rows, (target, written, rejected, rows)


def _fix_twice(tmp_path, seed, *, mid_file_bom):
    path = tmp_path / "fix.jsonl"
    rows = write_corpus(path, seed, mid_file_bom=mid_file_bom)
    rejects = tmp_path / "fix.jsonl.rejects.jsonl"
    first = run_cli("fix", "--unsafe-fixes", path)
    assert_no_internal_error(first)
    after_first, rejected_first = path.read_bytes(), _rejects(rejects)
    second = run_cli("fix", "--unsafe-fixes", path)
    assert_no_internal_error(second)
    return rows, after_first, rejected_first, path.read_bytes(), _rejects(rejects)


def test_fix_is_idempotent_and_loses_no_row(tmp_path):
    rows, after_first, rejected_first, after_second, rejected_second = _fix_twice(tmp_path, SEED + 1, mid_file_bom=False)
    assert count_rows(after_first) + count_rows(rejected_first) == rows
    assert after_second == after_first, "a second fix changed the file"
    assert rejected_second == rejected_first, "a second fix rejected more rows"


def test_fix_with_a_bom_at_the_start_of_lines_mid_file(tmp_path):
    """Files concatenated from several exports have a BOM at the start of some lines."""
    rows, after_first, rejected_first, after_second, rejected_second = _fix_twice(tmp_path, SEED + 2, mid_file_bom=True)
    assert count_rows(after_first) + count_rows(rejected_first) == rows
    assert after_second == after_first and rejected_second == rejected_first


TABLE_ROWS = 600


def _json_text(hostile: Hostile, value) -> str:
    return json.dumps(value, ensure_ascii=hostile.rng.random() < 0.5).replace(json.dumps(HUGE), "9" * 5000)


def test_json_array_and_csv_readers_survive_hostile_records(tmp_path):
    """The JSON-array and CSV readers have their own parsing (NaN, huge integers, deep
    nesting, lone surrogates in cells): each record is a finding or a row, never a crash."""
    import csv

    hostile = Hostile(random.Random(SEED + 3))
    elements = []
    for index in range(TABLE_ROWS):
        element = _json_text(hostile, hostile.row())
        elements.append("[" * 300 + "]" * 300 if index % 97 == 5 else element)
    array = tmp_path / "fuzz.json"
    array.write_text("[\n" + ",\n".join(elements) + "\n]\n", encoding="utf-8", errors="surrogatepass")
    table = tmp_path / "fuzz.csv"
    with table.open("w", newline="", encoding="utf-8", errors="surrogatepass") as handle:
        writer = csv.writer(handle)
        writer.writerow(["messages", "prompt", "completion"])
        for _ in range(TABLE_ROWS):
            cell = _json_text(hostile, hostile.messages())
            if hostile.rng.random() < 0.1:
                cell = cell[: hostile.rng.randrange(0, len(cell) + 1)]
            writer.writerow([cell, hostile.rng.choice(STRINGS), hostile.rng.choice(STRINGS)])
    for path in (array, table):
        proc = run_cli("check", "--format", "json", path)
        assert_no_internal_error(proc)
        assert {f["line"] for f in json.loads(proc.stdout)["findings"]}, path
        assert_no_internal_error(run_cli("stats", path))
        out = tmp_path / (path.name + ".out.jsonl")
        proc = run_cli("convert", path, "-o", out)
        assert_no_internal_error(proc)
        written = count_rows(out.read_bytes())
        rejected = count_rows(_rejects(tmp_path / (out.name + ".rejects.jsonl")))
        assert written + rejected == TABLE_ROWS, (path.name, written, rejected)
