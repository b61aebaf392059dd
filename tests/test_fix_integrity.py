"""Issue 11, items 1-6: a fix never loses, duplicates or moves a row, under any kill.

Everything runs the real CLI in a subprocess on real files, with real
signals. The central property: every row ever written to the dataset is,
after any number of interrupted and repeated fixes, exactly once in the
output or in the rejects file (a BOM aside, which a fix strips).
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from .conftest import run_cli

BOM = b"\xef\xbb\xbf"
SELECT = ["--select", "FT001,FT008,FT010,FT403"]  # rules whose fixes keep or drop a row whole


def row(i: int, text: str = "") -> bytes:
    return json.dumps({"messages": [{"role": "user", "content": f"q{i}{text}"}, {"role": "assistant", "content": f"a{i}"}]}).encode()


def rows_of(data: bytes) -> Counter:
    """The rows of a JSONL file as a multiset (blank lines aside; a line's BOM and CR are not part of its row)."""
    lines = (line.removeprefix(BOM).rstrip(b"\r") for line in data.split(b"\n"))
    return Counter(line for line in lines if line.strip(b" \t"))


def fix(path, *args, env=None, **kw):
    return run_cli("fix", "--unsafe-fixes", "-q", *SELECT, *args, path, env=env, **kw)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".ftlint-"))


# -- item 1: a BOM at the start of a line inside the file --------------------------------------


def test_a_bom_inside_the_file_is_that_lines_own_problem(tmp_path):
    path = tmp_path / "t.jsonl"
    lines = [row(i) for i in range(12)]
    lines[4] = BOM + b'{"messages": [,]}'  # a bad line from a second export
    lines[7] = BOM + lines[7]  # a good line from a third
    path.write_bytes(b"\n".join(lines) + b"\n")
    original = rows_of(path.read_bytes())
    check = run_cli("check", "--select", "FT008", path)
    assert ":5: FT008" in check.stdout and ":8: FT008" in check.stdout and "as if files were concatenated" in check.stdout
    rejects = tmp_path / "t.jsonl.rejects.jsonl"
    for _ in range(4):
        fix(path)
        assert rows_of(path.read_bytes()) + rows_of(rejects.read_bytes()) == original
    assert rejects.read_bytes() == b'{"messages": [,]}\n'  # the bad line alone, once, whatever the re-runs
    assert path.read_bytes().split(b"\n")[6] == row(7) and BOM not in path.read_bytes()


