"""A null answer is a missing answer, in every input: a row whose completion (output, chosen, label...) is
null, or an empty table cell, is its format's row without its answer, never another format's row with
nothing missing; and a turn of no known role is named as the cause of a reject before the order of the turns."""

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


def _parquet(path, columns: dict):
    pa, pq = pytest.importorskip("pyarrow"), pytest.importorskip("pyarrow.parquet")
    pq.write_table(pa.table(columns), path)
    return path


# --- Parquet: a null cell is read as an absent key, except where it is a missing answer ---------------


@pytest.mark.parametrize("columns, reason", [
    # without the null read as such, the row was a TRL prompt-only row, written with no answer and exit 0
    ({"prompt": ["a", "b", "c"], "completion": ["x", None, "z"]},
     "prompt-completion row: completion must be a string, got null (at /completion)"),
    # ... an Alpaca row whose output is missing (rejected, but for a key it has)
    ({"instruction": ["a", "b", "c"], "output": ["x", None, "z"]}, "alpaca row: output must be a string, got null (at /output)"),
    # ... a row no format reads ("closest is trl-preference: it has rejected but no chosen")
    ({"prompt": ["a", "b", "c"], "chosen": ["x", None, "z"], "rejected": ["n", "n", "n"]},
     "trl-preference row: chosen (a string or a list of messages) must be a string, got null (at /chosen)"),
    # ... a prompt/completion row with no label, written as an SFT row
    ({"prompt": ["a", "b", "c"], "completion": ["x", "y", "z"], "label": [True, None, False]},
     "trl-unpaired-preference row: label must be true or false, got null (at /label)"),
])
def test_a_null_answer_cell_in_parquet_is_rejected_by_convert_with_the_reason(tmp_path, columns, reason):
    source = _parquet(tmp_path / "rows.parquet", columns)
    code, written, rejects = _convert(source, "trl", tmp_path, 3)
    assert code == 1 and [(r["line"], r["reason"]) for r in rejects] == [(2, reason)]
    assert json.loads(rejects[0]["raw"]) == {key: cells[1] for key, cells in columns.items()}  # the record as the file holds it


def test_a_null_completion_is_rejected_by_convert_to_its_own_format_too(tmp_path):
    """Trial: ``--to prompt-completion`` copied the row as read, being in the target format already, and wrote
    ``"completion": null``, which check reports as FT900; every other target rejected it."""
    source = _parquet(tmp_path / "rows.parquet", {"prompt": ["a", "b", "c"], "completion": ["x", None, "z"]})
    code, written, rejects = _convert(source, "prompt-completion", tmp_path, 3)
    assert code == 1 and written == [{"prompt": "a", "completion": "x"}, {"prompt": "c", "completion": "z"}]
    assert [(r["line"], r["reason"]) for r in rejects] == [(2, "prompt-completion row: completion must be a string, got null (at /completion)")]


def test_check_reports_a_null_completion_in_parquet_and_a_dataframe_at_the_cell(tmp_path):
    """Trial: ``check`` of a Parquet file read the null completion as an absent key, so the row was a TRL
    prompt-only row (FT400 mixed formats, FT401) rather than a prompt/completion row without its answer."""
    columns = {"prompt": ["a", "b", "c"], "completion": ["x", None, "z"]}
    source = _parquet(tmp_path / "rows.parquet", columns)
    report, proc = cli_json("--profile", "openai-legacy", "--select", "FT4,FT9", str(source))
    found = [(f["line"], f["code"], f["pointer"]) for f in report["findings"] if f["code"] in ("FT400", "FT401", "FT900")]
    assert found == [(2, "FT900", "/completion")], report["findings"]
    import pandas as pd

    from linter import lint_dataframe

    findings = lint_dataframe(pd.DataFrame(columns), profile="openai-legacy", select=["FT4", "FT9"])
    assert [(f.line, f.code, f.pointer) for f in findings if f.code in ("FT400", "FT401", "FT900")] == [(2, "FT900", "/completion")]


def test_null_cells_of_optional_keys_and_of_another_formats_columns_stay_absent(tmp_path):
    """A Parquet file of mixed rows gives each row the others' columns, null: a chat row's null prompt and
    completion, a prompt/completion row's null messages and a null system are not keys the row has."""
    chat = json.dumps([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}])
    source = _parquet(tmp_path / "mixed.parquet", {
        "messages": [chat, None], "prompt": [None, "q"], "completion": [None, "a"], "system": [None, None]})
    code, written, rejects = _convert(source, "openai-chat", tmp_path, 2)
    assert code == 0 and rejects == []
    assert written == [{"messages": json.loads(chat)}] * 2


def test_a_prompt_only_row_without_a_completion_column_stays_prompt_only(tmp_path):
    source = _parquet(tmp_path / "prompts.parquet", {"prompt": ["a", "b"]})
    code, written, rejects = _convert(source, "trl-prompt-only", tmp_path, 2)
    assert code == 0 and rejects == [] and written == [{"prompt": "a"}, {"prompt": "b"}]


# --- CSV and XLSX: an empty cell is the table's null ---------------------------------------------------


_EMPTY = ("prompt-completion row: the completion cell is empty, and a table cell holds no null: an empty one is a "
          "missing completion, which writing \"\" would turn into an answer that says nothing (at /completion)")


@pytest.mark.parametrize("kind", ["csv", "tsv", "xlsx"])
def test_an_empty_completion_cell_is_a_missing_answer_not_an_empty_one(tmp_path, kind):
    rows = [["prompt", "completion"], ["a", "x"], ["b", ""], ["c", "z"]]
    source = tmp_path / f"pc.{kind}"
    if kind == "xlsx":
        openpyxl = pytest.importorskip("openpyxl")
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append([cell or None for cell in row])  # an empty cell, as a spreadsheet leaves it
        book.save(source)
    else:
        source.write_text("".join(("," if kind == "csv" else "\t").join(row) + "\n" for row in rows))
    code, written, rejects = _convert(source, "openai-chat", tmp_path, 3)
    # it was written as {"role": "assistant", "content": ""}: check's FT902 error, an FT200 warning as a chat row
    assert code == 1 and [(r["line"], r["reason"]) for r in rejects] == [(3, _EMPTY)]
    assert [row["messages"][1]["content"] for row in written] == ["x", "z"]


def test_an_empty_cell_that_is_no_answer_is_written(tmp_path):
    """An empty input is an Alpaca row without one (LLaMA-Factory skips it); an empty prompt is legal
    (FT903's warning); an empty output beside chosen and rejected is not the answer a ranking row reads."""
    source = tmp_path / "rows.csv"
    source.write_text("instruction,input,output\nTranslate,,fromage\n")
    code, written, rejects = _convert(source, "openai-chat", tmp_path, 1)
    assert code == 0 and rejects == [] and written[0]["messages"][0] == {"role": "user", "content": "Translate"}
    source.write_text("prompt,completion\n, positive\n")
    code, written, rejects = _convert(source, "openai-chat", tmp_path, 1)
    assert code == 0 and rejects == [] and written[0]["messages"][1] == {"role": "assistant", "content": " positive"}
    source.write_text("instruction,output,chosen,rejected\nq,,yes,no\n")
    code, written, rejects = _convert(source, "trl", tmp_path, 1)
    assert code == 0 and rejects == [] and written == [{"prompt": "q", "chosen": "yes", "rejected": "no"}]


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
