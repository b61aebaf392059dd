"""The engine isolates every rule call, reports every reader problem, and
derives dispatch from what rules declare (reads, problems), through the real CLI."""

from __future__ import annotations

import io
import json
import warnings

import pytest

from linter.config import Settings
from linter.engine import Linter
from linter.readers.jsonl import JsonlReader
from linter.registry import get_registry

from .conftest import GOOD, chat, dump, run_cli

NO_PLUGINS = {"FTLINT_LOAD_PLUGINS": "", "FTLINT_PARALLEL_MIN_BYTES": "1"}

COUNTER = '''
from linter import DatasetRule, Rule, Violation, hookimpl


class Counter(DatasetRule):
    """Adds up a number per row; the subclasses below have bugs."""

    summary = "a plugin dataset rule with a bug"

    def start(self):
        return [0]

    def update(self, state, row):
        state[0] += 1

    def merge(self, first, second):
        return [first[0] + second[0]]

    def finish(self, state):
        yield Violation(f"total {state[0]}", line=1)
'''

CRASHING_PLUGIN = COUNTER + '''


class Divides(Rule):
    """Divides by the length of the first message: a bug on empty ones."""

    code = "HOUSE001"
    name = "divides"
    summary = "a plugin rule with a bug"
    reads = ("turns",)

    def check(self, row):
        first = row.value["messages"][0]["content"]
        if 10 / len(first) > 100:
            yield Violation("never")


class FinishesBadly(Counter):
    """A dataset rule whose verdict divides by zero."""

    code = "HOUSE002"
    name = "finishes-badly"

    def finish(self, state):
        yield Violation(f"{state[0] / 0}", line=1)


@hookimpl
def register_rules(register):
    register(Divides)
    register(FinishesBadly)
'''


def project(tmp_path, rows, plugin=CRASHING_PLUGIN):
    (tmp_path / "house.py").write_text(plugin)
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["house.py"]\n')
    (tmp_path / "data.jsonl").write_text(dump(rows))
    return tmp_path


def findings(proc) -> list[dict]:
    return json.loads(proc.stdout)["findings"]


ROWS = [
    GOOD,
    chat(("user", "hi "), ("assistant", "Hello <|im_end|>")),  # FT201, FT202
    chat(("user", ""), ("assistant", "x")),  # the plugin divides by zero here; FT200 fires too
    chat(("human", "q"), ("assistant", "{{name}}")),  # FT106, FT204
] * 3


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_rule_that_raises_becomes_an_internal_error_and_the_run_goes_on(tmp_path, jobs):
    root = project(tmp_path, ROWS)
    proc = run_cli("check", "data.jsonl", "--format", "json", "--jobs", jobs, cwd=root, env=NO_PLUGINS)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error(s) (FT000)" in proc.stderr
    found = findings(proc)
    internal = [f for f in found if f["code"] == "FT000"]
    # one per row the plugin rule failed on (lines 3, 7, 11), and one for the dataset rule's finish
    assert sorted(f["line"] for f in internal) == [1, 3, 7, 11]
    for finding in internal:
        assert finding["path"] == "data.jsonl" and finding["severity"] == "error"
        assert "ZeroDivisionError" in finding["message"]
    assert {f["message"].split(" failed")[0] for f in internal} == {"rule HOUSE001 divides", "rule HOUSE002 finishes-badly"}
    # every other finding is exactly what the run without the broken plugin reports
    (root / "pyproject.toml").write_text("[tool.ftlint]\n")
    clean = run_cli("check", "data.jsonl", "--format", "json", "--jobs", jobs, cwd=root, env=NO_PLUGINS)
    assert clean.returncode == 1
    assert [f for f in found if f["code"] != "FT000"] == findings(clean)
    assert {"FT106", "FT200", "FT201", "FT202", "FT204"} <= {f["code"] for f in found}


def test_an_internal_error_on_an_element_of_a_one_line_array_names_its_column(tmp_path):
    """Every element of a minified array is on line 1: the FT000 for the row a rule failed on carries the
    column the element starts at, as the row's other findings do, so the report says which row to send."""
    root = project(tmp_path, [])
    rows = ROWS[:4]
    (root / "data.json").write_text(json.dumps(rows))
    proc = run_cli("check", "data.json", "--format", "json", "--select", "HOUSE001,FT200", cwd=root, env=NO_PLUGINS)
    assert proc.returncode == 2, proc.stderr
    column = len("[" + "".join(json.dumps(row) + ", " for row in rows[:2])) + 1  # the third row, the one it fails on
    assert [(f["code"], f["line"], f.get("column")) for f in findings(proc)] == [("FT000", 1, column), ("FT200", 1, column)]


