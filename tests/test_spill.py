"""The duplicate rules' fingerprint log spills to disk and still finds every repeat."""

from __future__ import annotations

import json
import os
import random
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from linter import spill

from .conftest import run_cli


def naive_groups(records):
    by_key = defaultdict(list)
    for record in records:
        by_key[record[0]].append(record)
    return sorted(sorted(group, key=lambda r: r[1]) for group in by_key.values() if len(group) > 1)


def logged_in_shards(records: list[tuple], shards: int, buffer_rows: int | None = None) -> spill.FingerprintLog:
    """The records appended to ``shards`` logs, one per consecutive slice, absorbed in order as a parallel run does."""
    cut = [len(records) * i // shards for i in range(shards + 1)]
    logs = []
    for a, b in zip(cut, cut[1:]):
        log = spill.FingerprintLog(len(records[0]) if records else 3, buffer_rows)
        for record in records[a:b]:
            log.append(*record)
        logs.append(log)
    merged = logs[0]
    for log in logs[1:]:
        merged.absorb(log)
    return merged


@settings(max_examples=60, deadline=None)
@given(
    keys=st.lists(st.integers(0, 2**64 - 1) | st.sampled_from([0, 1, 2**63, 2**64 - 1]), max_size=300),
    buffer_rows=st.integers(1, 40),
    shards=st.integers(1, 4),
)
def test_groups_match_a_dictionary_whatever_spills(keys, buffer_rows, shards):
    records = [(key, line, key % 7) for line, key in enumerate(keys, start=1)]
    merged = logged_in_shards(records, shards, buffer_rows)
    if len(records) > buffer_rows * shards:
        assert merged.files  # more records than the buffers hold went to disk
    if shards == 3:
        merged.make_portable()  # as a Dask worker does before sending its state
    assert len(merged) == len(records)
    found = sorted([tuple(r) for r in group] for group in merged.groups())
    assert found == [[tuple(r) for r in group] for group in naive_groups(records)]
    assert merged.files == [] and len(merged) == 0  # spill files deleted once grouped


def test_spilled_run_reports_what_an_in_memory_run_does(tmp_path):
    rng = random.Random(7)
    prompts = [f"Question {i}?" for i in range(60)]
    rows = []
    for _ in range(900):
        prompt = rng.choice(prompts)
        answer = rng.choice(["Yes.", "No.", "Maybe."])
        row = {"messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]}
        text = json.dumps(row)
        if rng.random() < 0.2:
            text = json.dumps(row, indent=None, separators=(",", ":"))  # same example, other spacing (FT404)
        rows.append(text)
    path = tmp_path / "dups.jsonl"
    path.write_text("\n".join(rows) + "\n")
    spill_root = tmp_path / "tmp"
    spill_root.mkdir()
    args = ["check", path, "--format", "json", "--select", "FT403,FT404,FT405"]
    base = {"FTLINT_LOAD_PLUGINS": "", "FTLINT_PARALLEL_MIN_BYTES": "1", "TMPDIR": str(spill_root)}
    memory = run_cli(*args, "--jobs", "1", env={**base, "FTLINT_SPILL_ROWS": "100000"})
    codes = {f["code"] for f in json.loads(memory.stdout)["findings"]}
    assert codes == {"FT403", "FT404", "FT405"}, codes
    for jobs in ("1", "2"):
        spilled = run_cli(*args, "--jobs", jobs, env={**base, "FTLINT_SPILL_ROWS": "16"})
        assert spilled.returncode == memory.returncode
        assert spilled.stdout == memory.stdout
    assert list(spill_root.iterdir()) == []  # the spill folder is gone after the run


@settings(max_examples=80, deadline=None)
@given(keys=st.lists(st.integers(0, 2**64 - 1) | st.sampled_from([0, 5, 2**63, 2**64 - 1]), max_size=200))
def test_a_small_log_groups_in_python_exactly_as_numpy_does(keys):
    """Small files skip importing numpy (0.2-0.3 s a process): the Python grouping yields the
    same groups in the same order as the numpy one (by fingerprint, then line)."""
    records = [(key, line, key % 5) for line, key in enumerate(keys, start=1)]

    def grouped(small_records: int) -> list:
        saved, spill.SMALL_RECORDS = spill.SMALL_RECORDS, small_records
        try:
            log = spill.FingerprintLog(3, 10_000)
            for record in records:
                log.append(*record)
            return [[tuple(r) for r in group] for group in log.groups()]
        finally:
            spill.SMALL_RECORDS = saved

    assert grouped(10_000) == grouped(0)  # the Python path, then numpy's
    assert sorted(grouped(10_000)) == [[tuple(r) for r in group] for group in naive_groups(records)]


def _pid_and_records(records, column: int):
    return os.getpid(), sorted(records[:, column].tolist())


def test_map_partitions_runs_on_a_lent_pool_and_gives_what_it_gives_alone():
    """linter.parallel lends its forked workers to the grouping at the end of a file: each partition's
    result must be the one the parent would compute, and computed in a worker, not in the parent."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    rng = random.Random(3)
    records = [(rng.getrandbits(64), line, rng.getrandbits(64)) for line in range(1, 9000)]

    def results(pool) -> list:
        log = logged_in_shards(records, 3, buffer_rows=500)
        if pool is None:
            found = list(log.map_partitions(_pid_and_records, 1))
        else:
            with spill.lend_pool(pool):
                found = list(log.map_partitions(_pid_and_records, 1))
        assert log.files == [] and len(log) == 0  # forgotten, files deleted, either way
        return found

    alone = results(None)
    assert {pid for pid, _ in alone} == {os.getpid()}
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        lent = results(pool)
        # a closure does not pickle: it runs here, as without a pool
        log = logged_in_shards(records, 2, buffer_rows=500)
        with spill.lend_pool(pool):
            here = list(log.map_partitions(lambda part: (os.getpid(), len(part))))
    assert len(lent) == spill.PARTITIONS
    assert [found for _, found in lent] == [found for _, found in alone]
    assert sum(len(found) for _, found in lent) == len(records)
    assert os.getpid() not in {pid for pid, _ in lent}
    assert {pid for pid, _ in here} == {os.getpid()} and sum(n for _, n in here) == len(records)
