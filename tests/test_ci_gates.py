"""CI gates: baselines that survive line shifts, and the Markdown step summary."""

from __future__ import annotations

import json

from .conftest import GOOD, chat, dump, run_cli

BAD = chat(("user", "no reply"))
OTHERS = [chat(("system", "s"), ("user", f"question {i}"), ("assistant", f"answer {i}")) for i in range(3)]
ALSO_BAD = chat(("user", "still no reply"))


def test_baseline_hides_known_findings_across_line_shifts(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text(dump([GOOD, BAD]))
    baseline = tmp_path / "ftlint-baseline.json"
    proc = run_cli("check", data, "--write-baseline", baseline)
    assert proc.returncode == 0 and "wrote a baseline of" in proc.stderr
    # rows inserted above: the known finding moves from line 2 to 4 and stays hidden
    data.write_text(dump([GOOD, *OTHERS[:2], BAD]))
    proc = run_cli("check", data, "--baseline", baseline, "--format", "json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["findings"] == []
    assert "hidden by the baseline" in proc.stderr
    # a new problem fails; a second copy of a known-bad row is new too
    data.write_text(dump([GOOD, BAD, ALSO_BAD, OTHERS[2], BAD]))
    proc = run_cli("check", data, "--baseline", baseline, "--format", "json")
    found = [(f["line"], f["code"]) for f in json.loads(proc.stdout)["findings"] if f["severity"] == "error"]
    assert proc.returncode == 1 and found == [(3, "FT112"), (5, "FT112")]


def test_baseline_from_another_folder_and_bad_files(tmp_path):
    (tmp_path / "data").mkdir()
    data = tmp_path / "data" / "train.jsonl"
    data.write_text(dump([BAD]))
    run_cli("check", "data/train.jsonl", "--write-baseline", "baseline.json", cwd=tmp_path)
    proc = run_cli("check", "train.jsonl", "--baseline", "../baseline.json", cwd=tmp_path / "data")
    assert proc.returncode == 0, proc.stdout
    missing = run_cli("check", data, "--baseline", tmp_path / "nope.json")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    (tmp_path / "junk.json").write_text("[1, 2]")
    junk = run_cli("check", data, "--baseline", tmp_path / "junk.json")
    assert junk.returncode == 2 and "not an ftlint baseline" in junk.stderr


def test_markdown_step_summary_is_appended_and_escaped(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text(dump([GOOD, chat(("user", "q"), ("b|o`t<script>", "x"))]))
    summary = tmp_path / "summary.md"
    summary.write_text("previous step\n")
    proc = run_cli("check", data, "--summary", summary)
    text = summary.read_text()
    assert proc.returncode == 1 and text.startswith("previous step\n## ftlint: ❌ errors found")
    assert "| FT106 | role-unknown | error | 1 | 0 | 0 |" in text
    # fixes counted as the text footer counts them (newcomer trial: an unsafe fix was shown as fixable)
    data.write_text(dump([GOOD, GOOD]) + "{broken\n")
    summary.write_text("")
    run_cli("check", data, "--summary", summary)
    assert "| FT001 | invalid-json | error | 1 | 0 | 1 |" in summary.read_text()
    assert "<script>" not in text and "&lt;script&gt;" in text and "b\\|o\\`t" in text
    assert "train.jsonl | 2 |" in text  # the per-file row: 2 examples
