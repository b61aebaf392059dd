"""Keys of the open formats (Alpaca, ShareGPT, TRL) written in another case or misspelt: the trainers
read keys exactly and ignore every other column, so ``Input``, ``inptu`` or ``sytem`` silently kept
their text out of training. ``check`` names them with the key they likely mean, ``fix`` renames them
(a case only by a safe fix, a close spelling by an unsafe one), never removes them, and keeps every
row and every value; plain extra columns stay silent under the trainers that ignore them. Real files,
the real CLI."""

from __future__ import annotations

import json

import pytest

from .conftest import cli_json, run_cli

ALPACA = [
    {"instruction": "Greet the user", "Input": "Bob", "output": "Hi Bob"},
    {"instruction": "Greet the guest", "inptu": "Ann", "output": "Hi Ann"},
    {"instruction": "Greet the visitor", "input": "Eve", "output": "Hi Eve", "sytem": "Be kind.", "id": 3, "source": "crm", "meta": {"lang": "en"}},
]
SHAREGPT = [
    {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}], "sytem": "Be kind.", "id": 1},
    {"conversations": [{"from": "human", "value": "hello"}, {"from": "gpt", "vlaue": "hey"}], "source": "crm"},
    {"conversations": [{"From": "human", "value": "howdy"}, {"from": "gpt", "value": "hi there"}]},
]
OPEN_KEYS = "FT110,FT120,FT900,FT901"


def _found(report, codes=None):
    return [(f["line"], f["code"], f["pointer"]) for f in report["findings"] if codes is None or f["code"] in codes]


@pytest.mark.parametrize("profile", ["llamafactory", "axolotl"])
def test_misnamed_keys_of_alpaca_and_sharegpt_rows_are_named_and_plain_columns_are_not(write_jsonl, profile):
    report, _ = cli_json("--profile", profile, write_jsonl(ALPACA, "alpaca.jsonl"))
    assert _found(report, {"FT110"}) == [(1, "FT110", "/Input"), (2, "FT110", "/inptu"), (3, "FT110", "/sytem")]
    said = {f["pointer"]: f["message"] for f in report["findings"] if f["code"] == "FT110"}
    assert "(did you mean \"input\"?)" in said["/Input"] and "(did you mean \"system\"?)" in said["/sytem"]
    # id, source, meta: columns the trainer ignores, harmlessly; no rule speaks of them
    assert not [f for f in report["findings"] if f["pointer"] in ("/id", "/source", "/meta")]
    report, _ = cli_json("--profile", profile, write_jsonl(SHAREGPT, "sharegpt.jsonl"))
    assert _found(report, {"FT110", "FT120"}) == [(1, "FT110", "/sytem"), (2, "FT120", "/conversations/1/vlaue"),
                                                 (3, "FT120", "/conversations/0/From")]
    assert not [f for f in report["findings"] if f["pointer"] in ("/id", "/source")]


def test_trl_rows_name_their_misspelt_keys(write_jsonl):
    rows = [
        {"prompt": "Capital of France?", "completion": " Paris.", "promt": "Capital of Spain?"},
        {"promt": "Capital of Italy?", "completion": " Rome.", "id": 2},
        {"prompt": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is it?"}]}],
         "completion": [{"role": "assistant", "content": "A cat."}], "imgaes": ["cat.png"], "source": "crm"},
    ]
    report, _ = cli_json("--profile", "trl", "--select", OPEN_KEYS, write_jsonl(rows))
    found = {(f["line"], f["code"], f["pointer"]): f for f in report["findings"]}
    # id and source: columns TRL's trainers drop unread (remove_unused_columns), so no rule speaks of them
    assert set(found) == {(1, "FT901", "/promt"), (2, "FT900", "/promt"), (3, "FT110", "/imgaes")}
    assert "did you mean \"prompt\"?" in found[(1, "FT901", "/promt")]["message"]
    assert found[(1, "FT901", "/promt")]["fix"] is None  # prompt is there too: nothing renamed, nothing removed
    assert found[(2, "FT900", "/promt")]["fix"]["edits"] == [{"op": "move", "from": "/promt", "path": "/prompt"}]
    assert found[(3, "FT110", "/imgaes")]["fix"]["applicability"] == "unsafe"


def _values(line: str) -> list[str]:
    """What a row holds, whatever its keys are called: every value, nested ones by their JSON text."""
    def walk(value):
        if isinstance(value, dict):
            return [item for v in value.values() for item in walk(v)]
        if isinstance(value, list):
            return [item for v in value for item in walk(v)]
        return [json.dumps(value)]
    return sorted(walk(json.loads(line)))


