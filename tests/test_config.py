"""Selection (ruff's prefix semantics), per-file ignores, severities, config files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.config import ConfigError, from_table
from linter.registry import get_registry
from linter.selection import Layer, SelectionError, check_selectors, ignored_for_path, resolve, severities

from .conftest import GOOD, cli_json, dump, run_cli

RULES = get_registry().rules
DEFAULT = {c for c, r in RULES.items() if r.default_enabled}


def test_select_prefix_replaces_default():
    assert resolve(RULES, [Layer(select=["FT1"])]) == {c for c in RULES if c.startswith("FT1")}


def test_more_specific_wins_and_ignore_wins_ties():
    on = resolve(RULES, [Layer(select=["FT1"], ignore=["FT11"])])
    assert "FT106" in on and "FT110" not in on
    on = resolve(RULES, [Layer(select=["FT110"], ignore=["FT11"])])
    assert on == {"FT110"}  # the longer selector is more specific
    on = resolve(RULES, [Layer(select=["FT110"], ignore=["FT110"])])
    assert on == set()  # tie: ignore wins


def test_layers_and_names_and_all():
    on = resolve(RULES, [Layer(ignore=["FT2"]), Layer(extend_select=["whitespace-padding"])])
    assert "FT201" in on and "FT200" not in on
    assert resolve(RULES, [Layer(select=["ALL"])]) == set(RULES)
    # a later layer with select starts over
    assert resolve(RULES, [Layer(select=["FT1"]), Layer(select=["FT30"])]) == {"FT300"}


def test_unknown_selector_is_an_error():
    with pytest.raises(SelectionError, match="FT99"):
        check_selectors(["FT99"], RULES, "select")


def test_per_file_ignores_and_severity_overrides():
    assert ignored_for_path("data/legacy/x.jsonl", {"data/legacy/*": ["FT1"]}, RULES) == {c for c in RULES if c.startswith("FT1")}
    assert ignored_for_path("x.val.jsonl", {"*.val.jsonl": ["FT300"]}, RULES) == {"FT300"}
    levels = severities(RULES, {"FT1": "warning", "FT112": "error"})
    assert levels["FT106"].value == "warning" and levels["FT112"].value == "error"


def test_config_validation():
    with pytest.raises(ConfigError, match="unknown key"):
        from_table({"selct": ["FT1"]}, "pyproject.toml")
    with pytest.raises(ConfigError, match="max-tokens"):
        from_table({"max-tokens": "many"}, "pyproject.toml")
    settings = from_table({"select": ["FT1"], "model": "gpt-4o", "per-file-ignores": {"*.x": ["FT2"]}}, "p")
    assert settings.select == ["FT1"] and settings.model == "gpt-4o"


BAD_ROW = {"messages": [{"role": "human", "content": " hi"}, {"role": "assistant", "content": "x"}], "id": 1}


def _dataset(tmp_path, config: str | None):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text(json.dumps(BAD_ROW) + "\n")
    if config is not None:
        (tmp_path / "pyproject.toml").write_text(config)
    return tmp_path


def found(report):
    return sorted({f["code"] for f in report["findings"]})


def test_pyproject_config_is_found_from_a_subfolder_and_cli_overrides(tmp_path):
    root = _dataset(tmp_path, '[tool.ftlint]\nselect = ["FT106", "FT110"]\nseverity = {FT106 = "warning"}\n')
    report, proc = cli_json("train.jsonl", cwd=root / "data")
    assert found(report) == ["FT106", "FT110"]
    assert proc.returncode == 0  # FT106 downgraded to warning, FT110 is a warning
    report, proc = cli_json("train.jsonl", "--select", "FT201", cwd=root / "data")
    assert found(report) == ["FT201"]
    report, _ = cli_json("train.jsonl", "--extend-select", "FT201", "--ignore", "FT110", cwd=root / "data")
    assert found(report) == ["FT106", "FT201"]
    report, proc = cli_json("train.jsonl", "--severity", "FT106=error", cwd=root / "data")
    assert proc.returncode == 1
    report, _ = cli_json("train.jsonl", "--isolated", cwd=root / "data")
    assert "FT115" in found(report)


def test_per_file_ignores_from_config(tmp_path):
    root = _dataset(tmp_path, '[tool.ftlint]\nper-file-ignores = {"data/*" = ["FT1"]}\n')
    report, _ = cli_json("data/train.jsonl", cwd=root)
    assert not [c for c in found(report) if c.startswith("FT1")] and "FT201" in found(report)


def test_explicit_config_file_and_model_from_config(tmp_path):
    root = _dataset(tmp_path, None)
    (root / "ftlint.toml").write_text('model = "gpt-4.1-nano"\nselect = ["FT300"]\nmax-tokens = 5\n')
    report, proc = cli_json("--config", root / "ftlint.toml", root / "data" / "train.jsonl")
    assert found(report) == ["FT300"] and "5-token limit (max-tokens in " in report["findings"][0]["message"]  # where the limit was set


@pytest.mark.parametrize(
    "args, message",
    [
        (["--select", "FT999"], "matches no rule"),
        (["--model", "llama-9"], "unknown model"),
        (["--profile", "nope"], "unknown profile"),
        (["--format", "xml"], "unknown output format"),
        (["--severity", "FT101=fatal"], "unknown severity"),
        (["missing.jsonl"], "no such file"),
        (["--model", "Org/Name"], "for another model, count with its own tokenizer: --tokenizer PATH"),
        (["--config", "/dev/null"], "config file /dev/null is not a regular file"),
        (["--config", "missing.toml"], "config file missing.toml does not exist"),
        (["--config", "ok.jsonl"], "ok.jsonl: invalid TOML"),
        (["--config", "pyproject.toml"], "pyproject.toml: no [tool.ftlint] table"),
    ],
)
def test_usage_errors_exit_2_without_traceback(tmp_path, args, message):
    (tmp_path / "ok.jsonl").write_text(json.dumps(GOOD) + "\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "data"\n')
    paths = [] if "missing.jsonl" in args else ["ok.jsonl"]
    proc = run_cli("check", *paths, *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr  # one line, never a list of every model


def test_unknown_model_suggests_one_close_name(tmp_path):
    (tmp_path / "ok.jsonl").write_text(json.dumps(GOOD) + "\n")
    proc = run_cli("check", "ok.jsonl", "--model", "gpt-4o-mni", cwd=tmp_path)
    assert proc.returncode == 2 and "did you mean 'gpt-4o-mini'?" in proc.stderr and "gpt-4.1" not in proc.stderr


def test_an_unknown_model_is_matched_within_the_profiles_provider_first(tmp_path):
    """Fireworks' short name got a Bedrock id ('meta.llama3-1-8b-instruct-v1:0') (hosted-user trial)."""
    (tmp_path / "ok.jsonl").write_text(json.dumps(GOOD) + "\n")
    proc = run_cli("check", "ok.jsonl", "--profile", "fireworks", "--model", "llama-v3p1-8b-instruct", cwd=tmp_path)
    assert proc.returncode == 2 and "did you mean 'accounts/fireworks/models/llama-v3p1-8b-instruct'?" in proc.stderr
    proc = run_cli("check", "ok.jsonl", "--profile", "bedrock", "--model", "llama3-1-8b-instruct", cwd=tmp_path)
    assert "did you mean 'meta.llama3-1-8b-instruct-v1:0'?" in proc.stderr


