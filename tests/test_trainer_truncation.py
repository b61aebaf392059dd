"""LLaMA-Factory's per-turn truncation (linter.trainer.truncation), against hand-computed
figures, a token-by-token simulation of its supervised processor, and the real CLI."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter.trainer.testing import build_tokenizer_folder
from linter.trainer.truncation import infer_seqlen, llamafactory_kept, llamafactory_trained, turn_pairs

from .conftest import run_cli


def documented_infer_seqlen(source, target, budget):
    """The rule as docs/trainer.md states it, written independently of the module."""
    if target * 2 < budget:  # a short answer is kept whole; the prompt gets what is left
        new_target = target
    elif source * 2 < budget:  # a short prompt is kept whole; the answer gets what is left
        new_target = min(target, budget - source)
    else:  # both long: shared in proportion (float, then int(), as LLaMA-Factory computes it)
        new_target = min(target, int(budget * (target / (source + target))))
    return min(source, max(0, budget - new_target)), new_target


def simulate(pairs, cutoff, mask_history=False):
    """LLaMA-Factory's supervised loop on labelled tokens: 'T' trained, 'U' untrained target, 'S' source.
    Returns (input tokens kept, trained tokens kept)."""
    encoded = [(["S"] * s, ["T"] * trained + ["U"] * (t - trained)) for s, t, trained in pairs]
    if mask_history:
        encoded = encoded[::-1]
    input_ids, labels, total = [], [], 0
    for turn, (source_ids, target_ids) in enumerate(encoded):
        if total >= cutoff:
            break
        s, t = documented_infer_seqlen(len(source_ids), len(target_ids), cutoff - total)
        source_ids, target_ids = source_ids[:s], target_ids[:t]
        total += s + t
        target_labels = ["-"] * t if mask_history and turn != 0 else target_ids
        if mask_history:
            input_ids, labels = source_ids + target_ids + input_ids, ["-"] * s + target_labels + labels
        else:
            input_ids, labels = input_ids + source_ids + target_ids, labels + ["-"] * s + target_labels
    return len(input_ids), labels.count("T")


def layout(pairs):
    """The rendered example's trained ranges and length for (source, target, trained) pairs."""
    ranges, position = [], 0
    for s, t, trained in pairs:
        ranges.append((position + s, position + s + trained))
        position += s + t
    return ranges, position


def test_infer_seqlen_by_hand():
    assert infer_seqlen(300, 20, 256) == (236, 20)  # short answer: kept whole, the prompt's start fills the rest
    assert infer_seqlen(30, 400, 106) == (30, 76)  # short prompt: kept whole, the answer gets the rest
    assert infer_seqlen(200, 300, 256) == (103, 153)  # both long: int(256 * 300 / 500) = 153
    assert infer_seqlen(10, 5, 100) == (10, 5)  # fits: nothing cut


def test_a_long_prompt_keeps_its_short_answer_where_right_truncation_loses_it():
    # (prompt, answer, trained) = (300, 20, 20) then (10, 40, 40), cutoff 256:
    # turn 1 keeps 236 + 20 = 256 tokens, the budget is spent, turn 2 is dropped
    pairs = [(300, 20, 20), (10, 40, 40)]
    assert llamafactory_kept(pairs, 256) == [(236, 20), (0, 0)]
    ranges, total = layout(pairs)
    assert llamafactory_trained(ranges, total, 256) == (60, 20)
    # right truncation (the first 256 tokens) would keep no answer token at all: FT312's false positive
    assert sum(max(0, min(b, 256) - a) for a, b in ranges) == 0
    # mask_history: last turn first (50 of budget 256 fit whole), then turn 1 cut to the remaining 206
    assert llamafactory_kept(pairs, 256, mask_history=True) == [(186, 20), (10, 40)]
    assert llamafactory_trained(ranges, total, 256, mask_history=True) == (40, 40)


def test_turn_pairs_split_at_the_trained_ranges():
    # a template's closing tokens after the last answer belong to that answer, untrained
    assert turn_pairs([(5, 9), (12, 20)], 23) == [(5, 4, 4), (3, 11, 8)]
    assert turn_pairs([], 17) == []


pair = st.tuples(st.integers(0, 400), st.integers(1, 400))


@settings(max_examples=600, deadline=None)
@given(st.lists(pair, min_size=1, max_size=6), st.integers(0, 40), st.integers(1, 1500), st.booleans())
def test_matches_a_simulation_of_the_supervised_processor(lengths, tail, cutoff, mask_history):
    pairs = [(s, t, t) for s, t in lengths]
    last_s, last_t, _ = pairs[-1]
    pairs[-1] = (last_s, last_t + tail, last_t)  # a template's closing tokens after the last answer
    ranges, total = layout(pairs)
    kept_tokens, kept_trained = simulate(pairs, cutoff, mask_history)
    assert kept_tokens == min(total, cutoff)  # the per-turn cut keeps as many tokens as right truncation
    trained, kept = llamafactory_trained(ranges, total, cutoff, mask_history)
    assert kept == kept_trained
    assert trained == (pairs[-1][2] if mask_history else sum(p[2] for p in pairs))
    for (s, t, _), (ks, kt) in zip(pairs, llamafactory_kept(pairs, cutoff, mask_history)):
        assert 0 <= ks <= s and 0 <= kt <= t