@pytest.mark.parametrize("rows", [ALPACA, SHAREGPT], ids=["alpaca", "sharegpt"])
def test_fix_renames_a_case_safely_and_a_spelling_unsafely_keeping_every_row_and_value(tmp_path, rows):
    path = tmp_path / "train.jsonl"
    original = [json.dumps(row) for row in rows]
    path.write_text("\n".join(original) + "\n")
    run_cli("fix", "--profile", "llamafactory", "--select", OPEN_KEYS, path)
    safe = path.read_text().splitlines()
    assert len(safe) == len(original) and [_values(line) for line in safe] == [_values(line) for line in original]
    assert '"Input"' not in safe[0] and '"From"' not in safe[-1]  # another case: the key itself, renamed by a safe fix
    assert ('"inptu"' in safe[1]) if rows is ALPACA else ('"vlaue"' in safe[1])  # a close spelling waits for --unsafe-fixes
    proc = run_cli("fix", "--profile", "llamafactory", "--select", OPEN_KEYS, "--unsafe-fixes", path)
    fixed = path.read_text().splitlines()
    assert len(fixed) == len(original) and not list(tmp_path.glob("*.rejects*"))  # rows in = rows out, none rejected
    assert [_values(line) for line in fixed] == [_values(line) for line in original]
    keys = [set(json.loads(line)) for line in fixed]
    if rows is ALPACA:
        assert keys == [{"instruction", "input", "output"}, {"instruction", "input", "output"},
                        {"instruction", "input", "output", "system", "id", "source", "meta"}]
    else:
        assert [turn.keys() == {"from", "value"} for line in fixed for turn in json.loads(line)["conversations"]] == [True] * 6
        assert keys[0] == {"conversations", "system", "id"}
    report, _ = cli_json("--profile", "llamafactory", "--select", OPEN_KEYS, path)
    assert report["findings"] == [], proc.stderr


def test_hosted_profiles_keep_reporting_plain_columns_in_every_format_they_take(write_jsonl):
    """OpenAI's API and prepare_data, and Together's check_file ('Found extra column "id"'), refuse a row with a
    column they do not read: a plain column is reported there, whatever the row's format."""
    chat = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}], "source": "crm"}
    report, _ = cli_json("--profile", "openai-sft", "--select", "FT110", write_jsonl([chat], "chat.jsonl"))
    [finding] = report["findings"]
    assert finding["message"] == "unknown top-level key 'source'" and finding["fix"]["edits"] == [{"op": "remove", "path": "/source"}]
    text = write_jsonl([{"text": "Once upon a time.", "id": 1}, {"prompt": "Capital of France?", "completion": " Paris.", "id": 2}], "text.jsonl")
    report, _ = cli_json("--profile", "together", "--select", "FT110,FT901", text)
    assert _found(report) == [(1, "FT110", "/id"), (2, "FT901", "/id")]
    report, _ = cli_json("--profile", "openai-legacy", "--select", "FT901", write_jsonl([{"prompt": "Hi ->", "completion": " yo\n", "id": 2}]))
    assert _found(report) == [(1, "FT901", "/id")]


@pytest.mark.parametrize("profile", ["trl", "axolotl", "llamafactory"])
def test_local_trainers_ignore_plain_columns_in_every_format_and_misnamed_keys_are_still_named(write_jsonl, profile):
    """TRL's SFTTrainer reads only the keys it knows (prompt, completion, messages, text, tools, chat_template_kwargs)
    and Trainer's remove_unused_columns drops the rest (sft_trainer.py _set_signature_columns_if_needed); axolotl and
    LLaMA-Factory read the columns they are told: an OpenAI messages row's or a prompt/completion row's id or source
    column is harmless, as an Alpaca row's is, and fix keeps it, while 'tols' is still named and renamed."""
    rows = [
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}], "source": "crm", "id": 1},
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}], "tols": "[]", "meta": {"lang": "en"}},
        {"prompt": "Capital of France?", "completion": " Paris.", "id": 3, "source": "crm"},
    ]
    path = write_jsonl(rows, "mixed.jsonl")
    report, _ = cli_json("--profile", profile, "--select", OPEN_KEYS, path)
    assert _found(report) == [(2, "FT110", "/tols")]
    assert "did you mean \"tools\"?" in report["findings"][0]["message"]
    run_cli("fix", "--profile", profile, "--select", OPEN_KEYS, "--unsafe-fixes", path)
    fixed = [json.loads(line) for line in path.read_text().splitlines()]
    assert [set(row) for row in fixed] == [{"messages", "source", "id"}, {"messages", "tools", "meta"}, {"prompt", "completion", "id", "source"}]
