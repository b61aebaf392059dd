"""One spelling for the report format on every command: ``--output-format``/``--format``.

``stats``, ``rules``, ``rule`` and ``plugins`` took ``--json`` while ``check`` took ``--output-format``.
They now take ``--output-format text|json``; ``--json`` still works (hidden, deprecated, a warning on
standard error only) and an unknown format is a one-line error naming the choices. All through the
real CLI in a subprocess.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import GOOD, run_cli

DEPRECATED = "ftlint: warning: --json is deprecated; use --output-format json"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("report-format") / "train.jsonl"
    path.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    return path


def _commands(data):
    """Each report command with the arguments it needs (``stats`` in one process: no worker pool)."""
    return {
        "stats": ("stats", data, "--jobs", 1, "--isolated"),
        "rules": ("rules",),
        "rule": ("rule", "FT101"),
        "plugins": ("plugins",),
        "profiles": ("profiles",),
        "models": ("models",),
    }


EVERY = ["stats", "rules", "rule", "plugins", "profiles", "models"]


@pytest.mark.parametrize("command", ["stats", "rules", "rule", "plugins"])
def test_output_format_json_equals_the_deprecated_json_flag(command, data):
    args = _commands(data)[command]
    new = run_cli(*args, "--output-format", "json")
    short = run_cli(*args, "--format", "json")
    old = run_cli(*args, "--json")
    assert new.returncode == short.returncode == old.returncode == 0, (new.stderr, old.stderr)
    assert json.loads(new.stdout) == json.loads(short.stdout) == json.loads(old.stdout)
    assert DEPRECATED not in new.stderr and DEPRECATED not in short.stderr
    assert old.stderr.splitlines().count(DEPRECATED) == 1


@pytest.mark.parametrize("command", EVERY)
def test_text_is_the_default_and_can_be_named(command, data):
    args = _commands(data)[command]
    default, named = run_cli(*args), run_cli(*args, "--format", "text")
    assert default.returncode == named.returncode == 0, named.stderr
    assert default.stdout == named.stdout and default.stdout.strip()
    with pytest.raises(json.JSONDecodeError):
        json.loads(default.stdout)


@pytest.mark.parametrize("command", EVERY)
@pytest.mark.parametrize("name", ["xml", "JSON", "sarif", ""])
def test_an_unknown_format_is_one_line_naming_the_choices(command, name, data):
    proc = run_cli(*_commands(data)[command], "--output-format", name)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == f"ftlint: error: unknown output format {name!r}; choose from text, json\n"


def test_json_and_another_format_together_is_an_error(data):
    proc = run_cli("stats", data, "--isolated", "--json", "--format", "text")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "ftlint: error: --json and --output-format text disagree; use --output-format alone\n"
    agreeing = run_cli("stats", data, "--isolated", "--json", "--format", "json")
    assert agreeing.returncode == 0 and json.loads(agreeing.stdout)[0]["examples"] == 1


@pytest.mark.parametrize("command", EVERY)
def test_help_lists_the_option_and_hides_the_deprecated_flag(command):
    proc = run_cli(command, "--help")
    assert proc.returncode == 0
    assert "--output-format, --format [text|json]" in proc.stdout
    assert not [line for line in proc.stdout.splitlines() if line.lstrip().startswith("--json")]


def test_stats_json_with_html_writes_both(data, tmp_path):
    report = tmp_path / "report.html"
    proc = run_cli("stats", data, "--isolated", "--jobs", 1, "--output-format", "json", "--html", report)
    assert proc.returncode == 0, proc.stderr
    (summary,) = json.loads(proc.stdout)
    assert summary["examples"] == 1 and summary["path"] == str(data)
    assert report.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


def test_every_rule_as_json(data):
    proc = run_cli("rule", "--all", "--output-format", "json")
    assert proc.returncode == 0, proc.stderr
    rules = json.loads(proc.stdout)
    listed = json.loads(run_cli("rules", "--all", "--format", "json").stdout)
    assert [r["code"] for r in rules] == [r["code"] for r in listed]
    one = json.loads(run_cli("rule", "FT503", "--format", "json").stdout)
    assert next(r for r in rules if r["code"] == "FT503") == one


def test_profiles_as_json_hold_what_verbose_text_says():
    listed = json.loads(run_cli("profiles", "--output-format", "json").stdout)
    text = run_cli("profiles").stdout
    assert [p["name"] for p in listed] == [line.split(":", 1)[0] for line in text.splitlines()]
    legacy = next(p for p in listed if p["name"] == "openai-legacy")
    assert legacy["kinds"] == ["completion"] and legacy["roles"] == [] and legacy["min_examples"] == 10
    bedrock = next(p for p in listed if p["name"] == "bedrock")
    assert bedrock["alternate"] is True and bedrock["roles"] == ["assistant", "user"]
    assert all({"what", "where"} == set(source) for p in listed for source in p["sources"])


def test_models_as_json_match_the_text_listing():
    listed = json.loads(run_cli("models", "--format", "json").stdout)
    rows = run_cli("models").stdout.splitlines()
    assert len(listed) == len(rows) > 5
    for spec, row in zip(listed, rows):
        assert row.split()[:2] == [spec["name"], spec["encoding"]] and f"{spec['token_limit']:,}" in row


@pytest.mark.parametrize("command", ["profiles", "models"])
def test_commands_that_never_took_json_do_not_start_now(command):
    proc = run_cli(command, "--json")
    assert proc.returncode == 2 and "No such option" in proc.stderr


def test_a_plugin_profile_holding_plain_sets_prints_as_json():
    """A plugin may build its profile with set literals: the JSON report sorts them like frozensets."""
    import dataclasses

    from linter.profiles import OPENAI_SFT

    profile = dataclasses.replace(OPENAI_SFT, name="acme", roles={"user", "assistant", "system", "bot"})
    data = json.loads(json.dumps(profile.as_dict()))
    assert data["roles"] == ["assistant", "bot", "system", "user"]
