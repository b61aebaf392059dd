"""Legacy prompt/completion rows: prepare_data's checks and fixes."""

from __future__ import annotations

import json

from .conftest import dump, lint_text, run_cli


def rows(*pairs):
    return [{"prompt": p, "completion": c} for p, c in pairs]


def found(data, **options):
    return [(f.line, f.code) for f in lint_text(dump(data), profile="openai-legacy", **options) if f.code.startswith("FT9")]


def test_well_formed_legacy_data_is_clean():
    data = rows(*[(f"Review {i}: fine ->", " positive\n" if i % 2 else " negative\n") for i in range(12)])
    assert [f for f in lint_text(dump(data), profile="openai-legacy") if f.severity.value != "info"] == []


def test_row_checks():
    data = [{"Prompt": "a ->", "completion": " x\n"}, {"prompt": "b ->", "completion": ""}, {"prompt": "", "completion": " y\n"},
            {"prompt": "c -> d ->", "completion": " z\n", "id": 3}]
    per_row = ["FT900", "FT901", "FT902", "FT903", "FT905"]
    assert found(data, select=per_row) == [(1, "FT900"), (2, "FT902"), (3, "FT903"), (4, "FT901"), (4, "FT905")]


def test_prompts_ending_with_the_recommended_separator_pass_the_cli(tmp_path):
    """Newcomer trial: 30 correct rows ending with '\\n\\n###\\n\\n' gave 30 x FT905 for the '\\n\\n' inside that separator."""
    path = tmp_path / "legacy.jsonl"
    path.write_text(dump(rows(*[(f"Review {i}: Great value\n\n###\n\n", (" positive\n", " negative\n", " neutral\n")[i % 3]) for i in range(30)])))
    proc = run_cli("check", path, "--profile", "openai-legacy", "--format", "json")
    assert proc.returncode == 0 and [f["code"] for f in json.loads(proc.stdout)["findings"]] == ["FT912"]
    path.write_text(dump(rows(("Review 1: Great\n\n###\n\nReview 2: Bad\n\n###\n\n", " positive\n"), ("Review 3: Fine\n\n###\n\n", " neutral\n"))))
    proc = run_cli("check", path, "--profile", "openai-legacy", "--select", "FT905", "--format", "json")
    assert [(f["line"], f["code"], f["message"]) for f in json.loads(proc.stdout)["findings"]] == [
        (1, "FT905", "the separator '\\n\\n###\\n\\n' also appears inside the prompt")]


def test_whole_file_checks():
    data = rows(("first", "yes"), ("second", "no\nmore"), ("third", "no"))
    assert sorted(code for _, code in found(data)) == ["FT904", "FT906", "FT908"]
    upper = rows(*[("q%d ->" % i, " POSITIVE\n") for i in range(3)])
    assert (1, "FT910") in found(upper) and (1, "FT911") in found(upper)
    stops = rows(("a ->", " one\ntwo\n"), ("b ->", " three\n"))
    assert found(stops) == [(1, "FT907")]


def test_fixes_rename_keys_and_with_unsafe_add_separator_stop_and_space(tmp_path):
    path = tmp_path / "legacy.jsonl"
    path.write_text(dump([{"Prompt": "Great service!", "completion": "yes"}, {"prompt": "Slow delivery.", "completion": "no"}]))
    run_cli("fix", path, "--profile", "openai-legacy")
    first = json.loads(path.read_text().splitlines()[0])
    assert list(first) == ["prompt", "completion"] and first["prompt"] == "Great service!"  # safe rename only
    run_cli("fix", path, "--profile", "openai-legacy", "--unsafe-fixes")
    fixed = [json.loads(line) for line in path.read_text().splitlines()]
    assert fixed == [{"prompt": "Great service!\n\n###\n\n", "completion": " yes\n"}, {"prompt": "Slow delivery.\n\n###\n\n", "completion": " no\n"}]
    again = run_cli("fix", path, "--profile", "openai-legacy", "--unsafe-fixes")
    assert "Fixed" not in again.stderr


def test_trl_and_axolotl_prompt_completion_rows_are_not_rewritten_with_openai_conventions(tmp_path):
    """Newcomer trial: 'fix --profile trl --unsafe-fixes' appended '\\n\\n###\\n\\n' to every prompt and ' ' / '\\n'
    to every completion of TRL's standard prompt-completion rows, advice for OpenAI's legacy base models only."""
    rows = [{"prompt": f"Translate to French: {en}", "completion": fr} for en, fr in (("cat", "chat"), ("dog", "chien"), ("bird", "oiseau"))]
    path = tmp_path / "train.jsonl"
    path.write_text(dump(rows))
    before = path.read_bytes()
    for profile in ("trl", "axolotl", "together"):
        proc = run_cli("check", path, "--profile", profile, "--format", "json")
        assert proc.returncode == 0, (profile, proc.stdout)
        fixed = run_cli("fix", path, "--profile", profile, "--unsafe-fixes")
        assert fixed.returncode == 0 and path.read_bytes() == before, profile
    proc = run_cli("check", path, "--profile", "openai-legacy", "--format", "json")
    assert {f["code"] for f in json.loads(proc.stdout)["findings"]} >= {"FT904", "FT906", "FT908"}


def test_a_rule_named_in_the_selection_but_idle_in_the_run_is_said(tmp_path):
    """Review: '--select FT904 --profile trl' printed 'All checks passed.' with no word that FT904 never ran."""
    path = tmp_path / "train.jsonl"
    path.write_text(dump([{"prompt": "Translate: cat", "completion": "chat"}] * 3))
    proc = run_cli("check", path, "--profile", "trl", "--select", "FT904,token-limit,FT310")
    assert proc.returncode == 0
    warned = [line for line in proc.stderr.splitlines() if "is selected but idle in this run" in line]
    assert [line.split()[2] for line in warned] == ["FT310", "FT904"]  # FT300 runs: no warning
    assert "openai-legacy" in warned[1] and "--tokenizer" in warned[0]
    quiet = run_cli("check", path, "--profile", "trl", "--select", "FT9")  # by prefix: expected, not a surprise
    assert "idle" not in quiet.stderr
