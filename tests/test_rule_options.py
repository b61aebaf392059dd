"""A rule's options: declared types refused at config load, and a rule that refuses its options at
construction, each as one line naming the file, the table and the rule (a newcomer trial: ``approved = 5``
gave every row an FT000 'please report it to the rule's plugin', ``approved = "yes"`` was matched substring
by substring, and a ValueError in ``__init__`` came out as 'internal error: ValueError' naming no rule)."""

from __future__ import annotations

import json
import textwrap

import pytest

from linter.registry import get_registry
from linter.rules.options import matches, wanted

from .conftest import run_cli

HOUSE = '''
from linter import Rule, Severity, Violation, hookimpl
from linter.schema import CONVERSATION_KINDS
from linter.view import ASSISTANT


class Approved(Rule):
    """Assistants answer with approved words only."""

    code = "ACME001"
    name = "approved-words"
    summary = "Assistant answers with a word not approved"
    severity = Severity.WARNING
    kinds = CONVERSATION_KINDS
    options = {"approved": "the words an assistant may answer with", "minimum": "the fewest approved words"}
    option_types = {"approved": list[str], "minimum": int}

    def __init__(self, context):
        super().__init__(context)
        self.approved = context.options.get("approved", ["yes", "no"])
        if not self.approved:
            raise ValueError("approved must not be empty: list at least one word")
        if "crash" in self.approved:
            self.approved = self.approved["crash"]  # a bug: indexing a list with a string

    def check(self, row):
        for _, turn in row.view.all_turns():
            if turn.role == ASSISTANT and turn.text not in self.approved:
                yield Violation("answer is not an approved word", turn.content_pointer)


@hookimpl
def register_rules(register):
    register(Approved)
'''
ROW = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "maybe"}]}


def project(tmp_path, options: str, source: str = HOUSE, table: str = "approved-words"):
    (tmp_path / "house.py").write_text(textwrap.dedent(source))
    (tmp_path / "pyproject.toml").write_text(f'[tool.ftlint]\nplugins = ["house.py"]\nselect = ["ACME"]\n'
                                             + (f"[tool.ftlint.options.{table}]\n{options}\n" if options else ""))
    (tmp_path / "train.jsonl").write_text(json.dumps(ROW) + "\n")
    return run_cli("check", "train.jsonl", "--no-token-stats", cwd=tmp_path, env={"FTLINT_LOAD_PLUGINS": ""})


def one_error(proc) -> str:
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "FT000" not in proc.stdout, proc.stdout + proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    return line


@pytest.mark.parametrize(("value", "found"), [
    ("approved = 5", "approved must be a list of strings, found an integer (5)"),
    ('approved = "yes"', "approved must be a list of strings, found a string ('yes')"),
    ('approved = ["yes", 5]', "approved must be a list of strings, found a list holding an integer (5)"),
    ("minimum = true", "minimum must be an integer, found a boolean (true)"),
])
def test_an_option_of_the_wrong_type_is_refused_at_config_load(tmp_path, value, found):
    line = one_error(project(tmp_path, value))
    assert line.startswith("ftlint: error: ") and str(tmp_path / "pyproject.toml") in line
    assert f"[tool.ftlint.options.approved-words]: {found} for ACME001 approved-words" in line


def test_options_of_the_declared_types_reach_the_rule(tmp_path):
    proc = project(tmp_path, 'approved = ["maybe"]\nminimum = 1')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = project(tmp_path, 'approved = ["yes"]')
    assert proc.returncode == 0 and "ACME001 [approved-words] answer is not an approved word" in proc.stdout


def test_a_rule_refusing_its_options_names_itself_and_its_table(tmp_path):
    line = one_error(project(tmp_path, "approved = []"))
    assert line.endswith("[tool.ftlint.options.approved-words]: ACME001 approved-words could not start: "
                         "approved must not be empty: list at least one word")