def test_broken_config_exits_2(tmp_path):
    root = _dataset(tmp_path, "[tool.ftlint]\nselect = 'FT1'\n")
    proc = run_cli("check", "data/train.jsonl", cwd=root)
    assert proc.returncode == 2 and "select must be a list" in proc.stderr
    (root / "pyproject.toml").write_text("[tool.ftlint\n")
    proc = run_cli("check", "data/train.jsonl", "--config", "pyproject.toml", cwd=root)
    assert proc.returncode == 2 and "invalid TOML" in proc.stderr


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[tool.ftlint.options.token-limt]\nstrategy = "truncate"\n',
         "[tool.ftlint.options.token-limt]: no rule is called 'token-limt'; did you mean 'token-limit'?"),
        ('[tool.ftlint.options.token-limit]\nstrategi = "truncate"\n',
         "[tool.ftlint.options.token-limit]: unknown option(s) strategi for FT300 token-limit; did you mean 'strategy'?"),
        ('[tool.ftlint.options.FT300]\nstrategi = "truncate"\n', "unknown option(s) strategi for FT300 token-limit"),
        ('[tool.ftlint]\nselct = ["FT1"]\n', "unknown key(s) selct in [tool.ftlint]; did you mean 'select'?"),
        ('[tool.ftlint]\nignore = ["role-unknwn"]\n', "ignore: 'role-unknwn' matches no rule; did you mean 'role-unknown'?"),
    ],
)
def test_config_typos_exit_2_naming_the_table_and_the_closest_name(tmp_path, table, message):
    """A misspelt rule, option or key is an error, even for a rule that is not enabled."""
    (tmp_path / "pyproject.toml").write_text(table)
    (tmp_path / "data.jsonl").write_text(json.dumps(GOOD) + "\n")
    for command in (("check", "data.jsonl", "--select", "FT1"), ("stats", "data.jsonl")):
        proc = run_cli(*command, cwd=tmp_path)
        assert proc.returncode == 2, (command, proc.stdout, proc.stderr)
        assert message in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_a_rule_only_a_missing_plugin_provides_is_named_with_the_plugins_installed_here(tmp_path):
    """Newcomer trial: a plugin in the ftlint hook's additional_dependencies but not in ftlint-fix's made the fix
    hook say "no rule is called 'banned-phrases'", which reads as a typo. The error now says which plugins this
    environment loaded and that every hook needs the plugin. Here the example plugin is installed but not
    loaded (FTLINT_LOAD_PLUGINS), as in a hook environment that lacks it."""
    (tmp_path / "data.jsonl").write_text(json.dumps(GOOD) + "\n")
    for config in ('[tool.ftlint.options.banned-phrases]\nphrases = ["as an ai"]\n', '[tool.ftlint]\nextend-select = ["EX001"]\n'):
        (tmp_path / "pyproject.toml").write_text(config)
        assert run_cli("check", "data.jsonl", cwd=tmp_path).returncode == 0  # where the plugin loads, the config is fine
        proc = run_cli("check", "data.jsonl", cwd=tmp_path, env={"FTLINT_LOAD_PLUGINS": "submit"})
        assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, proc.stderr
        assert "no plugin installed here provides it (plugins loaded, as FTLINT_LOAD_PLUGINS='submit' allows: submit (ftlint-submit" in proc.stderr
        assert "see 'ftlint plugins'" in proc.stderr and "additional_dependencies of every ftlint hook" in proc.stderr
    # a built-in code, or a name close to a built-in rule's, is a typo: no plugin talk
    for config in ('[tool.ftlint]\nselect = ["FT999"]\n', '[tool.ftlint.options.token-limt]\nstrategy = "drop"\n'):
        (tmp_path / "pyproject.toml").write_text(config)
        proc = run_cli("check", "data.jsonl", cwd=tmp_path)
        assert proc.returncode == 2 and "plugin" not in proc.stderr, proc.stderr


