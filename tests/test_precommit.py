"""The real pre-commit, running this repository's hooks in temporary git repositories.

Every test points a ``.pre-commit-config.yaml`` at this repository's committed
HEAD (``repo: <this checkout>``, ``rev: <sha>``). pre-commit keeps one hook
environment per repository and revision in ``PRE_COMMIT_HOME``, so all the
tests share one: the first builds it, the others reuse it. The test extra
installs the pre-commit-uv plugin, so pre-commit builds it with uv (seconds;
with pip, installing ftlint and its dependencies took a minute and a half).
The plugin works where it shares a site-packages folder with pre-commit, as
its documentation asks (pipx inject, one environment): in a venv layered over
a system-wide pre-commit it cannot import pre-commit at start-up and pre-commit
runs, slower, without it. Under
pytest-xdist the workers share the same home below the common base temporary
folder, and a file lock makes one of them build while the others wait.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from filelock import FileLock

from .conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

BAD = {"messages": [{"role": "user", "content": "Where is my order?"}]}
# OpenAI needs at least 10 examples (FT402), so a clean dataset has ten distinct ones
TEN = [{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": f"Question {i}?"}, {"role": "assistant", "content": f"Answer {i}."}]} for i in range(10)]
PADDED = {"messages": [{"role": "user", "content": "hi "}, {"role": "assistant", "content": "Hello!"}]}
PACKAGE_JSON = '{"name": "web", "version": "1.0.0", "dependencies": {}}\n'
NOT_CHATS = "id,price\n1,2.50\n"
HOOKS = ("ftlint", "ftlint-fix", "ftlint-datasets")
IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


def git(*args, cwd, check=True):
    return subprocess.run(["git", *args], cwd=cwd, env=dict(os.environ, **IDENTITY), capture_output=True, text=True, check=check)


@pytest.fixture(scope="session")
def head():
    proc = git("rev-parse", "HEAD", cwd=ROOT, check=False)
    if proc.returncode:
        pytest.skip("this checkout has no commit to build the hooks from")
    return proc.stdout.strip()


def config(head, hooks=HOOKS, extra="") -> str:
    listed = "".join(f"  - id: {hook}\n{extra}" for hook in hooks)
    return f"repos:\n- repo: {ROOT}\n  rev: {head}\n  hooks:\n{listed}"


def pre_commit(*args, cwd, home):
    env = dict(os.environ, PRE_COMMIT_HOME=home, **IDENTITY)
    env.pop("FTLINT_LOAD_PLUGINS", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory, head):
    """One PRE_COMMIT_HOME with the hook environment built, shared by every test and every xdist worker."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # xdist: base is <root>/popen-gwN
    home = shared / "pre-commit-home"
    home.mkdir(exist_ok=True)
    with FileLock(str(shared / "pre-commit-home.lock")):
        warm = shared / f"pre-commit-warm-{head[:12]}"
        if not warm.exists():
            warm.mkdir()
            git("init", "-q", cwd=warm)
            (warm / ".pre-commit-config.yaml").write_text(config(head))
            proc = pre_commit("install-hooks", cwd=warm, home=str(home))
            assert proc.returncode == 0, proc.stdout + proc.stderr
    return str(home)


@pytest.fixture
def repo(tmp_path, head):
    git("init", "-q", cwd=tmp_path)
    put_paths(tmp_path, {".pre-commit-config.yaml": config(head)})
    return tmp_path


def put_paths(repo, texts: dict):
    """Write and stage text files."""
    for name, text in texts.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git("add", *texts, cwd=repo)


def write(repo, name, rows):
    put_paths(repo, {name: "".join(json.dumps(r) + "\n" for r in rows)})


