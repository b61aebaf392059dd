"""Rows that almost fit get told what to change: the closest format and the key it lacks or
misspells, the role a typo means, LLaMA-Factory's ShareGPT tags, the profile a refused row
belongs to, and the profile name a typo means. Real files, the real CLI."""

from __future__ import annotations

import json

from .conftest import cli_json, run_cli


def _findings(report, code):
    return [(f["line"], f["pointer"], f["message"]) for f in report["findings"] if f["code"] == code]


def test_unrecognised_rows_name_the_closest_format_and_the_key(write_jsonl):
    path = write_jsonl([
        {"prompt": "hi", "chosen": "Hello"},  # a TRL pair without rejected
        {"Instruction": "Say hi", "input": "", "output": "Hello"},  # Alpaca with the wrong case
        {"conversation": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello"}]},  # ShareGPT misspelt
        {"foo": 1},
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello"}]},
    ])
    report, _ = cli_json("--profile", "trl", "--select", "FT101,FT400", str(path))
    found = _findings(report, "FT101")
    assert [(line, where) for line, where, _ in found] == [(1, ""), (2, "/Instruction"), (3, "/conversation"), (4, "")]
    assert 'closest is trl-preference: it has "chosen" but no "rejected"' in found[0][2]
    assert "closest is alpaca: 'Instruction' should be \"instruction\"" in found[1][2]
    assert "closest is sharegpt: 'conversation' should be \"conversations\"" in found[2][2]
    assert "none of the keys of a known format" in found[3][2]
    # the unrecognised rows are in no format: FT400 does not count them as chat rows beside the chat row
    assert _findings(report, "FT400") == []


def test_alpaca_output_in_the_wrong_case_points_at_the_key(write_jsonl):
    path = write_jsonl([{"instruction": "Say hi", "input": "", "Output": "Hello"}])
    report, _ = cli_json("--profile", "llamafactory", "--select", "FT120", str(path))
    assert _findings(report, "FT120") == [(1, "/Output", "row has no \"output\" (it has 'Output': keys are case-sensitive)")]


def test_role_typos_suggest_the_role_meant(write_jsonl):
    path = write_jsonl([
        {"messages": [{"role": "User", "content": "hi"}, {"role": "model", "content": "Hello"}]},
        {"messages": [{"role": "human", "content": "hi"}, {"role": "gpt", "content": "Hello"}]},
        {"messages": [{"role": "user", "content": "hi"}, {"role": "asistant", "content": "Hello"}]},
        {"messages": [{"role": "user", "content": "hi"}, {"role": "narrator", "content": "Hello"}]},
    ])
    report, _ = cli_json("--select", "FT106", str(path))
    said = {(line, where): message for line, where, message in _findings(report, "FT106")}
    assert "unknown role 'User' (did you mean 'user'?)" in said[(1, "/messages/0/role")]
    assert "(did you mean 'assistant'?)" in said[(1, "/messages/1/role")]
    assert "(did you mean 'user'?)" in said[(2, "/messages/0/role")]
    assert "(did you mean 'assistant'?)" in said[(2, "/messages/1/role")]
    assert "(did you mean 'assistant'?)" in said[(3, "/messages/1/role")]
    assert "did you mean" not in said[(4, "/messages/1/role")]


def test_llamafactory_sharegpt_rows_need_its_tags(write_jsonl):
    path = write_jsonl([
        {"conversations": [{"from": "user", "value": "hi"}, {"from": "assistant", "value": "Hello"}]},
        {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello"}]},
    ])
    report, _ = cli_json("--profile", "llamafactory", "--select", "FT106", str(path))
    found = _findings(report, "FT106")
    assert [(line, where) for line, where, _ in found] == [(1, "/conversations/0/from"), (1, "/conversations/1/from")]
    assert "rename it to 'human'" in found[0][2] and "rename it to 'gpt'" in found[1][2]
    assert all("dataset_info.json" in message and "user_tag" in message for _, _, message in found)
    # axolotl maps user/assistant in ShareGPT rows: nothing to report there
    report, _ = cli_json("--profile", "axolotl", "--select", "FT106", str(path))
    assert _findings(report, "FT106") == []


def test_refused_sharegpt_rows_name_the_profiles_that_read_them(write_jsonl):
    path = write_jsonl([{"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello"}]}])
    report, _ = cli_json("--select", "FT401", str(path))
    [(line, _, message)] = _findings(report, "FT401")
    assert "--profile axolotl or llamafactory" in message and "ftlint convert" in message


def test_unknown_profile_suggests_the_close_name(write_jsonl):
    path = write_jsonl([{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello"}]}])
    proc = run_cli("check", "--profile", "llama-factory", str(path))
    assert proc.returncode == 2
    assert "unknown profile 'llama-factory' (did you mean 'llamafactory'?)" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    proc = run_cli("check", "--profile", "zzz", str(path))
    assert proc.returncode == 2 and "did you mean" not in proc.stderr


_HUMAN = [{"from": "human", "value": "hi"}]
_GPT, _GPT2 = {"from": "gpt", "value": "Hello!"}, {"from": "gpt", "value": "Go away."}


def test_a_sharegpt_pair_answer_key_in_another_case_is_one_finding(write_jsonl):
    """Review: a pair's 'Chosen' got FT110 (unknown key), FT120 ('turn is null' at /chosen), FT112 (no assistant
    message) and FT117 (the last message is from 'human'): four findings for one key, under llamafactory and
    the ShareGPT profiles. It is now FT120's, at the key, with its safe rename, as Alpaca's 'Output' is."""
    path = write_jsonl([
        {"conversations": _HUMAN, "Chosen": _GPT, "rejected": _GPT2},
        {"conversations": _HUMAN, "chosen": _GPT, "Rejected": _GPT2},
        {"conversations": _HUMAN, "chosne": _GPT, "rejected": _GPT2},
    ])
    expected = [
        (1, "FT120", "/Chosen", "row has no \"chosen\" (it has 'Chosen': keys are case-sensitive)"),
        (2, "FT120", "/Rejected", "row has no \"rejected\" (it has 'Rejected': keys are case-sensitive)"),
        (3, "FT120", "/chosne", "row has no \"chosen\" (it has 'chosne': a misspelling?)"),
    ]
    for profile in ("llamafactory", "axolotl"):  # axolotl refuses ShareGPT pairs: FT401 says so, once for the file
        report, _ = cli_json("--profile", profile, "--ignore", "FT115,FT401", str(path))
        assert [(f["line"], f["code"], f["pointer"], f["message"]) for f in report["findings"]] == expected, profile
    assert run_cli("check", "--profile", "llamafactory", "--fix", str(path)).returncode == 1  # the misspelling is left
    assert [list(row) for row in map(json.loads, path.read_text().splitlines())] == [
        ["conversations", "chosen", "rejected"], ["conversations", "chosen", "rejected"], ["conversations", "chosne", "rejected"]]


def test_a_sharegpt_row_with_both_answer_keys_misnamed_is_told_of_the_keys_only(write_jsonl):
    """With 'Chosen' and 'Rejected' the row reads as one ShareGPT conversation with no answer: FT110 names the
    two keys, and no 'no assistant message' or 'the last message is from human' restates them."""
    path = write_jsonl([{"conversations": _HUMAN, "Chosen": _GPT, "Rejected": _GPT2}])
    for profile in ("llamafactory", "axolotl"):
        report, _ = cli_json("--profile", profile, "--ignore", "FT115", str(path))
        assert [(f["line"], f["code"], f["pointer"]) for f in report["findings"]] == [(1, "FT110", "/Chosen"), (1, "FT110", "/Rejected")], profile
