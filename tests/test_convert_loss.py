"""ftlint convert never writes a row with part of it silently gone: a field the reading adapter could not
read, a key that misspells one the format reads, a duplicate split across train and validation."""

from __future__ import annotations

import json

import pytest

from .conftest import run_cli


def _write(path, rows) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


_PROMPT = {"messages": [{"role": "user", "content": "What is section 2 about?"}]}
_CHOSEN = [{"role": "assistant", "content": "Section 2 covers contracts."}]


# openai-dpo: converting to the row's own format once copied it as read, string answer and all
@pytest.mark.parametrize("target", ["trl", "sharegpt-preference", "alpaca", "llamafactory-v1", "openai-dpo"])
def test_a_dpo_answer_that_is_a_string_is_rejected_with_the_field_not_written_empty(tmp_path, target):
    source = tmp_path / "dpo.jsonl"
    _write(source, [{"input": _PROMPT, "preferred_output": _CHOSEN, "non_preferred_output": "Section is about contracts."},
                    {"input": _PROMPT, "preferred_output": _CHOSEN, "non_preferred_output": [{"role": "assistant", "content": "No."}]}])
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", target, "--rejects", tmp_path / "rejects.jsonl")
    (reject,) = _lines(tmp_path / "rejects.jsonl")
    assert proc.returncode == 1 and reject["line"] == 1, proc.stderr
    assert "non_preferred_output is a string, not a message list" in reject["reason"], reject["reason"]
    assert "0 turns" not in reject["reason"]
    assert len(_lines(out)) == 1  # the good pair is written


def test_converting_dpo_to_itself_writes_the_completion_spelling_as_openais(tmp_path):
    source = tmp_path / "dpo.jsonl"
    rejected = [{"role": "assistant", "content": "No."}]
    _write(source, [{"input": _PROMPT, "preferred_completion": _CHOSEN, "non_preferred_completion": rejected}])
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "openai-dpo")
    assert proc.returncode == 0, proc.stderr
    assert _lines(out) == [{"input": _PROMPT, "preferred_output": _CHOSEN, "non_preferred_output": rejected}]


@pytest.mark.parametrize("row, said", [
    # a message that is no object: the view skips it, so it would not be written
    ({"messages": [{"role": "user", "content": "hi"}, "Hello!", {"role": "assistant", "content": "Hi."}]},
     "message is a string, not an object (at /messages/1)"),
    ({"messages": "hi"}, "messages is a string, not a message list (at /messages)"),
    ({"input": "What is section 2 about?", "preferred_output": _CHOSEN, "non_preferred_output": _CHOSEN},
     "input is a string, not an object with a \"messages\" list (at /input)"),
    ({"input": {**_PROMPT, "parallel_tool_calls": False}, "preferred_output": _CHOSEN, "non_preferred_output": [{"role": "assistant", "content": "No."}]},
     "input holds 'parallel_tool_calls'"),
    ({"prompt": 5, "completion": "five"}, "prompt must be a string, got a number (at /prompt)"),
])
def test_a_field_the_view_leaves_out_is_rejected_not_dropped(tmp_path, row, said):
    source = tmp_path / "rows.jsonl"
    _write(source, [row])
    for target in ("trl", "sharegpt", "sharegpt-preference"):
        out = tmp_path / f"{target}.jsonl"
        proc = run_cli("convert", source, "-o", out, "--to", target)
        (reject,) = _lines(tmp_path / f"{target}.jsonl.rejects.jsonl")
        assert proc.returncode == 1 and said in reject["reason"], (target, reject["reason"])
        assert _lines(out) == []


@pytest.mark.parametrize("target", ["sharegpt", "openai-chat", "trl"])
@pytest.mark.parametrize("key, said", [
    ("inptu", "'inptu' looks like \"input\" misspelt"),
    ("Input", "'Input' is \"input\" in another case"),
])
def test_a_misspelt_alpaca_key_is_rejected_with_the_rename_not_carried_as_a_column(tmp_path, target, key, said):
    source = tmp_path / "alpaca.jsonl"
    _write(source, [{"instruction": "Translate to French", key: "Good morning", "output": "Bonjour"},
                    {"instruction": "Translate to French", "input": "Good night", "output": "Bonne nuit", "source": "crm"}])
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", target)
    (reject,) = _lines(tmp_path / "out.jsonl.rejects.jsonl")
    assert proc.returncode == 1 and reject["line"] == 1, proc.stderr
    assert said in reject["reason"] and "ftlint fix" in reject["reason"], reject["reason"]
    (written,) = _lines(out)
    assert written["source"] == "crm"  # a plain column is still carried, with its note
    # the rename the reason names is the one fix makes, and the row then converts with its input
    fix = run_cli("fix", source, "--unsafe-fixes", "--profile", "llamafactory")
    assert json.loads(source.read_text().splitlines()[0]).get("input") == "Good morning", fix.stdout + fix.stderr
    assert run_cli("convert", source, "-o", out, "--to", target).returncode == 0
    assert "Good morning" in json.dumps(_lines(out)[0])


