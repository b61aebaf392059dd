"""Every conversational format reaches the chat template through the conversation view.

ShareGPT, Alpaca and TRL preference files go through the real CLI with the
test tokenizer folder, without a trainer config; the counts must equal
transformers' ``apply_chat_template`` on the equivalent OpenAI messages.
"""

from __future__ import annotations

import json

import pytest

from linter.trainer.hf_tokenizer import resolve
from linter.trainer.testing import HEADER_TEMPLATE, build_tokenizer_folder
from linter.trainer.view import TrainerView

from .conftest import cli_json, dump, run_cli
from .test_trainer import expected, folder, reference  # noqa: F401 - the shared tokenizer fixtures

transformers = pytest.importorskip("transformers")

LIMIT = 30
ROLES = {"system": "system", "human": "user", "gpt": "assistant"}

SHAREGPT = [
    {"conversations": [{"from": "human", "value": "What is the capital of France?"},
                       {"from": "gpt", "value": "Paris is the capital of France."}]},
    {"conversations": [{"from": "system", "value": "Be brief."}, {"from": "human", "value": "Hello!"},
                       {"from": "gpt", "value": "How can I help you today?"}, {"from": "human", "value": "The quick brown fox"},
                       {"from": "gpt", "value": "jumps over the lazy dog. " * 6}]},
    {"conversations": [{"from": "human", "value": "one"}, {"from": "human", "value": "two"}, {"from": "gpt", "value": "three"}]},
    {"id": 7, "conversations": [{"from": "human", "value": "Les données 日本語"}, {"from": "gpt", "value": "Fine-tuning data."}]},
]
ALPACA = [
    {"instruction": "Translate to French.", "input": "The quick brown fox", "output": "Le renard brun rapide"},
    {"instruction": "Say hello.", "input": "", "output": "Hello! How can I help you today?"},
    {"instruction": "Be long.", "input": "fox", "output": "The quick brown fox jumps over the lazy dog. " * 5},
]
QUESTION, CHOSEN, REJECTED = "What is the capital of France?", "Paris.", "Lyon, I think."
PREFERENCE = [  # TRL conversational, OpenAI DPO and ShareGPT (LLaMA-Factory) preference rows
    {"prompt": [{"role": "user", "content": QUESTION}],
     "chosen": [{"role": "assistant", "content": CHOSEN}], "rejected": [{"role": "assistant", "content": REJECTED}]},
    {"input": {"messages": [{"role": "user", "content": QUESTION}]},
     "preferred_output": [{"role": "assistant", "content": CHOSEN}], "non_preferred_output": [{"role": "assistant", "content": REJECTED}]},
    {"conversations": [{"from": "human", "value": QUESTION}], "chosen": {"from": "gpt", "value": CHOSEN},
     "rejected": {"from": "gpt", "value": REJECTED}},
]


def sharegpt_messages(row):
    return [{"role": ROLES[t["from"]], "content": t["value"]} for t in row["conversations"]]


def alpaca_messages(row):
    prompt = row["instruction"] + ("\n" + row["input"] if row["input"] else "")
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": row["output"]}]


def stats_of(path, folder):
    proc = run_cli("stats", "--output-format", "json", "--tokenizer", folder, "--max-seq-length", LIMIT, path)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)[0]


def assert_stats_equal_transformers(summary, wanted):
    counted = [w for w in wanted if not isinstance(w, str)]
    trainer = summary["trainer"]
    assert trainer["examples"] == len(counted) and trainer["template_errors"] == len(wanted) - len(counted)
    assert trainer["tokens_per_epoch"] == sum(min(w[0], LIMIT) for w in counted)  # what the trainer keeps
    assert trainer["trained_tokens_per_epoch"] == sum(w[2] for w in counted)
    assert trainer["trained_tokens_lost"] == sum(w[1] - w[2] for w in counted)
    assert trainer["truncated_examples"] == sum(w[0] > LIMIT for w in counted)
    assert (summary["tokens"]["min"], summary["tokens"]["max"]) == (min(w[0] for w in counted), max(w[0] for w in counted))


@pytest.mark.parametrize("rows, to_messages", [(SHAREGPT, sharegpt_messages), (ALPACA, alpaca_messages)], ids=["sharegpt", "alpaca"])
def test_stats_of_other_formats_equal_transformers(folder, reference, tmp_path, rows, to_messages):
    path = tmp_path / "train.jsonl"
    path.write_text(dump(rows), encoding="utf-8")
    wanted = [expected(reference, {"messages": to_messages(r)}, LIMIT) for r in rows]
    assert any(not isinstance(w, str) and w[0] > LIMIT for w in wanted)  # the fixture truncates something
    assert_stats_equal_transformers(stats_of(path, folder), wanted)


def test_check_reports_a_sharegpt_template_error_at_its_line(folder, reference, tmp_path):
    path = tmp_path / "chat.jsonl"
    path.write_text(dump(SHAREGPT), encoding="utf-8")
    report, proc = cli_json("--tokenizer", folder, "--max-seq-length", LIMIT, "--select", "FT31", path)
    wanted = [expected(reference, {"messages": sharegpt_messages(r)}, LIMIT) for r in SHAREGPT]
    errors = [f for f in report["findings"] if f["code"] == "FT310"]
    assert [f["line"] for f in errors] == [i + 1 for i, w in enumerate(wanted) if isinstance(w, str)] == [3]
    assert wanted[2] in errors[0]["message"]
    over = sorted(f["line"] for f in report["findings"] if f["code"] in ("FT311", "FT312"))
    assert over == [i + 1 for i, w in enumerate(wanted) if not isinstance(w, str) and w[0] > LIMIT]
    assert proc.returncode == 1


