"""The real pre-commit, running this repository's hooks in a temporary git repository.

pre-commit builds the hook environment from the committed HEAD of this
repository (``--ref``), installing ftlint and its dependencies from the package
registry once per test session.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

BAD = {"messages": [{"role": "user", "content": "Where is my order?"}]}
# OpenAI needs at least 10 examples (FT402), so a clean dataset has ten distinct ones
TEN = [{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": f"Question {i}?"}, {"role": "assistant", "content": f"Answer {i}."}]} for i in range(10)]
PADDED = {"messages": [{"role": "user", "content": "hi "}, {"role": "assistant", "content": "Hello!"}]}


def git(*args, cwd, check=True):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check)


@pytest.fixture(scope="session")
def head():
    proc = git("rev-parse", "HEAD", cwd=ROOT, check=False)
    if proc.returncode:
        pytest.skip("this checkout has no commit to build the hooks from")
    return proc.stdout.strip()


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory):
    return str(tmp_path_factory.mktemp("pre-commit-home"))


@pytest.fixture
def repo(tmp_path):
    git("init", "-q", cwd=tmp_path)
    return tmp_path


def pre_commit(*args, cwd, home):
    env = dict(os.environ, PRE_COMMIT_HOME=home, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    env.pop("FTLINT_LOAD_PLUGINS", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def write(repo, name, rows):
    (repo / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    git("add", name, cwd=repo)


def test_try_repo_lint_hook(repo, head, pre_commit_home):
    write(repo, "bad.jsonl", [*TEN, BAD])
    proc = pre_commit("try-repo", ROOT, "ftlint", "--ref", head, "--all-files", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "bad.jsonl:11: FT112 [assistant-missing]" in proc.stdout
    git("rm", "-q", "--cached", "bad.jsonl", cwd=repo)
    (repo / "bad.jsonl").unlink()
    write(repo, "good.jsonl", TEN)
    proc = pre_commit("try-repo", ROOT, "ftlint", "--ref", head, "--all-files", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def test_try_repo_fix_hook_rewrites_and_reports_modified(repo, head, pre_commit_home):
    write(repo, "train.jsonl", [*TEN, PADDED])
    proc = pre_commit("try-repo", ROOT, "ftlint-fix", "--ref", head, "--all-files", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 1
    assert "files were modified by this hook" in proc.stdout
    assert '"content": "hi"' in (repo / "train.jsonl").read_text()
    git("add", "train.jsonl", cwd=repo)
    proc = pre_commit("try-repo", ROOT, "ftlint-fix", "--ref", head, "--all-files", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 0, proc.stdout


def test_installed_hook_blocks_a_commit_of_a_bad_dataset(repo, head, pre_commit_home):
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {ROOT}\n  rev: {head}\n  hooks:\n  - id: ftlint\n"
    )
    git("add", ".pre-commit-config.yaml", cwd=repo)
    assert pre_commit("install", cwd=repo, home=pre_commit_home).returncode == 0
    write(repo, "train.jsonl", [*TEN, BAD])
    env_home = {"PRE_COMMIT_HOME": pre_commit_home}
    commit = subprocess.run(
        ["git", "commit", "-qm", "add data"], cwd=repo, capture_output=True, text=True,
        env=dict(os.environ, **env_home, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e.com", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@e.com"),
    )
    assert commit.returncode != 0
    assert "train.jsonl:11: FT112" in commit.stdout + commit.stderr
    assert git("rev-parse", "HEAD", cwd=repo, check=False).returncode != 0  # nothing was committed


def test_dataset_hook_reads_files_from_config(repo, head, pre_commit_home):
    (repo / "data").mkdir()
    write(repo, "data/train.jsonl", TEN)
    write(repo, "data/valid.jsonl", [BAD])
    (repo / "pyproject.toml").write_text('[tool.ftlint]\nfiles = ["data/train.jsonl", "data/valid.jsonl"]\n')
    (repo / "README.md").write_text("no dataset changed in this commit\n")
    git("add", "pyproject.toml", "README.md", cwd=repo)
    proc = pre_commit("try-repo", ROOT, "ftlint-datasets", "--ref", head, "--files", "README.md", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "data/valid.jsonl:1: FT112" in proc.stdout