def test_jobs_agree_on_internal_errors(tmp_path):
    root = project(tmp_path, ROWS * 20)
    one = run_cli("check", "data.jsonl", "--format", "json", "--jobs", "1", cwd=root, env=NO_PLUGINS)
    two = run_cli("check", "data.jsonl", "--format", "json", "--jobs", "2", cwd=root, env=NO_PLUGINS)
    assert one.returncode == two.returncode == 2
    assert one.stdout == two.stdout


def test_internal_errors_exit_2_even_with_exit_zero(tmp_path):
    root = project(tmp_path, ROWS)
    proc = run_cli("check", "data.jsonl", "--exit-zero", cwd=root, env=NO_PLUGINS)
    assert proc.returncode == 2
    assert "data.jsonl:3" in proc.stdout and "HOUSE001" in proc.stdout


def test_a_failing_rule_message_escapes_dataset_text(tmp_path):
    plugin = CRASHING_PLUGIN.replace('first = row.value["messages"][0]["content"]', 'raise KeyError(row.value["messages"][0]["content"])')
    root = project(tmp_path, [chat(("user", "\x1b[31mred\nline"), ("assistant", "x"))], plugin)
    proc = run_cli("check", "data.jsonl", "--format", "json", cwd=root, env=NO_PLUGINS)
    (internal,) = [f for f in findings(proc) if f["code"] == "FT000" and f["line"] == 1 and "HOUSE001" in f["message"]]
    assert "\x1b" not in internal["message"] and "\n" not in internal["message"]


UNCLAIMED_READER = '''
from linter import hookimpl
from linter.readers.jsonl import JsonlReader


class StrictReader(JsonlReader):
    """Reports its own problem kind, which no rule claims, on lines that start with '#'."""

    name = "strict"
    extensions = (".strict",)
    problems = ("comment-line",)

    def rows(self, stream, **options):
        from linter.rows import ParseProblem

        for row in super().rows(stream, **options):
            if row.raw is not None and row.raw.startswith(b"#"):
                row.problem = ParseProblem("comment-line", "a comment line is not an example")
            yield row


@hookimpl
def register_readers(register):
    register(StrictReader())
'''


def test_a_reader_problem_no_rule_claims_is_reported(tmp_path):
    root = project(tmp_path, [], UNCLAIMED_READER)
    (root / "data.strict").write_text(dump([GOOD]) + "# a comment\n" + dump([GOOD]))
    proc = run_cli("check", "data.strict", "--format", "json", cwd=root, env=NO_PLUGINS)
    (finding,) = [f for f in findings(proc) if f["code"] == "FT019"]
    assert finding["line"] == 2 and "comment line" in finding["message"] and "comment-line" in finding["message"]
    assert proc.returncode == 1


def test_every_built_in_reader_problem_is_claimed_by_a_rule():
    registry = get_registry()
    claimed = {rule.problem_kind for rule in registry.rules.values() if rule.problem_kind}
    for reader in registry.readers:
        assert reader.problems, f"reader {reader.name} declares no problems"
        assert set(reader.problems) <= claimed, reader.name


