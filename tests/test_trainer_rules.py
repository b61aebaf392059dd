"""FT31x: each rule's documented examples, run with a real tokenizer (they are silent without one)."""

from __future__ import annotations

import pytest

from linter.registry import get_registry
from linter.trainer.testing import PLAIN_TEMPLATE, build_tokenizer_folder

from .conftest import lint_text

LIMIT = 64
TRAINER_RULES = {code: rule for code, rule in get_registry().rules.items() if "trainer" in rule.requires}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return str(build_tokenizer_folder(tmp_path_factory.mktemp("tok") / "model"))


def test_the_trainer_rules_are_registered():
    assert sorted(TRAINER_RULES) == ["FT310", "FT311", "FT312", "FT313", "FT314", "FT315", "FT316"]


@pytest.mark.parametrize("code", [c for c, r in TRAINER_RULES.items() if r.bad and r.good])
def test_documented_examples_with_a_tokenizer(folder, code):
    rule = TRAINER_RULES[code]
    bad = lint_text(rule.bad + "\n", select=[code], tokenizer=folder, max_seq_length=LIMIT)
    assert [f.code for f in bad] == [code], f"{code} bad example: {[(f.code, f.message) for f in bad]}"
    good = lint_text(rule.good + "\n", select=[code], tokenizer=folder, max_seq_length=LIMIT)
    assert good == []


@pytest.mark.parametrize("code", sorted(TRAINER_RULES))
def test_silent_without_a_tokenizer(code):
    rule = TRAINER_RULES[code]
    assert lint_text((rule.bad or '{"messages": []}') + "\n", select=[code]) == []


def test_over_length_says_how_many_trained_tokens_are_lost(folder):
    [finding] = lint_text(TRAINER_RULES["FT311"].bad + "\n", select=["FT311"], tokenizer=folder, max_seq_length=LIMIT)
    assert "truncation cuts" in finding.message and f"max-seq-length {LIMIT}" in finding.message


def test_no_generation_blocks_with_assistant_only_loss(tmp_path):
    """FT314 fires once per file when a TRL config asks for assistant-only loss; axolotl finds the
    assistant's turns without generation blocks, so its configs never get it (newcomer trial: 'TRL
    refuses it' in an axolotl run)."""
    plain = build_tokenizer_folder(tmp_path / "plain", chat_template=PLAIN_TEMPLATE)
    data = tmp_path / "d.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}\n' * 3)
    trl = tmp_path / "trl.yml"
    trl.write_text(f"model_name_or_path: {plain}\nmax_length: 128\nassistant_only_loss: true\n")
    findings = lint_text(data.read_text(), select=["FT314"], trainer_config=str(trl))
    assert [(f.code, f.line) for f in findings] == [("FT314", 1)] and "TRL refuses it" in findings[0].message
    off = tmp_path / "trl_off.yml"  # views are cached per config path
    off.write_text(trl.read_text().replace("assistant_only_loss: true", "assistant_only_loss: false"))
    assert lint_text(data.read_text(), select=["FT314"], trainer_config=str(off)) == []
    axolotl = tmp_path / "axolotl.yml"
    axolotl.write_text(f"base_model: {plain}\nsequence_len: 128\ntrain_on_inputs: false\ndatasets:\n  - path: {data}\n    type: chat_template\n")
    assert lint_text(data.read_text(), select=["FT314"], trainer_config=str(axolotl)) == []


def test_no_trained_tokens_does_not_restate_a_missing_assistant(folder):
    """Newcomer trial: a row without an assistant message got FT112 and FT313 for one cause."""
    no_assistant = TRAINER_RULES["FT313"].bad + "\n"
    both = lint_text(no_assistant, select=["FT112", "FT313"], tokenizer=folder, max_seq_length=LIMIT)
    assert [f.code for f in both] == ["FT112"]
    assert [f.code for f in lint_text(no_assistant, select=["FT313"], tokenizer=folder, max_seq_length=LIMIT)] == ["FT313"]
