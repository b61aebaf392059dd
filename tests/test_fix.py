"""Autofix: atomic, byte-preserving, idempotent, and never loses a row."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter.engine import Linter
from linter.fix import Fixer

from .conftest import GOOD, run_cli

GOOD_LINE = json.dumps(GOOD).encode()
PADDED = json.dumps({"messages": [{"role": "user", "content": " q"}, {"role": "assistant", "content": "a\n"}]}).encode()
COMPACT_PADDED = b'{"messages":[{"role":"user","content":"q "},{"role":"assistant","content":"a"}]}'
BROKEN = b'{"messages": [,]}'


def test_fix_in_place_keeps_untouched_lines_byte_for_byte(tmp_path):
    path = tmp_path / "train.jsonl"
    odd_but_valid = b'{ "messages" :[ {"role":"user","content":"q"} , {"role":"assistant","content":"\\u00e9"}]}'
    path.write_bytes(b"\xef\xbb\xbf" + GOOD_LINE + b"\n\n" + PADDED + b"\n" + odd_but_valid + b"\n" + COMPACT_PADDED + b"\n" + BROKEN + b"\n")
    proc = run_cli("fix", path)
    assert "Fixed 5 problem(s)" in proc.stderr and "FT008 ×1" in proc.stderr and "FT010 ×1" in proc.stderr
    lines = path.read_bytes().split(b"\n")
    assert lines[0] == GOOD_LINE  # BOM gone, line untouched
    assert lines[1] == json.dumps({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}).encode()
    assert lines[2] == odd_but_valid  # untouched, odd spacing and escapes kept
    assert lines[3] == b'{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}'
    assert lines[4] == BROKEN  # never rewritten: a line that does not parse is not fixed
    assert lines[5] == b""
    # the invalid line still fails the run
    assert proc.returncode == 1 and ":5: FT001" in proc.stdout
    before = path.read_bytes()
    again = run_cli("fix", path)
    assert path.read_bytes() == before and "Fixed" not in again.stderr


def test_crlf_is_converted_everywhere_and_once(tmp_path):
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(GOOD_LINE + b"\r\n" + PADDED + b"\r\n" + GOOD_LINE)
    proc = run_cli("check", "--fix", path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert b"\r" not in path.read_bytes()
    assert path.read_bytes().endswith(GOOD_LINE)  # no newline invented at the end


def test_diff_writes_nothing_and_output_writes_elsewhere(tmp_path):
    path = tmp_path / "train.jsonl"
    original = GOOD_LINE + b"\n" + PADDED + b"\n"
    path.write_bytes(original)
    proc = run_cli("check", "--diff", path)
    assert proc.returncode == 1 and path.read_bytes() == original
    assert proc.stdout.startswith(f"--- a/{path}") and '-{"messages": [{"role": "user", "content": " q"}' in proc.stdout
    out = tmp_path / "fixed.jsonl"
    run_cli("fix", path, "-o", out)
    assert path.read_bytes() == original and b" q" not in out.read_bytes()
    clean = run_cli("check", "--diff", out)
    assert clean.returncode == 0 and clean.stdout == ""


def test_an_output_named_as_another_format_is_refused_before_anything_is_written(tmp_path):
    """Clean-clone trial: ``fix -o out.json`` wrote JSON Lines and read it back, pass after pass, as a JSON array
    (by its name): the rows were cut apart and moved to the rejects file a character at a time."""
    path = tmp_path / "train.jsonl"
    original = PADDED + b"\n" + GOOD_LINE + b"\n"
    path.write_bytes(original)
    for name in ("out.json", "out.csv", "out.parquet"):
        for command in (("fix", "--unsafe-fixes"), ("check", "--fix")):
            proc = run_cli(*command, path, "-o", tmp_path / name)
            assert proc.returncode == 2, proc.stderr
            assert f"{name}: fix writes JSON Lines; name the output .jsonl" in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"] and path.read_bytes() == original
    fixed = tmp_path / "out.ndjson"
    assert run_cli("fix", path, "-o", fixed).returncode == 0 and b" q" not in fixed.read_bytes()


def test_check_o_without_fix_is_a_usage_error_not_a_copy_of_the_dataset(tmp_path):
    """Clean-clone trial: ``check --format sarif -o report.sarif`` (ruff's -o is its output file) wrote the
    safe-fixed dataset into report.sarif."""
    path = tmp_path / "train.jsonl"
    path.write_bytes(PADDED + b"\n")
    report = tmp_path / "report.sarif"
    proc = run_cli("check", path, "--format", "sarif", "-o", report)
    assert proc.returncode == 2 and "--output-file" in proc.stderr and not report.exists(), proc.stderr
    assert path.read_bytes() == PADDED + b"\n"


def test_permissions_and_symlinks_survive(tmp_path):
    real = tmp_path / "real.jsonl"
    real.write_bytes(PADDED + b"\n")
    os.chmod(real, 0o640)
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    run_cli("fix", link)
    assert link.is_symlink() and stat.S_IMODE(os.stat(real).st_mode) == 0o640
    assert b" q" not in real.read_bytes()
    assert not list(tmp_path.glob(".ftlint-*"))


def test_unsafe_fixes_need_opt_in(tmp_path):
    from linter import Applicability, Fix, Rule, Violation
    from linter.registry import get_registry

    class DropSource(Rule):
        """Test rule with an unsafe fix."""

        code = "TST900"
        name = "drop-source"
        summary = "drop the source key"
        fix = Applicability.UNSAFE

        def check(self, row):
            if "source" in row.value:
                yield Violation("has source", "/source", Fix("drop it", Applicability.UNSAFE, lambda v: {k: x for k, x in v.items() if k != "source"}))

    registry = get_registry()
    registry.rules["TST900"] = DropSource
    registry.names["drop-source"] = "TST900"
    registry.rule_plugin["TST900"] = "test"
    try:
        path = tmp_path / "u.jsonl"
        path.write_text(json.dumps(dict(GOOD, source="x")) + "\n")
        linter = Linter()
        report = Fixer(linter).fix_file(str(path))
        assert not report.changed and "source" in path.read_text()
        report = Fixer(linter, unsafe=True).fix_file(str(path))
        assert report.fixed["TST900"] == 1 and "source" not in path.read_text()
    finally:
        del registry.rules["TST900"], registry.names["drop-source"], registry.rule_plugin["TST900"]


def test_kill_during_in_place_rewrite_leaves_the_original_intact(tmp_path):
    path = tmp_path / "big.jsonl"
    with open(path, "wb") as out:
        for i in range(60_000):
            out.write(PADDED + b"\n" if i % 2 else GOOD_LINE + b"\n")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    proc = subprocess.Popen([sys.executable, "-m", "linter", "fix", "-q", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not any(p.stat().st_size > 0 for p in tmp_path.glob(".ftlint-*")):
        time.sleep(0.005)
    assert list(tmp_path.glob(".ftlint-*")), "the rewrite never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


rows = st.sampled_from(
    [
        GOOD_LINE,
        PADDED,
        COMPACT_PADDED,
        BROKEN,
        b"",
        b"   ",
        json.dumps({"messages": [{"role": "user", "content": "\u00e9 "}, {"role": "assistant", "content": "x"}]}, ensure_ascii=True).encode(),
        json.dumps({"messages": [{"role": "user", "content": "日本 "}, {"role": "assistant", "content": "x"}]}, ensure_ascii=False).encode(),
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(rows, max_size=12), bom=st.booleans(), final_newline=st.booleans())
def test_fix_is_idempotent_and_touches_only_fixable_lines(tmp_path, lines, bom, final_newline):
    path = tmp_path / "p.jsonl"
    data = (b"\xef\xbb\xbf" if bom else b"") + b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    path.write_bytes(data)
    linter = Linter()
    fixable_lines = {f.line for f in linter.lint_path(str(path))[0] if f.fix is not None}
    Fixer(linter).fix_file(str(path))
    once = path.read_bytes()
    assert not Fixer(linter).fix_file(str(path)).changed
    assert path.read_bytes() == once
    # every line without a fixable finding survives byte for byte, in order
    original = (data[3:] if bom else data).split(b"\n")
    kept = [line for number, line in enumerate(original, 1) if number not in fixable_lines and number <= len(lines)]
    fixed_lines = once.split(b"\n")
    for line in kept:
        assert line in fixed_lines
    # no row is lost: every parsed row is still there
    assert sum(1 for line in original if line.strip()) == sum(1 for line in fixed_lines if line.strip())


def test_dropping_fixes_are_unsafe_and_every_dropped_row_goes_to_rejects(tmp_path):
    path = tmp_path / "train.jsonl"
    dup = json.dumps({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}).encode()
    data = GOOD_LINE + b"\n" + BROKEN + b"\n" + dup + b"\n" + dup + b"\n" + b'{"Messages": [{"Role": "user", "content": "x"}, {"role": "assistant", "content": "y"}], "id": 7}\n'
    path.write_bytes(data)
    safe = run_cli("fix", path, "--select", "FT001,FT403,FT101,FT110,FT111")
    after_safe = path.read_text().splitlines()
    assert len(after_safe) == 5 and BROKEN.decode() in after_safe  # safe fixes never drop a row
    assert json.loads(after_safe[4]) == {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}], "id": 7}
    assert "rejects" not in safe.stderr and not (tmp_path / "train.jsonl.rejects.jsonl").exists()
    proc = run_cli("fix", path, "--select", "FT001,FT403,FT110", "--unsafe-fixes", "--rejects", tmp_path / "out.rejects")
    kept = path.read_text().splitlines()
    assert kept == [GOOD_LINE.decode(), dup.decode(), json.dumps({"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]})]
    assert (tmp_path / "out.rejects").read_bytes() == BROKEN + b"\n" + dup + b"\n"
    assert f"Moved 2 dropped row(s) of {path} to {tmp_path / 'out.rejects'}" in proc.stderr
    # nothing lost: every original row is kept or rejected (the last one with its key renamed and id removed)
    rejected = (tmp_path / "out.rejects").read_bytes().splitlines()
    assert sorted(kept[:2] + [r.decode() for r in rejected]) == sorted(line.decode() for line in data.splitlines()[:4])


def test_over_limit_examples_drop_or_truncate(tmp_path):
    short = {"role": "user", "content": "hi"}
    long_turns = [short, {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "word " * 3000}, {"role": "assistant", "content": "ok"}]
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"messages": long_turns}) + "\n" + json.dumps(GOOD) + "\n")
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint.options.token-limit]\nstrategy = "truncate"\n')
    run_cli("fix", path.name, "--select", "FT300", "--max-tokens", "1000", "--unsafe-fixes", cwd=tmp_path)
    first = json.loads(path.read_text().splitlines()[0])
    assert first["messages"] == long_turns[:2]
    (tmp_path / "pyproject.toml").unlink()
    path.write_text(json.dumps({"messages": long_turns}) + "\n" + json.dumps(GOOD) + "\n")
    run_cli("fix", path, "--select", "FT300", "--max-tokens", "1000", "--unsafe-fixes")
    assert path.read_text().splitlines() == [json.dumps(GOOD)]
    assert json.loads((tmp_path / "long.jsonl.rejects.jsonl").read_text())["messages"] == long_turns


def test_findings_left_after_fix_to_an_output_name_the_output_and_its_lines(tmp_path):
    """After `fix -o OUT`, the findings that remain are numbered as OUT holds the rows: they named
    the input file with the output's line numbers (newcomer trial), pointing at the wrong rows."""
    path = tmp_path / "in.jsonl"
    bad_role = {"messages": [{"role": "user", "content": "q"}, {"role": "robot", "content": "beep"}]}
    other = {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}
    path.write_text("".join(json.dumps(r) + "\n" for r in [other, other, bad_role]))  # line 2 repeats line 1: dropped
    out = tmp_path / "out.jsonl"
    proc = run_cli("fix", "--unsafe-fixes", "--format", "json", path, "-o", out)
    report = json.loads(proc.stdout)
    kept = out.read_text().splitlines()
    left = [(f["path"], f["line"]) for f in report["findings"] if f["code"] == "FT106"]
    assert left == [(str(out), 2)]  # line 3 of the input is line 2 of the output
    assert all(json.loads(kept[line - 1])["messages"][1]["role"] == "robot" for _, line in left)
