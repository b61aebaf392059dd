"""The statistics say where the token limit came from, and show OpenAI's billing estimate only for OpenAI runs."""

from __future__ import annotations

import json

import pytest

from linter.trainer.testing import build_tokenizer_folder

from .conftest import dump, run_cli

ROWS = [{"messages": [{"role": "user", "content": "What is the capital of France? " * (1 + i)},
                      {"role": "assistant", "content": "Paris is the capital of France."}]} for i in range(12)]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("limits")
    build_tokenizer_folder(root / "tok")
    (root / "train.jsonl").write_text(dump(ROWS), encoding="utf-8")
    (root / "data").mkdir()
    (root / "data" / "chat.jsonl").write_text(dump(ROWS), encoding="utf-8")
    # LLaMA-Factory's openai formatting shares the sharegpt defaults (conversations, from/value): OpenAI rows need these
    tags = {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant", "system_tag": "system"}
    (root / "data" / "dataset_info.json").write_text(json.dumps({"chat": {
        "file_name": "chat.jsonl", "formatting": "openai", "columns": {"messages": "messages"}, "tags": tags}}))
    (root / "lf.yaml").write_text("model_name_or_path: tok\ndataset: chat\ndataset_dir: data\ncutoff_len: 64\n")
    return root


def stats_text(root, *args):
    proc = run_cli("stats", *args, cwd=root)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("args, limit, source", [
    (("--tokenizer", "tok", "--max-seq-length", "48", "train.jsonl"), "48", "--max-seq-length"),
    (("--trainer-config", "lf.yaml", "data/chat.jsonl"), "64", "cutoff_len in lf.yaml"),
    (("--max-tokens", "100", "train.jsonl"), "100", "--max-tokens"),
    (("--model", "gpt-4o-mini", "train.jsonl"), "65,536", "model gpt-4o-mini"),
    (("train.jsonl",), "4,096", "default when no model is named"),
])
def test_the_limit_line_names_its_source(project, args, limit, source):
    out = stats_text(project, *args)
    assert f"limit {limit} tokens ({source}):" in out


def test_a_config_files_limit_is_named_by_its_file(project, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.ftlint]\nmax-tokens = 120\n")
    (tmp_path / "train.jsonl").write_text(dump(ROWS), encoding="utf-8")
    assert f"limit 120 tokens (max-tokens in {tmp_path / 'pyproject.toml'}):" in stats_text(tmp_path, "train.jsonl")


@pytest.mark.parametrize("args, openai", [
    (("train.jsonl",), True),
    (("--model", "gpt-4o-mini", "train.jsonl"), True),
    (("--tokenizer", "tok", "train.jsonl"), False),
    (("--trainer-config", "lf.yaml", "data/chat.jsonl"), False),
    (("--model", "open-mistral-nemo-2407", "train.jsonl"), False),
    (("--model", "azure/gpt-4o", "train.jsonl"), False),
])
def test_billing_is_estimated_for_openai_runs_only(project, args, openai):
    out = stats_text(project, *args)
    assert ("billing tokens" in out) is openai
    report = json.loads(stats_text(project, "--output-format", "json", *args))[0]
    assert ("estimated_billing_tokens" in report["tokens"]) is openai
    if "gpt-4o-mini" in args:
        assert "estimated cost" in out and "estimated_cost_usd" in report["tokens"]


def test_billing_is_not_estimated_under_another_providers_profile(project, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nprofile = "together"\n')
    (tmp_path / "train.jsonl").write_text(dump(ROWS), encoding="utf-8")
    assert "billing tokens" not in stats_text(tmp_path, "train.jsonl")


def test_the_validation_file_has_token_stats_but_no_billing_estimate(tmp_path):
    """Clean-clone trial: the validation file got its own "estimated training ... billing tokens" line, as if
    trained on. It is not (OpenAI evaluates on it), so only the training file's estimate is shown; its token
    statistics stay, in the text and in the JSON report, under check and stats alike."""
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nmodel = "gpt-4o-mini"\nvalidation-file = "valid.jsonl"\n')
    (tmp_path / "train.jsonl").write_text(dump(ROWS), encoding="utf-8")
    (tmp_path / "valid.jsonl").write_text(dump(ROWS[:3]), encoding="utf-8")
    for command in ("check", "stats"):
        proc = run_cli(command, "train.jsonl", "valid.jsonl", cwd=tmp_path)
        assert proc.returncode in (0, 1), proc.stderr
        assert proc.stdout.count("billing tokens") == 1 and proc.stdout.count("estimated cost") == 1, proc.stdout
        assert proc.stdout.count("  tokens per example (") == 2, proc.stdout
    report = {r["path"]: r for r in json.loads(stats_text(tmp_path, "--output-format", "json", "train.jsonl", "valid.jsonl"))}
    assert "estimated_billing_tokens" in report["train.jsonl"]["tokens"] and "estimated_cost_usd" in report["train.jsonl"]["tokens"]
    validation = report["valid.jsonl"]["tokens"]
    assert "max" in validation and not {"estimated_billing_tokens", "estimated_cost_usd", "billing_tokens_per_epoch"} & set(validation)


@pytest.mark.parametrize("profile", ["trl", "together", "openai-legacy"])
def test_prompt_completion_strings_are_token_counted_and_judged_by_the_limit(tmp_path, profile):
    """Trial: prompt/completion string rows were never tokenized, so a 5,000-word prompt passed FT300 under every
    profile that trains them (TRL's standard type, Together's, OpenAI legacy) and the statistics counted none."""
    import tiktoken

    long_prompt, short_prompt = "word " * 5000, "The sky is"
    path = tmp_path / "pc.jsonl"
    path.write_text(json.dumps({"prompt": long_prompt, "completion": " done."}) + "\n"
                    + json.dumps({"prompt": short_prompt, "completion": " blue."}) + "\n")
    encoding = tiktoken.get_encoding("o200k_base")
    want = [len(encoding.encode(long_prompt)) + len(encoding.encode(" done.")),
            len(encoding.encode(short_prompt)) + len(encoding.encode(" blue."))]
    proc = run_cli("check", "--format", "json", "--profile", profile, "--select", "FT300", path)
    findings = json.loads(proc.stdout)["findings"]
    assert [(f["line"], f["code"]) for f in findings] == [(1, "FT300")], findings
    assert findings[0]["message"].startswith(f"example has {want[0]:,} tokens (o200k_base)")
    (stats,) = json.loads(run_cli("stats", "--format", "json", "--profile", profile, path).stdout)
    assert stats["tokens"]["counted_examples"] == 2 and (stats["tokens"]["min"], stats["tokens"]["max"]) == (want[1], want[0]), stats["tokens"]