def test_the_safe_fix_strips_a_bom_inside_the_file(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(row(0) + b"\n" + BOM + row(1) + b"\n" + row(2) + b"\n")
    proc = run_cli("fix", "--select", "FT008", path)
    assert proc.returncode == 0 and "FT008 ×1" in proc.stderr
    assert path.read_bytes() == row(0) + b"\n" + row(1) + b"\n" + row(2) + b"\n"


def test_a_bom_inside_the_file_is_reported_under_azure_too(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(BOM + row(0) + b"\n" + BOM + row(1) + b"\n")
    proc = run_cli("check", "--select", "FT008", "--profile", "azure-openai", path)
    assert ":2: FT008" in proc.stdout and ":1: FT008" not in proc.stdout


# -- item 2: input, output and rejects are three files ------------------------------------------


@pytest.mark.parametrize("how", ["same-name", "symlink", "hardlink", "output", "output-rejects"])
def test_colliding_paths_are_refused_before_anything_is_written(tmp_path, how):
    path = tmp_path / "t.jsonl"
    data = row(0) + b"\n" + b'{"messages": [,]}\n' + row(1) + b"\n"
    path.write_bytes(data)
    other = tmp_path / "other.jsonl"
    if how == "symlink":
        other.symlink_to(path)
    elif how == "hardlink":
        os.link(path, other)
    args = {
        "same-name": ["--rejects", path],
        "symlink": ["--rejects", other],
        "hardlink": ["--rejects", other],
        "output": ["-o", other if how != "output" else path],
        "output-rejects": ["-o", tmp_path / "out.jsonl", "--rejects", tmp_path / "out.jsonl"],
    }[how]
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = fix(path, *args)
    assert proc.returncode == 2, proc.stderr
    message = proc.stderr.strip()
    assert "\n" not in message and "same file" in message and message.startswith("ftlint: error:")
    assert path.read_bytes() == data and sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_folder_fix_leaves_the_rejects_files_it_made_alone(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "t.jsonl"
    path.write_bytes(row(0) + b"\n" + b'{"messages": [,]}\n')
    assert fix(folder).returncode == 0
    again = fix(folder)  # now data/ holds t.jsonl.rejects.jsonl too
    assert again.returncode == 0, again.stderr
    assert (folder / "t.jsonl.rejects.jsonl").read_bytes() == b'{"messages": [,]}\n'
    assert not (folder / "t.jsonl.rejects.jsonl.rejects.jsonl").exists()


def test_output_gets_its_own_rejects_file_replaced_on_every_run(tmp_path):
    path = tmp_path / "t.jsonl"
    data = row(0) + b"\n" + b'{"messages": [,]}\n'
    path.write_bytes(data)
    out = tmp_path / "out.jsonl"
    for _ in range(3):
        fix(path, "-o", out)
        assert path.read_bytes() == data
        assert rows_of(out.read_bytes()) + rows_of((tmp_path / "out.jsonl.rejects.jsonl").read_bytes()) == rows_of(data)


# -- item 5: only JSON Lines datasets are rewritten ---------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa\n"


@pytest.mark.parametrize(
    "name, content, says",
    [
        ("x.jsonl", PNG, "binary"),
        ("notes.md", b"# Notes\n\nsome text\n\n\nmore\n", "JSON Lines files"),
        ("prose.jsonl", b"Dear diary,\n\ntoday I wrote JSON.\n{\"a\": 1}\n", "not a JSON Lines dataset"),
        ("array.json", b'[{"messages": []}]\n', "JSON Lines files"),
    ],
)
def test_fix_refuses_what_is_not_a_jsonl_dataset(tmp_path, name, content, says):
    path = tmp_path / name
    path.write_bytes(content)
    for args in (("fix", "--unsafe-fixes"), ("check", "--fix", "--unsafe-fixes")):
        proc = run_cli(*args, path)
        assert proc.returncode == 2 and says in proc.stderr, proc.stderr
        assert path.read_bytes() == content and leftovers(tmp_path) == []


def test_check_names_a_binary_file_as_binary(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(PNG)
    proc = run_cli("check", path)
    assert "FT011" in proc.stdout and "file is binary" in proc.stdout and "contains no examples" not in proc.stdout
    empty = tmp_path / "e.jsonl"
    empty.write_bytes(b"\n\n")
    assert "file contains no examples" in run_cli("check", empty).stdout


def test_a_nul_byte_in_one_row_leaves_the_file_fixable(tmp_path):
    """check lints a file with one raw NUL as JSON Lines and offers to move that row: fix must do it, not
    call the file binary (it did for a NUL anywhere in the first 64 KiB, and not after)."""
    path = tmp_path / "n.jsonl"
    data = b"\n".join(row(i) for i in range(4)) + b"\n" + row(9) + b"\x00\n"
    path.write_bytes(data)
    assert "FT011" not in run_cli("check", path).stdout
    proc = fix(path, "--select", "FT001", "--unsafe-fixes")
    assert proc.returncode == 0, proc.stderr
    assert path.read_bytes() == b"\n".join(row(i) for i in range(4)) + b"\n"
    assert (tmp_path / "n.jsonl.rejects.jsonl").read_bytes() == row(9) + b"\x00\n"


def test_one_broken_line_does_not_make_a_dataset_unfixable(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\xff\xfe not utf-8\n" + b"\n".join(row(i) for i in range(5)) + b"\n")
    proc = fix(path, "--select", "FT001,FT002")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "t.jsonl.rejects.jsonl").read_bytes() == b"\xff\xfe not utf-8\n"


# -- items 3 and 4: locks, signals, stale temporaries --------------------------------------------


def start(path, *args, pause=None, env=None):
    full = dict(os.environ)
    full.pop("FTLINT_LOAD_PLUGINS", None)
    if pause:
        full["FTLINT_TEST_PAUSE"] = pause
    full.update(env or {})
    command = [sys.executable, "-m", "linter", "fix", "--unsafe-fixes", "-q", "--no-token-stats", *SELECT, *args, str(path)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=full)


def wait_for_pause(proc, point, timeout=120.0) -> bool:
    """Read the child's stderr until it says it paused at ``point``; False if it ended first."""
    deadline = time.time() + timeout
    seen = b""
    while time.time() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.1)
        if ready:
            chunk = os.read(proc.stderr.fileno(), 4096)
            if not chunk:
                return False
            seen += chunk
            if f"test pause at {point}".encode() in seen:
                return True
        elif proc.poll() is not None:
            return False
    raise AssertionError(f"no pause at {point} within {timeout} s: {seen!r}")


def dirty_file(path: Path, count: int, seed: int, first: int = 0) -> None:
    """Append ``count`` rows: mostly good, some broken, some duplicates, some with a BOM, CRLF now and then."""
    rng = random.Random(seed)
    lines = []
    for i in range(first, first + count):
        pick = rng.random()
        if pick < 0.05:
            line = b'{"messages": [{"role": "user", "content": "broken %d"},]}' % i
        elif pick < 0.08:
            line = row(rng.randrange(first, first + 50))  # a duplicate (drop keeps the first)
        elif pick < 0.10:
            line = BOM + row(i)
        else:
            line = row(i, " " + "x" * rng.randrange(0, 120))
        lines.append(line + (b"\r\n" if pick > 0.97 else b"\n"))
    with open(path, "ab") as out:
        out.write(b"".join(lines))


def paused_fix(folder: Path, seed: int, point: str, seconds: float = 30):
    """A dirty t.jsonl, its rows, and a fix of it that has reached ``point`` and sleeps there."""
    path = folder / "t.jsonl"
    dirty_file(path, 3000, seed=seed)
    original = rows_of(path.read_bytes())
    proc = start(path, pause=f"{point}={seconds}")
    assert wait_for_pause(proc, point)
    return path, original, proc


def test_sigterm_and_ctrl_c_clean_up_and_change_nothing(tmp_path):
    for sig in (signal.SIGTERM, signal.SIGINT):
        path, _, proc = paused_fix(tmp_path, 1, "before-commit")
        data = path.read_bytes()
        proc.send_signal(sig)
        assert proc.wait(timeout=30) != 0
        assert path.read_bytes() == data and leftovers(tmp_path) == [] and not (tmp_path / "t.jsonl.rejects.jsonl").exists()
        path.unlink()


def test_a_signal_during_the_commit_lets_it_finish(tmp_path):
    path, original, proc = paused_fix(tmp_path, 2, "after-rejects", 2)
    proc.send_signal(signal.SIGTERM)  # held until the commit is complete
    proc.wait(timeout=60)
    rejects = tmp_path / "t.jsonl.rejects.jsonl"
    assert rows_of(path.read_bytes()) + rows_of(rejects.read_bytes()) == original
    assert leftovers(tmp_path) == []


def test_stale_temporaries_of_a_killed_run_are_removed_by_the_next(tmp_path):
    path, _, proc = paused_fix(tmp_path, 3, "before-commit")
    proc.kill()
    proc.wait()
    stale = leftovers(tmp_path)
    assert stale and all(name.startswith(f".ftlint-{proc.pid}-") for name in stale)
    # a live process's temporaries are never touched
    alive = tmp_path / f".ftlint-{os.getpid()}-keepme.tmp"
    alive.write_bytes(b"mine")
    assert fix(path).returncode in (0, 1)
    assert leftovers(tmp_path) == [alive.name]


def test_a_completed_fix_leaves_nothing_beside_the_dataset_in_git(tmp_path):
    path = tmp_path / "t.jsonl"
    dirty_file(path, 200, seed=4)
    git = ["git", "-C", str(tmp_path), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "t.jsonl"], check=True)
    subprocess.run([*git, "commit", "-qm", "data"], check=True)
    fix(path)
    status = subprocess.run([*git, "status", "--porcelain", "--untracked-files=all"], capture_output=True, text=True, check=True).stdout
    assert sorted(status.splitlines()) == [" M t.jsonl", "?? t.jsonl.rejects.jsonl", "?? t.jsonl.rejects.jsonl.reasons"]


def test_a_second_concurrent_fix_waits_or_refuses_and_nothing_doubles(tmp_path):
    path, original, first = paused_fix(tmp_path, 5, "before-rename", 4)
    refused = start(path, env={"FTLINT_LOCK_TIMEOUT": "0.3"})
    _, err = refused.communicate(timeout=60)
    assert refused.returncode == 2 and b"another ftlint fix is working on this file" in err
    waiting = start(path, env={"FTLINT_LOCK_TIMEOUT": "60"})  # waits for the first, then finds nothing to do
    first.wait(timeout=60)
    waiting.communicate(timeout=120)
    assert waiting.returncode in (0, 1)
    rejects = tmp_path / "t.jsonl.rejects.jsonl"
    assert rows_of(path.read_bytes()) + rows_of(rejects.read_bytes()) == original
    # two started at once, no pauses: still each row exactly once
    before = path.read_bytes()
    dirty_file(path, 3000, seed=6, first=10_000)
    original += rows_of(path.read_bytes()[len(before) :])
    both = [start(path, env={"FTLINT_LOCK_TIMEOUT": "60"}) for _ in range(2)]
    for proc in both:
        proc.communicate(timeout=120)
        assert proc.returncode in (0, 1)
    assert rows_of(path.read_bytes()) + rows_of(rejects.read_bytes()) == original
    assert leftovers(tmp_path) == []


def test_random_kills_never_lose_or_duplicate_a_row(tmp_path):
    """SIGKILL (and SIGTERM/SIGINT) at seeded random moments and at every commit step, re-run to the end:
    every row ever added is once in the output or once in the rejects."""
    rng = random.Random(20261130)
    path = tmp_path / "train.jsonl"
    rejects = tmp_path / "train.jsonl.rejects.jsonl"
    ledger: Counter = Counter()

    def add_rows(count: int, seed: int, first: int) -> None:
        before = path.read_bytes() if path.exists() else b""
        dirty_file(path, count, seed, first)
        ledger.update(rows_of(path.read_bytes()[len(before) :]))

    add_rows(12_000, seed=7, first=0)  # about 1.7 MB: two of the fix's 1 MB copy blocks
    # Kill moments fall in the part of a run that touches files: after start-up (``boot``, a
    # whole run on a file with nothing to fix), before the end of a full run. Drawn over the
    # whole run, a third of them fell in start-up, before any file was opened, which only the
    # 25,000-row file's longer run made up for; so the file is smaller and no kill is wasted.
    boot = _run_time(tmp_path / "boot.jsonl", row(0) + b"\n")
    full = _run_time(tmp_path / "timing.jsonl", path.read_bytes())
    window = max(full - boot, 0.05)

    points = ["before-commit", "after-rejects", "before-rename", "after-rename"]
    plan = [("pause", p) for p in points] + [("time", rng.uniform(0.0, 1.0)) for _ in range(9)]
    plan += [("term", rng.uniform(0.2, 1.0)), ("int", rng.uniform(0.2, 1.0))]
    rng.shuffle(plan)
    kills = interrupted_commits = 0
    for number, (mode, value) in enumerate(plan):
        delay = boot + value * window if mode != "pause" else 0.0
        for attempt in range(4):  # a run that ended before its kill point is tried again, killed sooner
            if not _needs_fix(path):  # the last run completed: new data arrives, so the next one has work
                add_rows(2_000, seed=100 * number + attempt, first=100_000 * (number + 1) + 10_000 * attempt)
            if mode == "pause":
                proc = start(path, pause=f"{value}=30")
                if wait_for_pause(proc, value):
                    proc.kill()
                    kills += 1
                break
            proc = start(path)
            time.sleep(delay)
            if proc.poll() is None:
                proc.send_signal({"time": signal.SIGKILL, "term": signal.SIGTERM, "int": signal.SIGINT}[mode])
                kills += 1
                break
            proc.communicate(timeout=120)
            delay /= 2
        proc.communicate(timeout=120)
        if any(tmp_path.glob(".ftlint-commit-*.json")):
            interrupted_commits += 1  # committed, not yet applied: the next run completes it
        else:
            assert rows_of(path.read_bytes()) + (rows_of(rejects.read_bytes()) if rejects.exists() else Counter()) == ledger, f"after {mode} {value}"
    assert kills >= 10 and interrupted_commits >= 3
    for _ in range(2):
        done = fix(path)
        assert done.returncode in (0, 1), done.stderr
    once = path.read_bytes()
    assert fix(path).returncode in (0, 1) and path.read_bytes() == once  # idempotent
    assert rows_of(once) + rows_of(rejects.read_bytes()) == ledger
    # the reasons file was appended in the same commits: still one reason per rejected row, line for line
    reasons = (tmp_path / "train.jsonl.rejects.jsonl.reasons").read_bytes().splitlines()
    assert len(reasons) == len(rejects.read_bytes().splitlines()) and all(json.loads(r)["code"] for r in reasons)
    assert leftovers(tmp_path) == []


def _run_time(path: Path, data: bytes) -> float:
    """Seconds a fix of ``data`` takes from start to exit (the file and its rejects are removed after)."""
    path.write_bytes(data)
    started = time.time()
    proc = start(path)
    proc.communicate(timeout=120)
    elapsed = time.time() - started
    for name in (path, path.with_name(path.name + ".rejects.jsonl")):
        name.unlink(missing_ok=True)
    return elapsed


def _needs_fix(path: Path) -> bool:
    """Is there a row a fix would still move (a broken line, a duplicate, a BOM)?"""
    data = path.read_bytes()
    lines = [line for line in data.split(b"\n") if line.strip()]
    return b"},]}" in data or BOM in data or len(set(lines)) != len(lines)


# -- hardening: the row property over random files ----------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from linter.config import Settings  # noqa: E402
from linter.engine import Linter  # noqa: E402
from linter.fix import Fixer  # noqa: E402

LINE_KINDS = st.sampled_from(
    [
        row(1), row(2), row(3), row(1, " padded "),  # repeats make duplicates
        b'{"messages": [,]}', b"not json at all", b"\xff\xfe latin-1 \xe9", b'{"a": NaN}', b"[1, 2]",
        b"", b"   ",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(st.tuples(LINE_KINDS, st.booleans(), st.booleans()), min_size=1, max_size=30),
    final_newline=st.booleans(),
    unsafe=st.booleans(),
)
def test_every_row_is_kept_or_rejected_exactly_once(tmp_path_factory, lines, final_newline, unsafe):
    """Random files of good, broken, duplicate, BOM-prefixed and CRLF lines: rows out + rows rejected = rows in, and a second fix changes nothing."""
    folder = tmp_path_factory.mktemp("prop")
    path = folder / "p.jsonl"
    rows = [(BOM if bom else b"") + text + (b"\r" if crlf else b"") for text, bom, crlf in lines]
    data = b"\n".join(rows) + (b"\n" if final_newline else b"")
    path.write_bytes(data)
    linter = Linter(Settings(select=["FT001", "FT002", "FT003", "FT008", "FT009", "FT010", "FT403"]))
    try:
        Fixer(linter, unsafe=unsafe).fix_file(str(path))
    except ValueError as refused:  # a file that is mostly not JSON Lines is refused, untouched
        assert "not a JSON Lines dataset" in str(refused) and path.read_bytes() == data
        return
    once = path.read_bytes()
    rejects = folder / "p.jsonl.rejects.jsonl"
    rejected = rejects.read_bytes() if rejects.exists() else b""
    assert rows_of(once) + rows_of(rejected) == rows_of(data)
    assert BOM not in once and b"\r" not in once
    assert not Fixer(linter, unsafe=unsafe).fix_file(str(path)).changed
    assert path.read_bytes() == once and (rejects.read_bytes() if rejects.exists() else b"") == rejected
    assert leftovers(folder) == []
