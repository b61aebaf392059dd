"""Preference pairs under FT300, in the statistics and in the billing estimate.

One rule for every pair format (OpenAI/Together DPO, TRL, ShareGPT and Alpaca ranking):
the limit judges the prompt with the longer answer, the sequence the model sees
(TRL's DPO collator cuts prompt+chosen and prompt+rejected separately; LLaMA-Factory
cuts the prompt against max(chosen, rejected)). The billing estimate counts the prompt
once and both answers, each side cut at the limit: OpenAI documents only that preference
fine-tuning is billed by the tokens of the training dataset. Before, an OpenAI DPO row
got no FT300, no token statistics and no billing (newcomer trial), and a TRL pair was
judged by prompt plus both answers.
"""

from __future__ import annotations

import json
import subprocess
import sys

import tiktoken

from .conftest import cli_json, run_cli

ENC = tiktoken.get_encoding("o200k_base")
LONG = "word " * 3000  # 3,000 tokens in o200k_base: one answer fits 4,096, both together do not
HUGE = "word " * 100_000


def turns(*pairs: tuple[str, str]) -> int:
    return sum(3 + len(ENC.encode(role)) + len(ENC.encode(text)) for role, text in pairs)


def dpo(prompt: str, preferred: str, rejected: str) -> dict:
    return {"input": {"messages": [{"role": "user", "content": prompt}]},
            "preferred_output": [{"role": "assistant", "content": preferred}],
            "non_preferred_output": [{"role": "assistant", "content": rejected}]}


def write(path, rows) -> str:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return str(path)


