"""The Mistral backend through the real CLI: what mistral-finetune accepts (weight 0/1), counted as
mistral-common tokenizes it, and FT310 saying once, at its pointer, only what no other rule says."""

from __future__ import annotations

import json

import pytest

from .conftest import cli_json, dump, run_cli

pytest.importorskip("mistral_common")

MODEL = ("--profile", "mistral", "--model", "open-mistral-nemo")
USER = {"role": "user", "content": "Hi"}
ANSWER = {"role": "assistant", "content": "Hello there, how are you?"}
WEIGHTED = {"messages": [USER, {"role": "assistant", "content": "A first draft of the answer", "weight": 0},
                         {"role": "user", "content": "Again"}, ANSWER]}
BOTH_TRAINED = {"messages": [USER, {"role": "assistant", "content": "A first draft of the answer", "weight": 1},
                             {"role": "user", "content": "Again"}, ANSWER]}


def reference():
    from mistral_common.protocol.instruct.validator import ValidationMode
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    shipped = MistralTokenizer.v3(is_tekken=True).instruct_tokenizer.tokenizer.file_path
    return MistralTokenizer.from_file(shipped, mode=ValidationMode.finetuning)


def mistral_common_counts(tokenizer, row):
    """(tokens, trained) as mistral-common tokenizes the fine-tuning request: the weight-1 answers' tokens."""
    from mistral_common.protocol.instruct.messages import FinetuningAssistantMessage, UserMessage
    from mistral_common.protocol.instruct.request import ChatCompletionRequest

    messages = [FinetuningAssistantMessage(content=m["content"], weight=m.get("weight")) if m["role"] == "assistant"
                else UserMessage(content=m["content"]) for m in row["messages"]]
    tokens = tokenizer.encode_chat_completion(ChatCompletionRequest(messages=messages)).tokens
    instruct = tokenizer.instruct_tokenizer
    last_user = max(i for i, m in enumerate(messages) if m.role == "user")
    trained = sum(len(instruct.encode_assistant_message(m, i < last_user)) for i, m in enumerate(messages)
                  if m.role == "assistant" and m.weight != 0)
    return len(tokens), trained


