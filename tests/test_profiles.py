"""Profiles as data: the formats, roles, order rules, keys and limits of each
target with their sources, checked through the real CLI on public-data rows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from linter.profiles import BUILTIN_PROFILES

from .conftest import cli_json, run_cli

DATA = Path(__file__).parent / "data" / "formats"


def test_profiles_verbose_shows_formats_rules_and_a_source_for_every_profile():
    out = run_cli("profiles", "--verbose").stdout
    for profile in BUILTIN_PROFILES:
        assert f"{profile.name}: " in out
        assert profile.sources, f"{profile.name} names no source"
        for what, where in profile.sources:
            assert f"  source: {what}: {where}" in out
    section = out.split("bedrock: ", 1)[1].split("\nmistral: ", 1)[0]
    assert "first turn user" in section and "user and assistant alternate" in section and "last turn assistant" in section
    assert "top-level keys: messages, schemaVersion, system" in section
    assert "llamafactory: " in out and "axolotl: " in out


def test_fix_with_unsafe_fixes_under_bedrock_keeps_the_system_prompt(tmp_path):
    path = tmp_path / "claude.jsonl"
    shutil.copy(DATA / "bedrock_claude_json_mode.jsonl", path)
    before = path.read_bytes()
    proc = run_cli("fix", "--isolated", "--unsafe-fixes", "--profile", "bedrock", path)
    assert proc.returncode in (0, 1), proc.stderr
    assert path.read_bytes() == before  # nothing to fix: the top-level system is Bedrock's own key
    assert all(json.loads(line)["system"] == "JSON Mode: Enabled" for line in path.read_text().splitlines())


def test_bedrock_rejects_an_openai_style_system_message_and_the_nova_sample_is_clean(write_jsonl):
    path = write_jsonl([{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"},
                                      {"role": "assistant", "content": "Hello!"}]}])
    report, _ = cli_json("--isolated", "--profile", "bedrock", "--ignore", "FT402", path)
    assert [(f["code"], f["pointer"]) for f in report["findings"] if f["code"] == "FT106"] == [("FT106", "/messages/0/role")]
    report, proc = cli_json("--isolated", "--profile", "bedrock", "--ignore", "FT402", DATA / "bedrock_nova_conversation.jsonl")
    assert report["findings"] == [] and proc.returncode == 0


def test_nova_problems_point_into_the_content_blocks(write_jsonl):
    path = write_jsonl([{"schemaVersion": "bedrock-conversation-2024", "system": "not a list",
                         "messages": [{"role": "user", "content": [{"txt": "hi"}]}, {"role": "assistant", "content": "Hello"}]}])
    report, _ = cli_json("--isolated", "--profile", "bedrock", "--ignore", "FT402", path)
    problems = {f["pointer"] for f in report["findings"] if f["code"] == "FT120"}
    assert problems == {"/system", "/messages/0/content/0", "/messages/1/content"}


def test_trl_takes_trl_types_but_not_llamafactory_kto_rows():
    report, _ = cli_json("--isolated", "--profile", "trl", DATA / "llamafactory_kto_en_demo.json")
    (refused,) = [f for f in report["findings"] if f["severity"] == "error"]  # one per file, with the count
    assert refused["code"] == "FT401" and "(rows in this file: 2;" in refused["message"]
    report, _ = cli_json("--isolated", "--profile", "llamafactory", DATA / "llamafactory_kto_en_demo.json")
    assert [f for f in report["findings"] if f["severity"] == "error"] == []


def test_llamafactory_drop_conditions_are_errors(write_jsonl):
    path = write_jsonl([
        {"conversations": [{"from": "gpt", "value": "Hello!"}, {"from": "human", "value": "hi"}]},  # starts with gpt, ends with human
        {"conversations": [{"from": "human", "value": "hi"}, {"from": "human", "value": "anyone?"}, {"from": "gpt", "value": "Yes."}]},
    ])
    report, _ = cli_json("--isolated", "--profile", "llamafactory", path)
    errors = {(f["line"], f["code"]) for f in report["findings"] if f["severity"] == "error"}
    assert {(1, "FT121"), (1, "FT117"), (2, "FT118")} <= errors


def test_axolotl_takes_sharegpt_alpaca_and_openai_messages():
    report, _ = cli_json("--isolated", "--profile", "axolotl", DATA / "llamafactory_alpaca_en_demo.json")
    assert not [f for f in report["findings"] if f["severity"] == "error"]
    report, _ = cli_json("--isolated", "--profile", "axolotl", DATA / "llamafactory_glaive_toolcall_en_demo.json")
    assert not [f for f in report["findings"] if f["code"] == "FT401"]
    # axolotl's default role map has no function_call/observation: they pass through unmapped
    unknown = {f["message"].split("'")[1] for f in report["findings"] if f["code"] == "FT106"}
    assert unknown == {"function_call", "observation"}


def test_sharegpt_rows_under_openai_sft_are_reported_not_silently_linted():
    report, proc = cli_json("--isolated", "--profile", "openai-sft", DATA / "llamafactory_alpaca_en_demo.json")
    assert proc.returncode == 1
    (refused,) = [f for f in report["findings"] if f["code"] == "FT401"]
    assert "(rows in this file: 5;" in refused["message"]


def test_profiles_doc_is_current():
    from linter.profiles import markdown

    committed = (Path(__file__).parent.parent / "docs" / "profiles.md").read_text()
    assert committed == markdown(BUILTIN_PROFILES), "regenerate docs/profiles.md with linter.profiles.markdown(BUILTIN_PROFILES)"


def test_trl_profile_says_an_empty_answer_list_of_a_pair_trains_nothing(tmp_path):
    """check --profile trl said nothing of "rejected": [] (TRL's DPO collator fails or trains garbage on it): FT601
    says it at the side, as it does of OpenAI DPO's empty output, and the row's complete twin passes."""
    prompt = [{"role": "user", "content": "Q?"}]
    rows = [{"prompt": prompt, "chosen": [{"role": "assistant", "content": "A."}], "rejected": []},
            {"prompt": prompt, "chosen": [{"role": "assistant", "content": "A."}], "rejected": [{"role": "assistant", "content": "B."}]}]
    source = tmp_path / "dpo.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    report, proc = cli_json(source, "--profile", "trl")
    found = [(f["line"], f["pointer"]) for f in report["findings"] if f["code"] == "FT601"]
    assert proc.returncode == 1 and found == [(1, "/rejected")], report["findings"]
