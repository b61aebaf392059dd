"""The composite GitHub Action (action.yml), its steps run locally as the runner would run them.

Each ``run:`` step goes to ``bash --noprofile --norc -eo pipefail`` (GitHub's
command for ``shell: bash``) in a subprocess, with its ``env:`` and
``working-directory:`` evaluated as GitHub evaluates ``${{ inputs.x }}``
(the input's value, or its default), and GITHUB_STEP_SUMMARY pointing at a
file in the temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, run_cli

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = ACTION["runs"]["steps"]
GOOD = [{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": f"Question {i}?"}, {"role": "assistant", "content": f"Answer {i}."}]} for i in range(10)]
BAD = {"messages": [{"role": "user", "content": "Where is my order?"}]}
EXPRESSION = re.compile(r"\$\{\{\s*(inputs|github)\.([\w-]+)\s*\}\}")


def evaluate(text: str, inputs: dict) -> str:
    """GitHub's expression substitution, for the two contexts the action uses."""
    def value(match):
        context, name = match.groups()
        if context == "github":
            return {"action_path": str(ROOT)}[name.replace("-", "_")]
        return inputs.get(name, ACTION["inputs"][name].get("default", ""))

    return EXPRESSION.sub(value, text)


def run_action(workspace: Path, summary: Path | None = None, **inputs):
    """Run the action's steps in order, stopping at the first failure, as the runner does."""
    results = []
    for step in STEPS:
        if "pip install" in step["run"]:
            # The install step is not run: ftlint is already installed (editable) in this
            # interpreter, and the test machine may not reach a package registry.
            continue
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]  # python3 and ftlint of this venv
        env.pop("FTLINT_LOAD_PLUGINS", None)
        env["GITHUB_WORKSPACE"] = str(workspace)  # the repository root, as the runner sets it
        if summary is not None:
            env["GITHUB_STEP_SUMMARY"] = str(summary)
        env.update({key: evaluate(str(value), inputs) for key, value in step.get("env", {}).items()})
        cwd = workspace / evaluate(step.get("working-directory", "."), inputs)
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=120)
        results.append(proc)
        if proc.returncode:
            break
    return results[-1]


