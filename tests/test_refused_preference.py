"""A preference (DPO) row under a profile that refuses the format: one finding, FT401.

FT600 judged the input's roles against the profile's roles; ``openai-legacy`` has none and
``bedrock`` has no ``system``, so every such row was FT401 *and* FT600 per message, restating one
problem (the profile does not take DPO rows). The role check now waits for a format the profile
takes, like FT106 does; with FT401 off nothing says the root cause, so FT600 judges the roles again.
Real files, the real CLI in a subprocess.
"""

from __future__ import annotations

import pytest

from tests.conftest import cli_json

PAIR = {"preferred_output": [{"role": "assistant", "content": "Paris."}],
        "non_preferred_output": [{"role": "assistant", "content": "Lyon?"}]}
USER_ONLY = {"input": {"messages": [{"role": "user", "content": "Capital of France?"}]}, **PAIR}
WITH_SYSTEM = {"input": {"messages": [{"role": "system", "content": "Be brief."},
                                      {"role": "user", "content": "Capital of France?"}]}, **PAIR}
INPUT_NOT_OBJECT = {"input": [{"role": "user", "content": "Capital of France?"}], **PAIR}


def _codes(report) -> list[tuple[int, str, str]]:
    return sorted((f["line"], f["code"], f["pointer"]) for f in report["findings"])


@pytest.mark.parametrize("profile", ["openai-legacy", "bedrock"])
def test_a_refused_preference_row_is_one_ft401(profile, write_jsonl):
    path = write_jsonl([USER_ONLY, WITH_SYSTEM])
    report, proc = cli_json("--profile", profile, "--isolated", "--ignore", "FT402", path)
    assert proc.returncode == 1
    assert _codes(report) == [(1, "FT401", "")]  # the only finding: once per file, both rows counted
    assert "(rows in this file: 2;" in report["findings"][0]["message"]


@pytest.mark.parametrize(("profile", "expected"), [
    ("openai-legacy", [(1, "FT600", "/input/messages/0/role"), (2, "FT600", "/input/messages/0/role"),
                       (2, "FT600", "/input/messages/1/role")]),
    ("bedrock", [(2, "FT600", "/input/messages/0/role")]),
])
def test_with_ft401_off_the_roles_are_judged_again(profile, expected, write_jsonl):
    path = write_jsonl([USER_ONLY, WITH_SYSTEM])
    report, _ = cli_json("--profile", profile, "--isolated", "--ignore", "FT401,FT402", path)
    assert [c for c in _codes(report) if c[1] == "FT600"] == expected  # FT110 names the keys too, as for any row
    assert all("unknown role" in f["message"] for f in report["findings"] if f["code"] == "FT600")


def test_the_format_own_validity_still_reports_beside_ft401(write_jsonl):
    """FT600 on an input that is no object is about the row itself, not the profile: it stays."""
    path = write_jsonl([INPUT_NOT_OBJECT])
    report, _ = cli_json("--profile", "openai-legacy", "--isolated", "--ignore", "FT402", path)
    assert _codes(report) == [(1, "FT401", ""), (1, "FT600", "/input")]


def test_a_profile_that_takes_preference_rows_still_judges_their_roles(write_jsonl):
    row = {"input": {"messages": [{"role": "human", "content": "Capital of France?"}]}, **PAIR}
    path = write_jsonl([USER_ONLY, row])
    report, _ = cli_json("--profile", "openai-dpo", "--isolated", "--ignore", "FT402", path)
    # (FT115's advice reads DPO rows too: neither input holds a system message)
    assert _codes(report) == [(1, "FT115", "/input/messages"), (2, "FT600", "/input/messages/0/role")]


def test_selecting_ft600_alone_judges_the_roles(write_jsonl):
    """``--select FT600``: FT401 is not enabled, so nothing would say why the row is wrong for the target."""
    path = write_jsonl([WITH_SYSTEM])
    report, _ = cli_json("--profile", "bedrock", "--isolated", "--select", "FT600", path)
    assert _codes(report) == [(1, "FT600", "/input/messages/0/role")]
    assert report["findings"][0]["message"] == "unknown role 'system'"
