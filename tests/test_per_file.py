"""``per_file = True``: a rule reported once per file, with the count, in one process or on every core."""

from __future__ import annotations

import json

from .conftest import chat, run_cli

RULE = '''
from linter import Rule, Severity, Violation, hookimpl
from linter.schema import CONVERSATION_KINDS
from linter.view import ASSISTANT


class ShortReply(Rule):
    """Replies of one word."""

    code = "HOUSE002"
    name = "short-reply"
    summary = "An assistant reply is a single word"
    severity = Severity.INFO
    reads = ("turns",)
    kinds = CONVERSATION_KINDS
    per_file = True

    def check(self, row):
        for _, turn in row.view.all_turns():
            for part in turn.texts:
                if turn.role == ASSISTANT and len(part.text.split()) == 1:
                    yield Violation("reply is one word", part.pointer)
{extra}

@hookimpl
def register_rules(register):
    register(ShortReply)
'''


def _project(tmp_path, extra: str = "") -> None:
    (tmp_path / "house.py").write_text(RULE.replace("{extra}", extra))
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["house.py"]\n')


def test_one_finding_at_the_first_row_with_the_count_on_any_number_of_cores(tmp_path):
    _project(tmp_path)
    rows = [chat(("user", f"q{i}"), ("assistant", "Sure." if i % 3 else f"A long answer number {i}.")) for i in range(60)]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    outputs = []
    for jobs in ("1", "2", "3"):
        proc = run_cli("check", "data.jsonl", "--select", "HOUSE002", "--format", "json", "--jobs", jobs,
                       cwd=tmp_path, env={"FTLINT_PARALLEL_MIN_BYTES": "1"})
        assert proc.returncode == 0, proc.stderr  # info only
        found = json.loads(proc.stdout)["findings"]
        outputs.append(found)
    assert outputs[0] == outputs[1] == outputs[2]
    (finding,) = outputs[0]
    assert (finding["line"], finding["pointer"]) == (2, "/messages/1/content")
    assert finding["message"] == "reply is one word (rows in this file: 40; the first here)"


def test_the_count_is_of_rows_and_one_row_is_reported_as_it_is(tmp_path):
    _project(tmp_path)
    rows = [chat(("user", "q"), ("assistant", "Sure."), ("user", "and?"), ("assistant", "Yes."))]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = run_cli("check", "data.jsonl", "--select", "HOUSE002", "--format", "json", cwd=tmp_path)
    (finding,) = json.loads(proc.stdout)["findings"]
    assert (finding["message"], finding["pointer"]) == ("reply is one word (rows in this file: 1; the first here)", "/messages/1/content")
    rows.append(chat(("user", "q"), ("assistant", "Fine.")))
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = run_cli("check", "data.jsonl", "--select", "HOUSE002", "--format", "json", cwd=tmp_path)
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["message"] == "reply is one word (rows in this file: 2; the first here)" and finding["line"] == 1


def test_a_per_file_rule_with_a_fix_is_refused_when_it_registers(tmp_path):
    _project(tmp_path, extra="    fix = __import__('linter').Applicability.SAFE\n")
    (tmp_path / "data.jsonl").write_text(json.dumps(chat(("user", "q"), ("assistant", "Sure."))) + "\n")
    proc = run_cli("check", "data.jsonl", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "HOUSE002: per_file is for per-row rules without a fix" in proc.stderr


def test_rows_of_a_compact_json_array_share_a_line_and_are_each_counted(tmp_path):
    """Review: 'json.dump(rows, f)' puts every row on line 1; counting by line counted them as one."""
    _project(tmp_path)
    (tmp_path / "data.json").write_text(json.dumps([chat(("user", f"q{i}"), ("assistant", "Sure.")) for i in range(12)]))
    proc = run_cli("check", "data.json", "--select", "HOUSE002", "--format", "json", cwd=tmp_path)
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["message"] == "reply is one word (rows in this file: 12; the first here)"


def test_a_growing_count_keeps_the_baseline_and_the_sarif_fingerprint(tmp_path):
    """Review: the count in the message changed the baseline's and SARIF's idea of the finding."""
    _project(tmp_path)
    rows = [chat(("user", "q"), ("assistant", "Sure."))]
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(rows[0]) + "\n")
    args = ["check", "data.jsonl", "--select", "HOUSE002"]
    assert run_cli(*args, "--write-baseline", "base.json", cwd=tmp_path).returncode in (0, 1)
    sarif = json.loads(run_cli(*args, "--format", "sarif", cwd=tmp_path).stdout)["runs"][0]["results"][0]["partialFingerprints"]
    data.write_text("".join(json.dumps(chat(("user", f"q{i}"), ("assistant", "Sure."))) + "\n" for i in range(3)))
    proc = run_cli(*args, "--baseline", "base.json", "--format", "json", cwd=tmp_path)
    assert json.loads(proc.stdout)["findings"] == [], proc.stdout
    again = json.loads(run_cli(*args, "--format", "sarif", cwd=tmp_path).stdout)["runs"][0]["results"][0]
    assert "rows in this file: 3" in again["message"]["text"] and again["partialFingerprints"] == sarif


def test_a_fix_yielded_by_a_per_file_rule_is_an_internal_error_not_dropped(tmp_path):
    _project(tmp_path, extra="    def check(self, row):\n        yield Violation('x', '/messages', fix=__import__('linter').Fix('d', edits=()))\n")
    (tmp_path / "data.jsonl").write_text(json.dumps(chat(("user", "q"), ("assistant", "Sure."))) + "\n")
    proc = run_cli("check", "data.jsonl", "--select", "HOUSE002", cwd=tmp_path)
    assert proc.returncode == 2 and "FT000" in proc.stdout and "yielded a fix" in proc.stdout and "Traceback" not in proc.stderr
