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


@pytest.mark.parametrize("properties", ["abc", [1], {"a": "string"}, {"a": {"type": 7}}])
def test_arguments_against_an_invalid_schema_are_left_to_ft502(tmp_path, properties):
    """jsonschema raises anything (AttributeError, TypeError) on a schema it never checked."""
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": json.dumps({"a": 1})}}
    row = {"messages": [CHAT[0], {"role": "assistant", "tool_calls": [call]}, {"role": "tool", "tool_call_id": "c1", "content": "r"}, CHAT[1]],
           "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": properties}}}]}
    path = tmp_path / "t.jsonl"
    path.write_text(dump([row, GOOD]))
    report, proc = cli_json(path)
    _no_crash(proc)
    codes = {f["code"] for f in report["findings"] if f["line"] == 1}
    assert "FT502" in codes and "FT512" not in codes, codes


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
    assert any("deeper than" in m for m in messages) and any("4,300 digits" in m for m in messages)


def test_invalid_utf8_refuses_only_its_record_in_csv_and_json_arrays(tmp_path):
    good = json.dumps(GOOD["messages"]).encode()
    table = tmp_path / "t.csv"
    table.write_bytes(b"messages,note\n" + b'"' + good.replace(b'"', b'""') + b'",caf\xe9\n' + b'"' + good.replace(b'"', b'""') + b'",ok\n')
    array = tmp_path / "a.json"
    array.write_bytes(b"[\n" + json.dumps(GOOD).encode().replace(b"hi", b"h\xffi") + b",\n" + json.dumps(GOOD).encode() + b",\n" + b'{"messages": [{"role": "user", "content": "\\ud800"}]}' + b"\n]\n")
    for path, bad_line, good_line in ((table, 2, 3), (array, 2, 3)):
        report, proc = cli_json(path)
        _no_crash(proc)
        found = {(f["code"], f["line"]) for f in report["findings"]}
        assert ("FT002", bad_line) in found, found
        assert not any(line == good_line and code < "FT100" for code, line in found), found
        assert report["files"][0]["examples"] == 1
    assert ("FT005", 4) in {(f["code"], f["line"]) for f in cli_json(array)[0]["findings"]}


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


# --- item 10: no output repeats a secret ---------------------------------------------------

KEY = "sk-proj-" + "Q7" * 20  # what FT205 calls an OpenAI API key
FORMATS = ("text", "json", "json-lines", "sarif", "github", "junit")


