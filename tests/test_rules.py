"""Every rule, through the API and through the CLI, with failing and passing rows."""

from __future__ import annotations

import json
import jsonpatch

import pytest

from linter.registry import get_registry
from linter.rules.base import DatasetRule
from linter.testing import check_examples

from .conftest import GOOD, chat, cli_json, dump, lint_text

RULES = get_registry().rules
# rules that need a tokenizer (linter.trainer) run their examples in tests/test_trainer_rules.py
WITH_EXAMPLES = [code for code, rule in RULES.items() if rule.bad and rule.good and not rule.requires]


@pytest.mark.parametrize("code", WITH_EXAMPLES)
def test_documented_examples_through_the_harness(code):
    """The check plugin authors get (linter.testing.check_examples), held to ftlint's own rules."""
    check_examples(code)


def cli_group(code) -> tuple:
    """The rules whose examples share one CLI run with ``code``'s.

    Row rules judge each row alone, so the rules of one example profile run
    together, each example in its own file (one start of the CLI instead of
    one per rule); a dataset rule runs alone, as no other file may count.
    """
    rule = RULES[code]
    if issubclass(rule, DatasetRule):
        return (code,)
    return tuple(c for c in WITH_EXAMPLES if RULES[c].example_profile == rule.example_profile and not issubclass(RULES[c], DatasetRule))


@pytest.fixture(scope="module")
def examples_through_cli(tmp_path_factory):
    """``run(group)``: the real CLI over the group's bad and good example files, selecting only the group, once per group."""
    runs = {}

    def run(group):
        if group not in runs:
            folder = tmp_path_factory.mktemp("examples")
            files = []
            for code in group:
                for kind in ("bad", "good"):
                    files.append(folder / f"{code}-{kind}.jsonl")
                    files[-1].write_text(getattr(RULES[code], kind) + "\n", encoding="utf-8")
            example_profile = RULES[group[0]].example_profile
            profile = ["--profile", example_profile] if example_profile else []
            report, proc = cli_json("--select", ",".join(group), *profile, *files)
            by_file = {}
            for f in report["findings"]:
                by_file.setdefault(f["path"].rsplit("/", 1)[-1], []).append(f)
            runs[group] = (by_file, proc)
        return runs[group]

    return run


@pytest.mark.parametrize("code", WITH_EXAMPLES)
def test_documented_examples_through_cli(examples_through_cli, code):
    rule = RULES[code]
    group = cli_group(code)
    by_file, proc = examples_through_cli(group)
    flagged = [f for f in by_file.get(f"{code}-bad.jsonl", []) if f["code"] == code]
    assert flagged, f"{code} bad example does not trigger it"
    assert code not in [f["code"] for f in by_file.get(f"{code}-good.jsonl", [])]
    assert {f["severity"] for f in flagged} == {rule.severity.value}
    # the exit code: 1 when an error-severity finding remains (for a group, from any of its rules)
    expect_fail = any(f["severity"] == "error" for findings in by_file.values() for f in findings)
    assert proc.returncode == (1 if expect_fail else 0)
    if group == (code,):
        assert expect_fail == (rule.severity.value == "error")


def test_every_rule_has_examples_and_rationale():
    missing = [c for c, r in RULES.items() if not r.rationale()]
    assert not missing, f"rules without a rationale: {missing}"
    # rules that need a file-level trigger (encoding, size) document themselves in prose
    no_examples = {c for c, r in RULES.items() if not (r.bad and r.good)}
    # these need bytes a JSON example string cannot hold (encodings, huge lines or images): tested in test_reader/test_content
    # FT000 fires when a rule crashes and FT019 on a reader problem no rule claims: no valid row triggers
    # either (tested in test_engine), so a JSONL example would be a fake
    # FT314-FT316 need a trainer config (a TRL run, a LLaMA-Factory mapping): tested in test_trainer_rules/test_trainer_configs
    assert no_examples <= {"FT000", "FT002", "FT006", "FT007", "FT008", "FT009", "FT010", "FT011", "FT012", "FT013", "FT014", "FT015", "FT019", "FT802", "FT406",
                           "FT314", "FT315", "FT316"}


def find(findings, code):
    hits = [f for f in findings if f.code == code]
    assert hits, f"no {code} in {[(f.code, f.message) for f in findings]}"
    return hits


def test_locations_line_and_pointer():
    text = dump(
        [
            GOOD,
            {"messages": [{"role": "user", "content": "hi"}, {"role": "bot", "content": "yo"}]},
            GOOD,
            {"messages": [{"role": "user", "content": "hi"}, {"content": "x"}]},
        ]
    )
    findings = lint_text(text)
    (unknown,) = find(findings, "FT106")
    assert (unknown.line, unknown.pointer) == (2, "/messages/1/role")
    assert "'bot'" in unknown.message
    (missing,) = find(findings, "FT105")
    assert (missing.line, missing.pointer) == (4, "/messages/1/role")