def test_a_key_beside_the_one_it_misspells_is_rejected_with_both_named(tmp_path):
    source = tmp_path / "alpaca.jsonl"
    _write(source, [{"instruction": "Translate", "input": "Hi", "inptu": "Hello", "output": "Salut"}])
    proc = run_cli("convert", source, "-o", tmp_path / "out.jsonl", "--to", "sharegpt")
    (reject,) = _lines(tmp_path / "out.jsonl.rejects.jsonl")
    assert proc.returncode == 1 and "'inptu'" in reject["reason"] and "has \"input\" too" in reject["reason"], reject["reason"]


def test_split_validation_keeps_duplicates_on_one_side(tmp_path):
    """Exact and normalised duplicates (FT403/FT404's fingerprint) go to the same side, so the validation file
    check --validation-file reads holds no FT406 leak convert made."""
    rows = []
    for i in range(60):
        row = {"messages": [{"role": "user", "content": f"question {i}"}, {"role": "assistant", "content": f"answer {i}"}]}
        rows.extend([row] * (1 + i % 4))  # runs of 1 to 4 copies: a run straddles the cut for some seed
        if i % 5 == 0:  # the same example up to whitespace and key order
            rows.append({"messages": [{"content": f"question  {i}", "role": "user"}, {"role": "assistant", "content": f"answer\t{i}"}]})
    source = tmp_path / "chat.jsonl"
    _write(source, rows)
    for seed in range(6):
        out, valid = tmp_path / f"train{seed}.jsonl", tmp_path / f"train{seed}.valid.jsonl"
        proc = run_cli("convert", source, "-o", out, "--split-validation", "0.1", "--seed", seed)
        assert proc.returncode == 0, proc.stderr
        train, held = _lines(out), _lines(valid)
        assert len(train) + len(held) == len(rows) and held
        assert abs(len(held) - round(0.1 * len(rows))) <= 3  # as near the fraction as whole groups allow
        check = run_cli("check", valid, out, "--validation-file", valid, "--select", "FT406")
        assert "FT406" not in check.stdout, (seed, check.stdout)


@pytest.mark.parametrize("target, hint", [("sharegpt", "--to sharegpt-preference"), ("openai-chat", "--to openai-dpo")])
def test_a_pair_file_to_a_single_answer_format_names_the_pair_format_once(tmp_path, target, hint):
    source = tmp_path / "dpo.jsonl"
    pair = {"input": _PROMPT, "preferred_output": _CHOSEN, "non_preferred_output": [{"role": "assistant", "content": "No."}]}
    _write(source, [pair] * 30)
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", target)
    assert proc.returncode == 1
    assert proc.stderr.count(hint) == 1 and "every row not converted is a preference pair" in proc.stderr, proc.stderr
    assert "not converted:" not in proc.stderr  # not 30 times the same reason
    assert "30 row(s) not converted" in proc.stderr
    rejects = _lines(tmp_path / "out.jsonl.rejects.jsonl")
    assert len(rejects) == 30 and all("preference pair" in r["reason"] for r in rejects)


def test_rejects_of_mixed_kinds_are_still_listed_row_by_row(tmp_path):
    source = tmp_path / "mixed.jsonl"
    pair = {"input": _PROMPT, "preferred_output": _CHOSEN, "non_preferred_output": [{"role": "assistant", "content": "No."}]}
    _write(source, [pair, {"weird": 1}])
    proc = run_cli("convert", source, "-o", tmp_path / "out.jsonl", "--to", "sharegpt")
    assert proc.stderr.count("not converted:") == 2 and "every row not converted" not in proc.stderr, proc.stderr