def test_a_dpo_pair_over_the_model_limit_is_found_and_counted(tmp_path):
    """The trial's file: a 100k-token preferred answer passed 'ftlint check --profile openai-dpo --model gpt-4o-mini'."""
    rows = [dpo(f"question {i}", "a good answer", "no") for i in range(11)] + [dpo("hi", HUGE, "no")]
    path = write(tmp_path / "dpo.jsonl", rows)
    proc = run_cli("check", path, "--profile", "openai-dpo", "--model", "gpt-4o-mini", small=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    longer = 3 + turns(("user", "hi"), ("assistant", HUGE))
    assert f"dpo.jsonl:12: FT300 [token-limit] pair's prompt with its longer answer has {longer:,} tokens" in proc.stdout
    assert "over the 65,536-token limit (model gpt-4o-mini)" in proc.stdout
    assert "12 preference pair(s): each counted as its prompt with the longer answer" in proc.stdout
    assert "billing tokens" in proc.stdout and "OpenAI does not document how a pair is billed" in proc.stdout

    together = run_cli("check", path, "--profile", "together", "--model", "openai/gpt-oss-20b", small=False)
    assert together.returncode == 1 and "dpo.jsonl:12: FT300" in together.stdout
    assert "billing tokens" not in together.stdout  # the OpenAI estimate is not Together's bill


def test_a_pair_is_judged_by_its_prompt_with_the_longer_answer_in_every_format(tmp_path):
    """Each answer fits 4,096 with the prompt, both together do not: no finding in any pair format
    (a TRL pair was judged by prompt + both answers); one answer over the limit is found in each."""
    fits = {
        "openai-dpo": dpo("q", LONG, LONG),
        "trl": {"prompt": "q", "chosen": LONG, "rejected": LONG},
        "trl-messages": {"prompt": [{"role": "user", "content": "q"}], "chosen": [{"role": "assistant", "content": LONG}],
                         "rejected": [{"role": "assistant", "content": LONG}]},
        "sharegpt": {"conversations": [{"from": "human", "value": "q"}], "chosen": {"from": "gpt", "value": LONG},
                     "rejected": {"from": "gpt", "value": LONG}},
    }
    fits["openai-dpo-parts"] = {"input": {"messages": [{"role": "user", "content": [{"type": "text", "text": "q"}]}]},
                                "preferred_output": [{"role": "assistant", "content": [{"type": "text", "text": LONG}]}],
                                "non_preferred_output": [{"role": "assistant", "content": LONG}]}
    profile = {"openai-dpo": "openai-dpo", "openai-dpo-parts": "openai-dpo", "trl": "trl", "trl-messages": "trl",
               "sharegpt": "llamafactory"}
    for name, row in fits.items():
        path = write(tmp_path / f"{name}.jsonl", [row])
        report, proc = cli_json(path, "--profile", profile[name], "--select", "FT300")
        assert report["findings"] == [], (name, report["findings"])
        tokens = report["files"][0]["tokens"]
        assert tokens["pairs"] == 1 and tokens["counted_on_view"] == 1, name
        assert 3000 < tokens["max"] < 4096, (name, tokens)
        over = json.loads(json.dumps(row).replace(LONG, LONG * 2, 1))  # the chosen/preferred answer only
        path = write(tmp_path / f"{name}-over.jsonl", [over])
        report, proc = cli_json(path, "--profile", profile[name], "--select", "FT300")
        assert [f["code"] for f in report["findings"]] == ["FT300"], (name, proc.stdout)
        assert "pair's prompt with its longer answer" in report["findings"][0]["message"]


def test_a_pair_statistics_and_billing_count_the_prompt_once_and_both_answers(tmp_path):
    prompt, chosen, rejected = "Summarise the report in one line.", "Sales rose 4% on strong demand in Asia.", "It is a report."
    path = write(tmp_path / "dpo.jsonl", [dpo(prompt, chosen, rejected)])
    report, _ = cli_json(path, "--profile", "openai-dpo", "--select", "FT300")
    tokens = report["files"][0]["tokens"]
    base = 3 + turns(("user", prompt))
    chosen_tokens, rejected_tokens = turns(("assistant", chosen)), turns(("assistant", rejected))
    assert chosen_tokens > rejected_tokens
    assert tokens["max"] == base + chosen_tokens  # the sequence the limit judges
    assert report["files"][0]["assistant_tokens"]["max"] == chosen_tokens
    assert tokens["billing_tokens_per_epoch"] == base + chosen_tokens + rejected_tokens


def test_a_pair_bills_each_side_cut_at_the_limit(tmp_path):
    path = write(tmp_path / "dpo.jsonl", [dpo("q", LONG * 2, "no")])
    report, _ = cli_json(path, "--profile", "openai-dpo", "--select", "FT300")
    tokens = report["files"][0]["tokens"]
    assert tokens["over_limit"] == 1
    assert tokens["billing_tokens_per_epoch"] == 4096 + turns(("assistant", "no"))


def test_pairs_that_fit_by_their_size_are_not_tokenized_by_ft300(tmp_path):
    """docs/performance.md: a line whose bytes prove it fits is never tokenized by FT300 (no statistics
    asked), nor is its view built for the view's bound: the line alone bounds an OpenAI DPO pair. The one
    pair whose line is over the limit is both bounded by its view and counted."""
    rows = [dpo(f"q{i}", "short answer", "no") for i in range(50)] + [dpo("q", "x " * 5000, "no")]
    path = write(tmp_path / "dpo.jsonl", rows)
    code = (
        "import sys, linter.rules.tokens as t\n"
        "calls = []\n"
        "real = t.view_count\n"
        "t.view_count = lambda *a: calls.append(1) or real(*a)\n"
        "bounds = []\n"
        "real_bound = t.view_upper_bound\n"
        "t.view_upper_bound = lambda *a: bounds.append(1) or real_bound(*a)\n"
        f"sys.argv = ['ftlint', 'check', {path!r}, '--profile', 'openai-dpo', '--select', 'FT300', '--no-token-stats']\n"
        "from linter.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('COUNTED', len(calls), 'VIEWED', len(bounds))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert "COUNTED 1 VIEWED 1" in out.stdout, out.stdout + out.stderr


def test_the_dpo_bound_without_the_view_is_never_below_the_count():
    """FT300 skips an OpenAI DPO row whose bound (read off the line, no view built) is within the limit: the
    bound must hold for odd rows too (no role, an unknown role, null content, non-object items, the
    spec's *_completion names), and decline what it cannot prove (content parts, tool calls, tools)."""
    from linter.registry import get_registry
    from linter.rows import Row
    from linter.rules.tokens import dpo_lists, dpo_upper_bound, view_count
    from linter.tokens import Tokenizer

    rows = [
        dpo("q", "a", "b"),
        {"input": {"messages": [{"content": "no role"}, {"role": "wizard", "content": "x"}, "text", None]},
         "preferred_output": [{"role": "assistant", "content": None}, 7], "non_preferred_output": [{"role": "assistant"}]},
        {"input": {"messages": [{"role": "user", "content": "q"}]}, "preferred_completion": [{"role": "assistant", "content": "a"}],
         "non_preferred_completion": [{"role": "assistant", "content": "bb"}]},
        {"input": {"messages": [{"role": "user", "content": "q"}]}, "preferred_output": "not a list", "non_preferred_output": []},
    ]
    declined = [
        {"input": {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u"}}]}]},
         "preferred_output": [{"role": "assistant", "content": "a"}], "non_preferred_output": [{"role": "assistant", "content": "b"}]},
        {"input": {"messages": [{"role": "user", "content": "q"}], "tools": {}},
         "preferred_output": [{"role": "assistant", "content": "a"}], "non_preferred_output": [{"role": "assistant", "content": "b"}]},
        {"input": {"messages": [{"role": "user", "content": "q"}]}, "non_preferred_output": [{"role": "assistant", "content": "b"}],
         "preferred_output": [{"role": "assistant", "function_call": {"name": "f", "arguments": {"a": 1, "b": 2}}}]},
    ]
    detector, tokenizer = get_registry().detector, Tokenizer("o200k_base")

    def row_of(value):
        line = json.dumps(value, separators=(",", ":")).encode()
        row = Row(1, 0, line, len(line))
        row.value, row.parsed = json.loads(line), True
        row.format, row.kind = detector.classify(row.value, "chat", "preference")
        assert row.format.name == "openai-dpo", value
        return row

    for value in rows:
        row = row_of(value)
        bound = dpo_upper_bound(row, dpo_lists(row))
        if value["preferred_output" if "preferred_output" in value else "preferred_completion"] == "not a list":
            assert bound is None
            continue
        assert bound is not None and bound >= view_count(tokenizer, row.view).total, value
    for value in declined:
        row = row_of(value)
        assert dpo_upper_bound(row, dpo_lists(row)) is None, value


def test_together_pairs_are_judged_by_the_models_dpo_context(tmp_path):
    """Together publishes a DPO context per model, half the SFT one or less (Kimi-K2: 65,536 SFT, 32,768 DPO):
    a pair of 34,013 tokens passed ftlint and failed on upload. SFT rows keep the SFT limit; --max-tokens
    replaces both; the statistics count the pair over the DPO limit and say which limit they used."""
    prompt = "word " * 34_000 + "end"
    pair = write(tmp_path / "dpo.jsonl", [dpo(prompt, "yes", "no")])
    sft = write(tmp_path / "sft.jsonl", [{"messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": "yes"}]}])
    kimi = ("--profile", "together", "--model", "moonshotai/Kimi-K2-Instruct")
    report, _ = cli_json(*kimi, pair, sft)
    over = [f for f in report["findings"] if f["code"] == "FT300"]
    assert [f["path"] for f in over] == [pair], over
    assert "34,013 tokens" in over[0]["message"] and "over the 32,768-token limit" in over[0]["message"]
    assert "preference (DPO) pairs; 65,536 for SFT" in over[0]["message"]
    pair_stats = next(f for f in report["files"] if f["path"] == pair)["tokens"]
    assert (pair_stats["limit"], pair_stats["pair_limit"], pair_stats["over_limit"]) == (65536, 32768, 1)
    assert "pair_limit" not in next(f for f in report["files"] if f["path"] == sft)["tokens"]
    text = run_cli("stats", *kimi, pair).stdout
    assert "limit 65,536 tokens (model moonshotai/Kimi-K2-Instruct; 32,768 for preference pairs): 1 example(s) over" in text
    chosen, _ = cli_json(*kimi, "--max-tokens", "40000", pair)
    assert not [f for f in chosen["findings"] if f["code"] == "FT300"]
    assert "pair_limit" not in chosen["files"][0]["tokens"]