def test_weight_0_is_accepted_and_its_answer_is_not_trained(tmp_path):
    path = tmp_path / "mw.jsonl"
    path.write_text(dump([WEIGHTED]), encoding="utf-8")
    proc = run_cli("check", *MODEL, path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "FT310" not in proc.stdout and "Extra inputs" not in proc.stdout
    tokenizer = reference()
    for row in (WEIGHTED, BOTH_TRAINED):
        path.write_text(dump([row]), encoding="utf-8")
        proc = run_cli("stats", "--output-format", "json", *MODEL, path)
        assert proc.returncode == 0, proc.stderr
        trainer = json.loads(proc.stdout)[0]["trainer"]
        tokens, trained = mistral_common_counts(tokenizer, row)
        assert (trainer["examples"], trainer["template_errors"]) == (1, 0)
        assert (trainer["tokens_per_epoch"], trainer["trained_tokens_per_epoch"]) == (tokens, trained)
    # the draft's tokens are in the example but not in the loss
    assert mistral_common_counts(tokenizer, WEIGHTED)[1] < mistral_common_counts(tokenizer, BOTH_TRAINED)[1]


BAD = [
    {"messages": [{"role": "bob", "content": "x"}, ANSWER]},  # FT106
    {"messages": [{"role": "user"}, ANSWER]},  # FT107
    {"messages": [USER, ANSWER, USER]},  # FT117
    {"messages": [USER, {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_abc", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_abc", "content": "r"}, ANSWER]},  # FT511
    {"messages": [USER, {"role": "assistant", "content": "x", "weight": "a"}]},  # FT113 (pydantic's error)
    {"messages": [USER, {"role": "assistant", "content": "x", "weight": 0.5}]},  # FT113 (mistral-common's)
    {"messages": [{"content": "x"}, ANSWER]},  # FT105
    {"messages": [{"role": "user", "content": 42}, ANSWER]},  # FT108
    {"messages": [USER, {"role": "tool", "tool_call_id": "abcdefghi", "content": "r"}, ANSWER]},  # only FT310 says the order
    {"messages": [{"role": "system", "content": "s"}, USER, {"role": "system", "content": "t"}, ANSWER]},  # mistral-finetune: one system
    {"messages": [USER, {"role": "assistant", "content": "x", "name": "ada"}]},  # a key mistral-finetune ignores: fine
]


def findings(report, code):
    return [(f["line"], f.get("pointer")) for f in report["findings"] if f["code"] == code]


def test_FT310_under_mistral_says_only_what_no_other_rule_says_at_its_pointer(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(dump(BAD), encoding="utf-8")
    report, proc = cli_json(*MODEL, path)
    assert findings(report, "FT310") == [(9, "/messages/1/role"), (10, "/messages/2/role")]
    messages = [f["message"] for f in report["findings"] if f["code"] == "FT310"]
    assert "Unexpected role 'tool' after role 'user'" in messages[0] and "only one" in messages[1]
    for code, line in (("FT106", 1), ("FT107", 2), ("FT117", 3), ("FT511", 4), ("FT113", 5), ("FT113", 6), ("FT105", 7), ("FT108", 8)):
        assert line in [found for found, _ in findings(report, code)], code
    assert "pydantic" not in proc.stdout


def test_FT310_reports_what_a_rule_turned_off_would_have_said(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(dump(BAD[:6]), encoding="utf-8")
    report, proc = cli_json(*MODEL, "--ignore", "FT106,FT113,FT117,FT511", path)
    assert findings(report, "FT310") == [(1, "/messages/0/role"), (3, "/messages/2/role"), (4, "/messages/1/tool_calls/0/id"),
                                         (5, "/messages/1/weight"), (6, "/messages/1/weight")]
    by_line = {f["line"]: f["message"] for f in report["findings"] if f["code"] == "FT310"}
    assert "Input should be a valid number" in by_line[5] and "errors.pydantic.dev" not in by_line[5]
    assert "weight must be either 0 or 1" in by_line[6] and "Expected last role Assistant" in by_line[3]
    assert "FT310" not in [f["code"] for f in report["findings"] if f["line"] == 2]  # FT107 still says that one


TEKKEN = ("--tokenizer", "mistral-common:tekken_240718.json")
TWO_SYSTEMS = {"messages": [{"role": "system", "content": "s"}, USER, {"role": "system", "content": "t"}, ANSWER]}
TOOL_FIRST = {"messages": [USER, {"role": "tool", "tool_call_id": "abcdefghi", "content": "r"}, ANSWER]}
NAME = "tekken_240718.json (mistral-common)"


def openai_request_counts(tokenizer, row):
    """(tokens, trained) of the request transformers' MistralCommonBackend (axolotl's tokenizer_use_mistral_common)
    sends: the OpenAI messages as they are, weight not read, so every answer is trained."""
    from mistral_common.protocol.instruct.request import ChatCompletionRequest

    request = ChatCompletionRequest.from_openai(messages=row["messages"])
    tokens = tokenizer.encode_chat_completion(request).tokens
    instruct = tokenizer.instruct_tokenizer
    messages = request.messages
    last_user = max(i for i, m in enumerate(messages) if m.role == "user")
    return len(tokens), sum(len(instruct.encode_assistant_message(m, i < last_user)) for i, m in enumerate(messages)
                            if m.role == "assistant")


def ft310(report):
    return [(f["line"], f.get("pointer"), f["message"]) for f in report["findings"] if f["code"] == "FT310"]


def test_FT310_names_the_trainer_whose_request_is_refused(tmp_path):
    """Newcomer trial: under --profile llamafactory, or an axolotl config, FT310 said "mistral-finetune refuses
    this example". mistral-finetune builds its own request (one system message at most, weight read);
    axolotl and transformers hand mistral-common the OpenAI messages, which merges two system prompts, and
    LLaMA-Factory does not use mistral-common at all: there the refusal is mistral-common's."""
    path = tmp_path / "chat.jsonl"
    path.write_text(dump([TOOL_FIRST, TWO_SYSTEMS]), encoding="utf-8")
    order = "Unexpected role 'tool' after role 'user'"
    select = ("--select", "FT310")
    report, _ = cli_json(*select, "--profile", "mistral", *TEKKEN, path)
    assert ft310(report) == [
        (1, "/messages/1/role", f"mistral-finetune refuses this example ({NAME}, fine-tuning validation): {order}"),
        (2, "/messages/2/role", f"mistral-finetune refuses this example ({NAME}, fine-tuning validation): a second system "
                                "message (the first is message 0); mistral-finetune allows only one")]
    for profile in ("llamafactory", "trl"):
        report, _ = cli_json(*select, "--profile", profile, *TEKKEN, path)
        assert ft310(report) == [(1, "/messages/1/role", f"mistral-common refuses this example ({NAME}, fine-tuning validation): {order}")]
    (tmp_path / "axolotl.yml").write_text("base_model: mistralai/Mistral-Nemo-Instruct-2407\ndatasets:\n  - path: chat.jsonl\n")
    report, _ = cli_json(*select, "--trainer-config", "axolotl.yml", *TEKKEN, cwd=tmp_path)
    assert ft310(report) == [(1, None, f"mistral-common refuses this example as axolotl sends it ({NAME}, fine-tuning validation, "
                                       f"tokenizer_use_mistral_common): {order}")]
    # mistral-common itself takes the two system prompts, and counts them
    tokens, _ = openai_request_counts(reference(), TWO_SYSTEMS)
    path.write_text(dump([TWO_SYSTEMS]), encoding="utf-8")
    trainer = json.loads(run_cli("stats", "--output-format", "json", "--trainer-config", "axolotl.yml", *TEKKEN, cwd=tmp_path).stdout)[0]["trainer"]
    assert (trainer["examples"], trainer["template_errors"], trainer["tokens_per_epoch"]) == (1, 0, tokens)


def test_weight_is_mistral_finetunes_and_other_trainers_train_every_answer(tmp_path):
    path = tmp_path / "mw.jsonl"
    path.write_text(dump([WEIGHTED]), encoding="utf-8")
    tokenizer = reference()
    proc = run_cli("stats", "--output-format", "json", "--profile", "llamafactory", *TEKKEN, path)
    trainer = json.loads(proc.stdout)[0]["trainer"]
    assert (trainer["tokens_per_epoch"], trainer["trained_tokens_per_epoch"]) == openai_request_counts(tokenizer, WEIGHTED)
    assert trainer["trained_tokens_from"].startswith("assistant messages (mistral-common; weight")
    assert openai_request_counts(tokenizer, WEIGHTED)[1] == mistral_common_counts(tokenizer, BOTH_TRAINED)[1]


def test_FT310_under_another_trainer_is_silent_where_other_rules_report(tmp_path):
    """from_openai's own failures (a missing role or content, an unknown role) are placed on their message
    and left to FT105, FT106 and FT107, as under mistral-finetune."""
    path = tmp_path / "bad.jsonl"
    path.write_text(dump([BAD[0], BAD[1], BAD[6], TOOL_FIRST]), encoding="utf-8")
    report, proc = cli_json("--profile", "llamafactory", *TEKKEN, path)
    assert [(line, pointer) for line, pointer, _ in ft310(report)] == [(4, "/messages/1/role")]
    report, _ = cli_json("--profile", "llamafactory", "--ignore", "FT105,FT106,FT107", *TEKKEN, path)
    assert ft310(report)[:3] == [
        (1, "/messages/0/role", f"mistral-common refuses this example ({NAME}, fine-tuning validation): mistral-common does not "
                                "know the role (system, user, assistant, tool only)"),
        (2, "/messages/0/content", f"mistral-common refuses this example ({NAME}, fine-tuning validation): user message has no "
                                   "\"content\""),
        (3, "/messages/0/role", f"mistral-common refuses this example ({NAME}, fine-tuning validation): mistral-common does not "
                                "know the role (system, user, assistant, tool only)")]
    assert "Traceback" not in proc.stderr
