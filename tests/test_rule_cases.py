"""The built-in rules' TOML cases (tests/cases/CODE.toml), run through the real engine by
``linter.testing``: the same runner plugin authors use for their rules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from linter.testing import check_case, load_cases

from .conftest import NO_PLEASE_PLUGIN

CASES = Path(__file__).parent / "cases"


@pytest.mark.parametrize("case", load_cases(CASES / "*.toml"), ids=str)
def test_rule_case(case):
    check_case(case)


def test_a_misspelt_key_in_a_case_is_refused_not_ignored(tmp_path):
    """Review: 'mesage = ...' in an expect entry, or 'profle' on a case, was dropped and the case passed unchecked."""
    for case in ('expect = [{line = 1, mesage = "x"}]', 'profle = "trl"\nexpect = []'):
        path = tmp_path / "XX001.toml"
        path.write_text(f'rule = "FT115"\n\n[[cases]]\nname = "typo"\ninput = "{{}}"\n{case}\n')
        with pytest.raises(ValueError, match="unknown key"):
            load_cases(path)


def test_a_relative_pattern_is_read_from_the_test_files_folder(tmp_path, monkeypatch):
    """Newcomer trial: load_cases("tests/cases/*.toml") matched from the current folder, so pytest run from
    anywhere else failed at collection. Relative patterns are now the calling file's; the old reading still
    works from the folder it was written for, with a warning saying how to write it."""
    here = load_cases("cases/FT115.toml")  # tests/cases/, wherever pytest runs
    monkeypatch.chdir(tmp_path)
    assert load_cases("cases/FT115.toml") == here and here and all(Path(c.source).is_absolute() for c in here)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "FT115.toml").write_text('rule = "FT115"\n\n[[cases]]\nname = "x"\ninput = "{}"\nexpect = []\n')
    with pytest.warns(DeprecationWarning, match=r"load_cases\('old/\*.toml'\) matches from the current folder only"):
        assert [c.name for c in load_cases("old/*.toml")] == ["x"]
    with pytest.raises(FileNotFoundError, match=f"relative patterns are read from the folder of the test file that calls load_cases: {Path(__file__).parent}"):
        load_cases("missing/*.toml")




def test_a_plugin_rules_examples_are_checked_by_the_harness(tmp_path):
    """plugin-hooks.md says bad must fire and good must not; ftlint's own examples were checked, a plugin's
    never were. check_examples gives plugin authors that check, from any folder pytest runs in."""
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["house.py"]\n')
    (project / "house.py").write_text(NO_PLEASE_PLUGIN)
    (project / "tests" / "test_house.py").write_text(
        "from linter.testing import check_examples\n\n\ndef test_examples():\n    check_examples('ACME001')\n")
    env = {**os.environ, "FTLINT_LOAD_PLUGINS": ""}

    def pytest_run():
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project / "tests")],
                              cwd=tmp_path, capture_output=True, text=True, env=env)

    proc = pytest_run()
    assert proc.returncode == 1 and "AssertionError: ACME001's good example fires it (profile default; findings: [(1, 'ACME001', " in proc.stdout, proc.stdout
    (project / "house.py").write_text(NO_PLEASE_PLUGIN.replace("Please hold", "One moment"))
    proc = pytest_run()
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout + proc.stderr