def test_show_settings_names_the_origin_of_the_trainer_settings(tmp_path):
    """--tokenizer/--max-seq-length/--trainer-config said '# default' when set by flag."""
    pytest.importorskip("tokenizers")
    from linter.trainer.testing import build_tokenizer_folder

    build_tokenizer_folder(tmp_path / "tok")

    def origins(*args):
        proc = run_cli("check", "--show-settings", *args, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        return {line.split(" = ")[0]: line.rsplit("# ", 1)[1] for line in proc.stdout.splitlines() if " = " in line}

    flags = origins("--isolated", "--tokenizer", "tok", "--max-seq-length", "100")
    assert flags["tokenizer"] == flags["max-seq-length"] == "command line"
    assert flags["trainer-config"] == "default"
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\ntokenizer = "tok"\nmax-seq-length = 200\n')
    config = origins()
    assert config["tokenizer"] == config["max-seq-length"] == str(tmp_path / "pyproject.toml")
    mixed = origins("--max-seq-length", "300")
    assert mixed["max-seq-length"] == "command line" and mixed["tokenizer"] == str(tmp_path / "pyproject.toml")


def test_show_settings_names_the_plugins_taking_part_not_only_the_configs_list(tmp_path):
    """Newcomer trial: --show-settings printed 'plugins = []' while an installed plugin's rules ran; 'plugins' is the
    config's list of local plugins, so a comment line now names every plugin loaded besides ftlint's own."""
    (tmp_path / "house.py").write_text("")
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["house.py"]\n')
    proc = run_cli("check", "--show-settings", cwd=tmp_path, env={"FTLINT_LOAD_PLUGINS": "example"})
    assert _shown_settings(proc)["plugins"][0] == ["house.py"]
    assert "# plugins loaded, as FTLINT_LOAD_PLUGINS='example' allows: example (ftlint-example 0.1.0), local:house.py" in proc.stdout.splitlines()
    alone = run_cli("check", "--show-settings", "--isolated", cwd=tmp_path, env={"FTLINT_LOAD_PLUGINS": ""})
    assert "# plugins loaded, as FTLINT_LOAD_PLUGINS='' allows: none besides ftlint's own" in alone.stdout.splitlines()


def _shown_settings(proc) -> dict:
    """``--show-settings`` output as ``{key: (value, origin)}``."""
    assert proc.returncode == 0, proc.stderr
    rows = [line.split(" = ", 1) for line in proc.stdout.splitlines() if " = " in line and not line.startswith("#")]
    return {key: (json.loads(rest.rsplit("  # ", 1)[0]), rest.rsplit("  # ", 1)[1]) for key, rest in rows}


def test_show_settings_shows_the_tokenizer_and_length_a_trainer_config_supplies(tmp_path):
    """--show-settings printed 'tokenizer = null  # default' (and max-seq-length null) while the run used the
    trainer config's base_model and sequence_len: it shows what the run uses, and the key it came from."""
    pytest.importorskip("tokenizers")
    pytest.importorskip("yaml")
    from linter.trainer.testing import build_tokenizer_folder

    build_tokenizer_folder(tmp_path / "models" / "tiny")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "chat.jsonl").write_text(json.dumps(
        {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello!"}]}) + "\n")
    (tmp_path / "axolotl.yml").write_text(
        "base_model: ./models/tiny\nsequence_len: 300\n"
        "datasets:\n  - path: data/chat.jsonl\n    type: chat_template\n    field_messages: conversations\n"
        "    message_property_mappings:\n      role: from\n      content: value\n")
    shown = _shown_settings(run_cli("check", "--trainer-config", "axolotl.yml", "--show-settings", cwd=tmp_path))
    report, _ = cli_json("--trainer-config", "axolotl.yml", cwd=tmp_path)
    used = report["files"][0]["trainer"]
    assert shown["tokenizer"] == (used["tokenizer"], "base_model in axolotl.yml")
    assert Path(tmp_path, used["tokenizer"]).resolve() == (tmp_path / "models" / "tiny").resolve()
    assert shown["max-seq-length"] == (used["max_seq_length"], used["max_seq_length_from"]) == (300, "sequence_len in axolotl.yml")
    assert shown["files"] == ([str(tmp_path / "data" / "chat.jsonl")], "--trainer-config axolotl.yml")
    # a tokenizer and length given on the command line win over the config's, there and in the run
    flags = _shown_settings(run_cli("check", "--trainer-config", "axolotl.yml", "--tokenizer", "models/tiny",
                                    "--max-seq-length", "50", "--show-settings", cwd=tmp_path))
    assert flags["tokenizer"] == ("models/tiny", "command line") and flags["max-seq-length"] == (50, "command line")
    # a TRL config: the tokenizer from model_name_or_path, the length from SFTConfig's default
    (tmp_path / "data" / "trl.jsonl").write_text(json.dumps(GOOD) + "\n")
    (tmp_path / "trl.yaml").write_text("model_name_or_path: models/tiny\ndataset_name: data/trl.jsonl\n")
    trl = _shown_settings(run_cli("check", "--trainer-config", "trl.yaml", "--show-settings", cwd=tmp_path))
    used = cli_json("--trainer-config", "trl.yaml", cwd=tmp_path)[0]["files"][0]["trainer"]
    assert trl["tokenizer"] == (used["tokenizer"], "model_name_or_path in trl.yaml")
    assert trl["max-seq-length"] == (used["max_seq_length"], used["max_seq_length_from"])
    assert "not set in trl.yaml" in trl["max-seq-length"][1]


def test_isolated_ignores_the_plugins_a_config_names(tmp_path):
    """--isolated ignores every configuration file: its local plugins were still imported at start-up."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "house.py").write_text("raise RuntimeError('the house plugin was imported')\n")
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["rules/house.py"]\n')
    (tmp_path / "train.jsonl").write_text(json.dumps(GOOD) + "\n")
    loaded = run_cli("check", "train.jsonl", cwd=tmp_path)
    assert loaded.returncode == 2 and "the house plugin was imported" in loaded.stderr
    isolated = run_cli("check", "--isolated", "--ignore", "FT402", "train.jsonl", cwd=tmp_path)
    assert isolated.returncode == 0, isolated.stderr
    # --config FILE replaces the nearest pyproject.toml, plugins included
    (tmp_path / "other.toml").write_text("[tool.ftlint]\nignore = ['FT402']\n")
    for args in (("--config", "other.toml"), ("--config=other.toml",)):
        other = run_cli("check", *args, "train.jsonl", cwd=tmp_path)
        assert other.returncode == 0, other.stderr


def test_per_file_ignores_are_relative_to_the_config_folder_wherever_ftlint_runs(tmp_path):
    """As ruff: 'data/legacy/*' in ./pyproject.toml means the same files from data/ or data/legacy/."""
    legacy = tmp_path / "data" / "legacy"
    legacy.mkdir(parents=True)
    (legacy / "a.jsonl").write_text(json.dumps({**GOOD, "source": "x"}) + "\n")
    (tmp_path / "data" / "b.jsonl").write_text(json.dumps({**GOOD, "source": "x"}) + "\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ftlint]\nselect = ["FT110"]\nper-file-ignores = { "data/legacy/*" = ["FT110"] }\n')

    def flagged(*paths, cwd):
        report, _ = cli_json(*paths, cwd=cwd)
        return sorted({f["path"] for f in report["findings"]})

    assert flagged("data/legacy/a.jsonl", "data/b.jsonl", cwd=tmp_path) == ["data/b.jsonl"]
    assert flagged("legacy/a.jsonl", "b.jsonl", cwd=tmp_path / "data") == ["b.jsonl"]
    assert flagged("a.jsonl", "../b.jsonl", cwd=legacy) == ["../b.jsonl"]
    # a pattern only matched the cwd-relative path before: 'legacy/*' is <config folder>/legacy/*, not data/legacy/*
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nselect = ["FT110"]\nper-file-ignores = { "legacy/*" = ["FT110"] }\n')
    assert flagged("legacy/a.jsonl", cwd=tmp_path / "data") == ["legacy/a.jsonl"]


def test_an_unknown_model_with_its_own_tokenizer_is_counted(tmp_path):
    """The error's advice works: --tokenizer makes any model name usable, and the summary says the limit is a default."""
    pytest.importorskip("tokenizers")
    from linter.trainer.testing import build_tokenizer_folder

    build_tokenizer_folder(tmp_path / "tok")
    (tmp_path / "ok.jsonl").write_text(json.dumps(GOOD) + "\n")
    proc = run_cli("check", "ok.jsonl", "--model", "Org/Name", "--tokenizer", "tok", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "limit 4,096 tokens (model default; Org/Name is not in 'ftlint models')" in proc.stdout


def test_config_paths_are_shown_relative_and_a_symlinked_dataset_keeps_its_name(tmp_path):
    """Newcomer trial: a validation-file from [tool.ftlint] came out absolute in SARIF, JUnit and text;
    review: resolving the config's files followed a symlink, so per-file-ignores no longer matched."""
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "blob").write_text(dump([GOOD] * 2))
    (tmp_path / "train.jsonl").symlink_to("store/blob")
    (tmp_path / "valid.jsonl").write_text(dump([GOOD]))
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nfiles = ["train.jsonl"]\nvalidation-file = "valid.jsonl"\n'
                                             'ignore = ["FT402"]\n[tool.ftlint.per-file-ignores]\n"train.jsonl" = ["FT403"]\n')
    proc = run_cli("check", "--format", "json", cwd=tmp_path)
    report = json.loads(proc.stdout)
    assert {f["path"] for f in report["findings"]} == {"valid.jsonl"}, report["findings"]  # train's FT403 ignored
    assert sorted(f["path"] for f in report["files"]) == ["train.jsonl", "valid.jsonl"]


def test_a_line_that_could_not_be_read_is_reported_whatever_the_selection(tmp_path):
    """Newcomer trial: '--select FT1' on a file with a broken line passed with exit 0. As ruff reports a
    syntax error whatever is selected, the reader-problem rules stay on unless ignored by name."""
    path = tmp_path / "d.jsonl"
    path.write_text(dump([GOOD]) + "{broken\n")
    report, proc = cli_json(path, "--select", "FT1")
    assert proc.returncode == 1 and ("FT001", 2) in [(f["code"], f["line"]) for f in report["findings"]]
    report, proc = cli_json(path, "--select", "FT1", "--ignore", "FT001")
    assert "FT001" not in [f["code"] for f in report["findings"]]
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nselect = ["FT3"]\nignore = ["invalid-json"]\n')
    proc = run_cli("check", path.name, "--format", "json", cwd=tmp_path)
    assert "FT001" not in [f["code"] for f in json.loads(proc.stdout)["findings"]]  # ignored by name in the config
