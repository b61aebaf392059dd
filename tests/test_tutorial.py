"""Follow docs/tutorial-first-rule.md to the end, as a new user would."""

from __future__ import annotations

import re
import subprocess
import sys

from .conftest import ROOT, run_cli

BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def tutorial_files():
    text = (ROOT / "docs" / "tutorial-first-rule.md").read_text()
    files, consoles = {}, []
    for lang, body in BLOCK.findall(text):
        first, _, rest = body.partition("\n")
        if first.startswith("# file: "):
            files[first[len("# file: ") :].strip()] = rest
        elif lang == "console":
            consoles.append(body)
    return files, consoles


def test_tutorial_runs_as_written(tmp_path):
    files, consoles = tutorial_files()
    for name, body in files.items():
        if name.startswith("house-rules/"):
            continue  # step 6 packages the same code; covered by the example plugin's tests
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
    # step 4: the command and its output, exactly as shown
    command, *expected = consoles[0].strip().splitlines()
    args = command.removeprefix("$ ftlint ").split()
    proc = run_cli(*args, cwd=tmp_path, env={"FTLINT_LOAD_PLUGINS": ""}, small=False)
    assert proc.returncode == 1, proc.stderr  # the tutorial's two-row file is below OpenAI's minimum
    assert proc.stdout.splitlines() == expected
    assert run_cli("rule", "HOUSE001", cwd=tmp_path).stdout.startswith("## HOUSE001 reply-too-long")
    # step 5: the user's own tests pass with the harness
    test = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=tmp_path, capture_output=True, text=True)
    assert test.returncode == 0, test.stdout + test.stderr
    assert "2 passed" in test.stdout
    # and from another folder (an editor, a CI job at the repository root): the cases and the local plugin
    # are found from the test file, where the tutorial's 'tests/cases/*.toml' failed at collection
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    test = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "tests")],
                          cwd=elsewhere, capture_output=True, text=True)
    assert test.returncode == 0 and "2 passed" in test.stdout, test.stdout + test.stderr
