"""--jobs N gives exactly the output of one process, on a corpus where the rules fire."""

from __future__ import annotations

import json

import pytest

from linter.registry import get_registry

from .conftest import run_cli


def corpus(profile: str | None) -> str:
    lines = []
    for code, rule in get_registry().rules.items():
        if rule.bad and rule.example_profile == profile and code.startswith("FT"):
            lines.extend(rule.bad.splitlines())
    lines += ["", "   ", '{"messages": [', '{"a": NaN}', '{"messages": [], "messages": []}', "[1, 2]", '{"x": "\\ud800"}']
    # repeat so that shard boundaries fall in many places, and duplicates span shards
    return "\n".join(lines * 7) + "\n"


@pytest.mark.parametrize("profile", [None, "openai-dpo", "openai-legacy", "mistral", "together"])
def test_jobs_output_is_identical(tmp_path, profile):
    path = tmp_path / "corpus.jsonl"
    path.write_text(corpus(profile))
    args = ["check", path, "--format", "json", "--extend-select", "ALL"] + (["--profile", profile] if profile else [])
    env = {"FTLINT_PARALLEL_MIN_BYTES": "1", "FTLINT_LOAD_PLUGINS": ""}
    one = run_cli(*args, "--jobs", "1", env=env)
    report = json.loads(one.stdout)
    fired = {f["code"] for f in report["findings"]}
    assert len(fired) >= 8, fired
    for jobs in ("2", "3", "5"):
        many = run_cli(*args, "--jobs", jobs, env=env)
        assert many.returncode == one.returncode
        assert many.stdout == one.stdout, f"--jobs {jobs} differs"


def test_shard_plan_covers_the_file_on_line_starts(tmp_path):
    from linter.parallel import plan

    path = tmp_path / "x.jsonl"
    data = b"".join(b'{"n": %d}\n' % i for i in range(1000))
    path.write_bytes(data)
    for jobs in (1, 2, 3, 7, 64):
        ranges = plan(str(path), jobs)
        assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
        assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
        assert all(data[start - 1 : start] == b"\n" for start, _ in ranges[1:])


def test_each_worker_gets_as_many_shards_of_a_big_file(tmp_path, monkeypatch):
    """A file of 11 shards' size on 2 workers is cut in 12, each at most SHARD_BYTES: one worker no
    longer runs a last shard alone. The file is sparse: its size is real, its bytes are not written."""
    from linter import parallel

    path = tmp_path / "big.jsonl"
    with open(path, "wb") as handle:
        handle.truncate(11 * parallel.SHARD_BYTES - 5)
    for jobs, expected in ((1, 11), (2, 12), (3, 12), (4, 12), (5, 15), (16, 16)):
        assert parallel.shard_count(str(path), jobs) == expected, jobs
    path.write_bytes(b"{}\n" * 10)  # small: one shard a process
    assert [parallel.shard_count(str(path), jobs) for jobs in (1, 2, 3)] == [1, 2, 3]


def test_dask_local_cluster_gives_the_same_output(tmp_path):
    pytest.importorskip("dask.distributed")
    path = tmp_path / "corpus.jsonl"
    path.write_text(corpus(None))
    args = ["check", path, "--format", "json", "--extend-select", "ALL"]
    env = {"FTLINT_LOAD_PLUGINS": ""}
    one = run_cli(*args, "--jobs", "1", env=env)
    # tiny spill buffers: the workers spill, read their records back (their disk
    # may not be ours) and the client groups what they send
    on_dask = run_cli(*args, "--engine", "dask", "--jobs", "2", env={**env, "FTLINT_SPILL_ROWS": "4"})
    assert on_dask.returncode == one.returncode, on_dask.stderr[-2000:]
    assert on_dask.stdout == one.stdout
    assert {"FT403", "FT404", "FT405"} <= {f["code"] for f in json.loads(one.stdout)["findings"]}


def test_workers_leave_the_inherited_heap_out_of_their_collections(tmp_path, monkeypatch):
    """The parent freezes its objects before forking (``gc.freeze``), so a worker's full collections do
    not walk, and copy, every page it inherited; the parent's objects are collectable again after."""
    import gc

    from linter import parallel, runner
    from linter.config import Settings

    path = tmp_path / "corpus.jsonl"
    path.write_text(corpus(None))
    seen = tmp_path / "frozen.txt"
    real = parallel._lint_range

    def recording(*args):
        with open(seen, "a") as handle:  # in the worker: how many objects its collections leave alone
            handle.write(f"{gc.get_freeze_count()}\n")
        return real(*args)

    monkeypatch.setattr(parallel, "_lint_range", recording)  # the forked workers inherit it
    linter = runner.make_linter(Settings())
    findings, _ = parallel.lint_parallel(linter, str(path), 2)
    assert list(findings)
    frozen = [int(n) for n in seen.read_text().split()]
    assert len(frozen) >= 2 and min(frozen) > 10_000, frozen
    assert gc.get_freeze_count() == 0


def test_a_callers_own_freeze_is_left_as_it_was(tmp_path):
    import gc

    from linter import parallel, runner
    from linter.config import Settings

    path = tmp_path / "corpus.jsonl"
    path.write_text(corpus(None))
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        findings, _ = parallel.lint_parallel(runner.make_linter(Settings()), str(path), 2)
        assert list(findings)
        assert before > 0 and gc.get_freeze_count() > 0  # not unfrozen (which empties it), though some frozen objects died
    finally:
        gc.unfreeze()


def test_the_progress_bar_follows_the_workers_reads(tmp_path, monkeypatch):
    """With a bar shown, a parallel run's bytes and rows grow as the workers read, from a thread of the
    parent's (the bar had moved only as whole shards came back: on a file of two, all at once), and end
    at the file's size and its rows."""
    import threading
    import time

    from linter import parallel, runner
    from linter.config import Settings

    path = tmp_path / "corpus.jsonl"
    path.write_text(corpus(None))
    real_read = parallel.RangeStream.read

    def slow_read(self, size=-1):  # the workers (forked: they inherit it) linger after each read
        data = real_read(self, size)
        time.sleep(0.3)
        return data

    monkeypatch.setattr(parallel.RangeStream, "read", slow_read)
    monkeypatch.setattr(parallel._ShardsRead, "EVERY", 0.01)
    advanced, rows = [], []
    progress = (lambda n: advanced.append((threading.current_thread().name, n)), rows.append)
    findings, result = parallel.lint_parallel(runner.make_linter(Settings()), str(path), 2, progress)
    assert list(findings)
    assert sum(n for _, n in advanced) == path.stat().st_size and all(n >= 0 for _, n in advanced)
    assert any(name == "ftlint-progress" and n > 0 for name, n in advanced), advanced  # while the workers read
    assert rows[-1] == result.stats.lines == path.read_text().count("\n")
