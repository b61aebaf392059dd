"""Hostile input, one row at a time (issue 11, items 7, 10, 11, 12).

Each test writes real files and runs the real CLI in a subprocess: a hostile
row must become a finding with its line (or be handled), never an internal
error that aborts the whole file.
"""

from __future__ import annotations

import csv
import json

import pytest

from .conftest import GOOD, cli_json, dump, run_cli

CHAT = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x"}]
HUGE_INT = "9" * 5000  # past Python's 4,300-digit int/str limit


def _no_crash(proc):
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr


# --- item 7: rows that used to abort the file --------------------------------------------

UNHASHABLE_ROWS = {
    "function name an object": {"messages": CHAT, "tools": [{"type": "function", "function": {"name": {"a": 1}, "parameters": {"type": "object"}}}]},
    "function name a list": {"messages": CHAT, "tools": [{"type": "function", "function": {"name": ["f"], "parameters": {"type": "object"}}}]},
    "tool_call_id an object": {"messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": {"a": 1}, "content": "r"},
        {"role": "assistant", "content": "done"}]},
    "call id a list": {"messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "tool_calls": [{"id": ["c1"], "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "r"},
        {"role": "assistant", "content": "done"}]},
}


@pytest.mark.parametrize("name", sorted(UNHASHABLE_ROWS))
def test_unhashable_tool_names_and_ids_are_findings(tmp_path, name):
    path = tmp_path / "t.jsonl"
    path.write_text(dump([UNHASHABLE_ROWS[name], GOOD]))
    report, proc = cli_json(path)
    _no_crash(proc)
    codes = {(f["code"], f["line"]) for f in report["findings"]}
    assert any(code in ("FT500", "FT503", "FT506") and line == 1 for code, line in codes), codes
    assert not any(line == 2 and code.startswith("FT5") for code, line in codes)


@pytest.mark.parametrize("row", [
    {"messages": None, "functions": [{"name": "f", "parameters": {"type": "object"}}]},
    {"messages": CHAT, "tools": "abc", "functions": [{"name": "f", "parameters": {"type": "object"}}]},
])
def test_functions_to_tools_fix_skips_rows_it_cannot_convert(tmp_path, row):
    path = tmp_path / "t.jsonl"
    path.write_text(dump([row, GOOD]))
    before = path.read_bytes()
    proc = run_cli("fix", "--unsafe-fixes", path)
    _no_crash(proc)
    assert "FT510" in proc.stdout  # still reported, but not offered as a fix
    assert path.read_bytes() == before


def test_convertible_functions_are_still_converted(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(dump([{"messages": CHAT, "functions": [{"name": "f", "parameters": {"type": "object"}}]}]))
    proc = run_cli("fix", "--unsafe-fixes", path)
    _no_crash(proc)
    fixed = json.loads(path.read_text())
    assert fixed["tools"] == [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]


def _huge_int_jsonl(tmp_path):
    path = tmp_path / "big.jsonl"
    good = json.dumps(GOOD)
    path.write_text(good + "\n" + '{"messages": ' + json.dumps(CHAT) + ', "weight": ' + HUGE_INT + "}\n" + good.replace("hi", "hey") + "\n")
    return path


def test_huge_integer_is_a_finding_in_check_and_stats(tmp_path):
    path = _huge_int_jsonl(tmp_path)
    report, proc = cli_json(path)
    _no_crash(proc)
    assert ("FT001", 2) in {(f["code"], f["line"]) for f in report["findings"]}
    stats = run_cli("stats", path)
    assert stats.returncode in (0, 1) and "internal error" not in stats.stderr, stats.stderr
    assert "2 examples in 3 lines" in stats.stdout


def test_huge_integer_row_is_rejected_by_fix_and_convert(tmp_path):
    path = _huge_int_jsonl(tmp_path)
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", path, "-o", out)
    assert "internal error" not in proc.stderr, proc.stderr
    assert len(out.read_text().splitlines()) == 2
    assert [json.loads(r)["line"] for r in (tmp_path / "out.jsonl.rejects.jsonl").read_text().splitlines()] == [2]
    proc = run_cli("fix", "--unsafe-fixes", path)
    _no_crash(proc)
    rejects = tmp_path / "big.jsonl.rejects.jsonl"
    assert len(path.read_text().splitlines()) == 2 and rejects.exists()


def _deep(levels):
    return "[" * levels + "]" * levels


def test_deep_nesting_in_a_json_array_is_one_finding_and_the_rest_is_read(tmp_path):
    path = tmp_path / "a.json"
    good = json.dumps(GOOD)
    elements = [good, _deep(100_000), '{"a": "]\\"[", "n": ' + HUGE_INT + "}", '{"n": NaN}', '{"n": ' + "1" * 30 + "}", good.replace("hi", "yo")]
    path.write_text("[\n" + ",\n".join(elements) + "\n]\n")
    report, proc = cli_json(path)
    _no_crash(proc)
    found = {(f["code"], f["line"]) for f in report["findings"]}
    assert {("FT006", 3), ("FT001", 4), ("FT003", 5), ("FT001", 6)} <= found, found
    assert not any(line in (2, 7) and code < "FT100" for code, line in found)  # the good elements parse
    out = tmp_path / "o.jsonl"
    proc = run_cli("convert", path, "-o", out)
    assert "internal error" not in proc.stderr, proc.stderr
    assert len(out.read_text().splitlines()) == 2
    assert len((tmp_path / "o.jsonl.rejects.jsonl").read_text().splitlines()) == 4


def test_deep_nesting_in_a_csv_messages_cell_is_a_finding(tmp_path):
    path = tmp_path / "t.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["messages"])
        writer.writerow([_deep(100_000)])
        writer.writerow(['[{"role": "user", "content": ' + HUGE_INT + "}]"])
        writer.writerow([json.dumps(GOOD["messages"])])
    report, proc = cli_json(path)
    _no_crash(proc)
    found = {(f["code"], f["line"]) for f in report["findings"]}
    assert ("FT001", 2) in found and ("FT001", 3) in found, found
    messages = {f["message"] for f in report["findings"] if f["line"] in (2, 3)}
    assert any("deeper than" in m for m in messages) and any("4300 digits" in m for m in messages)


@pytest.mark.parametrize("where", ["meta", "content", "parameters"])
def test_jsonl_rows_past_the_writable_depth_are_ft006_in_every_command(tmp_path, where):
    """orjson reads 1024 levels but writes 254: deeper rows used to crash fix, convert and SARIF."""
    deep = json.loads(_deep(300))
    rows = {
        "meta": {"messages": CHAT, "meta": deep},
        "content": {"messages": [{"role": "user", "content": deep}, CHAT[1]]},
        "parameters": {"messages": CHAT, "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": deep}}}]},
    }
    path = tmp_path / "d.jsonl"
    path.write_text(dump([rows[where], GOOD]))
    report, proc = cli_json(path)
    _no_crash(proc)
    assert ("FT006", 1) in {(f["code"], f["line"]) for f in report["findings"]}
    for args in (("stats", path), ("convert", path, "-o", tmp_path / "o.jsonl"), ("check", "--format", "sarif", path)):
        proc = run_cli(*args)
        assert "internal error" not in proc.stderr, (args, proc.stderr)
    proc = run_cli("fix", "--unsafe-fixes", path)
    _no_crash(proc)
    assert path.read_text() == json.dumps(GOOD) + "\n"
