"""Token statistics for every format: rows of other formats than OpenAI chat are
counted on their conversation view by the cookbook formula FT300 judges them
with, and the output says so (before, ShareGPT and Alpaca files got no token
line and no word why)."""

from __future__ import annotations

import json

import pytest
import tiktoken

from .conftest import cli_json, run_cli

ENC = tiktoken.get_encoding("o200k_base")


def cookbook(*turns: tuple[str, str]) -> int:
    """The OpenAI cookbook count, written out: 3 to prime the reply, 3 per message, its role and content."""
    return 3 + sum(3 + len(ENC.encode(role)) + len(ENC.encode(text)) for role, text in turns)


def test_sharegpt_and_alpaca_rows_are_counted_on_their_view(tmp_path):
    sharegpt = tmp_path / "sharegpt.jsonl"
    sharegpt.write_text("".join(json.dumps(row) + "\n" for row in [
        {"conversations": [{"from": "human", "value": "What is the capital of France?"}, {"from": "gpt", "value": "Paris."}]},
        {"conversations": [{"from": "human", "value": "Name a prime number."}, {"from": "gpt", "value": "Seven is prime."}]},
    ]))
    alpaca = tmp_path / "alpaca.json"
    alpaca.write_text(json.dumps([{"instruction": "Say hello in French.", "input": "", "output": "Bonjour !"}]))
    report, _ = cli_json("--profile", "llamafactory", str(sharegpt), str(alpaca))
    files = {Path_name(f["path"]): f for f in report["files"]}
    tokens = files["sharegpt.jsonl"]["tokens"]
    expected = sorted([cookbook(("user", "What is the capital of France?"), ("assistant", "Paris.")),
                       cookbook(("user", "Name a prime number."), ("assistant", "Seven is prime."))])
    assert (tokens["min"], tokens["max"]) == (expected[0], expected[1])
    assert tokens["counted_on_view"] == 2 and tokens["exact"]
    alpaca_tokens = files["alpaca.json"]["tokens"]
    assert alpaca_tokens["max"] == cookbook(("user", "Say hello in French."), ("assistant", "Bonjour !"))
    assert alpaca_tokens["counted_on_view"] == 1

    text = run_cli("stats", str(sharegpt)).stdout
    assert "tokens per example (o200k_base" in text
    assert "2 example(s) of other formats than OpenAI chat counted by the OpenAI cookbook formula" in text
    assert "--tokenizer" in text


def test_a_preference_pair_counts_its_prompt_and_chosen_answer_as_messages(tmp_path):
    """A pair trains its prompt and chosen answer: the messages line said "1-1 messages each" for a
    one-turn prompt (newcomer trial)."""
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps({"conversations": [{"from": "human", "value": "Write a haiku about rain"}],
                                "chosen": {"from": "gpt", "value": "Soft rain on the roof"}, "rejected": {"from": "gpt", "value": "No."}}) + "\n")
    report, _ = cli_json("--profile", "llamafactory", str(path))
    assert report["files"][0]["messages_per_example"]["max"] == 2
    assert ", 2 messages each" in run_cli("stats", "--profile", "llamafactory", str(path)).stdout


def test_openai_rows_are_not_counted_on_the_view(tmp_path):
    path = tmp_path / "chat.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}) + "\n")
    report, _ = cli_json(str(path))
    tokens = report["files"][0]["tokens"]
    assert tokens["counted_on_view"] == 0 and tokens["max"] == cookbook(("user", "hi"), ("assistant", "hello"))
    assert "other formats" not in run_cli("stats", str(path)).stdout


def Path_name(path: str) -> str:
    from pathlib import Path

    return Path(path).name


def test_stats_takes_the_profile_as_check_does(tmp_path):
    """Newcomer trial: 'ftlint stats --profile llamafactory' was 'No such option'. The profile decides the
    billing estimate (OpenAI's alone) and a misspelt name is the same one-line error as in check."""
    path = tmp_path / "sg.jsonl"
    path.write_text("".join(json.dumps({"conversations": [{"from": "human", "value": f"q{i}"}, {"from": "gpt", "value": "a"}]}) + "\n"
                            for i in range(3)))
    default = json.loads(run_cli("stats", path, "--format", "json", "--isolated").stdout)[0]["tokens"]
    llamafactory = json.loads(run_cli("stats", path, "--format", "json", "--isolated", "--profile", "llamafactory").stdout)[0]["tokens"]
    assert "estimated_billing_tokens" in default and "estimated_billing_tokens" not in llamafactory
    assert llamafactory["counted_examples"] == 3
    wrong = run_cli("stats", path, "--profile", "llama-factory", "--isolated")
    assert wrong.returncode == 2 and "did you mean 'llamafactory'" in wrong.stderr and "Traceback" not in wrong.stderr