def test_a_rule_whose_constructor_has_a_bug_names_itself_its_table_and_its_plugin(tmp_path):
    line = one_error(project(tmp_path, 'approved = ["crash"]', table="ACME001"))
    assert "[tool.ftlint.options.ACME001]: ACME001 approved-words could not start: TypeError: " in line
    assert line.endswith("(a bug in the rule: report it to plugin 'local:house.py')")
    without_table = HOUSE.replace('["yes", "no"]', '["crash"]')
    line = one_error(project(tmp_path, "", source=without_table))
    assert "ACME001 approved-words could not start with its default options (no [tool.ftlint.options.approved-words] table): TypeError" in line


@pytest.mark.parametrize(("declaration", "message"), [
    ('option_types = {"approved": list[str], "maximum": int}',
     "rule ACME001: option_types names option(s) maximum that options does not describe"),
    ('option_types = {"approved": set}', "rule ACME001: option_types['approved'] is <class 'set'>; a type must be str, int"),
    ('option_types = {"approved": dict[int, str]}', "option_types['approved'] is dict[int, str]"),
    # unhashable spellings a plugin author may try: a traceback (TypeError: unhashable type) before
    ('option_types = {"approved": [str]}', "option_types['approved'] is [<class 'str'>]; a type must be"),
    ('option_types = {"approved": {"a": str}}', "option_types['approved'] is {'a': <class 'str'>}; a type must be"),
])
def test_a_type_declaration_toml_cannot_meet_is_refused_when_the_plugin_registers(tmp_path, declaration, message):
    source = HOUSE.replace('option_types = {"approved": list[str], "minimum": int}', declaration)
    line = one_error(project(tmp_path, "", source=source))
    assert "plugin 'local:house.py': " in line and message in line


@pytest.mark.parametrize(("table", "message"), [
    ('[tool.ftlint.options.token-limit]\nstrategy = ["drop"]\n',
     "[tool.ftlint.options.token-limit]: strategy must be a string, found a list ([\"drop\"]) for FT300 token-limit"),
    ('[tool.ftlint.options.FT805]\nplaceholders = {image = 3}\n',
     "[tool.ftlint.options.FT805]: placeholders must be a table of strings, found a table whose 'image' is an integer (3) for FT805"),
    ('[tool.ftlint.options.media-count-mismatch]\nplaceholders = {picture = "<p>"}\n',
     "[tool.ftlint.options.media-count-mismatch]: FT805 media-count-mismatch could not start: placeholders must be a table of "
     "non-empty strings keyed image, video or audio"),
])
def test_built_in_rules_refuse_options_of_the_wrong_type_the_same_way(tmp_path, table, message):
    (tmp_path / "pyproject.toml").write_text(table)
    (tmp_path / "train.jsonl").write_text(json.dumps(ROW) + "\n")
    assert message in one_error(run_cli("check", "train.jsonl", "--select", "FT300,FT805", cwd=tmp_path))


def test_every_built_in_option_declares_its_type():
    """What the plugin docs ask of a plugin, ftlint's own rules do."""
    rules = {code: rule for code, rule in get_registry().rules.items() if code.startswith("FT") and rule.options}
    assert rules, "no built-in rule has options: nothing was checked"
    assert {code: sorted(rule.options) for code, rule in rules.items()} == {code: sorted(rule.option_types) for code, rule in rules.items()}


@pytest.mark.parametrize(("value", "expected", "ok"), [
    (True, int, False), (1, bool, False), (5, float, True), (5.5, int, False), ("5", (int, str), True),
    ({"a": ["x"]}, dict[str, list[str]], True), ({"a": ["x", 1]}, dict[str, list[str]], False), ([], list[int], True),
])
def test_toml_values_against_declared_types(value, expected, ok):
    assert matches(value, expected) is ok


def test_declared_types_read_as_words():
    assert wanted((str, list[str])) == "a string or a list of strings"
    assert wanted(dict[str, list[int]]) == "a table of lists of integers"
