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
