"""The fast path (``linter.fast_path``) changes no output: the same findings, in the same order, and the
same statistics as linting every row the slow way, on files made to hit every way a row can differ from
the earlier row of its skeleton (texts that trip a rule's screen, duplicates, conflicting answers,
rows over the token limit, escapes, floats, repeated keys, BOMs, CRLF, columns a trainer drops...)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest

from linter import fast_path, registry, rowscan
from linter.config import Settings
from linter.engine import Linter
from linter.readers import jsonl

pytestmark = pytest.mark.skipif(not rowscan.available and not os.environ.get("CI"), reason="linter._rowscan did not build")

WORDS = ["refund", "shipping", "the", "order", "size", "boots", "warranty", "color", "café", "naïve", "😀", "日本語",
         "a\tb", "line\nbreak", "quote\"d", "back\\slash", "slash/ed", "<|im_start|>", "{{name}}", "[INST]", "###",
         "sk-proj-" + "A1b2C3d4" * 6, "AKIAIOSFODNN7EXAMPLE", "password", "Human:", "Assistant:", "http://x.io/a",
         "\u200b", "  ", "END", "<think>", "```", "\\n"]
ROLE_SEQUENCES = [("user", "assistant"), ("system", "user", "assistant"), ("user", "assistant", "user", "assistant"),
                  ("system", "user", "assistant", "user", "assistant"), ("user",), ("assistant", "user")]


def text(rng: random.Random, words: int, odd: float = 0.07) -> str:
    out = " ".join(rng.choice(WORDS) if rng.random() < odd else rng.choice(WORDS[:8]) for _ in range(words))
    roll = rng.random()
    if roll < 0.02:
        return " " + out
    if roll < 0.04:
        return out + " "
    if roll < 0.05:
        return ""
    return out


def row_line(rng: random.Random, earlier: list[str], longest: tuple[int, int] = (4000, 6000)) -> str:
    """One line: usually a plain chat row, sometimes a repeat or a row with something unusual."""
    roll = rng.random()
    if earlier and roll < 0.04:
        return rng.choice(earlier)  # an exact duplicate
    roles = rng.choice(ROLE_SEQUENCES)
    size = rng.random()  # 1%: over the token limit; 3%: more bytes than the limit, fewer tokens (counted to be sure)
    words = longest if size < 0.01 else (250, 600) if size < 0.04 else None
    messages = [{"role": role, "content": text(rng, rng.randint(*words), odd=0.001) if words and role == "user" else text(rng, rng.randint(1, 30))}
                for role in roles]
    row: dict = {"messages": messages}
    if earlier and roll < 0.07:  # the prompt of an earlier row with another answer (FT405), or the same answer re-spaced (FT404)
        other = json.loads(rng.choice(earlier))
        if "messages" in other and len(other["messages"]) >= 2:
            row = other
            if rng.random() < 0.5:
                row["messages"][-1] = {"role": "assistant", "content": text(rng, 5)}
            else:
                row["messages"][-1]["content"] = " " + str(row["messages"][-1].get("content")) + " "
    elif roll < 0.09:
        row["id"] = rng.randint(0, 50)
    elif roll < 0.10:
        messages[-1]["weight"] = rng.choice([0, 1, 1.0])
    elif roll < 0.11:
        row = {"prompt": text(rng, 5), "chosen": text(rng, 5), "rejected": text(rng, 5)}
    elif roll < 0.12:
        messages[0]["name"] = rng.choice(["bob", "a b", ""])
    line_roll = rng.random()
    if line_roll < 0.03:
        return json.dumps(row)  # \u escapes and ", " separators
    if line_roll < 0.05:
        return json.dumps(row, ensure_ascii=False, indent=None, separators=(" ,", " : "))
    if line_roll < 0.06:
        return json.dumps(row, ensure_ascii=False).replace('{"messages"', '{"messages": [], "messages"', 1)  # a repeated key
    if line_roll < 0.065:
        return "\ufeff" + json.dumps(row, ensure_ascii=False)
    if line_roll < 0.07:
        return json.dumps(row, ensure_ascii=False) + "\r"
    if line_roll < 0.075:
        return rng.choice(["", "   ", "{not json", "[1, 2]", '{"messages": [{"role": "user", "content": "x"}], "n": 1.5e3}',
                           '{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}], "n": -0}'])
    return json.dumps(row, ensure_ascii=False, separators=(",", ":") if line_roll < 0.5 else (", ", ": "))


def dataset(seed: int, rows: int, longest: tuple[int, int] = (4000, 6000)) -> str:
    rng = random.Random(seed)
    earlier: list[str] = []
    lines = []
    for _ in range(rows):
        line = row_line(rng, earlier, longest)
        lines.append(line)
        if len(earlier) < 400 and line.startswith('{"'):
            try:
                json.loads(line)
            except ValueError:
                continue
            earlier.append(line)
    return "\n".join(lines) + "\n"


def run(path, *args: str, fast: bool, plugins: bool = False) -> str:
    env = {**os.environ, "FTLINT_LOAD_PLUGINS": ""}
    if plugins:
        del env["FTLINT_LOAD_PLUGINS"]
    env.pop("FTLINT_NO_FAST_PATH", None)
    if not fast:
        env["FTLINT_NO_FAST_PATH"] = "1"
    out = subprocess.run([sys.executable, "-m", "linter", "check", "--output-format", "json", "--statistics", *args, str(path)],
                         capture_output=True, text=True, env=env)
    assert out.returncode in (0, 1), out.stderr
    return out.stdout


@pytest.mark.parametrize("seed, args", [
    (1, ()),
    (2, ("--profile", "trl")),
    (3, ("--jobs", "2")),
    (4, ("--profile", "together", "--model", "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference")),
    (5, ("--max-tokens", "300")),
    (6, ("--no-token-stats",)),  # the pre-commit hooks' way: the first thousand rows are not sampled
    (9, ("--no-token-stats", "--jobs", "2", "--profile", "trl")),
])
def test_same_output_with_and_without_the_fast_path(tmp_path, seed, args):
    path = tmp_path / "data.jsonl"
    path.write_text(dataset(seed, 4000), encoding="utf-8")
    slow = run(path, *args, fast=False)
    fast = run(path, *args, fast=True)
    assert json.loads(fast) == json.loads(slow)
    assert fast == slow


@pytest.mark.parametrize("seed, args, html", [(11, (), False), (12, ("--jobs", "2", "--max-tokens", "600"), True),
                                              (13, ("--profile", "trl"), True), (14, ("--max-tokens", "600"), False)])
def test_stats_the_same_with_and_without_the_fast_path(tmp_path, seed, args, html):
    """``stats`` counts every example exactly: rows taken in bulk are counted one by one as they are taken."""
    path = tmp_path / "data.jsonl"
    path.write_text(dataset(seed, 3000, longest=(250, 600)), encoding="utf-8")
    assert_same_stats(tmp_path, path, args, html)


def assert_same_stats(tmp_path, path, args, html: bool) -> None:
    """``stats`` gives the same JSON (and HTML report) with and without the fast path."""
    outputs = []
    for fast in (False, True):
        env = {**os.environ, "FTLINT_LOAD_PLUGINS": ""}
        env.pop("FTLINT_NO_FAST_PATH", None)
        if not fast:
            env["FTLINT_NO_FAST_PATH"] = "1"
        report = tmp_path / f"report-{fast}.html"
        more = ("--html", str(report)) if html else ()  # with a report the rules run too (it counts findings)
        out = subprocess.run([sys.executable, "-m", "linter", "stats", "--output-format", "json", *more, *args, str(path)],
                             capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr
        outputs.append((json.loads(out.stdout), report.read_text(encoding="utf-8").replace(f"report-{fast}", "report") if html else ""))
    assert outputs[0][0] == outputs[1][0]
    assert outputs[0][1] == outputs[1][1]  # the HTML report: rule counts, histograms, the longest examples


@pytest.mark.parametrize("html", [False, True])
def test_stats_count_rows_whose_messages_hold_more_keys_whole(tmp_path, html):
    """A skeleton whose messages hold keys the plain count leaves out (``refusal``, ``thinking``: no
    ``Tokenizer.plain_layout``) is counted row by row on the row the slow way would get, which it keeps
    when the row is over the limit."""
    rng = random.Random(16)
    lines = []
    for _ in range(2000):
        user = text(rng, rng.randint(250, 400) if rng.random() < 0.05 else rng.randint(1, 30), odd=0.001)
        assistant = {"role": "assistant", "content": text(rng, rng.randint(1, 30), odd=0.001)}
        roll = rng.random()
        if roll < 0.3:
            assistant["refusal"] = None
        elif roll < 0.5:
            assistant["thinking"] = text(rng, 5, odd=0.001)
        lines.append(json.dumps({"messages": [{"role": "user", "content": user}, assistant]}, ensure_ascii=False))
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert_same_stats(tmp_path, path, ("--max-tokens", "300"), html)


def taken_in_bulk(path, monkeypatch, **settings) -> tuple[list, dict, int]:
    """Findings, summary and how many rows the fast path folded, in this process."""
    taken = []
    fold = fast_path.FastPath._fold

    def counting(self, records, *rest):
        taken.append(len(records))
        return fold(self, records, *rest)

    monkeypatch.setattr(fast_path.FastPath, "_fold", counting)
    linter = Linter(Settings(**settings))
    findings, result = linter.lint_path(str(path))
    findings = [(f.line, f.column, f.code, f.message, f.pointer) for f in findings]
    summary = result.summary()
    summary["longest"] = result.stats.longest_examples()  # what the HTML report shows
    return findings, summary, sum(taken)


@pytest.mark.parametrize("block_size", [4096, 1 << 20])
def test_blocks_of_any_size_give_the_slow_answers(tmp_path, monkeypatch, block_size):
    """Lines cut by block boundaries come as rows, the rest in runs: both ways give one answer."""
    path = tmp_path / "data.jsonl"
    path.write_text(dataset(7, 5000), encoding="utf-8")
    monkeypatch.setattr(jsonl, "BLOCK_SIZE", block_size)
    monkeypatch.setenv("FTLINT_LOAD_PLUGINS", "")  # built-in rules alone: a plugin rule may read every row
    registry.reset()
    try:
        fast = taken_in_bulk(path, monkeypatch)
        monkeypatch.setenv("FTLINT_NO_FAST_PATH", "1")
        slow = taken_in_bulk(path, monkeypatch)
    finally:
        registry.reset()
    assert fast[:2] == slow[:2]
    assert slow[2] == 0
    assert fast[2] > 1000, "the fast path took too few rows to be tested here"


def test_a_rule_that_reads_every_row_turns_it_off_for_its_rows(tmp_path, monkeypatch):
    """The engine alone decides: with a rule that reads every text and declares no screen, no row is
    proven clean in bulk, and the answers are the slow way's."""
    path = tmp_path / "data.jsonl"
    banned = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "As an AI language model, no."}]}'
    path.write_text(dataset(8, 1500) + banned + "\n", encoding="utf-8")
    monkeypatch.delenv("FTLINT_LOAD_PLUGINS", raising=False)
    registry.reset()
    try:
        if "EX001" not in registry.get_registry().rules:
            pytest.skip("the example plugin is not installed")
        findings, summary, taken = taken_in_bulk(path, monkeypatch)
    finally:
        registry.reset()
    assert taken == 0
    assert (1501, "EX001") in [(line, code) for line, _, code, _, _ in findings]
    assert run(path, fast=True, plugins=True) == run(path, fast=False, plugins=True)