def test_infer_seqlen_matches_the_documented_rule_exhaustively():
    for budget in (1, 2, 3, 7, 64, 101):
        for source in range(0, 2 * budget + 3):
            for target in range(0, 2 * budget + 3):
                if source + target:
                    assert infer_seqlen(source, target, budget) == documented_infer_seqlen(source, target, budget)


# -- the real CLI: a LLaMA-Factory config against TRL's right truncation on the same rows -------------

LONG_PROMPT = {"conversations": [{"from": "human", "value": "The quick brown fox jumps over the lazy dog. " * 12},
                                 {"from": "gpt", "value": "Paris."}]}
TWO_TURNS = {"conversations": [{"from": "human", "value": "What is the capital of France? " * 6},
                               {"from": "gpt", "value": "Paris is the capital of France. " * 3},
                               {"from": "human", "value": "Hello! How can I help you today? " * 4},
                               {"from": "gpt", "value": "Fine-tuning data must fit the maximum sequence length. " * 3}]}
SHORT = {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello!"}]}
ROWS = [LONG_PROMPT, TWO_TURNS, SHORT]


@pytest.fixture
def project(tmp_path):
    folder = build_tokenizer_folder(tmp_path / "models" / "tiny")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "chat.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    (tmp_path / "data" / "dataset_info.json").write_text(json.dumps(
        {"chat": {"file_name": "chat.jsonl", "formatting": "sharegpt"}}), encoding="utf-8")
    return tmp_path, folder


def reference(folder, cutoff, mask_history=False):
    """transformers' assistant mask, cut by the simulation above: (trained kept per row, FT312 rows)."""
    transformers = pytest.importorskip("transformers")
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder))
    kept_rows = []
    for row in ROWS:
        messages = [{"role": {"human": "user", "gpt": "assistant"}[t["from"]], "content": t["value"]} for t in row["conversations"]]
        mask = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)["assistant_masks"]
        kept_rows.append((len(mask), simulate(pairs_from_mask(mask), cutoff, mask_history)[1]))
    return kept_rows


def pairs_from_mask(mask):
    """(source, target, trained) per answer of an assistant mask: a target starts at its run of
    trained tokens, its source is everything since the previous target; the tail joins the last target."""
    runs, start = [], None
    for i, bit in enumerate(list(mask) + [0]):
        if bit and start is None:
            start = i
        elif not bit and start is not None:
            runs.append((start, i))
            start = None
    pairs, previous = [], 0
    for a, b in runs:
        pairs.append([a - previous, b - a, b - a])
        previous = b
    if pairs:
        pairs[-1][1] += len(mask) - previous
    return [tuple(p) for p in pairs]


def lint(root, *args):
    proc = run_cli("check", "--output-format", "json", "--select", "FT31", *args, cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    return sorted((f["line"], f["code"]) for f in json.loads(proc.stdout)["findings"])


@pytest.mark.parametrize("mask_history", [False, True])
def test_llamafactory_config_truncates_per_turn(project, mask_history):
    root, folder = project
    cutoff = 48
    (root / "lf.yaml").write_text(f"model_name_or_path: {folder}\nstage: sft\ndataset: chat\ndataset_dir: data\n"
                                  f"cutoff_len: {cutoff}\nmask_history: {str(mask_history).lower()}\n", encoding="utf-8")
    want = reference(folder, cutoff, mask_history)
    assert want[0][0] > cutoff and want[0][1] > 0  # the long prompt's answer survives LLaMA-Factory's cut
    found = lint(root, "--trainer-config", "lf.yaml")
    assert (1, "FT312") not in found and (1, "FT311") in found
    stats = json.loads(run_cli("stats", "--output-format", "json", "--trainer-config", "lf.yaml", "data/chat.jsonl", cwd=root).stdout)[0]
    assert stats["trainer"]["truncation"] == "llamafactory"
    assert stats["trainer"]["trained_tokens_per_epoch"] == sum(kept for _, kept in want)
    assert stats["trainer"]["max_seq_length_from"] == "cutoff_len in lf.yaml"
    text = run_cli("stats", "--trainer-config", "lf.yaml", "data/chat.jsonl", cwd=root).stdout
    assert f"max-seq-length {cutoff}, LLaMA-Factory's per-turn truncation;" in text and f"limit {cutoff} tokens (cutoff_len in lf.yaml)" in text
    # the same rows under TRL's right truncation at the same length: the long prompt's answer is cut away
    trl = lint(root, "--tokenizer", str(folder), "--max-seq-length", str(cutoff), "data/chat.jsonl")
    assert (1, "FT312") in trl


def test_packing_takes_one_token_off_the_cutoff(project):
    root, folder = project
    (root / "lf.yaml").write_text(f"model_name_or_path: {folder}\ndataset: chat\ndataset_dir: data\ncutoff_len: 48\npacking: true\n",
                                  encoding="utf-8")
    stats = json.loads(run_cli("stats", "--output-format", "json", "--trainer-config", "lf.yaml", "data/chat.jsonl", cwd=root).stdout)[0]
    assert stats["trainer"]["max_seq_length"] == 47 and "packing" in stats["trainer"]["max_seq_length_from"]