def _secret_rows():
    call = {"id": "c1", "type": "function", "function": {"name": "g", "arguments": json.dumps({"a": KEY})}}
    rows = [
        {"messages": [{"role": "user", "content": "hi {{%s}}" % KEY}, CHAT[1]]},  # FT204 placeholder
        {"messages": [{"role": KEY, "content": "hi"}, CHAT[1]]},  # FT106 role
        {"messages": CHAT, KEY: 1},  # FT110 key name (and its pointer)
        {"messages": [CHAT[0], {"role": "assistant", "content": "x", "weight": KEY}]},  # FT113 weight
        {"messages": CHAT, "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": KEY}}}}}]},  # FT502
        {"messages": [CHAT[0], {"role": "assistant", "content": "x", KEY: 2}]},  # FT111
        {"messages": [CHAT[0], {"role": "assistant", "tool_calls": [call]}],  # FT512 quotes the argument
         "tools": [{"type": "function", "function": {"name": "g", "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}}]},
        {"messages": [CHAT[0], {"role": "assistant", "tool_calls": [dict(call, function={"name": KEY, "arguments": "{}"})]}]},  # FT501/FT505 name
    ]
    return dump(rows) + '{"messages": %s, "%s": 1, "%s": 2}\n' % (json.dumps(CHAT), KEY, KEY)  # FT004 duplicate key


def test_no_output_format_repeats_a_secret(tmp_path):
    path = tmp_path / "secrets.jsonl"
    path.write_text(_secret_rows())
    seen_codes = set()
    for fmt in FORMATS:
        proc = run_cli("check", "--format", fmt, path)
        _no_crash(proc)
        assert "Q7Q7" not in proc.stdout + proc.stderr, fmt
        if fmt == "json":
            seen_codes = {f["code"] for f in json.loads(proc.stdout)["findings"]}
            assert "[redacted secret]" in proc.stdout
    assert {"FT004", "FT106", "FT110", "FT111", "FT113", "FT204", "FT502", "FT512"} <= seen_codes, seen_codes
    summary = tmp_path / "summary.md"
    _no_crash(run_cli("check", "--summary", summary, path))
    assert summary.stat().st_size > 0 and "Q7Q7" not in summary.read_text()
    report = tmp_path / "report.html"
    proc = run_cli("stats", "--html", report, path)
    assert "internal error" not in proc.stderr, proc.stderr
    assert report.stat().st_size > 0 and "Q7Q7" not in report.read_text() + proc.stdout


def test_show_redacts_and_escapes_whether_or_not_ft205_is_enabled():
    from linter.text import show

    assert show("{{%s}}" % KEY) == "'{{[redacted secret]}}'"
    assert show({"k": KEY}) == '{"k": "[redacted secret]"}'
    assert show("x\x1b[31my") == "'x\\u001b[31my'"
    assert show("see " + KEY, quoted=False) == "see [redacted secret]"
    assert "Q7" not in show("a" * 50 + " " + KEY)  # a key that straddles the cut is still found whole


# --- item 11: file names are escaped as dataset text is, in every format ------------------

def test_single_line_output_escapes_every_character_it_must_whatever_the_fast_path():
    """one_line skips its escaping for printable text; every code point the escaper
    rewrites (and tab, newline) is unprintable, so the shortcut never lets one through."""
    from linter.text import _CONTROL, one_line

    escaped = _CONTROL.findall("".join(map(chr, range(0x110000)))) + ["\n", "\t"]
    assert len(escaped) > 2000 and not any(char.isprintable() for char in escaped)
    assert one_line("bidi \u202e flip\nnext\x1b") == "bidi \\u202e flip\\nnext\\x1b"
    assert one_line("plain text, é 中") == "plain text, é 中"


def test_control_characters_in_file_names_are_escaped_in_every_format(tmp_path):
    import os
    import xml.etree.ElementTree as ET

    folder = tmp_path / "names"
    folder.mkdir()
    row = dump([{"messages": CHAT, "zz": 1}])
    (folder / "bad\x1b[31m\x07name.jsonl").write_text(row)
    (folder / os.fsdecode(b"inv\xffname.jsonl")).write_text(row)
    outputs = {}
    for fmt in FORMATS:
        proc = subprocess_bytes("check", "--format", fmt, folder)
        assert proc.returncode == 1, proc.stderr
        out = proc.stdout
        assert b"\x1b" not in out and b"\x07" not in out and b"\xff" not in out, fmt
        outputs[fmt] = out.decode("utf-8")  # strict: every byte is UTF-8
    junit = ET.fromstring(outputs["junit"].split("\n", 1)[1])  # parses: no control character left
    assert any(s.get("name").endswith("bad\\x1b[31m\\x07name.jsonl") for s in junit.iter("testsuite"))
    sarif = json.loads(outputs["sarif"])
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert any(u.endswith("bad%1B[31m%07name.jsonl") for u in uris) and any(u.endswith("inv%FFname.jsonl") for u in uris), uris
    paths = {f["path"] for f in json.loads(outputs["json"])["findings"]}
    assert any(p.endswith("bad\\x1b[31m\\x07name.jsonl") for p in paths) and any(p.endswith("inv\\udcffname.jsonl") for p in paths), paths
    assert "file=" in outputs["github"] and "bad\\x1b[31m\\x07name.jsonl" in outputs["github"]


def subprocess_bytes(*args):
    """The CLI's raw stdout bytes (``run_cli`` decodes them, which would hide bad bytes)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "FTLINT_LOAD_PLUGINS"}
    return subprocess.run([sys.executable, "-m", "linter", *map(str, args)], capture_output=True, env=env, timeout=300)


# --- item 12: messages that say what is wrong ---------------------------------------------

def test_a_fifo_or_dev_null_is_not_a_regular_file(tmp_path):
    import os

    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    for args in (("check", fifo), ("check", "/dev/null"), ("stats", "/dev/null"), ("convert", fifo, "-o", tmp_path / "o.jsonl")):
        proc = run_cli(*args)
        assert proc.returncode == 2
        assert "not a regular file" in proc.stderr and "no such file" not in proc.stderr, proc.stderr
    proc = run_cli("check", tmp_path / "missing.jsonl")
    assert proc.returncode == 2 and "no such file or directory" in proc.stderr


@pytest.mark.parametrize("args", [
    ("check", "--output-file", "{tmp}/nodir/x.json", "{data}"),
    ("check", "--summary", "{tmp}/nodir/s.md", "{data}"),
    ("stats", "--html", "{tmp}/nodir/r.html", "{data}"),
    ("convert", "{data}", "-o", "{tmp}/nodir/o.jsonl"),
])
def test_a_missing_output_folder_is_named(tmp_path, args):
    data = tmp_path / "d.jsonl"
    data.write_text(dump([GOOD]))
    proc = run_cli(*(a.format(tmp=tmp_path, data=data) for a in args))
    assert proc.returncode == 2
    assert "internal error" not in proc.stderr
    assert f"the folder {tmp_path}/nodir does not exist" in proc.stderr, proc.stderr
    assert ".ftlint-" not in proc.stderr  # never our temporary file's name


def test_an_unreadable_folder_is_warned_about_and_exits_2(tmp_path):
    """Root reads any folder, so the CLI runs without the capabilities that allow it
    (setpriv drops them from the bounding set); skipped where that is impossible."""
    import os
    import shutil
    import subprocess
    import sys

    root = tmp_path / "data"
    (root / "locked").mkdir(parents=True)
    (root / "open").mkdir()
    (root / "locked" / "a.jsonl").write_text(dump([GOOD]))
    (root / "open" / "b.jsonl").write_text(dump([GOOD]))
    os.chmod(root / "locked", 0)
    prefix = []
    try:
        if os.geteuid() == 0:
            setpriv = shutil.which("setpriv")
            drop = [setpriv, "--bounding-set", "-dac_override,-dac_read_search"] if setpriv else []
            probe = subprocess.run([*drop, sys.executable, "-c", f"import os; os.listdir({str(root / 'locked')!r})"], capture_output=True)
            if not drop or probe.returncode == 0:
                pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE here: root can list any folder")
            prefix = drop
        env = {k: v for k, v in os.environ.items() if k != "FTLINT_LOAD_PLUGINS"}
        for command in (["check", "--ignore", "FT402", "--format", "json"], ["stats"]):
            proc = subprocess.run([*prefix, sys.executable, "-m", "linter", *command, str(root)], capture_output=True, text=True, env=env, timeout=300)
            assert proc.returncode == 2, (command, proc.returncode, proc.stderr)
            assert "cannot list the folder" in proc.stderr and "locked" in proc.stderr, proc.stderr
            assert "b.jsonl" in proc.stdout  # the readable folder is still linted
    finally:
        os.chmod(root / "locked", 0o755)


def test_fix_diff_shows_rows_without_their_secrets_or_control_characters(tmp_path):
    """--diff prints whole rows of the dataset: before, the newcomer trial saw the key in clear
    on unchanged, removed and added lines; now the diff goes through the quoting helper."""
    path = tmp_path / "d.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"my key {KEY} \x1b[2J "}, {"role": "assistant", "content": "ok "}]},
            {"messages": [{"role": "user", "content": f"again {KEY}"}, {"role": "assistant", "content": "fine"}]}]
    path.write_text(dump(rows))
    before = path.read_bytes()
    proc = run_cli("check", "--diff", "--unsafe-fixes", "--extend-select", "FT205", path)
    _no_crash(proc)
    assert proc.stdout.count("\n-") >= 1 and proc.stdout.count("\n+") >= 1  # a diff was printed
    assert "Q7Q7" not in proc.stdout + proc.stderr and "[redacted secret]" in proc.stdout
    assert "\x1b" not in proc.stdout
    assert path.read_bytes() == before  # --diff writes nothing


def test_tool_arguments_nested_thousands_deep_and_a_number_for_tool_calls_are_findings_under_every_profile(tmp_path):
    """Review: FT504 crashed (RecursionError) on arguments nested 5,000 deep, and FT511 (mistral's id
    format) on tool_calls that is a number; both were an FT000 and exit code 2."""
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    rows = [
        {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": deep}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "ok"}, {"role": "assistant", "content": "done"}],
         "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]},
        {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": 1}]},
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    for profile in ("openai-sft", "mistral", "trl", "llamafactory"):
        report, proc = cli_json("--profile", profile, "--extend-select", "FT5", str(path))
        codes = {(f["line"], f["code"]) for f in report["findings"]}
        assert "FT000" not in {code for _, code in codes} and proc.returncode == 1, (profile, codes)
        assert (1, "FT504") in codes and (2, "FT503") in codes
