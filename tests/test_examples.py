"""Documented valid data lints clean; the bundled example shows its real mistakes."""

from __future__ import annotations

from linter import lint_file

from .conftest import ROOT, cli_json


def test_openai_documented_examples_lint_clean():
    """Chat, weight, tool calling, legacy function calling and image parts from OpenAI's docs."""
    # seven examples: fewer than OpenAI's minimum of 10, which FT402 would rightly report
    findings, result = lint_file(ROOT / "tests" / "data" / "openai_docs_examples.jsonl", ignore=["FT402"])
    problems = [(f.line, f.code, f.message) for f in findings if f.severity.value != "info"]
    assert problems == []
    # only advice remains: no system message (cookbook), and the legacy function-calling example is deprecated
    assert {f.code for f in findings} <= {"FT115", "FT510"}
    assert result.stats.examples == 7


def test_bundled_example_dataset_reports_its_mistakes():
    report, proc = cli_json(ROOT / "examples" / "train.jsonl")
    found = [(f["line"], f["code"]) for f in report["findings"]]
    assert found == [
        (9, "FT106"),  # 'human': did you mean 'user'? (so no FT116 restating a missing user)
        (10, "FT201"),
        (11, "FT112"),
        (12, "FT114"),
        (13, "FT001"),
        (14, "FT110"),
        (15, "FT200"),
    ]
    assert proc.returncode == 1


def test_rule_pages_are_current(tmp_path):
    """docs/rules/ is generated from the rules: regenerate with 'FTLINT_LOAD_PLUGINS= ftlint rule --docs-dir docs/rules'."""
    from .conftest import run_cli

    proc = run_cli("rule", "--docs-dir", tmp_path / "rules", env={"FTLINT_LOAD_PLUGINS": ""})
    assert proc.returncode == 0, proc.stderr
    generated = {p.name: p.read_text() for p in (tmp_path / "rules").iterdir()}
    committed = {p.name: p.read_text() for p in (ROOT / "docs" / "rules").iterdir()}
    assert generated == committed
    # every rule has a page with its rationale and fix safety
    from linter.registry import get_registry

    for code in get_registry().rules:
        if code.startswith("FT"):
            page = committed[f"{code}.md"]
            assert "### Why" in page and "### Fix safety" in page
