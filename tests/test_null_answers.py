"""A null field is said to be null, once, and never converted as if the row had none; and a turn of no known
role is named as the cause of a reject before the order of the turns."""

from __future__ import annotations

import json

import pytest

from .conftest import cli_json, run_cli


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _convert(source, to, tmp_path, rows: int):
    """``ftlint convert`` of ``source``, which holds ``rows`` rows: (exit code, rows written, rejects), after
    checking that every row read is written or rejected, once."""
    out = tmp_path / f"out-{to}.jsonl"
    rejects = tmp_path / f"out-{to}.rejects.jsonl"
    rejects.unlink(missing_ok=True)
    proc = run_cli("convert", source, "-o", out, "--to", to, "--rejects", rejects)
    assert proc.returncode in (0, 1), proc.stderr
    written, refused = _lines(out), _lines(rejects)
    assert len(written) + len(refused) == rows and len({r["line"] for r in refused}) == len(refused)
    return proc.returncode, written, refused


# --- JSON: what null says, once -------------------------------------------------------------------------


def test_a_null_completion_beside_a_message_list_prompt_is_one_finding(tmp_path):
    """A null is in neither of TRL's forms: no "row mixes TRL's standard and conversational forms" beside
    the finding that says it is null."""
    source = tmp_path / "rows.jsonl"
    source.write_text(json.dumps({"prompt": [{"role": "user", "content": "q"}], "completion": None}) + "\n")
    report, _ = cli_json(source, "--profile", "trl", "--select", "FT120")
    assert [(f["line"], f["code"], f["pointer"], f["message"]) for f in report["findings"]] == [
        (1, "FT120", "/completion", "completion (a string or a list of messages) must be a string, got null")]


def test_a_null_instruction_is_reported_and_not_converted_to_a_message_without_content(tmp_path):
    """It was silent, and convert wrote {"role": "user"} (a message OpenAI refuses, FT107); a null input
    stays an input left out, as LLaMA-Factory reads it."""
    source = tmp_path / "rows.jsonl"
    source.write_text(json.dumps({"instruction": None, "output": "y"}) + "\n"
                      + json.dumps({"instruction": "x", "input": None, "output": "y"}) + "\n")
    report, _ = cli_json(source, "--profile", "llamafactory", "--select", "FT120")
    assert [(f["line"], f["pointer"], f["message"]) for f in report["findings"]] == [
        (1, "/instruction", "instruction must be a string, got null")]
    code, written, rejects = _convert(source, "openai-chat", tmp_path, 2)
    assert code == 1 and [(r["line"], r["reason"]) for r in rejects] == [
        (1, "alpaca row: instruction must be a string, got null (at /instruction)")]
    assert written == [{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}]


# --- a turn of no known role is the reason, before the order of the turns --------------------------------


_ROLES = [
    ({"messages": [{"role": "human", "content": "q"}, {"role": "assistant", "content": "a"}]}, "role 'human' at /messages/0/role"),
    ({"messages": [{"role": "System", "content": "s"}, {"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]},
     "role 'System' at /messages/0/role"),
    ({"messages": [{"role": "user", "content": "q"}, {"role": "bot", "content": "a"}, {"role": "user", "content": "q"},
                   {"role": "assistant", "content": "a"}]}, "role 'bot' at /messages/1/role"),
    ({"messages": [{"role": "user", "content": "q"}, {"role": "Assistant", "content": "a"}]}, "role 'Assistant' at /messages/1/role"),
    ({"conversations": [{"from": "human", "value": "q"}, {"from": "bot", "value": "a"}, {"from": "human", "value": "q"},
                        {"from": "gpt", "value": "a"}]}, "role 'bot' at /conversations/1/from"),
    ({"input": {"messages": [{"role": "System", "content": "s"}, {"role": "user", "content": "q"}]},
      "preferred_output": [{"role": "assistant", "content": "y"}], "non_preferred_output": [{"role": "assistant", "content": "n"}]},
     "role 'System' at /input/messages/0/role"),
]


@pytest.mark.parametrize("target, name", [("alpaca", "Alpaca"), ("prompt-completion", "prompt/completion"),
                                          ("trl-prompt-completion", "TRL messages")])
def test_an_unknown_role_is_named_as_the_reason_not_the_order_it_breaks(tmp_path, target, name):
    """Alpaca said "needs a user instruction before the answer" or "history needs alternating user and assistant
    turns", prompt/completion "(roles: ?, assistant)", TRL prompt-completion "no prompt and answer to split"."""
    rows = [row for row, _ in _ROLES if target == "alpaca" or "input" not in row]  # pairs are pairs' targets' rows
    source = tmp_path / "rows.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    code, written, rejects = _convert(source, target, tmp_path, len(rows))
    assert code == 1 and written == []
    said = [where for row, where in _ROLES if row in rows]
    assert [r["reason"].split(": ", 1)[1] for r in rejects] == [f"{where} has no {name} equivalent" for where in said]


@pytest.mark.parametrize("target, name", [("alpaca", "Alpaca"), ("sharegpt", "ShareGPT"), ("trl", "TRL messages"),
                                          ("llamafactory-v1", "v1"), ("bedrock-claude", "Bedrock Claude")])
def test_a_message_without_a_role_is_named_with_its_pointer(tmp_path, target, name):
    """Once "role null at  has no ShareGPT equivalent" (no pointer), Bedrock's "role '' at /messages/0"."""
    source = tmp_path / "rows.jsonl"
    source.write_text(json.dumps({"messages": [{"content": "q"}, {"role": "assistant", "content": "a"}]}) + "\n")
    code, written, rejects = _convert(source, target, tmp_path, 1)
    assert code == 1 and written == []
    assert rejects[0]["reason"] == f"openai-chat to {target}: the message at /messages/0 has no role, so {name} has no place for it"