def test_lint_range_of_two_shards_equals_the_whole_file(tmp_path):
    """The public shard API: findings of consecutive ranges, states merged in order, equal one pass."""
    from linter.rules.base import DatasetRule

    data = dump(ROWS[:4] * 5).encode()
    linter = Linter(Settings(token_stats=False))
    whole = [(f.line, f.code, f.pointer) for f in linter.lint_stream(io.BytesIO(data), "x.jsonl")[0]]
    cut = data.index(b"\n", len(data) // 2) + 1
    first, _, first_states = linter.lint_range(io.BytesIO(data[:cut]), "x.jsonl")
    first = list(first)
    second, _, second_states = linter.lint_range(io.BytesIO(data[cut:]), "x.jsonl", first_line=data[:cut].count(b"\n") + 1, offset=cut)
    second = list(second)
    rules = linter.dataset_rules("x.jsonl")
    assert any(isinstance(r, DatasetRule) and r.code == "FT115" for r in rules)  # a per-file rule's fold among them
    merged = [rule.merge(a, b) for rule, a, b in zip(rules, first_states, second_states)]
    late = list(linter.finish_states("x.jsonl", rules, merged))  # a stream since the findings are no longer held
    assert [(f.line, f.code, f.pointer) for f in first + second + late] == whole


def test_a_deprecated_gate_is_honoured_with_a_warning():
    from linter import _dispatch
    from linter.rules.base import Rule

    def never(row):
        return False

    class Gated(Rule):
        code, name, summary = "OLD001", "old-gate", "old"
        gate = staticmethod(never)

    Gated.__module__ = "acme_rules"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _dispatch.presence_test(Gated) is never
    assert any("'gate' is deprecated" in str(w.message) for w in caught)


def test_unknown_views_are_refused_at_registration():
    from linter.rules.base import Rule

    class Typo(Rule):
        code, name, summary, reads = "TYPO001", "typo", "typo", ("textz",)

    with pytest.raises(ValueError, match="unknown view"):
        Typo.validate_class()

    class Bare(Rule):
        code, name, summary, reads = "TYPO002", "bare", "bare", "texts"

    with pytest.raises(ValueError, match="tuple of view names"):
        Bare.validate_class()

    class BareScreen(Rule):  # a screen is checked even without reads
        code, name, summary, screen = "TYPO003", "bare-screen", "bare", "TODO"

    with pytest.raises(ValueError, match="screen must be a tuple"):
        BareScreen.validate_class()


def test_tool_rules_are_skipped_on_rows_without_tools(monkeypatch):
    """The gate derived from reads = ('tools', 'tool_calls'): no call on a row without tools, one on a row with them."""
    from linter.rules import tools

    calls = []
    real = tools.ToolsInvalid.check
    monkeypatch.setattr(tools.ToolsInvalid, "check", lambda self, row: calls.append(row.number) or real(self, row))
    rows = [GOOD, {**GOOD, "tools": "not a list"}]
    linter = Linter(Settings(token_stats=False))
    found = list(linter.lint_stream(io.BytesIO(dump(rows).encode()), "x.jsonl")[0])
    assert calls == [2]
    assert [f.line for f in found if f.code == "FT500"] == [2]


def test_jsonl_reader_declares_what_parsing_reports():
    from linter import parsing

    assert set(JsonlReader.problems) == set(parsing.PROBLEMS)


BAD_UPDATE_PLUGIN = COUNTER + '''

class CountsBadly(Counter):
    """Folds each row into a count, with a bug on rows whose first message is empty."""

    code = "HOUSE003"
    name = "counts-badly"

    def update(self, state, row):
        state[0] += 10 // len(row.value["messages"][0]["content"])


class ReturnsNone(Rule):
    """A check that forgot to be a generator."""

    code = "HOUSE004"
    name = "returns-none"
    summary = "a plugin rule whose check returns None"

    def check(self, row):
        return None


@hookimpl
def register_rules(register):
    register(CountsBadly)
    register(ReturnsNone)
'''


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_dataset_rule_update_that_raises_is_isolated_per_row(tmp_path, jobs):
    root = project(tmp_path, ROWS, BAD_UPDATE_PLUGIN)
    proc = run_cli("check", "data.jsonl", "--format", "json", "--jobs", jobs, cwd=root, env=NO_PLUGINS)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    found = findings(proc)
    failed = [(f["line"], f["message"].split(" failed")[0]) for f in found if f["code"] == "FT000"]
    assert sorted(failed) == sorted(
        [(line, "rule HOUSE003 counts-badly") for line in (3, 7, 11)] + [(line, "rule HOUSE004 returns-none") for line in range(1, 13)]
    )
    # the dataset rule still finishes, with the 9 rows it could fold ("Be brief.", "hi ", "q": 10 // 9 + 10 // 3 + 10 // 1)
    (total,) = [f for f in found if f["code"] == "HOUSE003"]
    assert total["message"] == f"total {3 * (10 // 9 + 10 // 3 + 10 // 1)}"


def test_fix_with_a_failing_rule_exits_2_and_still_fixes_the_rest(tmp_path):
    root = project(tmp_path, ROWS)
    before = (root / "data.jsonl").read_text()
    proc = run_cli("fix", "data.jsonl", cwd=root, env=NO_PLUGINS)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error(s) (FT000)" in proc.stderr
    after = (root / "data.jsonl").read_text()
    assert after != before and after.count("\n") == before.count("\n")  # FT201's padding stripped, no row lost
    assert '"hi "' not in after


def test_rows_named_by_given_numbers_carry_them_into_findings_and_messages(tmp_path):
    """``lint_path(numbers=...)``: the fixer lints a rewritten copy with its rows named by their input lines;
    a finding's line and a message naming another row (FT403) use those numbers, past them counting on."""
    path = tmp_path / "copy.jsonl"
    path.write_text((json.dumps(GOOD) + "\n") * 3)
    linter = Linter(Settings(select=["FT403"], token_stats=False))

    findings, _ = linter.lint_path(path, numbers=[2, 5])

    assert [(f.line, f.message) for f in findings] == [(5, "duplicate of line 2"), (6, "duplicate of line 2")]
