"""The Python API: rows, DataFrames, Hugging Face datasets, settings from pyproject, plugins."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import linter
from linter.config import ConfigError

from .conftest import GOOD, chat, dump

BAD_ROLE = chat(("user", "hi"), ("robot", "beep"))  # FT106 at /messages/1/role
NO_ASSISTANT = chat(("user", "hi"))  # FT112


def codes(findings):
    return [(f.line, f.code, f.pointer) for f in findings]


def test_lint_rows_numbers_rows_from_one_and_points_into_them():
    found = linter.lint_rows([GOOD, BAD_ROLE, GOOD], select="FT106")
    assert codes(found) == [(2, "FT106", "/messages/1/role")]
    assert found[0].path == "<rows>"


def test_lint_rows_reads_a_generator_once_and_matches_lint_text():
    rows = [GOOD, BAD_ROLE, NO_ASSISTANT, {"messages": "not a list"}, [1, 2]]
    from_rows = linter.lint_rows(iter(rows), ignore=["FT402"])
    from_text = linter.lint_text(dump(rows), ignore=["FT402"])
    assert codes(from_rows) == codes(from_text) and from_rows  # the same rules, the same places


def test_select_as_a_string_is_a_selector_not_letters():
    found = linter.lint_rows([BAD_ROLE, NO_ASSISTANT], select="FT106")
    assert {f.code for f in found} == {"FT106"}
    both = linter.lint_rows([BAD_ROLE, NO_ASSISTANT], select="FT106,FT112")
    assert {f.code for f in both} == {"FT106", "FT112"}
    assert {f.code for f in linter.lint_rows([BAD_ROLE, NO_ASSISTANT], select=["FT106", "FT112"], ignore="FT106")} == {"FT112"}


def test_unknown_setting_suggests_the_close_one():
    with pytest.raises(TypeError, match="did you mean 'max_tokens'"):
        linter.lint_rows([GOOD], max_tokenz=10)


def test_values_json_cannot_hold_are_converted_and_a_bad_row_does_not_stop_the_rest():
    np = pytest.importorskip("numpy")
    rows = [
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}], "score": np.float32(0.5),
         "ids": np.arange(3)},
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}], "big": 2**70},
        BAD_ROLE,
    ]
    found = linter.lint_rows(rows, select=["FT0", "FT106"])
    lines = {(f.line, f.code) for f in found}
    assert (3, "FT106") in lines  # the row after the unrepresentable one is still linted
    (problem,) = [f for f in found if f.line == 2]
    assert "cannot be written as JSON" in problem.message
    assert not [f for f in found if f.line == 1]


def test_lint_dataframe_maps_columns_as_the_csv_reader_does(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({
        "system": ["Be brief.", None, "Be brief."],
        "user": ["hi", "hello", "hey"],
        "assistant": ["yo", None, "hi!"],
    })
    found = linter.lint_dataframe(frame, ignore="FT402")
    csv = tmp_path / "same.csv"
    frame.to_csv(csv, index=False)
    from_csv, _ = linter.lint_file(csv, ignore=["FT402", "FT013"])  # FT013: OpenAI takes no .csv file
    assert [(f.code, f.pointer) for f in found] == [(f.code, f.pointer) for f in from_csv]
    assert [f.line for f in found if f.code == "FT112"] == [2]  # the DataFrame's row position, 1-based
    messages = pd.DataFrame({"messages": [json.dumps(GOOD["messages"]), "{not json"]})
    (bad,) = linter.lint_dataframe(messages, select="FT0")
    assert bad.line == 2 and "does not hold valid JSON" in bad.message


def test_findings_as_a_dataframe():
    pd = pytest.importorskip("pandas")
    frame = linter.lint_rows([GOOD, BAD_ROLE], select="FT106", as_dataframe=True)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame[["line", "code", "pointer"]].itertuples(index=False, name=None)) == [(2, "FT106", "/messages/1/role")]
    found = linter.lint_rows([GOOD], select="FT106")
    assert list(found.to_dataframe().columns)[:4] == ["path", "line", "code", "name"] and found.to_dataframe().empty


def test_hugging_face_dataset_goes_through_lint_rows():
    datasets = pytest.importorskip("datasets")
    data = datasets.Dataset.from_list([GOOD, BAD_ROLE])
    assert codes(linter.lint_rows(data, select="FT106")) == [(2, "FT106", "/messages/1/role")]


def test_settings_and_local_plugins_come_from_pyproject_on_request(tmp_path):
    """Run in a fresh interpreter: the plugin is loaded from the config, as the CLI loads it."""
    (tmp_path / "house.py").write_text(textwrap.dedent('''
        from linter import Rule, Violation, hookimpl

        class NoTodo(Rule):
            code = "HX001"
            name = "no-todo"
            summary = "TODO left in a reply"
            def check(self, row):
                for i, m in row.messages():
                    if "TODO" in str(m.get("content")):
                        yield Violation("TODO in a reply", f"/messages/{i}/content")

        @hookimpl
        def register_rules(register):
            register(NoTodo)
    '''))
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["house.py"]\nignore = ["FT402"]\nmax-tokens = 5\n')
    script = textwrap.dedent('''
        import json, linter
        rows = [{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "TODO write " * 5}]}]
        without = sorted(f.code for f in linter.lint_rows(rows, ignore="FT402"))
        print(json.dumps({"without": without, "with": sorted(f.code for f in linter.lint_rows(rows, config=True))}))
    ''')
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert "HX001" in out["with"] and "FT300" in out["with"]  # the plugin's rule and max-tokens = 5
    assert "HX001" not in out["without"] and "FT300" not in out["without"]  # (a loaded plugin stays loaded)


def test_config_path_and_misspelt_option_table(tmp_path):
    config = tmp_path / "ftlint.toml"
    config.write_text('select = ["FT106"]\n')
    assert {f.code for f in linter.lint_rows([BAD_ROLE, NO_ASSISTANT], config=config)} == {"FT106"}
    config.write_text('[options.token-limt]\nstrategy = "truncate"\n')
    with pytest.raises(ConfigError, match=r"\[tool.ftlint.options.token-limt\].*did you mean 'token-limit'"):
        linter.lint_rows([GOOD], config=config)


def test_rows_that_are_not_objects_and_an_empty_iterable_are_findings_not_exceptions():
    found = linter.lint_rows(["a string", None, 3, GOOD], select="FT0,FT1", ignore="FT115")
    assert {f.line for f in found} == {1, 2, 3}  # one finding (at least) per bad row, none for the good one
    (empty,) = linter.lint_rows([], select="FT011")
    assert empty.code == "FT011" and "it is empty" in empty.message


def test_a_dataframe_without_example_columns_gets_one_finding_naming_its_columns():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"question": ["hi", "q"], "answer": ["hello", "a"]})
    found = linter.lint_dataframe(frame, ignore="FT402")
    (columns,) = [f for f in found if f.code == "FT014"]
    assert columns.line == 1 and "the DataFrame has 'question', 'answer'" in columns.message
    assert "FT101" not in {f.code for f in found}


def test_the_runner_gives_the_cli_its_findings_and_filters_before_counting(write_jsonl, tmp_path):
    """check, stats, the API and the rule harness share linter.runner; its findings are the CLI's."""
    from linter import runner
    from linter.config import Settings

    from .conftest import cli_json

    path = write_jsonl([GOOD, BAD_ROLE, NO_ASSISTANT, chat(("user", " q "), ("assistant", "a"))])
    settings = Settings(ignore=["FT402"])
    sink = runner.Collect()
    outcome = runner.run(runner.make_linter(settings), [str(path)], sink, keep=lambda found: (f for f in found if f.code != "FT112"))
    report, _ = cli_json(path)
    expected = [(f["line"], f["code"], f["pointer"]) for f in report["findings"] if f["code"] != "FT112"]
    assert [(f.line, f.code, f.pointer) for f in sink.findings] == expected and expected
    assert outcome.summary.total == len(expected) and "FT112" not in outcome.summary.by_rule
    assert outcome.files[0].stats.examples == 4
    with pytest.raises(runner.RunError, match="cannot read"):
        runner.run(runner.make_linter(settings), [str(tmp_path / "missing.jsonl")])


def test_file_level_findings_say_they_are_not_about_a_row(tmp_path):
    """FT402 (too few examples) is shown at line 1 but judges the dataset: selecting
    rows by line must not pick row 1 for it (the docs/api.md recipe filters on ``row``)."""
    found = linter.lint_rows([GOOD, BAD_ROLE], select="FT106,FT402", as_dataframe=True)
    by_code = {code: (line, row) for code, line, row in found[["code", "line", "row"]].itertuples(index=False, name=None)}
    assert by_code == {"FT106": (2, True), "FT402": (1, False)}
    assert list(found.query("severity == 'error' and row").line) == [2]
    # the same through fix's spool of remaining findings and through a duplicate (a dataset rule naming a row)
    path = tmp_path / "train.jsonl"
    path.write_text(dump([GOOD, GOOD]))
    findings, _ = linter.lint_file(str(path), select="FT403,FT402")
    assert {(f.code, f.line, f.row) for f in findings} == {("FT403", 2, True), ("FT402", 1, False)}
