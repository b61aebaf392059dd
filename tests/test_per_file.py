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
    assert finding["message"] == "reply is one word (40 rows in all, the first here)"


def test_the_count_is_of_rows_and_one_row_is_reported_as_it_is(tmp_path):
    _project(tmp_path)
    rows = [chat(("user", "q"), ("assistant", "Sure."), ("user", "and?"), ("assistant", "Yes."))]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = run_cli("check", "data.jsonl", "--select", "HOUSE002", "--format", "json", cwd=tmp_path)
    (finding,) = json.loads(proc.stdout)["findings"]
    assert (finding["message"], finding["pointer"]) == ("reply is one word", "/messages/1/content")  # one row, twice
    rows.append(chat(("user", "q"), ("assistant", "Fine.")))
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = run_cli("check", "data.jsonl", "--select", "HOUSE002", "--format", "json", cwd=tmp_path)
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["message"] == "reply is one word (2 rows in all, the first here)" and finding["line"] == 1


def test_a_per_file_rule_with_a_fix_is_refused_when_it_registers(tmp_path):
    _project(tmp_path, extra="    fix = __import__('linter').Applicability.SAFE\n")
    (tmp_path / "data.jsonl").write_text(json.dumps(chat(("user", "q"), ("assistant", "Sure."))) + "\n")
    proc = run_cli("check", "data.jsonl", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "HOUSE002: per_file is for per-row rules without a fix" in proc.stderr
