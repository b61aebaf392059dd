"""CI gates: baselines that survive line shifts, and the Markdown step summary."""

from __future__ import annotations

import json

from .conftest import GOOD, chat, dump, run_cli

BAD = chat(("user", "no reply"))
OTHERS = [chat(("system", "s"), ("user", f"question {i}"), ("assistant", f"answer {i}")) for i in range(3)]
ALSO_BAD = chat(("user", "still no reply"))


def test_baseline_hides_known_findings_across_line_shifts(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text(dump([GOOD, BAD]))
    baseline = tmp_path / "ftlint-baseline.json"
    proc = run_cli("check", data, "--write-baseline", baseline)
    assert proc.returncode == 0 and "wrote a baseline of" in proc.stderr
    # rows inserted above: the known finding moves from line 2 to 4 and stays hidden
    data.write_text(dump([GOOD, *OTHERS[:2], BAD]))
    proc = run_cli("check", data, "--baseline", baseline, "--format", "json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["findings"] == []
    assert "hidden by the baseline" in proc.stderr
    # a new problem fails; a second copy of a known-bad row is new too
    data.write_text(dump([GOOD, BAD, ALSO_BAD, OTHERS[2], BAD]))
    proc = run_cli("check", data, "--baseline", baseline, "--format", "json")
    found = [(f["line"], f["code"]) for f in json.loads(proc.stdout)["findings"] if f["severity"] == "error"]
    assert proc.returncode == 1 and found == [(3, "FT112"), (5, "FT112")]


def test_baseline_from_another_folder_and_bad_files(tmp_path):
    (tmp_path / "data").mkdir()
    data = tmp_path / "data" / "train.jsonl"
    data.write_text(dump([BAD]))
    run_cli("check", "data/train.jsonl", "--write-baseline", "baseline.json", cwd=tmp_path)
    proc = run_cli("check", "train.jsonl", "--baseline", "../baseline.json", cwd=tmp_path / "data")
    assert proc.returncode == 0, proc.stdout
    missing = run_cli("check", data, "--baseline", tmp_path / "nope.json")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    (tmp_path / "junk.json").write_text("[1, 2]")
    junk = run_cli("check", data, "--baseline", tmp_path / "junk.json")
    assert junk.returncode == 2 and "not an ftlint baseline" in junk.stderr


def test_markdown_step_summary_is_appended_and_escaped(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text(dump([GOOD, chat(("user", "q"), ("b|o`t<script>", "x"))]))
    summary = tmp_path / "summary.md"
    summary.write_text("previous step\n")
    proc = run_cli("check", data, "--summary", summary)
    text = summary.read_text()
    assert proc.returncode == 1 and text.startswith("previous step\n## ftlint: ❌ errors found")
    assert "| FT106 | role-unknown | error | 1 | 0 | 0 |" in text
    # fixes counted as the text footer counts them (newcomer trial: an unsafe fix was shown as fixable)
    data.write_text(dump([GOOD, GOOD]) + "{broken\n")
    summary.write_text("")
    run_cli("check", data, "--summary", summary)
    assert "| FT001 | invalid-json | error | 1 | 0 | 1 |" in summary.read_text()
    assert "<script>" not in text and "&lt;script&gt;" in text and "b\\|o\\`t" in text
    assert "train.jsonl | 2 |" in text  # the per-file row: 2 examples


PADDED_BAD = chat(("user", "legacy, no reply "))  # FT112 (no fix) and FT201 (a safe fix) on one row
NEW_PADDED = chat(("system", "s"), ("user", "new "), ("assistant", "ok"))


def test_fix_takes_a_baseline_whose_findings_neither_fail_it_nor_get_fixed(tmp_path):
    """Newcomer trial: 'ftlint fix --baseline' was "No such option", so the fix hook failed every commit on
    baselined errors that have no fix. A baselined fixable finding is left as it is: fixing its row would
    give the row's other baselined findings a new fingerprint, and check would report them again."""
    data = tmp_path / "train.jsonl"
    data.write_text(dump([*OTHERS, PADDED_BAD]))
    baseline = tmp_path / "base.json"
    assert run_cli("check", data, "--write-baseline", baseline).returncode == 0
    data.write_text(dump([*OTHERS, PADDED_BAD, NEW_PADDED]))
    proc = run_cli("fix", data, "--baseline", baseline)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Fixed 1 problem(s)" in proc.stderr and "1 of them fixable, left unfixed" in proc.stderr
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    assert rows[3] == PADDED_BAD and rows[4]["messages"][1]["content"] == "new"  # the known row as it was, the new one fixed
    after = run_cli("check", data, "--baseline", baseline)
    assert after.returncode == 0, after.stdout  # nothing the baseline knew came back
    proc = run_cli("fix", data)
    assert proc.returncode == 1 and "FT112" in proc.stdout  # without it, the error that has no fix fails the fix
    assert json.loads(data.read_text().splitlines()[3])["messages"][0]["content"] == "legacy, no reply"


def test_fix_to_an_output_leaves_baselined_findings_as_a_fix_in_place_does(tmp_path):
    """'fix IN -o OUT --baseline' named its findings by OUT, which the baseline (recording IN) never names:
    no entry matched, so every baselined fix was applied and every baselined error failed the run. They
    are matched as IN's; those that remain still name OUT, whose line numbers they carry."""
    data, out = tmp_path / "train.jsonl", tmp_path / "clean.jsonl"
    data.write_text(dump([*OTHERS, PADDED_BAD]))
    baseline = tmp_path / "base.json"
    assert run_cli("check", data, "--write-baseline", baseline).returncode == 0
    data.write_text(dump([*OTHERS, PADDED_BAD, NEW_PADDED, BAD]))
    before = data.read_bytes()
    proc = run_cli("fix", data, "-o", out, "--baseline", baseline, "--format", "json")
    assert proc.returncode == 1, proc.stderr  # BAD is new: its FT112 fails the run
    assert "1 of them fixable, left unfixed" in proc.stderr
    left = [(f["path"], f["line"], f["code"]) for f in json.loads(proc.stdout)["findings"] if f["severity"] == "error"]
    assert left == [(str(out), 6, "FT112")]  # the baselined FT112 on line 4 is hidden
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows[3] == PADDED_BAD and rows[4]["messages"][1]["content"] == "new" and rows[5] == BAD
    assert data.read_bytes() == before


def test_line_endings_and_a_bom_leave_a_baseline_matching(tmp_path):
    """A row's fingerprint took in the CR of a CRLF line: a checkout with git's core.autocrlf (or an editor
    saving CRLF) revived every baselined finding, and FT009's safe fix, rewriting every line, revived them
    all in a baseline recorded on CRLF. What FT008 and FT009 fix (BOM, line endings) is not the row's; a line
    too long to read (FT007, known by its length) is known without its CR too."""
    (tmp_path / "pyproject.toml").write_text("[tool.ftlint]\nmax-line-bytes = 1000\n")
    data = tmp_path / "train.jsonl"
    lf = dump([*OTHERS, BAD, chat(("user", "q"), ("assistant", "long " * 200))]).encode()
    data.write_bytes(lf)
    assert run_cli("check", "train.jsonl", "--write-baseline", "base.json", cwd=tmp_path).returncode == 0
    data.write_bytes(b"\xef\xbb\xbf" + lf.replace(b"\n", b"\r\n"))
    proc = run_cli("check", "train.jsonl", "--baseline", "base.json", "--format", "json", cwd=tmp_path)
    new = [(f["code"], f["message"]) for f in json.loads(proc.stdout)["findings"]]
    assert new == [("FT008", "file starts with a UTF-8 byte-order mark (BOM)"),
                   ("FT009", "5 lines end with CRLF (\\r\\n), the first here")], proc.stdout  # the long line's CR too
    assert proc.returncode == 0
    assert run_cli("fix", "train.jsonl", "--baseline", "base.json", cwd=tmp_path).returncode == 0  # FT008, FT009: new, fixed
    assert data.read_bytes() == lf
    # recorded on CRLF: a fix of the line endings alone keeps every other finding known
    data.write_bytes(lf.replace(b"\n", b"\r\n"))
    assert run_cli("check", "train.jsonl", "--write-baseline", "base.json", cwd=tmp_path).returncode == 0
    assert run_cli("fix", "train.jsonl", "--no-baseline", "--select", "FT009", "--exit-zero", cwd=tmp_path).returncode == 0
    assert data.read_bytes() == lf
    proc = run_cli("check", "train.jsonl", "--baseline", "base.json", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0 and json.loads(proc.stdout)["findings"] == [], proc.stdout


def test_a_version_1_baseline_is_read_with_a_note_and_a_newer_one_refused(tmp_path):
    """Version 2 knows a CRLF row without its CR; a version 1 file still filters, and a run that reports
    findings while some of its entries went unmatched says why they may be old ones."""
    data = tmp_path / "train.jsonl"
    data.write_text(dump([*OTHERS, BAD]))
    baseline = tmp_path / "base.json"
    assert run_cli("check", data, "--write-baseline", baseline).returncode == 0
    recorded = json.loads(baseline.read_text())
    assert recorded["version"] == 2
    baseline.write_text(json.dumps({**recorded, "version": 1}))
    assert run_cli("check", data, "--baseline", baseline).returncode == 0  # all matched: nothing to say
    data.write_text(dump([*OTHERS, ALSO_BAD]))
    proc = run_cli("check", data, "--baseline", baseline)
    assert proc.returncode == 1 and "is version 1" in proc.stderr and "re-record it with --write-baseline" in proc.stderr
    assert run_cli("check", data, "--write-baseline", baseline).returncode == 0  # re-recorded: version 2
    data.write_text(dump([*OTHERS, BAD]))
    proc = run_cli("check", data, "--baseline", baseline)
    assert proc.returncode == 1 and "is version" not in proc.stderr
    baseline.write_text(json.dumps({**recorded, "version": 3}))
    proc = run_cli("check", data, "--baseline", baseline)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "version 3, written by a newer ftlint" in proc.stderr
    for odd in (None, "2", 0):  # no version a baseline has: not one, rather than 'written by a newer ftlint' (review)
        baseline.write_text(json.dumps({**recorded, "version": odd}))
        proc = run_cli("check", data, "--baseline", baseline)
        assert proc.returncode == 2 and f"is not an ftlint baseline file (its version is {odd!r})" in proc.stderr


def test_a_configured_baseline_serves_check_and_fix_and_the_command_line_wins(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text(dump([*OTHERS, BAD]))
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nbaseline = "known.json"\n')
    work = tmp_path / "data"  # the path is the config file's folder's, wherever ftlint runs
    missing = run_cli("check", "train.jsonl", cwd=work)
    assert missing.returncode == 2 and "known.json does not exist" in missing.stderr
    assert run_cli("check", "train.jsonl", "--write-baseline", "../known.json", cwd=work).returncode == 0
    for command in ("check", "fix"):
        proc = run_cli(command, "train.jsonl", cwd=work)
        assert proc.returncode == 0 and "finding(s) hidden by the baseline" in proc.stderr, (command, proc.stdout)
        everything = run_cli(command, "train.jsonl", "--no-baseline", cwd=work)
        assert everything.returncode == 1 and "FT112" in everything.stdout
    (work / "train.jsonl").write_text(dump([*OTHERS, BAD, ALSO_BAD]))
    assert run_cli("check", "train.jsonl", cwd=work).returncode == 1  # the new row fails
    # re-recording the configured baseline records every finding, not only those it did not hold
    assert run_cli("check", "train.jsonl", "--write-baseline", "../known.json", cwd=work).returncode == 0
    assert run_cli("check", "train.jsonl", cwd=work).returncode == 0
    (tmp_path / "empty.json").write_text('{"version": 1, "fingerprints": {}}\n')
    assert run_cli("check", "train.jsonl", "--baseline", "../empty.json", cwd=work).returncode == 1  # the flag wins
    shown = run_cli("check", "--show-settings", cwd=work).stdout  # outside the working folder: absolute
    assert f'baseline = "{tmp_path / "known.json"}"' in shown
    # a folder run never lints the configured baseline, whatever its name (other JSON it does)
    files = run_cli("check", "--show-files", ".", cwd=tmp_path).stdout.split()
    assert files == ["./data/train.jsonl", "./empty.json"]