def test_a_split_short_of_the_count_because_of_duplicates_says_so(tmp_path):
    copy = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    others = [{"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]} for i in range(2)]
    source = tmp_path / "dup.jsonl"
    _write(source, [copy] * 10 + others)
    proc = run_cli("convert", source, "-o", tmp_path / "out.jsonl", "--split-validation", "5")
    assert proc.returncode == 0 and _lines(tmp_path / "out.valid.jsonl") == others, proc.stderr
    assert "2 example(s) went to validation, not the 5 asked" in proc.stderr and "asks for more examples" not in proc.stderr


_NAMED = {"messages": [{"role": "user", "content": "hi", "name": "alice", "timestamp": 1}, {"role": "assistant", "content": "Hello."}]}
_PLAIN = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello."}]}


@pytest.mark.parametrize("target", ["sharegpt", "alpaca", "prompt-completion", "bedrock-claude", "bedrock-nova", "llamafactory-v1"])
def test_a_message_name_or_key_the_target_has_no_place_for_is_rejected_not_dropped(tmp_path, target):
    """ShareGPT's {"from", "value"}, the text-only fields and v1's {role, content, loss_weight} have no place for a
    message's name or for keys no format reads: written, the row came out as {"from": "human", "value": "hi"} with no note."""
    source = tmp_path / "chat.jsonl"
    _write(source, [_NAMED, _PLAIN])
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", target)
    (reject,) = _lines(tmp_path / "out.jsonl.rejects.jsonl")
    assert proc.returncode == 1 and reject["line"] == 1, proc.stderr
    assert "/messages/0" in reject["reason"] and "'name'" in reject["reason"] and "'timestamp'" in reject["reason"], reject["reason"]
    assert len(_lines(out)) == 1 and "alice" not in out.read_text()  # the plain row is written


@pytest.mark.parametrize("target", ["openai-chat", "trl"])
def test_a_message_name_and_keys_are_written_where_the_target_holds_them(tmp_path, target):
    source = tmp_path / "chat.jsonl"
    _write(source, [_NAMED])
    out = tmp_path / "out.jsonl"
    assert run_cli("convert", source, "-o", out, "--to", target).returncode == 0
    assert _lines(out)[0]["messages"][0] == _NAMED["messages"][0]


def test_a_training_weight_is_not_dropped_by_prompt_completion(tmp_path):
    """prompt-completion wrote an assistant answer weighted 0 (not trained) as a completion that trains."""
    source = tmp_path / "chat.jsonl"
    _write(source, [{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello.", "weight": 0}]}])
    out = tmp_path / "out.jsonl"
    assert run_cli("convert", source, "-o", out, "--to", "prompt-completion").returncode == 1
    (reject,) = _lines(tmp_path / "out.jsonl.rejects.jsonl")
    assert "the training weight at /messages/1/weight" in reject["reason"], reject["reason"]


def _tool_row(result_name):
    call = {"type": "function", "function": {"name": "weather", "arguments": {"city": "Paris"}}}
    return {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [call]},
                         {"role": "tool", "name": result_name, "content": "sunny"}, {"role": "assistant", "content": "Sunny."}]}


@pytest.mark.parametrize("target", ["sharegpt", "llamafactory-v1"])
def test_a_tool_result_name_is_kept_by_its_place_after_the_call_only_when_it_names_that_call(tmp_path, target):
    """ShareGPT's observation and v1's tool message answer the call before them: a result's name that repeats the
    call's function name says nothing the place does not; another name would be lost."""
    source = tmp_path / "tools.jsonl"
    _write(source, [_tool_row("weather"), _tool_row("stocks")])
    out = tmp_path / "out.jsonl"
    assert run_cli("convert", source, "-o", out, "--to", target).returncode == 1
    (reject,) = _lines(tmp_path / "out.jsonl.rejects.jsonl")
    assert reject["line"] == 2 and "/messages/2" in reject["reason"] and "'name'" in reject["reason"], reject["reason"]
    assert len(_lines(out)) == 1


def _parallel_calls(first_answered: str) -> dict:
    calls = [{"id": ident, "type": "function", "function": {"name": "weather", "arguments": json.dumps({"city": city})}}
             for ident, city in (("a", "Paris"), ("b", "Rome"))]
    results = {"a": "Paris: 10C", "b": "Rome: 20C"}
    order = [first_answered, "b" if first_answered == "a" else "a"]
    return {"messages": [{"role": "user", "content": "Weather in Paris and Rome?"},
                         {"role": "assistant", "content": None, "tool_calls": calls},
                         *({"role": "tool", "tool_call_id": ident, "content": results.get(ident, "?")} for ident in order),
                         {"role": "assistant", "content": "Paris 10C, Rome 20C."}]}


def test_results_answering_parallel_calls_out_of_order_are_written_in_call_order_for_v1(tmp_path):
    # LLaMA-Factory v1 keeps no tool_call_id: results are paired with calls by position
    source = tmp_path / "calls.jsonl"
    _write(source, [_parallel_calls("b"), _parallel_calls("a")])
    out = tmp_path / "v1.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "llamafactory-v1")
    assert proc.returncode == 0, proc.stderr
    for row in _lines(out):
        calls = [json.loads(part["value"])["arguments"]["city"] for part in row["messages"][1]["content"]]
        results = [message["content"][0]["value"] for message in row["messages"][2:4]]
        assert calls == ["Paris", "Rome"] and results == ["Paris: 10C", "Rome: 20C"], row


def test_results_whose_ids_match_no_call_are_rejected_for_v1(tmp_path):
    row = _parallel_calls("b")
    row["messages"][2]["tool_call_id"] = "zz"
    source = tmp_path / "calls.jsonl"
    _write(source, [row])
    out = tmp_path / "v1.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "llamafactory-v1")
    (reject,) = _lines(tmp_path / "v1.jsonl.rejects.jsonl")
    assert proc.returncode == 1 and _lines(out) == []
    assert "do not each answer one of its calls by tool_call_id" in reject["reason"], reject["reason"]