def test_lint_hook_fails_a_bad_dataset_and_passes_a_good_one(repo, pre_commit_home):
    write(repo, "bad.jsonl", [*TEN, BAD])
    proc = pre_commit("run", "ftlint", "--all-files", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "bad.jsonl:11: FT112 [assistant-missing]" in proc.stdout
    git("rm", "-q", "--cached", "bad.jsonl", cwd=repo)
    (repo / "bad.jsonl").unlink()
    write(repo, "good.jsonl", TEN)
    proc = pre_commit("run", "ftlint", "--all-files", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def test_lint_hook_leaves_other_json_and_csv_alone_but_lints_what_config_names(repo, pre_commit_home):
    put_paths(repo, {"package.json": PACKAGE_JSON, "train_config.json": '{"learning_rate": 0.0001, "epochs": 3}\n', "export.csv": NOT_CHATS})
    proc = pre_commit("run", "ftlint", "--all-files", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout and "FT101" not in proc.stdout
    # a CSV that [tool.ftlint] files names (here by its folder) is a dataset, and so is any .jsonl
    put_paths(repo, {"data/chats.csv": NOT_CHATS, "pyproject.toml": '[tool.ftlint]\nfiles = ["data"]\n'})
    write(repo, "bad.jsonl", [*TEN, BAD])
    proc = pre_commit("run", "ftlint", "--all-files", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "bad.jsonl:11: FT112" in proc.stdout and "data/chats.csv:1: FT014" in proc.stdout
    assert "package.json" not in proc.stdout and "export.csv" not in proc.stdout


def test_files_override_adds_csv_to_the_lint_hook(repo, head, pre_commit_home):
    override = "    files: '\\.(jsonl|csv)$'\n    args: [--any-format]\n"
    put_paths(repo, {".pre-commit-config.yaml": config(head, ["ftlint"], override), "chats.csv": NOT_CHATS, "package.json": PACKAGE_JSON})
    proc = pre_commit("run", "ftlint", "--all-files", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "chats.csv:1: FT014" in proc.stdout and "package.json" not in proc.stdout


def test_fix_hook_rewrites_and_reports_modified(repo, pre_commit_home):
    write(repo, "train.jsonl", [*TEN, PADDED])
    proc = pre_commit("run", "ftlint-fix", "--all-files", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 1
    assert "files were modified by this hook" in proc.stdout
    assert '"content": "hi"' in (repo / "train.jsonl").read_text()
    git("add", "train.jsonl", cwd=repo)
    proc = pre_commit("run", "ftlint-fix", "--all-files", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 0, proc.stdout


def commit(repo, home, message):
    return subprocess.run(["git", "commit", "-qm", message], cwd=repo, capture_output=True, text=True,
                          env=dict(os.environ, PRE_COMMIT_HOME=home, **IDENTITY))


def test_installed_hook_blocks_a_bad_dataset_and_lets_package_json_through(repo, head, pre_commit_home):
    put_paths(repo, {".pre-commit-config.yaml": config(head, ["ftlint"])})
    assert pre_commit("install", cwd=repo, home=pre_commit_home).returncode == 0
    put_paths(repo, {"package.json": PACKAGE_JSON})
    done = commit(repo, pre_commit_home, "add package.json")
    assert done.returncode == 0, done.stdout + done.stderr
    write(repo, "train.jsonl", [*TEN, BAD])
    blocked = commit(repo, pre_commit_home, "add data")
    assert blocked.returncode != 0
    assert "train.jsonl:11: FT112" in blocked.stdout + blocked.stderr
    assert git("rev-list", "--count", "HEAD", cwd=repo).stdout.strip() == "1"  # only the package.json commit


def test_dataset_hook_reads_files_from_config(repo, pre_commit_home):
    write(repo, "data/train.jsonl", TEN)
    write(repo, "data/valid.jsonl", [BAD])
    put_paths(repo, {"pyproject.toml": '[tool.ftlint]\nfiles = ["data/train.jsonl", "data/valid.jsonl"]\n', "README.md": "no dataset changed in this commit\n"})
    proc = pre_commit("run", "ftlint-datasets", "--files", "README.md", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "data/valid.jsonl:1: FT112" in proc.stdout


def hook_entry(*args, cwd):
    """The ftlint hook's entry point as pre-commit calls it, without pre-commit (fast)."""
    env = {k: v for k, v in os.environ.items() if k != "FTLINT_LOAD_PLUGINS"}
    return subprocess.run([sys.executable, "-m", "linter.precommit", "--no-token-stats", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_hook_entry_with_only_other_files_exits_0_without_linting(tmp_path):
    (tmp_path / "package.json").write_text(PACKAGE_JSON)
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nfiles = ["data/train.jsonl"]\n')  # not even run when nothing is left
    proc = hook_entry("package.json", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""


def test_hook_entry_keeps_named_files_and_lets_check_report_a_broken_config(tmp_path):
    (tmp_path / "chats.csv").write_text(NOT_CHATS)
    (tmp_path / "package.json").write_text(PACKAGE_JSON)
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nfiles = ["chats.csv"]\nignore = ["FT402"]\n')
    proc = hook_entry("--model", "gpt-4o-mini", "package.json", "chats.csv", cwd=tmp_path)
    assert proc.returncode == 1 and "chats.csv:1: FT014" in proc.stdout and "package.json" not in proc.stdout
    isolated = hook_entry("--isolated", "package.json", "chats.csv", cwd=tmp_path)  # --isolated: no config, so no named files
    assert isolated.returncode == 0 and isolated.stdout == ""
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nfiles = "chats.csv"\n')
    broken = hook_entry("package.json", "chats.csv", cwd=tmp_path)
    assert broken.returncode == 2 and "files must be a list" in broken.stderr and "Traceback" not in broken.stderr


def test_fix_and_lint_hooks_pass_on_what_the_configured_baseline_holds(repo, pre_commit_home):
    """Newcomer trial: the fix hook could not take a baseline and failed every commit on baselined errors with no
    fix. With baseline in [tool.ftlint] both hooks hold them; a new row is still fixed and a new error still fails."""
    from .conftest import run_cli

    legacy = {"messages": [{"role": "user", "content": "legacy, no reply "}]}  # FT112 and a padding fix, recorded
    write(repo, "train.jsonl", [*TEN, legacy])
    put_paths(repo, {"pyproject.toml": '[tool.ftlint]\nbaseline = ".ftlint-baseline.json"\n'})
    assert run_cli("check", "train.jsonl", "--write-baseline", ".ftlint-baseline.json", cwd=repo, small=False).returncode == 0
    git("add", ".ftlint-baseline.json", cwd=repo)
    for hook in ("ftlint-fix", "ftlint"):
        proc = pre_commit("run", hook, "--all-files", cwd=repo, home=pre_commit_home)
        assert proc.returncode == 0, hook + proc.stdout + proc.stderr
    write(repo, "train.jsonl", [*TEN, legacy, PADDED])
    proc = pre_commit("run", "ftlint-fix", "--all-files", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 1 and "files were modified by this hook" in proc.stdout and "FT112" not in proc.stdout
    rows = [json.loads(line) for line in (repo / "train.jsonl").read_text().splitlines()]
    assert rows[10] == legacy and rows[11]["messages"][0]["content"] == "hi"
    git("add", "train.jsonl", cwd=repo)
    for hook in ("ftlint-fix", "ftlint"):
        proc = pre_commit("run", hook, "--all-files", cwd=repo, home=pre_commit_home)
        assert proc.returncode == 0, hook + proc.stdout + proc.stderr
    write(repo, "train.jsonl", [*TEN, legacy, BAD])
    for hook in ("ftlint-fix", "ftlint"):
        proc = pre_commit("run", hook, "--all-files", cwd=repo, home=pre_commit_home)
        assert proc.returncode == 1 and "train.jsonl:12: FT112" in proc.stdout, hook + proc.stdout


def test_a_plugin_each_hook_needs_is_shared_through_a_yaml_anchor(repo, head, pre_commit_home):
    """Newcomer trial: the plugin was in the ftlint hook's additional_dependencies only, and ftlint-fix stopped on
    "no rule is called ...". Its error now says what to do; the YAML anchor hooks/README shows makes both work."""
    plugin = f"ftlint-example @ {(ROOT / 'plugins' / 'ftlint-example').as_uri()}"
    lint = f"  - id: ftlint\n    additional_dependencies: &house [\"{plugin}\"]\n"
    base = f"repos:\n- repo: {ROOT}\n  rev: {head}\n  hooks:\n{lint}"
    said = {"messages": [*TEN[0]["messages"][:2], {"role": "assistant", "content": "As an AI language model, I cannot."}]}
    put_paths(repo, {".pre-commit-config.yaml": base + "  - id: ftlint-fix\n",
                     "pyproject.toml": '[tool.ftlint.options.banned-phrases]\nphrases = ["as an ai language model"]\n'})
    write(repo, "train.jsonl", [*TEN, said])
    proc = pre_commit("run", "ftlint-fix", "--all-files", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 1 and "exit code: 2" in proc.stdout and "no rule is called 'banned-phrases'" in proc.stdout, proc.stdout
    assert "no plugin installed here provides it" in proc.stdout and "additional_dependencies of every ftlint hook" in proc.stdout
    proc = pre_commit("run", "ftlint", "--all-files", "--verbose", cwd=repo, home=pre_commit_home)  # EX001 warns: shown with --verbose
    assert proc.returncode == 0 and "train.jsonl:11: EX001" in proc.stdout, proc.stdout
    put_paths(repo, {".pre-commit-config.yaml": base + "  - id: ftlint-fix\n    additional_dependencies: *house\n"})
    proc = pre_commit("run", "ftlint-fix", "--all-files", "--verbose", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 0 and "train.jsonl:11: EX001" in proc.stdout, proc.stdout


def test_lint_hook_finds_a_leak_when_only_the_validation_file_is_staged(repo, pre_commit_home):
    """Newcomer trial: with validation-file set, staging only data/valid.jsonl ran 'ftlint check data/valid.jsonl',
    which printed nothing while the training file held the example; the config's files now supply it."""
    write(repo, "data/train.jsonl", TEN)
    write(repo, "data/valid.jsonl", [TEN[3]])
    put_paths(repo, {"pyproject.toml": '[tool.ftlint]\nvalidation-file = "data/valid.jsonl"\nfiles = ["data/train.jsonl"]\n'})
    proc = pre_commit("run", "ftlint", "--files", "data/valid.jsonl", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "data/valid.jsonl:1: FT406 [validation-leak] this validation example is also in the training data: line 4 of data/train.jsonl" in proc.stdout
    assert "data/train.jsonl:" not in proc.stdout  # read for the comparison, not linted: it was not staged


def test_with_both_hooks_the_full_report_is_printed_once_and_every_finding_is_listed(repo, head, pre_commit_home):
    """Newcomer trial: ftlint-fix and ftlint printed the same full report twice. The fix hook now says what it fixed
    and lists what is left, one line each; the summary and statistics are the lint hook's."""
    put_paths(repo, {".pre-commit-config.yaml": config(head, ["ftlint-fix", "ftlint"])})
    write(repo, "train.jsonl", [*TEN, PADDED, BAD])
    proc = pre_commit("run", "--all-files", cwd=repo, home=pre_commit_home)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    fix_part, _, lint_part = proc.stdout.partition("- hook id: ftlint\n")
    assert "Fixed 1 problem(s) in train.jsonl: FT201" in fix_part and "train.jsonl:12: FT112" in fix_part
    assert "train.jsonl:12: FT112" in lint_part  # nothing hidden: each hook lists it
    assert proc.stdout.count("Found ") == 1 and proc.stdout.count("examples in 12 lines") == 1 and "Found " in lint_part