def test_preference_rows_count_prompt_and_chosen(folder, reference, tmp_path):
    path = tmp_path / "dpo.jsonl"
    path.write_text(dump(PREFERENCE), encoding="utf-8")
    messages = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": CHOSEN}]
    wanted = [expected(reference, {"messages": messages}, LIMIT)] * len(PREFERENCE)
    assert_stats_equal_transformers(stats_of(path, folder), wanted)


def test_sharegpt_tool_calls_and_tools_reach_the_template(tmp_path):
    folder = build_tokenizer_folder(tmp_path / "tools", chat_template=HEADER_TEMPLATE)
    reference = transformers.AutoTokenizer.from_pretrained(str(folder))
    tools = [{"name": "lookup", "description": "Find an order", "parameters": {"type": "object", "properties": {}}}]
    row = {"conversations": [{"from": "human", "value": "Where is order 7?"},
                             {"from": "function_call", "value": json.dumps({"name": "lookup", "arguments": {"id": 7}})},
                             {"from": "observation", "value": "shipped"}, {"from": "gpt", "value": "It has shipped."}],
           "tools": json.dumps(tools)}
    messages = [{"role": "user", "content": "Where is order 7?"},
                {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "lookup", "arguments": {"id": 7}}}]},
                {"role": "tool", "content": "shipped"}, {"role": "assistant", "content": "It has shipped."}]
    view = TrainerView(resolve(str(folder)))
    found = view.analyse(row)
    want = expected(reference, {"messages": messages}, None, tools=tools)
    assert (found.tokens, found.trained, found.kept_trained) == want
    assert "lookup" in view.render(*view._conversation(row)).text


def test_a_trainer_config_mapping_wins_over_the_view(folder, tmp_path):
    """An axolotl ``chat_template`` dataset reading ``conversations`` with its own role names
    renders what the config says, not what the ShareGPT adapter guesses."""
    data = tmp_path / "mapped.jsonl"
    data.write_text(dump([{"conversations": [{"from": "human", "value": "hi"}, {"from": "bot", "value": "Hello!"}]}]), encoding="utf-8")
    config = tmp_path / "axolotl.yml"
    config.write_text(
        f"base_model: {folder}\nsequence_len: 64\ndatasets:\n  - path: {data}\n    type: chat_template\n"
        "    field_messages: conversations\n    message_property_mappings: {role: from, content: value}\n"
        "    roles: {user: [human], assistant: [bot]}\n", encoding="utf-8")
    summary = json.loads(run_cli("stats", "--output-format", "json", "--trainer-config", config).stdout)[0]
    assert summary["trainer"]["examples"] == 1 and summary["trainer"]["template_errors"] == 0
    assert summary["trainer"]["trained_tokens_per_epoch"] > 0  # "bot" became the assistant: its tokens are trained


BAD_ROWS = [
    {"conversations": [{"from": "narrator", "value": "Once upon a time"}, {"from": "gpt", "value": "ok"}]},  # unmapped role
    {"conversations": "not a list"},
    {"conversations": [{"from": "human", "value": 42}, {"from": "gpt", "value": ["a", 1]}]},
    {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "ok"}], "tools": "{not json"},
    {"instruction": 7, "output": {"x": 1}},
    {"prompt": [{"role": "user", "content": "q"}], "chosen": "plain", "rejected": "text"},
    {"conversations": [{"from": "human", "value": "What is the capital of France?"}, {"from": "gpt", "value": "Paris."}]},
]


def test_bad_rows_in_other_formats_never_stop_the_file(folder, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(dump(BAD_ROWS), encoding="utf-8")
    report, proc = cli_json("--tokenizer", folder, "--max-seq-length", LIMIT, path)
    assert "Traceback" not in proc.stderr
    assert not [f for f in report["findings"] if f["code"] == "FT000" or "internal" in f.get("name", "")]
    stats = run_cli("stats", "--output-format", "json", "--tokenizer", folder, "--max-seq-length", LIMIT, path)
    assert stats.returncode == 0, stats.stderr
    trainer = json.loads(stats.stdout)[0]["trainer"]
    # rendered: only the row whose bad tools are dropped, and the good last row; the others have no text to render
    view = TrainerView(resolve(str(folder)))
    assert [i for i, row in enumerate(BAD_ROWS) if view.analyse(row).renderable] == [3, 6]
    assert trainer["examples"] == 2 and trainer["template_errors"] == 0
    assert view.analyse(BAD_ROWS[3]).error is None  # tools that are not JSON are dropped, the row still renders


def test_bedrock_rows_render_their_system_and_text_blocks(folder, reference):
    """Bedrock rows have ``messages`` too, but their system prompt is top-level and their
    contents are blocks: they are read through the view, not handed over raw."""
    row = {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "Be brief."}],
           "messages": [{"role": "user", "content": [{"text": "Hello!"}]}, {"role": "assistant", "content": [{"text": "Hi."}]}]}
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello!"}, {"role": "assistant", "content": "Hi."}]
    found = TrainerView(resolve(str(folder))).analyse(row)
    assert (found.tokens, found.trained, found.kept_trained) == expected(reference, {"messages": messages})