def test_structure_rules_fire_once_each():
    rows = [
        {"conversation": []},
        {"messages": "[]"},
        {"messages": []},
        {"messages": ["hi", {"role": "assistant", "content": "x"}]},
        {"messages": [{"role": 7, "content": "x"}, {"role": "assistant", "content": "x"}]},
        {"messages": [{"role": "user"}, {"role": "assistant", "content": None}]},
        {"messages": [{"role": "user", "content": {"text": "x"}}, {"role": "assistant", "content": "x"}]},
        {"messages": [{"role": "user", "content": [{"text": "x"}, {"type": "video", "video": {}}, {"type": "text"}]}, {"role": "assistant", "content": "x"}]},
    ]
    findings = lint_text(dump(rows))
    assert [f.line for f in find(findings, "FT101")] == [1]
    assert [f.line for f in find(findings, "FT102")] == [2]
    assert [f.line for f in find(findings, "FT103")] == [3]
    assert [(f.line, f.pointer) for f in find(findings, "FT104")] == [(4, "/messages/0")]
    assert find(findings, "FT106")[0].message.startswith("role must be a string")
    assert [(f.line, f.pointer) for f in find(findings, "FT107")] == [(6, "/messages/0/content"), (6, "/messages/1/content")]
    ft108 = [(f.line, f.pointer) for f in find(findings, "FT108")]
    assert ft108 == [
        (7, "/messages/0/content"),
        (8, "/messages/0/content/0/type"),
        (8, "/messages/0/content/1/type"),
        (8, "/messages/0/content/2/text"),
    ]
    # a string ``messages`` is reported once, not again as missing roles or assistants
    assert not [f for f in findings if f.line == 2 and f.code != "FT102"]


def test_content_may_be_absent_when_a_tool_call_carries_the_turn():
    row = {
        "messages": [
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
            {"role": "assistant", "content": "Sunny."},
        ],
        "tools": [{"type": "function", "function": {"name": "w", "parameters": {"type": "object", "properties": {}}}}],
    }
    assert not [f for f in lint_text(dump([row])) if f.severity.value != "info"]


def test_weight_rules():
    rows = [
        chat(("user", "q"), ("assistant", "a")),
        {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": True}]},
        {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": 1.0}]},
        {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": 2}]},
        {"messages": [{"role": "system", "content": "s", "weight": 0}, {"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": 0}]},
    ]
    findings = lint_text(dump(rows))
    assert [f.line for f in find(findings, "FT113")] == [2, 3, 4]
    assert [(f.line, f.pointer) for f in find(findings, "FT114")] == [(5, "/messages/0/weight")]


def test_unknown_keys_top_level_and_message():
    row = {"messages": [{"role": "user", "content": "q", "ts": 1}, {"role": "assistant", "content": "a"}], "id": 3}
    findings = lint_text(dump([row]))
    assert [f.pointer for f in find(findings, "FT110")] == ["/id"]
    assert [f.pointer for f in find(findings, "FT111")] == ["/messages/0/ts"]
    # every documented key is known
    full = {
        "messages": [
            {"role": "system", "content": "s", "name": "policy"},
            {"role": "user", "content": "q", "name": "ann"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}], "weight": 1},
            {"role": "tool", "tool_call_id": "c", "content": "r"},
            {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}},
            {"role": "function", "name": "f", "content": "r"},
            {"role": "assistant", "content": None, "refusal": "I can't help with that."},
        ],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}],
        "parallel_tool_calls": False,
        "functions": [{"name": "f", "parameters": {"type": "object", "properties": {}}}],
    }
    assert not find_codes(lint_text(dump([full])), "FT110", "FT111", "FT107")


def find_codes(findings, *wanted):
    return [f for f in findings if f.code in wanted]


def test_missing_system_user_assistant():
    rows = [chat(("user", "q"), ("assistant", "a")), chat(("system", "s"), ("assistant", "a")), chat(("system", "s"), ("user", "q"))]
    findings = lint_text(dump(rows))
    assert [(f.line, f.severity.value) for f in find(findings, "FT115")] == [(1, "info")]
    assert [(f.line, f.severity.value) for f in find(findings, "FT116")] == [(2, "warning")]
    assert [(f.line, f.severity.value) for f in find(findings, "FT112")] == [(3, "error")]


def test_content_empty_and_whitespace():
    rows = [
        chat(("user", "q"), ("assistant", "  \n")),
        chat(("user", " padded"), ("assistant", "trailing\n")),
        {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]},
    ]
    findings = lint_text(dump(rows))
    assert [(f.line, f.pointer) for f in find(findings, "FT200")] == [(1, "/messages/1/content")]
    padding = find(findings, "FT201")
    assert [(f.line, f.pointer) for f in padding] == [(2, "/messages/0/content"), (2, "/messages/1/content")]
    assert "leading" in padding[0].message and "trailing" in padding[1].message
    fixed = jsonpatch.apply_patch(rows[1], list(padding[1].fix.edits))  # the fix is data: a JSON Patch
    assert fixed["messages"][1]["content"] == "trailing" and rows[1]["messages"][1]["content"] == "trailing\n"
    assert padding[1].fixable


