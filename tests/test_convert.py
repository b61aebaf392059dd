"""ftlint convert: formats to JSONL, ShareGPT/Alpaca/legacy to chat, splits, and nothing lost."""

from __future__ import annotations

import json

from .conftest import GOOD, run_cli


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_csv_and_shapes_to_chat(tmp_path):
    src = tmp_path / "mixed.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in [
        {"conversations": [{"from": "system", "value": "Be brief."}, {"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello!"}]},
        {"instruction": "Translate to French", "input": "cheese", "output": "fromage"},
        {"prompt": "Great ->", "completion": " positive"},
        GOOD,
        {"weird": True},
        "[1, 2]",
    ]) + "\n{broken\n")
    out = tmp_path / "chat.jsonl"
    proc = run_cli("convert", src, "-o", out)
    assert proc.returncode == 1 and "3 row(s) not converted" in proc.stderr
    converted = lines(out)
    assert converted[0] == {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}
    # instruction and input join with a newline, as LLaMA-Factory's Alpaca converter does
    assert converted[1]["messages"][0] == {"role": "user", "content": "Translate to French\ncheese"}
    assert converted[2]["messages"][1] == {"role": "assistant", "content": " positive"}
    assert converted[3] == GOOD and len(converted) == 4
    rejects = lines(tmp_path / "chat.jsonl.rejects.jsonl")
    assert [r["line"] for r in rejects] == [5, 6, 7]
    assert "not a format" in rejects[0]["reason"] and "not an object" in rejects[1]["reason"] and rejects[2]["raw"] == "{broken"
    csv = tmp_path / "rows.csv"
    csv.write_text('user,assistant\n"multi\nline",ok\n')
    out = tmp_path / "csv.jsonl"
    assert run_cli("convert", csv, "-o", out).returncode == 0
    assert lines(out) == [{"messages": [{"role": "user", "content": "multi\nline"}, {"role": "assistant", "content": "ok"}]}]


def test_to_completion_and_split(tmp_path):
    src = tmp_path / "chat.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]} for i in range(200)]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", src, "-o", out, "--split-validation", "0.2", "--to", "completion")
    assert proc.returncode == 0, proc.stderr
    train, valid = lines(out), lines(tmp_path / "out.valid.jsonl")
    assert len(train) + len(valid) == 200 and 20 <= len(valid) <= 60
    assert {json.dumps(r) for r in train}.isdisjoint(json.dumps(r) for r in valid)
    assert train[0] == {"prompt": train[0]["prompt"], "completion": train[0]["completion"]} and train[0]["prompt"].startswith("q")
    again = tmp_path / "again.jsonl"
    run_cli("convert", src, "-o", again, "--split-validation", "0.2", "--to", "completion")
    assert lines(again) == train  # deterministic