def test_counts_for_an_open_model_say_they_approximate_its_tokenizer(tmp_path):
    """Newcomer trial: '--model meta-llama/...' counted with o200k_base and did not say the count is approximate."""
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}) + "\n")
    llama = run_cli("stats", path, "--isolated", "--model", "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference")
    assert "approximate: o200k_base stands in for the model's own tokenizer (llama3): --tokenizer DIR" in llama.stdout
    tokens = json.loads(run_cli("stats", path, "--isolated", "--format", "json", "--model",
                                "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference").stdout)[0]["tokens"]
    assert tokens["approximates"] == "llama3" and tokens["open_tokenizer"] is True
    claude = run_cli("stats", path, "--isolated", "--model", "anthropic.claude-3-haiku-20240307-v1:0").stdout
    assert "stands in for the model's own tokenizer (claude (proprietary))\n" in claude and "--tokenizer" not in claude
    for own in ((), ("--model", "gpt-4o")):  # OpenAI's encodings are their models' tokenizers
        out = run_cli("stats", path, "--isolated", *own).stdout
        assert "approximate" not in out and "(o200k_base, all 1 counted)" in out


GOOD_CHAT = {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is the capital of France?"},
                          {"role": "assistant", "content": "Paris."}]}


def test_rows_in_no_format_are_not_counted_as_examples(tmp_path):
    """Newcomer trial: a good chat row, a 'mesages' row and a 'text_field' row gave "3 examples ... min 3 tokens": the
    two rows in no format were counted as empty conversations (3 priming tokens each), in the distribution and in the
    epoch and billing estimates. They are left out, and the summary says how many."""
    alone, mixed = tmp_path / "alone.jsonl", tmp_path / "mixed.jsonl"
    alone.write_text(json.dumps(GOOD_CHAT) + "\n")
    mixed.write_text("".join(json.dumps(row) + "\n" for row in [
        GOOD_CHAT, {"mesages": GOOD_CHAT["messages"]}, {"text_field": "nothing"}, {"messages": "Paris."}, [1, 2]]))
    expected = cookbook(("system", "Be brief."), ("user", "What is the capital of France?"), ("assistant", "Paris."))
    report, _ = cli_json("--select", "FT101", str(alone), str(mixed))
    clean, read = report["files"]
    assert (read["examples"], read["not_counted"]) == (1, {"in no format": 3, "whose messages are not a list": 1})
    assert read["tokens"]["min"] == read["tokens"]["max"] == expected
    drop = ("path", "lines", "bytes", "not_counted")  # the rest, epochs and billing included, is the good row's alone
    assert {k: v for k, v in read.items() if k not in drop} == {k: v for k, v in clean.items() if k not in drop}
    assert "not_counted" not in clean
    lines = run_cli("stats", str(mixed)).stdout.splitlines()
    assert lines[:3] == [f"{mixed}: 1 example in 5 lines, 3 messages each",
                         "  not counted as examples: 3 row(s) in no format, 1 row(s) whose messages are not a list",
                         f"  tokens per example (o200k_base, all 1 counted): min {expected} · mean {expected:.1f} · p50 {expected} · "
                         f"p90 {expected} · max {expected}"]
    assert "estimated training: 25 epochs" in lines[-1]  # one example: the cookbook's 100 // 1, clamped to 25


def test_a_row_in_no_format_is_not_counted_on_the_view_either(tmp_path):
    """Under openai-dpo a row in no format is judged as a DPO row, counted on its (empty) view: 3 tokens, and a pair."""
    path = tmp_path / "dpo.jsonl"
    pair = {"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_output": [{"role": "assistant", "content": "Hello"}],
            "non_preferred_output": [{"role": "assistant", "content": "Go away"}]}
    path.write_text(json.dumps(pair) + "\n" + json.dumps({"text_field": "nothing"}) + "\n")
    report, _ = cli_json("--profile", "openai-dpo", "--select", "FT101", str(path))
    (read,) = report["files"]
    assert (read["examples"], read["not_counted"]) == (1, {"in no format": 1})
    assert (read["tokens"]["countable_examples"], read["tokens"]["counted_on_view"], read["tokens"]["pairs"]) == (1, 1, 1)
    assert read["tokens"]["min"] == read["tokens"]["max"] > 3


def test_with_a_tokenizer_rows_in_no_format_are_not_counted_and_a_non_object_row_is_no_crash(tmp_path):
    """The trainer counts every row it renders: an object in no format is left out before it renders, and a row
    that is no object never reaches it (the statistics read its ``messages``)."""
    pytest.importorskip("transformers")
    from linter.trainer.testing import build_tokenizer_folder

    folder = build_tokenizer_folder(tmp_path / "model")
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in [GOOD_CHAT, [1, 2], {"text_field": "nothing"}, {"messages": "Paris."}]))
    proc = run_cli("stats", "--format", "json", "--tokenizer", str(folder), str(path))
    assert proc.returncode == 0, proc.stderr
    (read,) = json.loads(proc.stdout)
    assert (read["examples"], read["not_counted"]) == (1, {"in no format": 2, "whose messages are not a list": 1})
    assert read["tokens"]["countable_examples"] == read["tokens"]["counted_examples"] == 1
