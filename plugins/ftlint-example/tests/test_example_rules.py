"""The example plugin's rules, through ftlint's case harness and the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from linter.testing import check_case, check_examples, load_cases


@pytest.mark.parametrize("case", load_cases("cases/*.toml"), ids=str)  # read from this file's folder
def test_rule_cases(case):
    check_case(case)


@pytest.mark.parametrize("rule", ["EX001", "EX002"])
def test_rule_examples(rule):
    """The bad example on each rule's page fires it, the good one does not (docs/plugin-hooks.md)."""
    check_examples(rule)


def ftlint(*args, cwd):
    return subprocess.run([sys.executable, "-m", "linter", *map(str, args)], cwd=cwd, capture_output=True, text=True)


def test_installed_plugin_is_listed_and_runs(tmp_path):
    listing = json.loads(ftlint("plugins", "--output-format", "json", cwd=tmp_path).stdout)
    (plugin,) = [p for p in listing if p["distribution"] == "ftlint-example"]
    assert plugin["rules"] == ["EX001", "EX002"] and plugin["hooks"] == ["register_rules"]
    data = tmp_path / "train.jsonl"
    data.write_text(json.dumps({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "As an AI language model, no."}]}) + "\n")
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nextend-select = ["EX002"]\n[tool.ftlint.options.banned-phrases]\nphrases = ["language model"]\n')
    report = json.loads(ftlint("check", "--format", "json", "--no-token-stats", data.name, cwd=tmp_path).stdout)
    codes = [(f["code"], f["message"]) for f in report["findings"] if f["code"].startswith("EX")]
    assert codes == [("EX001", "banned phrase 'language model'"), ("EX002", "assistant reply is not JSON")]


def test_unknown_option_is_a_clear_error(tmp_path):
    (tmp_path / "train.jsonl").write_text("{}\n")
    (tmp_path / "pyproject.toml").write_text("[tool.ftlint.options.banned-phrases]\nphrase = ['x']\n")
    proc = ftlint("check", "--no-token-stats", "train.jsonl", cwd=tmp_path)
    assert proc.returncode == 2 and "unknown option(s) phrase" in proc.stderr


def test_rules_read_the_view_so_a_sharegpt_file_is_checked_too(tmp_path):
    row = {"conversations": [{"from": "human", "value": "Cancel"}, {"from": "gpt", "value": "As an AI language model, sure."}]}
    (tmp_path / "sharegpt.jsonl").write_text(json.dumps(row) + "\n")
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nprofile = "llamafactory"\nextend-select = ["EX002"]\n')
    report = json.loads(ftlint("check", "--format", "json", "--no-token-stats", "sharegpt.jsonl", cwd=tmp_path).stdout)
    found = [(f["code"], f["pointer"]) for f in report["findings"] if f["code"].startswith("EX")]
    assert found == [("EX001", "/conversations/1/value"), ("EX002", "/conversations/1/value")]


@pytest.mark.parametrize(("options", "message"), [
    ('[tool.ftlint.options.banned-phrases]\nphrases = "as an ai"\n',
     "[tool.ftlint.options.banned-phrases]: phrases must be a list of strings, found a string ('as an ai') for EX001 banned-phrases"),
    ('[tool.ftlint.options.assistant-json-schema]\nschema = {type = "objet"}\n',
     "[tool.ftlint.options.assistant-json-schema]: EX002 assistant-json-schema could not start: schema is not a valid JSON Schema: "),
])
def test_options_the_rules_cannot_use_stop_the_run_in_one_line(tmp_path, options, message):
    """A string for the phrases list matched letter runs of it; a schema with a typo failed every row with an FT000."""
    (tmp_path / "train.jsonl").write_text(json.dumps({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "{}"}]}) + "\n")
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nextend-select = ["EX002"]\n' + options)
    proc = ftlint("check", "--no-token-stats", "train.jsonl", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == "" and len(proc.stderr.splitlines()) == 1, proc.stdout + proc.stderr
    assert message in proc.stderr