def test_rows_counted_to_be_sure_give_the_statistics_the_slow_way_gives(tmp_path, monkeypatch):
    """Rows with more bytes than the token limit but fewer tokens are counted (as FT300 counts them) before
    they are taken in bulk; the statistics keep what the slow way keeps of a counted row (the longest
    examples, the longest count)."""
    path = tmp_path / "data.jsonl"
    path.write_text(dataset(10, 3000, longest=(250, 600)), encoding="utf-8")
    monkeypatch.setenv("FTLINT_LOAD_PLUGINS", "")
    registry.reset()
    try:
        fast = taken_in_bulk(path, monkeypatch, max_tokens=1500)
        monkeypatch.setenv("FTLINT_NO_FAST_PATH", "1")
        slow = taken_in_bulk(path, monkeypatch, max_tokens=1500)
    finally:
        registry.reset()
    assert fast[:2] == slow[:2]
    assert fast[2] > 300
    lines = dict(fast[1]["longest"])
    assert any(line > 1000 and line % 64 for line in lines), "no row taken in bulk is among the longest: the test proves nothing"


@pytest.mark.parametrize("block_size", [64, 4096, 1 << 20])
def test_runs_of_lines_are_the_file_bytes_they_say(tmp_path, monkeypatch, block_size):
    """Every run the reader hands the fast path (and each half of a split run) holds exactly the file's
    bytes at its offset, its lines numbered as ``rows`` numbers them: the block scan maps its matches to
    lines through these."""
    monkeypatch.setattr(jsonl, "BLOCK_SIZE", block_size)
    raw = dataset(3, 600).encode("utf-8") + b'{"messages": []}'  # no newline at the end
    path = tmp_path / "data.jsonl"
    path.write_bytes(raw)
    reader = jsonl.JsonlReader()
    numbers = []
    with open(path, "rb") as stream:
        for item in reader.batches(stream, max_line_bytes=1 << 20):
            third = len(item.pieces) // 3 if item.__class__ is jsonl.Lines else 0
            runs = [item, *item.split(third)] if third else [item]
            for run in runs:
                if run.__class__ is jsonl.Lines:
                    assert run.data == b"\n".join(run.pieces)
                    assert raw[run.offset:run.offset + len(run.data)] == run.data
                    assert raw[run.offset - 1:run.offset] in (b"", b"\n")
            if item.__class__ is jsonl.Lines:
                numbers.extend(range(item.number, item.number + len(item.pieces)))
            else:
                numbers.append(item.number)
    with open(path, "rb") as stream:
        assert numbers == [row.number for row in reader.rows(stream, max_line_bytes=1 << 20)]


