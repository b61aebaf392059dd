"""The built-in rules' TOML cases (tests/cases/CODE.toml), run through the real engine by
``linter.testing``: the same runner plugin authors use for their rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.testing import check_case, load_cases

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
