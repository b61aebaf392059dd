"""Regressions from the independent review of this round: secrets that still leaked
through a private key's body, convert's reject reasons and FT310's quote of a
template error, and a plugin fix callable that raised and aborted the whole fix."""

from __future__ import annotations

import json

from linter.findings import Applicability, Fix
from linter.patching import apply_fixes
from linter.text import show

from .conftest import run_cli

KEY_BODY = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0"
PRIVATE_KEY = f"-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\n-----END RSA PRIVATE KEY-----"
OPENAI_KEY = "sk-proj-" + "Q7" * 20


def test_a_private_key_is_redacted_whole_not_only_its_header():
    shown = show(f"role {PRIVATE_KEY} after", 400, quoted=False)
    assert "[redacted secret]" in shown and "MIIE" not in shown and shown.endswith("after")
    # a key cut off before its END line is redacted to the end of the text
    assert "MIIE" not in show(f"-----BEGIN PRIVATE KEY-----\n{KEY_BODY}", 400)


def test_a_private_key_in_a_role_is_not_echoed_by_check(tmp_path):
    path = tmp_path / "pk.jsonl"
    path.write_text(json.dumps({"messages": [{"role": PRIVATE_KEY, "content": "hi"}, {"role": "assistant", "content": "yo"}]}) + "\n")
    proc = run_cli("check", path)
    assert "FT106" in proc.stdout and "MIIE" not in proc.stdout + proc.stderr


def test_convert_reject_reasons_do_not_echo_a_secret(tmp_path):
    source = tmp_path / "sec.jsonl"
    source.write_text(json.dumps({"conversations": [{"from": OPENAI_KEY, "value": "hi"}, {"from": "gpt", "value": "yo"}]}) + "\n")
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "chat")
    rejects = tmp_path / "out.jsonl.rejects.jsonl"
    assert rejects.exists(), proc.stderr
    reason = json.loads(rejects.read_text())["reason"]
    assert "[redacted secret]" in reason
    assert OPENAI_KEY not in proc.stdout + proc.stderr + reason


def test_a_fix_callable_that_raises_is_skipped_and_the_others_apply():
    def boom(value):
        raise KeyError("no such key")

    def mark(value):
        return {**value, "fixed": True}

    failing = Fix("explodes", Applicability.SAFE, apply=boom)
    working = Fix("works", Applicability.SAFE, apply=mark)
    value, applied = apply_fixes({"a": 1}, [failing, working])
    assert value == {"a": 1, "fixed": True} and applied == [working]


def test_unsafe_fix_never_empties_rows_that_are_not_examples(tmp_path):
    """A log file named .jsonl: removing its 'unknown' keys left '{}' on every line (newcomer trial)."""
    path = tmp_path / "app.log.jsonl"
    original = "".join(json.dumps({"level": "info", "msg": f"started {i}  "}) + "\n" for i in range(12))
    path.write_text(original)
    proc = run_cli("fix", "--unsafe-fixes", path)
    assert proc.returncode in (0, 1), proc.stderr
    assert "{}" not in path.read_text() and path.read_text() == original


def test_convert_refuses_to_write_over_its_input(tmp_path):
    source = tmp_path / "sharegpt.jsonl"
    text = json.dumps({"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}) + "\n"
    source.write_text(text)
    proc = run_cli("convert", source, "-o", source, "--to", "chat")
    assert proc.returncode == 2 and "same file" in proc.stderr and "Traceback" not in proc.stderr
    assert source.read_text() == text


def test_the_crlf_fix_applies_on_every_run(tmp_path):
    """FT009's file-wide fix was skipped on most runs when the last row had findings: the fixer told
    row findings from dataset-level ones by id(), and a freed row finding's id was reused."""
    row = '{"messages": [{"role": "user", "content": "dup"}, {"role": "assistant", "content": "dup"}], "extra": 1}'
    first = '{"messages": [{"role": "user", "content": "Hi there"}, {"role": "assistant", "content": "Hello!"}]}'
    data = (first + "\r\n" + row + "\n" + row + "\n").encode()
    for attempt in range(6):
        path = tmp_path / f"b{attempt}.jsonl"
        path.write_bytes(data)
        proc = run_cli("fix", path)
        assert proc.returncode in (0, 1), proc.stderr
        assert b"\r" not in path.read_bytes(), f"run {attempt}: {proc.stderr}"


def test_a_misspelt_model_is_an_error_not_another_models_snapshot(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}) + "\n")
    typo = run_cli("check", "--model", "gpt-4o-minii", path)
    assert typo.returncode == 2 and "did you mean 'gpt-4o-mini'" in typo.stderr
    assert run_cli("check", "--model", "gpt-4o-2024-08-06", path).returncode in (0, 1)  # a dated snapshot still resolves


def test_the_html_report_counts_roles_in_every_format(tmp_path):
    """The role chart read OpenAI messages only: a ShareGPT file showed 'nothing counted'."""
    path = tmp_path / "sharegpt.jsonl"
    path.write_text("".join(json.dumps({"conversations": [{"from": "human", "value": f"q{i}"}, {"from": "gpt", "value": f"a{i}"}]}) + "\n"
                            for i in range(3)))
    report = tmp_path / "report.html"
    proc = run_cli("stats", path, "--html", report)
    assert proc.returncode == 0, proc.stderr
    html = report.read_text()
    assert "<title>human: 3</title>" in html and "<title>gpt: 3</title>" in html


def test_a_misspelt_option_value_is_a_config_error(tmp_path):
    """strategy = "truncat" was accepted and the unsafe fix then dropped rows instead of truncating them."""
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint.options.token-limit]\nstrategy = "truncat"\n')
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}) + "\n")
    proc = run_cli("check", path, cwd=tmp_path)
    assert proc.returncode == 2 and "did you mean 'truncate'" in proc.stderr and "Traceback" not in proc.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint.options.token-limit]\nstrategy = "truncate"\n')
    assert run_cli("check", path, cwd=tmp_path).returncode in (0, 1)
