"""How the ``ftlint`` process ends: it skips the interpreter's object-by-object teardown (``cli._leave``),
so everything that teardown would have done for the user must still happen."""

from __future__ import annotations

import json

from .conftest import run_cli

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
    proc = run_cli("check", "data.jsonl", "--select", "FT112", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)  # far more than a pipe's buffer: all of it was written before the end
    assert len(report["findings"]) == 3000
    assert (tmp_path / "atexit.txt").read_text() == "ran"  # exit handlers (spill folders, coverage) still run
    assert (tmp_path / "thread.txt").read_text() == "done"  # and a plugin's thread is waited for


def test_a_usage_error_still_exits_2_with_its_message(tmp_path):
    proc = run_cli("check", str(tmp_path / "missing.jsonl"), "--select", "NOPE999")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "NOPE999" in proc.stderr, proc.stderr