def test_mixed_formats_and_unsupported_format():
    rows = [
        GOOD,
        {"prompt": "a ->", "completion": " b"},
        GOOD,
        {"input": {"messages": [{"role": "user", "content": "q"}]}, "preferred_output": [{"role": "assistant", "content": "a"}], "non_preferred_output": [{"role": "assistant", "content": "b"}]},
        {"prompt": "c ->", "completion": " d"},
    ]
    findings = lint_text(dump(rows))
    mixed = find(findings, "FT400")
    assert [f.line for f in mixed] == [2, 4]
    assert "2 row(s) in prompt/completion" in mixed[0].message
    # FT401 is one finding per refused format, at its first row, with its count
    unsupported = find(findings, "FT401")
    assert [f.line for f in unsupported] == [2, 4]
    assert "(rows in this file: 2;" in unsupported[0].message and "(rows in this file: 1;" in unsupported[1].message


def test_rft_rows_are_detected():
    row = {"messages": [{"role": "developer", "content": "Solve."}, {"role": "user", "content": "2+2?"}], "reference_answer": "4"}
    findings = lint_text(dump([GOOD, row]))
    assert "reinforcement" in find(findings, "FT400")[0].message


def test_token_limit_per_model_and_override():
    long_row = chat(("user", "word " * 5000), ("assistant", "ok"))
    assert [f.line for f in find(lint_text(dump([GOOD, long_row])), "FT300")] == [2]
    assert not find_codes(lint_text(dump([long_row]), model="gpt-4o-mini"), "FT300")
    huge = chat(("user", "word " * 40000), ("assistant", "ok"))
    (over,) = find(lint_text(dump([huge]), model="gpt-4.1-nano"), "FT300")
    assert "32,768-token limit (model gpt-4.1-nano)" in over.message
    assert not find_codes(lint_text(dump([huge]), model="gpt-4.1"), "FT300")
    assert find(lint_text(dump([GOOD]), max_tokens=10), "FT300")


def test_token_limit_needs_no_tokenizer_for_short_examples(monkeypatch):
    from linter import tokens

    def refuse(name):
        raise AssertionError("tokenizer loaded for a short example")

    monkeypatch.setattr(tokens, "load_encoding", refuse)
    monkeypatch.setattr(tokens, "load_vocabulary", refuse)  # nor its BPE file, for a subset encoder
    assert not find_codes(lint_text(dump([GOOD] * 50), token_stats=False), "FT300")


def test_cli_reports_line_and_exit_code(write_jsonl):
    path = write_jsonl([GOOD, {"messages": [{"role": "user", "content": "q"}]}])
    report, proc = cli_json(path)
    assert proc.returncode == 1
    (f,) = [f for f in report["findings"] if f["code"] == "FT112"]
    assert f["line"] == 2 and f["pointer"] == "/messages" and f["severity"] == "error" and f["name"] == "assistant-missing"
    clean = write_jsonl([GOOD], name="clean.jsonl")
    report, proc = cli_json(clean)
    assert proc.returncode == 0 and report["findings"] == []
    assert json.loads(json.dumps(report))["summary"]["errors"] == 0


def test_profiles_for_dpo_and_rft_accept_their_rows():
    rft = {"messages": [{"role": "developer", "content": "Solve."}, {"role": "user", "content": "2+2?"}], "reference_answer": "4"}
    assert not find_codes(lint_text(dump([rft]), profile="openai-rft"), "FT401", "FT110", "FT112")
    # OpenAI's documented RFT shape, ten distinct prompts: nothing above info
    documented = [{"messages": [{"role": "developer", "content": "Answer with the number only."}, {"role": "user", "content": f"What is {i} + {i}?"}],
                   "reference_answer": str(2 * i), "grader_notes": {"tolerance": 0}} for i in range(10)]
    assert [f for f in lint_text(dump(documented), profile="openai-rft", ignore=[]) if f.severity.value != "info"] == []
    plain_rft = {"messages": [{"role": "user", "content": "2+2?"}]}
    assert not find_codes(lint_text(dump([plain_rft]), profile="openai-rft"), "FT401", "FT112")
    # structure rules still apply to RFT prompts
    assert find(lint_text(dump([{"messages": [{"role": "bot", "content": "x"}], "a": 1}]), profile="openai-rft"), "FT106")
    dpo = {"input": {"messages": [{"role": "user", "content": "q"}]}, "preferred_output": [{"role": "assistant", "content": "a"}], "non_preferred_output": [{"role": "assistant", "content": "b"}]}
    assert not find_codes(lint_text(dump([dpo]), profile="openai-dpo"), "FT401")
    assert find(lint_text(dump([dpo])), "FT401")  # not under the default SFT profile


def test_price_table():
    from linter.prices import price_for

    assert price_for("ft:gpt-4o-mini-2024-07-18:acme::x").usd_per_million == 3.00
    assert price_for("gpt-4.1-nano-2025-04-14").usd_per_million == 1.50
    assert price_for("gpt-4.1-mini").cost(2_000_000) == 10.0
    assert price_for("gpt-4o-mini", {"gpt-4o-mini": 4.0}).cost(1_000_000) == 4.0
    assert price_for("o4-mini") is None
