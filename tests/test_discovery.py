"""Which files a folder yields: default excludes, ftlint's own outputs, .gitignore,
exclude settings and flags, and --force-exclude, through the real CLI on a real tree."""

from __future__ import annotations

import json

import pytest

from .conftest import GOOD, dump, run_cli

ROW = dump([GOOD])


def build(root, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path):
    """A dataset repository as a newcomer has it: data, tooling, a model folder, ftlint's outputs."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    build(root, {
        "data/train.jsonl": ROW,
        "data/train.jsonl.rejects.jsonl": ROW,
        "data/valid.csv": "prompt,completion\na,b\n",
        "data/nested/.gitignore": "scratch.jsonl\n",
        "data/nested/scratch.jsonl": ROW,
        "data/nested/keep.jsonl": ROW,
        "package.json": '{"name": "x"}',
        "node_modules/pkg/package.json": '{"name": "y"}',
        "node_modules/pkg/data.jsonl": ROW,
        ".venv/lib/site.jsonl": ROW,
        "env-custom/pyvenv.cfg": "home = /usr\n",
        "env-custom/lib/x.jsonl": ROW,
        "build/out.jsonl": ROW,
        "models/tiny/config.json": '{"model_type": "llama"}',
        "models/tiny/tokenizer_config.json": '{"chat_template": ""}',
        "generated/big.jsonl": ROW,
        ".gitignore": "generated/\n",
        ".ftlint-baseline.json": '{"version": 1, "fingerprints": {}}',
    })
    return root


def shown(*args, cwd) -> list[str]:
    proc = run_cli("check", "--show-files", *args, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return [line.replace("\\", "/") for line in proc.stdout.splitlines()]


def test_a_folder_yields_only_datasets(repo):
    assert shown(".", cwd=repo) == ["./data/nested/keep.jsonl", "./data/train.jsonl", "./data/valid.csv"]


def test_files_named_on_the_command_line_are_linted_unless_force_exclude(repo):
    named = ["package.json", "node_modules/pkg/data.jsonl", "generated/big.jsonl", "data/train.jsonl.rejects.jsonl"]
    assert shown(*named, cwd=repo) == named  # as ruff: an explicit path wins over exclude
    assert shown(*named, "data/train.jsonl", "--force-exclude", cwd=repo) == ["generated/big.jsonl", "data/train.jsonl"]
    # .gitignore never hides a named file: pre-commit passes tracked files, as to ruff
    proc = run_cli("check", "--force-exclude", "package.json", "node_modules/pkg/data.jsonl", cwd=repo)
    assert proc.returncode == 0 and "every path given is excluded" in proc.stderr and not proc.stdout


def test_exclude_settings_and_flags(repo):
    # a flag's pattern with a '/' is anchored at the current folder
    assert shown(".", "--extend-exclude", "nested/keep.jsonl", cwd=repo / "data") == ["./train.jsonl", "./valid.csv"]
    assert shown(".", "--extend-exclude", "nested/keep.jsonl", cwd=repo) == ["./data/nested/keep.jsonl", "./data/train.jsonl", "./data/valid.csv"]
    (repo / "pyproject.toml").write_text('[tool.ftlint]\nextend-exclude = ["data/nested", "*.csv"]\n')
    assert shown(".", cwd=repo) == ["./data/train.jsonl"]
    # a config pattern with a '/' is anchored at the config's folder, wherever ftlint runs
    assert shown(".", cwd=repo / "data") == ["./train.jsonl"]
    # --exclude replaces the defaults (build/, the model folder, package.json come back)
    assert shown("--isolated", "--exclude", "node_modules,.venv,env-custom", ".", cwd=repo) == [
        "./build/out.jsonl", "./data/nested/keep.jsonl", "./data/train.jsonl", "./data/valid.csv",
        "./models/tiny/config.json", "./models/tiny/tokenizer_config.json", "./package.json"]
    assert shown("--isolated", "--no-respect-gitignore", "data", cwd=repo) == [
        "data/nested/keep.jsonl", "data/nested/scratch.jsonl", "data/train.jsonl", "data/valid.csv"]
    (repo / "pyproject.toml").write_text("[tool.ftlint]\nrespect-gitignore = false\nexclude = []\n")
    assert "./generated/big.jsonl" in shown(".", cwd=repo) and "./node_modules/pkg/data.jsonl" in shown(".", cwd=repo)


def test_show_settings_names_where_the_exclusions_come_from(repo):
    (repo / "pyproject.toml").write_text('[tool.ftlint]\nextend-exclude = ["old"]\n')
    proc = run_cli("check", "--show-settings", "--extend-exclude", "tmp", "--force-exclude", cwd=repo)
    settings = {line.split(" = ")[0]: line for line in proc.stdout.splitlines()}
    assert '["old", "tmp"]' in settings["extend-exclude"] and settings["extend-exclude"].endswith("pyproject.toml + command line")
    assert settings["force-exclude"].endswith("# command line") and '"node_modules"' in settings["exclude"]


def test_the_baseline_workflow_does_not_lint_its_own_file(tmp_path):
    """README: write a baseline, then check against it; the second run must not report the baseline."""
    build(tmp_path, {"data/train.jsonl": dump([GOOD, {"messages": []}])})
    wrote = run_cli("check", ".", "--write-baseline", ".ftlint-baseline.json", cwd=tmp_path)
    assert wrote.returncode == 0, wrote.stderr
    again = run_cli("check", ".", "--baseline", ".ftlint-baseline.json", "--format", "json", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads(again.stdout)["findings"] == []
    # a baseline under another name is still never linted by the run that reads or writes it
    run_cli("check", ".", "--write-baseline", "known.json", cwd=tmp_path)
    report = run_cli("check", ".", "--baseline", "known.json", "--format", "json", cwd=tmp_path)
    assert report.returncode == 0 and json.loads(report.stdout)["findings"] == [], report.stdout


def test_bad_exclude_settings_are_errors(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nexclude = "build"\n')
    proc = run_cli("check", ".", cwd=tmp_path)
    assert proc.returncode == 2 and "exclude must be a list" in proc.stderr


def test_a_project_inside_an_excluded_name_is_still_linted(tmp_path):
    """Only folders below the project count: a repository checked out under ~/build/ or ~/dist/ is not excluded."""
    root = tmp_path / "build" / "project"
    build(root, {"pyproject.toml": "[tool.ftlint]\nforce-exclude = true\n", "data/train.jsonl": ROW})
    assert shown(".", cwd=root) == ["./data/train.jsonl"]
    assert shown("data/train.jsonl", cwd=root) == ["data/train.jsonl"]
    assert shown("train.jsonl", cwd=root / "data") == ["train.jsonl"]


def test_a_named_folder_that_gitignore_covers_is_linted(repo):
    """`ftlint check generated/` asks for an ignored folder: it is read (as ripgrep reads `rg x ignored/`);
    a walk of the whole repository still skips it."""
    assert shown("generated", cwd=repo) == ["generated/big.jsonl"]
    assert not any(line.startswith("generated/") for line in shown(".", cwd=repo))


def test_a_gitignore_line_pathspec_cannot_compile_is_skipped_as_git_skips_it(repo):
    build(repo, {"data/nested/.gitignore": "[z-a].tmp\nfoo\\\\\n!\nscratch.jsonl\n"})
    files = shown("data", cwd=repo)
    assert "data/nested/keep.jsonl" in files and "data/nested/scratch.jsonl" not in files
    assert "data/nested/keep.jsonl" in shown("data", "--extend-exclude", "!", cwd=repo)


def test_a_rejects_file_of_any_name_is_not_linted_or_fixed_from_its_folder(tmp_path):
    """Newcomer trial: `fix ds --rejects ds/rejected.jsonl` put the dropped rows in the folder; the next
    `check ds` failed on them and the next `fix ds --unsafe-fixes` moved them on into
    rejected.jsonl.rejects.jsonl, leaving rejected.jsonl.reasons explaining lines no longer there."""
    folder = tmp_path / "ds"
    folder.mkdir()
    data = folder / "train.jsonl"
    data.write_text(dump([GOOD]) + "{\"messages\": [\n")
    fixed = run_cli("fix", folder, "--unsafe-fixes", "--rejects", folder / "rejected.jsonl")
    assert fixed.returncode in (0, 1), fixed.stderr
    rejects = (folder / "rejected.jsonl").read_bytes()
    assert rejects == b'{"messages": [\n' and (folder / "rejected.jsonl.reasons").is_file()
    listed = run_cli("check", folder, "--show-files").stdout.split()
    assert listed == [str(data)]
    assert run_cli("check", folder).returncode == 0
    again = run_cli("fix", folder, "--unsafe-fixes")
    assert again.returncode == 0 and (folder / "rejected.jsonl").read_bytes() == rejects
    assert not (folder / "rejected.jsonl.rejects.jsonl").exists()
    # named on the command line it is linted, as any named file is
    assert run_cli("check", folder / "rejected.jsonl").returncode == 1