ONE_TOKEN_WORDS = ["the", "order", "size", "boots", "refund", "shipping", "color", "tent", "receipt", "stock"]  # in o200k, alone or after another


def chat_line(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(ONE_TOKEN_WORDS) for _ in range(words))
    return json.dumps({"messages": [{"role": "user", "content": text}, {"role": "assistant", "content": "Sure."}]})


def test_stats_rank_ties_among_the_longest_examples_by_line_across_blocks(tmp_path, monkeypatch):
    """``stats`` folds the rows each block counts at once (``FileStats.add_counted_block``): among examples
    of one length the earlier line ranks higher, within a block and across blocks, beside rows over the
    limit that go the slow way, as when every row is counted one at a time."""
    rng = random.Random(15)
    lines = [chat_line(rng, rng.randint(3, 20)) for _ in range(3000)]
    # as long as each other: a run of them, more than LONGEST in a block and over a block's end, and more later
    tied = [*range(1000, 1100), *sorted(rng.sample(range(1100, 3000), 40))]
    over = sorted(rng.sample(sorted(set(range(300, 3000)) - set(tied)), 5))
    for at in tied:
        lines[at] = chat_line(rng, 40)
    for at in over:
        lines[at] = chat_line(rng, 200 + at % 7)  # over --max-tokens 150: FT300 reports them, the slow way
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(jsonl, "BLOCK_SIZE", 16 << 10)  # about 150 lines a block
    monkeypatch.setenv("FTLINT_LOAD_PLUGINS", "")
    registry.reset()
    try:
        fast = taken_in_bulk(path, monkeypatch, exact_stats=True, max_tokens=150)
        monkeypatch.setenv("FTLINT_NO_FAST_PATH", "1")
        slow = taken_in_bulk(path, monkeypatch, exact_stats=True, max_tokens=150)
    finally:
        registry.reset()
    assert fast[:2] == slow[:2]
    assert fast[2] > 2500
    assert sorted(line for line, _, code, _, _ in fast[0] if code == "FT300") == [at + 1 for at in over]
    longest = fast[1]["longest"]
    assert [line for line, _ in longest[:5]] == [at + 1 for at in sorted(over, key=lambda at: (-(at % 7), at))]
    assert longest[5:] == [(at + 1, 53) for at in tied[:15]]  # 3, then 3 + 1 ("user") + 40 words, 3 + 1 + 2 ("Sure.")
    assert fast[1]["tokens"]["over_limit"] == 5
