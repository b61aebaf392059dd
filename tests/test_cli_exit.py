"""How the ``ftlint`` process ends: it skips the interpreter's object-by-object teardown (``cli._leave``),
so everything that teardown would have done for the user must still happen."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import run_cli

BUFFERED = {"PYTHONUNBUFFERED": ""}  # an empty value turns it off: the output is still buffered at the end

HOUSE = '''
import atexit, pathlib, threading, time

HERE = pathlib.Path(__file__).parent
atexit.register(lambda: (HERE / "atexit.txt").write_text("ran"))


def late():
    time.sleep(0.5)
    (HERE / "thread.txt").write_text("done")


threading.Thread(target=late).start()  # not a daemon: the process must wait for it
'''


def test_the_process_ends_as_python_would_after_a_run(tmp_path):
    (tmp_path / "house.py").write_text(HOUSE)
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["house.py"]\n')
    rows = [{"messages": [{"role": "user", "content": f"question {i}"}]} for i in range(3000)]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    proc = run_cli("check", "data.jsonl", "--select", "FT112", "--format", "json", cwd=tmp_path, env=BUFFERED)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)  # far more than a pipe's buffer: all of it was written before the end
    assert len(report["findings"]) == 3000
    assert (tmp_path / "atexit.txt").read_text() == "ran"  # exit handlers (spill folders, coverage) still run
    assert (tmp_path / "thread.txt").read_text() == "done"  # and a plugin's thread is waited for


def test_a_usage_error_still_exits_2_with_its_message(tmp_path):
    proc = run_cli("check", str(tmp_path / "missing.jsonl"), "--select", "NOPE999")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "NOPE999" in proc.stderr, proc.stderr


def _clean(tmp_path):
    path = tmp_path / "clean.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}) + "\n")
    return path


def _ftlint(tmp_path, shell_tail: str, *args: str) -> subprocess.CompletedProcess:
    """``python -m linter ARGS`` through a shell, for redirections run_cli cannot make."""
    command = " ".join([sys.executable, "-m", "linter", *args]) + " " + shell_tail
    return subprocess.run(["sh", "-c", command], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "FTLINT_LOAD_PLUGINS": "", **BUFFERED})


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [
    ("check", "clean.jsonl", "--select", "FT112", "--format", "json"),  # written at the last flush
    ("check", "data.jsonl"),  # a finding written mid-run: the output's error, not "cannot read data.jsonl"
    ("stats", "clean.jsonl"),
    ("stats", "clean.jsonl", "--html", "/dev/full", ">", "/dev/null"),
    ("check", "data.jsonl", "--output-file", "/dev/full", ">", "/dev/null"),
    ("rules",),
    ("--help",),  # written by click, outside any command
])
def test_output_that_cannot_be_written_fails_the_run_with_one_line(tmp_path, args):
    _clean(tmp_path)
    rows = [{"messages": [{"role": "user", "content": f"question {i}"}]} for i in range(3000)]  # FT112 each
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    redirect = "" if ">" in args else "> /dev/full"
    proc = _ftlint(tmp_path, redirect, *args)
    assert proc.returncode == 2, proc
    assert proc.stderr == "ftlint: error: could not write the output: No space left on device\n", proc.stderr


def test_closed_standard_streams_end_without_a_traceback(tmp_path):
    _clean(tmp_path)
    quiet = _ftlint(tmp_path, "2>&-", "check", "clean.jsonl", "--select", "FT112")
    assert quiet.returncode == 0 and "clean.jsonl" in quiet.stdout, quiet
    for args in (("check", "clean.jsonl", "--select", "FT112"), ("stats", "clean.jsonl", "--format", "json")):
        closed = _ftlint(tmp_path, ">&-", *args)  # every command and format alike, before any work
        assert closed.returncode == 2, closed
        assert closed.stderr == "ftlint: error: standard output is closed; redirect it to a file or /dev/null\n", closed.stderr


def test_a_rejects_file_in_a_missing_folder_is_named(tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}\nnot json\n')
    proc = _ftlint(tmp_path, "", "fix", "bad.jsonl", "-o", "out.jsonl", "--unsafe-fixes", "--rejects", "gone/r.jsonl")
    assert proc.returncode == 2, proc
    gone = os.path.realpath(tmp_path / "gone")  # the fixer names it by its absolute path
    assert proc.stderr == f"ftlint: error: cannot fix bad.jsonl: {gone}/r.jsonl: the folder {gone} does not exist\n", proc.stderr


def test_a_profiler_still_gets_its_report(tmp_path):
    """``python -m cProfile -m linter ...`` (docs/trainer.md) prints after the program returns: no fast exit then."""
    _clean(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "cProfile", "-m", "linter", "stats", "clean.jsonl"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120, env={**os.environ, "FTLINT_LOAD_PLUGINS": ""})
    assert proc.returncode == 0, proc.stderr
    assert "1 example in 1 line" in proc.stdout, proc.stdout[:400]
    assert "function calls" in proc.stdout and "Ordered by" in proc.stdout