@pytest.fixture
def workspace(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "good.jsonl").write_text("".join(json.dumps(r) + "\n" for r in GOOD))
    (data / "bad.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [*GOOD, BAD]))
    return tmp_path


def test_inputs_reach_scripts_only_through_the_environment():
    assert {"paths", "args", "version"} <= set(ACTION["inputs"]) and ACTION["runs"]["using"] == "composite"
    for step in STEPS:
        assert "${{" not in step["run"], step["name"]  # an expression in a script would run input as shell code
        assert step["shell"] == "bash"


def test_findings_become_annotations_a_summary_and_a_failed_step(workspace):
    summary = workspace / "summary.md"
    summary.write_text("earlier step\n")
    proc = run_action(workspace, summary, paths="data/bad.jsonl")
    assert proc.returncode == 1, proc.stderr
    assert "::error file=data/bad.jsonl,line=11,title=FT112 assistant-missing::" in proc.stdout
    report = summary.read_text()
    assert report.startswith("earlier step\n")  # appended, as GitHub expects
    assert "## ftlint" in report and "| FT112 | assistant-missing | error | 1 |" in report


def test_a_clean_dataset_passes_and_globs_and_args_are_honoured(workspace):
    summary = workspace / "summary.md"
    proc = run_action(workspace, summary, paths="data/good*.jsonl")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "::error" not in proc.stdout and "data/good.jsonl" in summary.read_text()
    proc = run_action(workspace, summary, paths="data/*.jsonl", args="--ignore FT112 --exit-zero")
    assert proc.returncode == 0 and "FT112" not in proc.stdout and "data/bad.jsonl" in summary.read_text()


def test_paths_from_config_quotes_and_working_directory(workspace):
    project = workspace / "my project"
    project.mkdir()
    (project / "train set.jsonl").write_text(json.dumps(BAD) + "\n")
    (project / "pyproject.toml").write_text('[tool.ftlint]\nfiles = ["train set.jsonl"]\nignore = ["FT402"]\n')
    proc = run_action(workspace, None, **{"working-directory": "my project"})
    # files from [tool.ftlint] files are found by their absolute path, annotated by the repository's
    assert proc.returncode == 1 and "::error file=my project/train set.jsonl,line=1,title=FT112" in proc.stdout
    proc = run_action(workspace, None, paths='"my project/train set.jsonl"', args="--select FT112")
    assert proc.returncode == 1 and "file=my project/train set.jsonl,line=1,title=FT112" in proc.stdout


def test_inputs_are_never_run_as_shell_code(workspace):
    proc = run_action(workspace, None, paths="data/good.jsonl $(touch pwned) `touch pwned2`", args="; touch pwned3")
    assert not list(workspace.glob("pwned*"))
    assert proc.returncode == 2  # the odd words are reported as missing files, not run
    broken = run_action(workspace, None, paths='"unclosed')
    assert broken.returncode == 2 and "cannot split the paths or args input" in broken.stderr


def test_annotations_name_files_relative_to_the_repository_root(tmp_path):
    """GitHub attaches an annotation only to a repository-relative path, whatever the working directory."""
    repo, outside = tmp_path / "repo", tmp_path / "elsewhere"
    project = repo / "sub, dir"
    (project / "data").mkdir(parents=True)
    outside.mkdir()
    (project / "data" / "train.jsonl").write_text(json.dumps(BAD) + "\n")
    (outside / "other.jsonl").write_text(json.dumps(BAD) + "\n")
    (project / "pyproject.toml").write_text('[tool.ftlint]\nfiles = ["data/train.jsonl"]\n')

    def files(*args, workspace=repo):
        proc = run_cli("check", "--format", "github", "--select", "FT112", *args, cwd=project,
                       env={"GITHUB_WORKSPACE": str(workspace)} if workspace else {})
        assert proc.returncode == 1, proc.stderr
        return re.findall(r"^::error file=([^,]*),line=1,title=FT112", proc.stdout, re.MULTILINE)

    assert files() == ["sub%2C dir/data/train.jsonl"]  # from [tool.ftlint] files (an absolute path), escaped as before
    assert files("data/train.jsonl", "../sub, dir/data/train.jsonl") == ["sub%2C dir/data/train.jsonl"] * 2
    assert files(outside / "other.jsonl") == [str(outside / "other.jsonl")]  # outside the repository: as given
    # without GITHUB_WORKSPACE, or with a workspace the file is not in: relative to the working directory
    assert files(workspace=None) == ["data/train.jsonl"]
    assert files(workspace=outside) == ["data/train.jsonl"]


def test_the_install_step_adds_the_extras_asked_for_and_refuses_anything_else(tmp_path):
    """Newcomer trial: with trainer-config in [tool.ftlint] the action failed ('needs PyYAML') and had no
    way to install extras. The install step runs here with a python3 that records what pip is asked."""
    (install,) = [step for step in STEPS if "pip install" in step["run"]]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    asked = tmp_path / "asked"
    (bin_dir / "python3").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {asked}\n')
    (bin_dir / "python3").chmod(0o755)

    def run(**inputs):
        env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
        env.update({key: evaluate(str(value), inputs) for key, value in install["env"].items()})
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", install["run"]], env=env,
                              capture_output=True, text=True, timeout=60)

    assert run(extras="trainer, parquet").returncode == 0
    assert asked.read_text().splitlines()[-1] == f"{ROOT}[trainer,parquet]"
    assert run().returncode == 0 and asked.read_text().splitlines()[-1] == str(ROOT)
    assert run(version="ftlint[trainer] @ git+https://example.com/x@abc", extras="xlsx").returncode == 0
    assert asked.read_text().splitlines()[-1] == "ftlint[trainer] @ git+https://example.com/x@abc"
    refused = run(extras="trainer]; --index-url http://evil")
    assert refused.returncode == 2 and "extras must be extra names" in refused.stderr
