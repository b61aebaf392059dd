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
    github = {"GITHUB_WORKSPACE": str(workspace)}  # the repository root, as the runner sets it
    if summary is not None:
        github["GITHUB_STEP_SUMMARY"] = str(summary)
    for step in STEPS:
        if "pip install" in step["run"]:
            # The install steps are not run: ftlint is already installed (editable) in this
            # interpreter, and the test machine may not reach a package registry.
            continue
        proc = run_step(step, workspace, str(Path(sys.executable).parent), github, **inputs)  # python3 and ftlint of this venv
        results.append(proc)
        if proc.returncode:
            break
    return results[-1]


def run_step(step: dict, cwd: Path, path: str, github: dict | None = None, **inputs) -> subprocess.CompletedProcess:
    """One ``run:`` step as the runner runs it, with ``path`` first on PATH (its python3 and ftlint), the
    ``github`` variables set and the step's ``env:`` and ``working-directory:`` evaluated from ``inputs``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_")) and k != "FTLINT_LOAD_PLUGINS"}
    env["PATH"] = f"{path}{os.pathsep}{env['PATH']}"
    env.update(github or {})
    env.update({key: evaluate(str(value), inputs) for key, value in step.get("env", {}).items()})
    cwd = cwd / evaluate(step.get("working-directory", "."), inputs)
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


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
    (install,) = [step for step in STEPS if step["name"] == "Install ftlint"]
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


PLUGINS = next(step for step in STEPS if step["name"] == "Install plugins")


def test_the_plugins_input_is_split_like_a_shell_and_takes_requirements_only(tmp_path):
    """The plugin step runs with a python3 that records what pip is asked (and runs the splitting script)."""
    bin_dir, asked = tmp_path / "bin", tmp_path / "asked"
    bin_dir.mkdir()
    (bin_dir / "python3").write_text(f'#!/bin/sh\nif [ "$1" = -c ]; then exec {sys.executable} "$@"; fi\n'
                                      f'printf "%s\\n" "$PWD" "$@" >> {asked}\n')
    (bin_dir / "python3").chmod(0o755)
    (tmp_path / "sub").mkdir()
    proc = run_step(PLUGINS, tmp_path, str(bin_dir), plugins='./rules "acme-rules @ git+https://example.com/x@v1"',
                    **{"working-directory": "sub"})
    assert proc.returncode == 0, proc.stderr
    assert asked.read_text().splitlines() == [str(tmp_path / "sub"), "-m", "pip", "install", "--disable-pip-version-check",
                                              "--quiet", "./rules", "acme-rules @ git+https://example.com/x@v1"]
    asked.unlink()
    assert run_step(PLUGINS, tmp_path, str(bin_dir)).returncode == 0 and not asked.exists()  # none asked: pip is not run
    refused = run_step(PLUGINS, tmp_path, str(bin_dir), plugins="./rules --index-url http://evil.example")
    assert refused.returncode == 2 and "not pip options: --index-url" in refused.stderr and not asked.exists()
    broken = run_step(PLUGINS, tmp_path, str(bin_dir), plugins='"unclosed')
    assert broken.returncode == 2 and "cannot split the plugins input" in broken.stderr


HOUSE_PLUGIN = {
    "pyproject.toml": '''[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "house-rules"
version = "1.0"
dependencies = ["ftlint"]  # not on PyPI: pip finds it only because the action installed it first

[project.entry-points.ftlint]
house = "house_rules"
''',
    "house_rules/__init__.py": '''from linter import Rule, Violation, hookimpl
from linter.schema import CONVERSATION_KINDS


class NoTodo(Rule):
    """A reply that still says TODO was never written."""

    code = "HS001"
    name = "todo-left"
    summary = "An assistant reply says TODO"
    kinds = CONVERSATION_KINDS
    reads = ("turns",)

    def check(self, row):
        for _, turn in row.view.all_turns():
            if turn.role == "assistant" and any("TODO" in part.text for part in turn.texts):
                yield Violation("the reply says TODO")


@hookimpl
def register_rules(register):
    register(NoTodo)
''',
}


def test_a_plugin_in_the_repository_installs_after_ftlint_and_its_rule_runs(tmp_path):
    """Newcomer trial: 'pip install ./plugin' before the action failed, the plugin requiring ftlint, which is not on
    PyPI. The plugins input installs it after ftlint, with real pip, into a throwaway environment layered over this
    one (where ftlint is installed), and the lint step then runs the plugin's rule."""
    import site

    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    env_python = env_dir / "bin" / "python3"
    packages = subprocess.run([str(env_python), "-c", "import site; print(site.getsitepackages()[0])"],
                              capture_output=True, text=True, check=True).stdout.strip()
    # ftlint (editable: its own .pth must run too) and pip from this venv, under the new environment's own packages
    Path(packages, "ftlint-under.pth").write_text(f"import site; site.addsitedir({site.getsitepackages()[0]!r})\n")
    (env_dir / "bin" / "ftlint").write_text(f"#!{env_python}\nfrom linter.cli import main\nmain()\n")  # its console script
    (env_dir / "bin" / "ftlint").chmod(0o755)
    repo = tmp_path / "repo"
    for name, text in HOUSE_PLUGIN.items():
        (repo / "ftlint-rules" / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / "ftlint-rules" / name).write_text(text)
    (repo / "data").mkdir()
    todo = {"messages": [*GOOD[0]["messages"][:2], {"role": "assistant", "content": "TODO"}]}
    (repo / "data" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [*GOOD, todo]))
    lint = next(step for step in STEPS if step["name"] == "Lint datasets")
    before = run_step(lint, repo, str(env_dir / "bin"), paths="data/", args="--select HS001")
    assert before.returncode == 2 and "'HS001' matches no rule" in before.stderr  # not installed yet
    proc = run_step(PLUGINS, repo, str(env_dir / "bin"), plugins="./ftlint-rules")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = run_step(lint, repo, str(env_dir / "bin"), paths="data/", args="--select HS001")
    assert after.returncode == 1 and "::error file=data/train.jsonl,line=11,title=HS001 todo-left::" in after.stdout, after.stderr
