"""A row dropped in any pass of a fix reaches the rejects file as the input held it, with its reason.

A fix runs passes until nothing changes. A row edited in pass 1 (whitespace
stripped, an unknown key removed) can become a duplicate that FT403's unsafe
fix drops in pass 2: the rejects file must hold the row's original bytes,
not the edited row, and the user is told which input line left and why.
Everything runs the real CLI in a subprocess on real files.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from .conftest import run_cli

BOM = b"\xef\xbb\xbf"
SELECT = ["--select", "FT001,FT110,FT201,FT403"]


def chat(user: str, assistant: str, **extra) -> dict:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}], **extra}


def spaced(value: dict) -> bytes:
    """Python's json style (``", "`` and ``": "``), which a fix keeps when it re-serialises a row."""
    return json.dumps(value).encode()


def lines_of(data: bytes) -> list[bytes]:
    """The lines of a JSONL file as ftlint splits them: on ``\\n`` only (a lone ``\\r`` is inside a line)."""
    lines = data.split(b"\n")
    return [line + b"\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def fix(path, *args):
    return run_cli("fix", "--unsafe-fixes", *SELECT, *args, path)


def test_a_row_edited_in_pass_one_and_dropped_in_pass_two_is_rejected_as_the_input_held_it(tmp_path):
    path = tmp_path / "t.jsonl"
    first = spaced(chat("hi", "hello")) + b"\n"
    padded = spaced(chat("hi", "hello   ")) + b"\n"  # pass 1 strips the padding; pass 2 finds a duplicate of line 1
    extra = spaced(chat("hi", "hello", note="x")) + b"\n"  # pass 1 removes the unknown key; then a duplicate
    other = spaced(chat("bye", "see you")) + b"\n"
    data = first + padded + other + extra
    path.write_bytes(data)

    proc = fix(path)

    assert proc.returncode in (0, 1), proc.stderr
    rejects = tmp_path / "t.jsonl.rejects.jsonl"
    assert path.read_bytes() == first + other
    assert rejects.read_bytes() == padded + extra  # byte for byte, in input order: not the edited rows
    # rows in = rows out + rows rejected, line for line
    assert Counter(lines_of(data)) == Counter(lines_of(path.read_bytes())) + Counter(lines_of(rejects.read_bytes()))
    # the reason, naming the line as the input numbers it
    assert f"{path}:2: FT403 [duplicate-example] moved to {rejects}" in proc.stderr
    assert f"{path}:4: FT403 [duplicate-example] moved to {rejects}" in proc.stderr


def test_original_bytes_survive_crlf_bom_and_escapes_in_a_later_pass(tmp_path):
    """What pass 1 rewrites (style, escapes, line ending, a BOM) is kept in the rejected copy."""
    path = tmp_path / "t.jsonl"
    first = spaced(chat("café", "ok")) + b"\n"
    escaped = json.dumps(chat("café", "ok  "), ensure_ascii=True).encode() + b"\r\n"  # \u00e9, padding, CRLF
    bom = BOM + spaced(chat("café", "ok", tag=1)) + b"\n"  # a BOM mid-file and an unknown key
    compact = json.dumps(chat("café", "ok"), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"  # FT404's, kept
    path.write_bytes(first + escaped + bom + compact)

    proc = run_cli("fix", "--unsafe-fixes", "--select", "FT008,FT110,FT201,FT403", path)

    assert proc.returncode in (0, 1), proc.stderr
    rejects = tmp_path / "t.jsonl.rejects.jsonl"
    assert path.read_bytes() == first + compact
    assert rejects.read_bytes() == escaped + bom.removeprefix(BOM)  # a dropped line's BOM leaves with it (docs/fix.md)


def test_a_pass_one_drop_and_a_pass_two_drop_carry_the_same_kind_of_reason(tmp_path):
    path = tmp_path / "t.jsonl"
    good = spaced(chat("hi", "hello")) + b"\n"
    broken = b'{"messages": [,]}\n'  # FT001 drops it in pass 1
    padded = spaced(chat("hi", " hello")) + b"\n"  # FT403 drops it in pass 2
    path.write_bytes(good + broken + padded)

    proc = fix(path)

    rejects = tmp_path / "t.jsonl.rejects.jsonl"
    assert rejects.read_bytes() == broken + padded
    assert f"{path}:2: FT001 [invalid-json] moved to {rejects}" in proc.stderr
    assert f"{path}:3: FT403 [duplicate-example] moved to {rejects}" in proc.stderr


def test_one_run_reaches_the_fixed_point_and_a_second_run_changes_nothing(tmp_path):
    path = tmp_path / "t.jsonl"
    rows = [chat("hi", "hello"), chat("hi", "hello "), chat("hi", "hello", a=1), chat("hi", " hello", b=2), chat("x", "y")]
    data = b"".join(spaced(r) + b"\n" for r in rows)
    path.write_bytes(data)
    fix(path)
    rejects = tmp_path / "t.jsonl.rejects.jsonl"
    once, rejected = path.read_bytes(), rejects.read_bytes()
    assert lines_of(rejected) == lines_of(data)[1:4]

    again = fix(path)

    assert again.returncode == 0, again.stdout + again.stderr
    assert "Fixed" not in again.stderr and "moved to" not in again.stderr
    assert path.read_bytes() == once and rejects.read_bytes() == rejected


def test_output_rejects_hold_the_original_rows_too(tmp_path):
    path = tmp_path / "t.jsonl"
    first = spaced(chat("hi", "hello")) + b"\n"
    padded = spaced(chat("hi", "hello\t")) + b"\n"
    data = first + padded
    path.write_bytes(data)
    out = tmp_path / "out.jsonl"

    proc = fix(path, "-o", out)

    assert proc.returncode in (0, 1), proc.stderr
    assert path.read_bytes() == data
    assert out.read_bytes() == first
    assert (tmp_path / "out.jsonl.rejects.jsonl").read_bytes() == padded


# -- plugins whose fixes the built-in rules never make ------------------------------------------

PLUGIN_SOURCE = '''
from linter import Applicability, Fix, Rule, Severity, Violation, hookimpl, pointer


def count_up(self, row):
    """A fix that needs one pass per step: n goes up by one until it is 15."""
    n = row.value.get("n")
    if isinstance(n, int) and n < 15:
        yield Violation("n below 15", pointer("n"), Fix("add one", Applicability.SAFE, edits=({"op": "replace", "path": "/n", "value": n + 1},)))


def twin(self, row):
    """A byte fix that turns one line into two (the line-for-line record of where rows came from breaks)."""
    if "twin" in row.value:
        yield Violation("twin", pointer("twin"), Fix("write the row twice", Applicability.SAFE, raw=lambda line: line.replace(b', "twin": 1', b"") * 2))


def rule(code, name, check):
    fields = {"code": code, "name": name, "summary": name, "severity": Severity.WARNING, "fix": Applicability.SAFE, "check": check}
    return type(name.title().replace("-", ""), (Rule,), fields)


@hookimpl
def register_rules(register):
    register(rule("ACME100", "count-up", count_up))
    register(rule("ACME200", "twin", twin))
'''


def plugin_site(tmp_path):
    from .test_plugins import install_fake_distribution

    site = tmp_path / "site"
    install_fake_distribution(site, "acme-fixes", "1.0", "acme_fixes", PLUGIN_SOURCE, "acme")
    return {"PYTHONPATH": str(site)}


def test_a_fix_that_needs_more_passes_than_the_cap_is_named_and_a_second_run_goes_on(tmp_path):
    env = plugin_site(tmp_path)
    path = tmp_path / "t.jsonl"
    path.write_bytes(spaced(chat("hi", "hello", n=0)) + b"\n")

    first = run_cli("fix", "--select", "ACME100", path, env=env)

    assert json.loads(path.read_bytes())["n"] == 10  # ten passes, one step each
    assert "still changed the file in pass 10" in first.stderr and "Run fix again" in first.stderr

    second = run_cli("fix", "--select", "ACME100", path, env=env)

    assert json.loads(path.read_bytes())["n"] == 15 and second.returncode == 0, second.stderr
    assert "still changed" not in second.stderr  # settled: the pass after the fifth step changed nothing


def test_a_byte_fix_that_splits_a_line_degrades_to_the_rows_as_the_pass_saw_them(tmp_path):
    """After a plugin's byte fix makes two lines of one, which input line a later line came from is unknown:
    a row dropped after that is written as the pass held it (the behaviour before input lines were tracked)."""
    env = plugin_site(tmp_path)
    path = tmp_path / "t.jsonl"
    first = spaced(chat("hi", "hello")) + b"\n"
    twin = spaced(chat("x", "y", twin=1)) + b"\n"
    padded = spaced(chat("hi", "hello ")) + b"\n"
    path.write_bytes(first + twin + padded)

    proc = run_cli("fix", "--unsafe-fixes", "--select", "ACME200,FT201,FT403", path, env=env)

    assert proc.returncode in (0, 1), proc.stderr
    rejects = tmp_path / "t.jsonl.rejects.jsonl"
    single = spaced(chat("x", "y")) + b"\n"
    assert path.read_bytes() == first + single
    assert Counter(lines_of(rejects.read_bytes())) == Counter([single, first])  # the twin's copy, and the padded row as edited
    assert f"{path}:?: FT403 [duplicate-example] moved to {rejects}" in proc.stderr


# -- kill-safety: the original rows survive a SIGKILL at every step of the commit --------------


def test_a_kill_anywhere_in_the_commit_keeps_pass_two_rejects_as_the_input_held_them(tmp_path):
    import signal

    from .test_fix_integrity import leftovers, start, wait_for_pause

    kept = [spaced(chat(f"q{i}", f"a{i}")) + b"\n" for i in range(60)]
    dropped = [spaced(chat(f"q{i}", f"a{i}  ")) + b"\n" for i in range(0, 60, 3)]  # padded: duplicates once stripped
    dropped += [spaced(chat(f"q{i}", f"a{i}", extra=i)) + b"\n" for i in range(1, 60, 3)]  # an unknown key
    data = b"".join(kept + dropped)
    for point in ("before-commit", "after-rejects", "before-rename", "after-rename"):
        path = tmp_path / point / "t.jsonl"
        path.parent.mkdir()
        path.write_bytes(data)
        proc = start(path, "--select", "FT110,FT201", pause=f"{point}=30")
        assert wait_for_pause(proc, point)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

        again = run_cli("fix", "--unsafe-fixes", *SELECT, path)

        assert again.returncode in (0, 1), again.stderr
        rejects = path.with_name("t.jsonl.rejects.jsonl")
        assert path.read_bytes() == b"".join(kept), point
        assert rejects.read_bytes() == b"".join(dropped), point  # once each, as the input held them, in input order
        assert leftovers(path.parent) == [], point


def test_a_duplicate_dropped_in_a_later_pass_is_counted_once_beside_a_file_wide_fix(tmp_path):
    """Pass 1 applies row edits and the CRLF fix; the duplicates it also found are dropped (and counted) in pass 2 only."""
    path = tmp_path / "t.jsonl"
    same = spaced(chat("hi", "hello")) + b"\r\n"
    padded = spaced(chat("x", "y ")) + b"\r\n"
    path.write_bytes(same + same + padded)

    proc = run_cli("fix", "--unsafe-fixes", "--select", "FT009,FT201,FT403", path)

    assert "FT009 ×1, FT201 ×1, FT403 ×1" in proc.stderr
    assert (tmp_path / "t.jsonl.rejects.jsonl").read_bytes() == same  # as the input held it: CRLF and all
    assert path.read_bytes() == same.replace(b"\r\n", b"\n") + spaced(chat("x", "y")) + b"\n"


def test_a_last_line_without_its_newline_is_rejected_with_one(tmp_path):
    path = tmp_path / "t.jsonl"
    first = spaced(chat("hi", "hello")) + b"\n"
    last = spaced(chat("hi", "hello", extra=True))  # no newline at the end of the file
    path.write_bytes(first + last)

    fix(path)

    assert path.read_bytes() == first
    assert (tmp_path / "t.jsonl.rejects.jsonl").read_bytes() == last + b"\n"


def test_past_twenty_dropped_rows_the_rest_are_counted_and_every_row_is_in_the_rejects(tmp_path):
    path = tmp_path / "t.jsonl"
    rows = [spaced(chat("hi", "hello")) + b"\n"] + [spaced(chat("hi", "hello", extra=i)) + b"\n" for i in range(25)]
    path.write_bytes(b"".join(rows))

    proc = fix(path)

    rejects = tmp_path / "t.jsonl.rejects.jsonl"
    assert rejects.read_bytes() == b"".join(rows[1:])
    named = [line for line in proc.stderr.splitlines() if "FT403 [duplicate-example] moved to" in line]
    assert named == [f"{path}:{n}: FT403 [duplicate-example] moved to {rejects}" for n in range(2, 22)]
    assert f"ftlint: and 5 more row(s) moved to {rejects}" in proc.stderr


def test_a_file_name_with_control_characters_is_escaped_in_the_dropped_row_lines(tmp_path):
    path = tmp_path / "t\x1b[31m.jsonl"
    path.write_bytes(spaced(chat("hi", "hello")) + b"\n" + spaced(chat("hi", "hello ")) + b"\n")

    proc = fix(path)

    assert "\x1b" not in proc.stderr
    assert ":2: FT403 [duplicate-example] moved to " in proc.stderr


def test_every_row_a_fix_drops_from_a_hostile_corpus_is_an_input_line_in_input_order(tmp_path):
    """3,500 fuzzed lines (broken JSON, bad UTF-8, control characters, BOMs mid-file, duplicates, padding):
    the rejects file is a subsequence of the input's lines, byte for byte, and rows in = rows out + rejected."""
    from .test_fuzz import SEED, count_rows, write_corpus

    path = tmp_path / "fix.jsonl"
    rows = write_corpus(path, SEED + 7, mid_file_bom=True)
    inputs = [line.removeprefix(BOM) for line in lines_of(path.read_bytes())]

    proc = run_cli("fix", "--unsafe-fixes", path)

    assert "Traceback" not in proc.stderr and proc.returncode in (0, 1), proc.stderr[-2000:]
    data = (tmp_path / "fix.jsonl.rejects.jsonl").read_bytes()
    rejected = lines_of(data)
    assert len(rejected) > 100, "the corpus should make the fix drop rows"
    remaining = iter(inputs)
    assert all(any(line == candidate for candidate in remaining) for line in rejected)  # in order, each once
    assert count_rows(path.read_bytes()) + count_rows(data) == rows  # blank lines are no rows (test_fuzz's ledger)
    # a duplicate's reason names the row it repeats by its input line: an earlier one the fix kept (148 of
    # 528 named a rejected line or another row, counted in a later pass's copy, before reasons were renumbered)
    reasons = [json.loads(line) for line in (tmp_path / "fix.jsonl.rejects.jsonl.reasons").read_bytes().splitlines()]
    gone = {reason["line"] for reason in reasons}
    firsts = [(reason["line"], int(reason["message"].removeprefix("duplicate of line ").replace(",", "")))
              for reason in reasons if reason["code"] == "FT403"]
    assert len(firsts) > 100 and all(first < line and first not in gone for line, first in firsts)


def test_origins_follow_lines_across_passes_and_distrust_a_pass_that_miscounts():
    from linter.fix_rejects import UNKNOWN, Origins

    first = Origins()  # pass 1 over the input's 5 lines: line 1 leaves, line 3 is rewritten
    first.copied(1)
    assert first.replaced(b"", b"b\n") == 1
    first.copied(1)
    assert first.replaced(b"D\n", b"d\n") == 3
    first.copied(1)
    assert list(first.out) == [0, 2, 3, 4]
    second = Origins(first)  # pass 2 over those 4 lines: its line 2 (input line 3) leaves
    second.copied(2)
    assert second.replaced(b"", b"D\n") == 3
    second.copied(1)
    second.finish()
    assert second.exact and list(second.out) == [0, 2, 4]
    short = Origins(second)  # a pass that accounts for 2 of 3 lines is not trusted from then on
    short.copied(2)
    short.finish()
    assert not short.exact and Origins(short).origin(0) == UNKNOWN
    split = Origins(second)  # one line written as two
    split.replaced(b"x\ny\n", b"x\n")
    assert not split.exact


def test_blank_lines_a_safe_fix_deletes_are_not_rejected_rows(tmp_path):
    """FT010's safe fix empties a blank line: that is an edit, not a dropped row (review: the
    rejects file got the blank lines, and then failed FT010 itself)."""
    path = tmp_path / "b.jsonl"
    row = spaced(chat("hi", "hello")) + b"\n"
    path.write_bytes(row + b"\n  \n" + row.replace(b"hi", b"yo"))

    proc = run_cli("fix", path)

    assert proc.returncode in (0, 1), proc.stderr
    assert path.read_bytes() == row + row.replace(b"hi", b"yo")
    assert not (tmp_path / "b.jsonl.rejects.jsonl").exists()
    assert "moved to" not in proc.stderr and "FT010 ×2" in proc.stderr


def test_the_reasons_file_says_why_each_rejected_row_left_line_for_line(tmp_path):
    """REJECTS.reasons: one ASCII JSON line per rejected row, in the rejects file's order, naming the input
    line, the rule and its finding's message; a second fix appends to both, still aligned."""
    path = tmp_path / "t.jsonl"
    first = spaced(chat("hi", "hello")) + b"\n"
    broken = b'{"messages": [\xe2\x80\xae\n'  # not JSON, with a bidi override the reasons file must escape
    padded = spaced(chat("hi", "hello   ")) + b"\n"  # a duplicate of line 1 after pass 1
    path.write_bytes(first + broken + padded + spaced(chat("bye", "see you")) + b"\n")
    assert fix(path).returncode in (0, 1)
    rejects = tmp_path / "t.jsonl.rejects.jsonl"
    reasons_file = tmp_path / "t.jsonl.rejects.jsonl.reasons"
    assert rejects.read_bytes() == broken + padded
    reasons = [json.loads(line) for line in reasons_file.read_bytes().splitlines()]
    assert [(r["line"], r["code"], r["name"]) for r in reasons] == [(2, "FT001", "invalid-json"), (3, "FT403", "duplicate-example")]
    assert "line 1" in reasons[1]["message"] and reasons_file.read_bytes().isascii()

    with path.open("ab") as out:  # new data, a new duplicate: both files grow together
        out.write(spaced(chat("bye", "see you")) + b"\n")
    assert fix(path).returncode in (0, 1)
    assert len(rejects.read_bytes().splitlines()) == len(reasons_file.read_bytes().splitlines()) == 3
    assert json.loads(reasons_file.read_bytes().splitlines()[-1])["line"] == 3


def test_a_reason_that_quotes_a_secret_is_redacted_in_the_reasons_file(tmp_path):
    key = "sk-proj-" + "Q7" * 20
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"messages": "' + key.encode() + b'\n')  # a broken line: FT001 quotes the line
    assert fix(path).returncode in (0, 1)
    assert key.encode() in (tmp_path / "t.jsonl.rejects.jsonl").read_bytes()  # the row itself is kept, as the input held it
    assert key.encode() not in (tmp_path / "t.jsonl.rejects.jsonl.reasons").read_bytes()


def test_rejects_without_reasons_get_placeholders_so_the_files_line_up_again(tmp_path):
    """A rejects file from before the reasons file (or with it deleted): the next fix writes a placeholder
    per unexplained row first, so line N of one still explains line N of the other."""
    path = tmp_path / "t.jsonl"
    row = spaced(chat("hi", "hello")) + b"\n"
    path.write_bytes(row + row + row)
    assert fix(path).returncode in (0, 1)
    reasons_file = tmp_path / "t.jsonl.rejects.jsonl.reasons"
    reasons_file.unlink()  # as an older ftlint left it: two rejected rows, no reasons
    path.write_bytes(path.read_bytes() + row)
    assert fix(path).returncode in (0, 1)
    rejects = (tmp_path / "t.jsonl.rejects.jsonl").read_bytes().splitlines()
    reasons = [json.loads(line) for line in reasons_file.read_bytes().splitlines()]
    assert len(rejects) == len(reasons) == 3
    assert [r["code"] for r in reasons] == [None, None, "FT403"] and reasons[2]["line"] == 2


def test_one_rejects_file_for_several_inputs_names_each_rows_input_and_each_run_appends(tmp_path):
    """Newcomer trial: with 'fix --rejects FILE' over several inputs, the .reasons records said "line 3" but not of
    which input, so rows read = rows written + rows rejected could not be checked per file. Every record names its
    input, relative to the reasons file's folder (as a baseline names files), so runs from another working folder
    name it alike. A run appends: the rejected rows left their inputs, and replacing would lose the earlier ones."""
    data = tmp_path / "data"
    data.mkdir()
    row, other = spaced(chat("hi", "hello")) + b"\n", spaced(chat("bye", "see you")) + b"\n"
    a, b = data / "a.jsonl", data / "b.jsonl"
    a.write_bytes(row + row + other)
    b.write_bytes(other + BROKEN + other + other)
    original = {"data/a.jsonl": lines_of(a.read_bytes()), "data/b.jsonl": lines_of(b.read_bytes())}
    rejects, reasons_file = tmp_path / "rejects.jsonl", tmp_path / "rejects.jsonl.reasons"

    def records():
        return [json.loads(line) for line in reasons_file.read_bytes().splitlines()]

    proc = run_cli("fix", "--unsafe-fixes", *SELECT, "--rejects", "rejects.jsonl", "data/a.jsonl", "data/b.jsonl", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    first = records()
    assert [(r["path"], r["line"], r["code"]) for r in first] == [
        ("data/a.jsonl", 2, "FT403"), ("data/b.jsonl", 2, "FT001"), ("data/b.jsonl", 3, "FT403"), ("data/b.jsonl", 4, "FT403")]
    # line N of the rejects file is the row its record names, as that input held it
    assert [original[r["path"]][r["line"] - 1] for r in first] == lines_of(rejects.read_bytes())
    for path in (a, b):  # per file: rows read = rows written + rows rejected
        name = f"data/{path.name}"
        assert len(original[name]) == len(lines_of(path.read_bytes())) + sum(r["path"] == name for r in first)
    # the first file's rows start the rejects file; the second's follow them (and the message says which)
    assert "Moved 1 dropped row(s) of data/a.jsonl to rejects.jsonl (why each left" in proc.stderr
    assert "Moved 3 dropped row(s) of data/b.jsonl to rejects.jsonl (after its earlier rows;" in proc.stderr

    a.write_bytes(a.read_bytes() + other)  # new data; the next run starts from another folder
    before = len(lines_of(a.read_bytes()))
    proc = run_cli("fix", "--unsafe-fixes", *SELECT, "--rejects", "../rejects.jsonl", "a.jsonl", "b.jsonl", cwd=data)
    assert proc.returncode in (0, 1), proc.stderr
    both = records()
    assert both[: len(first)] == first and [(r["path"], r["line"]) for r in both[len(first):]] == [("data/a.jsonl", 3)]
    assert before == len(lines_of(a.read_bytes())) + 1 and len(lines_of(rejects.read_bytes())) == len(both) == 5


# -- the reasons name lines as the input numbers them, whichever pass dropped the row -------------

BROKEN = b'{"messages": [\n'


def reasons_of(path) -> list[tuple[int, str, str]]:
    reasons = path.with_name(path.name + ".rejects.jsonl.reasons").read_bytes().splitlines()
    return [(r["line"], r["code"], r["message"]) for r in map(json.loads, reasons)]


def test_a_duplicate_dropped_after_a_broken_line_left_names_the_input_lines(tmp_path):
    """Newcomer trial: line 1 broken, lines 2 and 3 the same row. The duplicate is dropped in pass 2, which
    lints the copy without line 1; its reason said "duplicate of line 1", the broken line, not line 2."""
    path = tmp_path / "t.jsonl"
    row = spaced(chat("hi", "hello")) + b"\n"
    path.write_bytes(BROKEN + row + row)

    proc = fix(path)

    assert proc.returncode in (0, 1), proc.stderr
    assert path.read_bytes() == row
    assert reasons_of(path)[1] == (3, "FT403", "duplicate of line 2")
    assert f"{path}:3: FT403 [duplicate-example] moved to" in proc.stderr


LAYOUTS = {
    # input lines (None: a broken line) -> the FT403 reasons: (line, line it repeats), as the input numbers them
    "removed before": (["", None, None, "a", "b", "a", "b"], [(6, 4), (7, 5)]),
    "removed between": (["a", None, "b", None, "a", "b"], [(5, 1), (6, 3)]),
    "removed after": (["a", "a", "b", None, None], [(2, 1)]),
    "removed around": ([None, "a", None, "a", None, "b", "a", None], [(4, 2), (7, 2)]),
    "padding stripped first": ([None, "a", "b", "a  ", None, "b\t"], [(4, 2), (6, 3)]),
}


@pytest.mark.parametrize("layout", LAYOUTS, ids=list(LAYOUTS))
def test_every_reason_names_input_lines_wherever_lines_left(tmp_path, layout):
    """Broken lines (FT001, unsafe) and blank ones (FT010, safe) leave before, between and after the
    duplicates, and padding stripped in pass 1 makes more: whichever pass drops a row, its reason and
    the report name it, and the row it repeats, by the input's line numbers."""
    lines, expected = LAYOUTS[layout]
    path = tmp_path / "t.jsonl"
    encoded = [BROKEN if text is None else b"\n" if text == "" else spaced(chat("q", text)) + b"\n" for text in lines]
    path.write_bytes(b"".join(encoded))

    proc = run_cli("fix", "--unsafe-fixes", "--select", "FT001,FT010,FT201,FT403", path)

    assert proc.returncode in (0, 1), proc.stderr
    reasons = reasons_of(path)
    assert [line for line, code, _ in reasons if code == "FT001"] == [n for n, text in enumerate(lines, 1) if text is None]
    assert [(line, message) for line, code, message in reasons if code == "FT403"] == [(n, f"duplicate of line {first}") for n, first in expected]
    for line, first in expected:  # the row named is one the output keeps, and the same example once fixed
        assert lines[first - 1].strip() == lines[line - 1].strip()
        assert spaced(chat("q", lines[first - 1].strip())) in path.read_bytes().splitlines()
        assert f"{path}:{line}: FT403 [duplicate-example] moved to" in proc.stderr
    assert (tmp_path / "t.jsonl.rejects.jsonl").read_bytes() == b"".join(  # as the input held them, in its order
        encoded[line - 1] for line, _, _ in sorted(reasons))


def test_with_an_output_file_reasons_name_input_lines_and_remaining_findings_the_outputs(tmp_path):
    """`fix -o OUT`: a dropped row's reason names input lines (the rows left the input), while a finding
    that remains names OUT and its lines, in its message too (FT404: "same example as line N")."""
    path = tmp_path / "in.jsonl"
    row = chat("hi", "hello")
    reordered = {"messages": [{"content": "hi", "role": "user"}, {"role": "assistant", "content": "hello"}]}
    path.write_bytes(BROKEN + spaced(row) + b"\n" + BROKEN + spaced(row) + b"\n" + spaced(reordered) + b"\n")
    out = tmp_path / "out.jsonl"

    proc = run_cli("fix", "--unsafe-fixes", "--select", "FT001,FT403,FT404", "--format", "json", path, "-o", out)

    reasons = [(line, code, message) for line, code, message in reasons_of(out) if code == "FT403"]
    assert reasons == [(4, "FT403", "duplicate of line 2")]  # lines 1 and 3 (broken) left in pass 1
    left = [(f["path"], f["line"], f["message"]) for f in json.loads(proc.stdout)["findings"] if f["code"] == "FT404"]
    assert left == [(str(out), 2, "same example as line 1 up to whitespace and key order")]
    assert out.read_bytes().splitlines() == [spaced(row), spaced(reordered)]


def test_a_pass_that_drops_rows_forgets_the_reasons_of_those_it_did_not_drop(tmp_path):
    """Reasons of drops a pass found but did not make (it changed rows, so the next pass finds them
    again) are forgotten, not held twice; those of rows that did leave are kept."""
    import os

    from linter.fix_rejects import Rejected

    rejected = Rejected()
    kept = rejected.reason("FT001", "invalid-json", "broken")
    rejected.add(0, b"x\n", kept)
    found = rejected.reason("FT403", "duplicate-example", "duplicate of line 1")
    rejected.forget(kept)  # a row has this one: not forgotten
    rejected.forget(found)
    again = rejected.reason("FT403", "duplicate-example", "duplicate of line 2")
    assert again == found  # its place is taken again
    rejected.add(2, b"y\n", again)
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"x\nz\ny\n")
    rows, reasons = (os.open(tmp_path / name, os.O_WRONLY | os.O_CREAT) for name in ("rows", "reasons"))
    rejected.write(str(source), rows, reasons)
    rejected.close()
    assert (tmp_path / "rows").read_bytes() == b"x\ny\n"
    written = [json.loads(line) for line in (tmp_path / "reasons").read_bytes().splitlines()]
    assert [(r["line"], r["message"]) for r in written] == [(1, "broken"), (3, "duplicate of line 2")]


def test_findings_that_remain_name_output_lines_when_foreseen_drops_do_not_come(tmp_path):
    """Pass 1 drops two over-long rows (FT300) and finds that the second repeats the first (FT403), so
    pass 2 names its rows by input lines, expecting to drop it; it drops nothing and is the last pass.
    The findings that remain are still the output's, line and message (FT404 "same example as line N")."""
    path = tmp_path / "in.jsonl"
    long = chat("tell me " * 50, "sure " * 50)
    reordered = {"messages": [{"content": "hi", "role": "user"}, {"role": "assistant", "content": "hello"}]}
    path.write_bytes(b"".join(spaced(row) + b"\n" for row in [chat("b", "bb"), long, long, chat("hi", "hello"), reordered]))
    out = tmp_path / "out.jsonl"

    proc = run_cli("fix", "--unsafe-fixes", "--select", "FT300,FT403,FT404", "--max-tokens", "60", "--format", "json", path, "-o", out)

    assert [(line, code) for line, code, _ in reasons_of(out)] == [(2, "FT300"), (3, "FT300")]
    left = [(f["path"], f["line"], f["message"]) for f in json.loads(proc.stdout)["findings"]]
    assert left == [(str(out), 3, "same example as line 2 up to whitespace and key order")]
    assert json.loads(out.read_bytes().splitlines()[2]) == reordered


def test_a_pass_expected_to_drop_rows_names_them_by_input_lines_without_a_second_lint(tmp_path, monkeypatch):
    """Pass 1 drops the broken line and finds the duplicate (FT403), so pass 2 lints with the rows named by
    input lines from the start: the fix lints three times (drop, drop, settle) as before, not four."""
    from linter.api import settings_from
    from linter.engine import Linter
    from linter.fix import Fixer

    calls = []
    lint_path = Linter.lint_path
    monkeypatch.setattr(Linter, "lint_path", lambda self, *a, **k: calls.append(k.get("numbers") is not None) or lint_path(self, *a, **k))
    path = tmp_path / "t.jsonl"
    row = spaced(chat("hi", "hello")) + b"\n"
    path.write_bytes(BROKEN + row + row)

    report = Fixer(Linter(settings_from({"select": ["FT001", "FT403"], "token_stats": False})), unsafe=True).fix_file(str(path))

    assert report.fixed == {"FT001": 1, "FT403": 1} and path.read_bytes() == row
    assert calls == [False, True, False]
    assert reasons_of(path)[1] == (3, "FT403", "duplicate of line 2")


def test_the_move_message_says_what_became_of_the_rejects_files_earlier_rows(tmp_path):
    """It said "(replaced; ...)" or "(appended; ...)" of a rejects file that did not exist before."""
    source = tmp_path / "in.jsonl"
    source.write_bytes(spaced(chat("hi", "hello")) + b"\n" + BROKEN + b"\n")
    args = ("fix", "--unsafe-fixes", *SELECT, "-o", "out.jsonl", "in.jsonl")
    first = run_cli(*args, cwd=tmp_path)
    assert "to out.jsonl.rejects.jsonl (why each left" in first.stderr, first.stderr
    again = run_cli(*args, cwd=tmp_path)
    assert "to out.jsonl.rejects.jsonl (its earlier rows replaced; why each left" in again.stderr, again.stderr
    assert lines_of((tmp_path / "out.jsonl.rejects.jsonl").read_bytes()) == [BROKEN]  # -o: that output's rejects alone


def test_an_empty_rejects_file_has_no_earlier_rows_to_speak_of(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(spaced(chat("hi", "hello")) + b"\n" + BROKEN + b"\n")
    (tmp_path / "in.jsonl.rejects.jsonl").write_bytes(b"")  # `: > rejects` after a review
    proc = run_cli("fix", "--unsafe-fixes", *SELECT, "in.jsonl", cwd=tmp_path)
    assert "to in.jsonl.rejects.jsonl (why each left" in proc.stderr, proc.stderr
    source.write_bytes(source.read_bytes() + BROKEN + b"\n")
    proc = run_cli("fix", "--unsafe-fixes", *SELECT, "in.jsonl", cwd=tmp_path)
    assert "to in.jsonl.rejects.jsonl (after its earlier rows; why each left" in proc.stderr, proc.stderr
