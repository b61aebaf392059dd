"""Dataset rules' findings stream out in line order without being held.

FT403-FT405 group fingerprints partition by partition and spill their
findings a second time by line range (``spill.LineOrder``); the engine merges
every dataset rule's stream (``linter.late_findings``). These tests pin that
the output is exactly what holding every finding and sorting it gave, that
plugin rules in any order still come out sorted, and that the memory the
finish takes does not grow with the number of duplicate findings.
"""

from __future__ import annotations

import gc
import io
import json
import os
import random
import threading
import tracemalloc
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter import spill
from linter.api import settings_from
from linter.engine import FATAL, Finding, Linter, internal_error
from linter.findings import Severity
from linter.output.machine import JsonFormatter
from linter.readers.jsonl import JsonlReader
from linter.rules.base import DatasetRule
from linter.rules.duplicates import _repeats
from linter.runner import make_linter, run

from .conftest import run_cli
from .test_engine import project
from .test_spill import logged_in_shards

DUPLICATE_RULES = ["FT403", "FT404", "FT405"]


def _duplicates_file(rows: int, seed: int = 3) -> str:
    """Rows of which about 90% repeat an earlier one: exactly, respaced (FT404) or with another answer (FT405)."""
    rng = random.Random(seed)
    distinct = max(1, rows // 10)
    lines = []
    for number in range(rows):
        i = number % distinct
        answer = f"Answer {i}." if rng.random() > 0.05 else f"Other answer {i}."
        row = {"messages": [{"role": "user", "content": f"Question {i} about é and 中?"}, {"role": "assistant", "content": answer}]}
        kind = rng.random()
        if kind < 0.03:
            lines.append("{broken")  # unparsed rows take no part
        elif kind < 0.1:
            lines.append(json.dumps(row, separators=(",", ":")))  # FT404 against the spaced form
        elif kind < 0.12:
            lines.append(json.dumps({"prompt": f"Q {i}", "completion": "A"}))  # not chat: FT403/FT404 only
        else:
            lines.append(json.dumps(row))
    return "\n".join(lines) + "\n"


def _held_and_sorted(self, path, dataset_rules, states, ahead=False):
    """What ``Linter.finish_states`` did before findings streamed: every finding held, then sorted."""
    late = []
    for rule, state in zip(dataset_rules, states):
        try:
            for violation in rule.finish(state):
                late.append(Finding(path, violation.line or 1, rule.code, rule.name, self.severity[rule.code],
                                    violation.message, violation.pointer, violation.fix, row=violation.line is not None,
                                    column=violation.column if violation.line else 0))
        except FATAL:
            raise
        except Exception as exc:  # noqa: BLE001
            late.append(internal_error(path, 1, rule, exc))
    late.sort(key=lambda f: (f.line, f.column, f.code))
    return late


def _json_output(path, jobs: int) -> str:
    linter = make_linter(settings_from({"token_stats": False}))
    out = io.StringIO()
    sink = JsonFormatter(out)
    run(linter, [str(path)], sink, jobs=jobs)
    return out.getvalue()


@pytest.mark.parametrize("jobs", [1, 2])
def test_check_json_is_byte_identical_to_holding_and_sorting_every_finding(tmp_path, monkeypatch, jobs):
    """The default rules on a 3,000-row file of duplicates, the logs spilling every 64 records."""
    path = tmp_path / "dups.jsonl"
    path.write_text(_duplicates_file(3000))
    monkeypatch.setenv("FTLINT_LOAD_PLUGINS", "")
    monkeypatch.setenv("FTLINT_PARALLEL_MIN_BYTES", "1")
    monkeypatch.setattr(spill, "BUFFER_ROWS", 64)
    streamed = _json_output(path, jobs)
    monkeypatch.setattr(Linter, "finish_states", _held_and_sorted)
    held = _json_output(path, jobs)
    assert streamed == held
    codes = {f["code"] for f in json.loads(streamed)["findings"]}
    assert set(DUPLICATE_RULES) <= codes, codes


# ---------------------------------------------------------------- plugin rules in any order

ORDER_PLUGIN = '''
from linter import DatasetRule, Violation, hookimpl


class _Lines(DatasetRule):
    summary = "a plugin dataset rule"
    scope = "line"  # every physical line, parsed or not

    def start(self):
        return []

    def update(self, state, row):
        state.append(row.number)

    def merge(self, first, second):
        return first + second


class Backwards(_Lines):
    """Reports every third row, last first, then the whole file (no line): any order is a plugin's right."""

    code = "HOUSE010"
    name = "backwards"

    def finish(self, state):
        for line in reversed(state[::3]):
            yield Violation(f"row {line}", line=line)
        yield Violation("the whole file")


class ClaimsOrder(_Lines):
    """Declares its findings in line order, then breaks the promise."""

    code = "HOUSE011"
    name = "claims-order"
    finish_in_line_order = True

    def finish(self, state):
        yield Violation("first", line=state[4])
        yield Violation("second", line=state[5])
        yield Violation("too early", line=state[2])
        yield Violation("never reached", line=state[6])


@hookimpl
def register_rules(register):
    register(Backwards)
    register(ClaimsOrder)
'''


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_plugin_dataset_rules_in_any_order_come_out_sorted_among_the_duplicates(tmp_path, jobs):
    project(tmp_path, [], ORDER_PLUGIN)
    (tmp_path / "data.jsonl").write_text(_duplicates_file(400))
    # --ignore FT001: the file's broken lines would be reported whatever the selection, as row findings before these
    proc = run_cli("check", "data.jsonl", "--format", "json", "--jobs", jobs, "--select", "FT403,FT405,HOUSE010,HOUSE011", "--ignore", "FT001",
                   cwd=tmp_path, env={"FTLINT_LOAD_PLUGINS": "", "FTLINT_PARALLEL_MIN_BYTES": "1", "FTLINT_SPILL_ROWS": "32"})
    assert proc.returncode == 2, proc.stderr  # the broken promise is an internal error
    assert "Traceback" not in proc.stderr
    found = json.loads(proc.stdout)["findings"]
    assert [f["line"] for f in found] == sorted(f["line"] for f in found)  # one stream in line order...
    keys = [(f["line"], f["code"]) for f in found if f["code"] != "FT000"]
    assert keys == sorted(keys)  # ...ties by code (the error follows its rule's last finding)
    # every one, in line order; at line 1 in the order the rule gave them (a stable sort's)
    expected = [(line, f"row {line}") for line in range(1, 401, 3)]
    expected.insert(1, (1, "the whole file"))
    assert [(f["line"], f["message"]) for f in found if f["code"] == "HOUSE010"] == expected
    assert {f["code"] for f in found} >= {"FT403", "FT405"}
    claims = [f for f in found if f["code"] in ("HOUSE011", "FT000")]
    # what came before the broken promise is kept; the error stands after it, where the stream was
    assert [f["message"] for f in claims if f["code"] == "HOUSE011"] == ["first", "second"]
    (error,) = [f for f in claims if f["code"] == "FT000"]
    assert "HOUSE011" in error["message"] and "yielded line 3 after line 6" in error["message"]
    assert error["line"] == 6


# ---------------------------------------------------------------- the grouping against a dictionary

def _reference(records, differing: bool) -> list[tuple[int, int]]:
    first: dict = {}
    out = []
    for record in sorted(records, key=lambda r: r[1]):
        key = (record[0], record[2])
        if key in first:
            if not differing or record[3] != first[key][3]:
                out.append((record[1], first[key][1]))
        else:
            first[key] = record
    return out


@settings(max_examples=80, deadline=None)
@given(
    keys=st.lists(st.tuples(st.sampled_from([0, 1, 2**63, 2**64 - 1, 12345]), st.sampled_from([0, 7, 2**64 - 1]),
                            st.integers(0, 2)), max_size=400),
    buffer_rows=st.integers(1, 50),
    shards=st.integers(1, 3),
    small=st.booleans(),
    differing=st.booleans(),
)
def test_repeats_equal_a_dictionary_in_line_order_whatever_spills(keys, buffer_rows, shards, small, differing):
    """Python (small logs) and numpy paths, spilled or not, in shards: the (line, first line) pairs a dict finds."""
    records = [(high, line, low, other) for line, (high, low, other) in enumerate(keys, start=1)]
    saved = spill.BUFFER_ROWS, spill.SMALL_RECORDS
    spill.BUFFER_ROWS, spill.SMALL_RECORDS = buffer_rows, (10_000 if small else 0)
    try:
        merged = logged_in_shards(records, shards) if records else spill.FingerprintLog(4)
        found = [tuple(pair) for pair in _repeats(merged, differing)]
    finally:
        spill.BUFFER_ROWS, spill.SMALL_RECORDS = saved
    assert found == _reference(records, differing)
    assert merged.files == [] and len(merged) == 0


@settings(max_examples=60, deadline=None)
@given(lines=st.sets(st.integers(1, 2**40), max_size=500), buffer_rows=st.integers(1, 64), seed=st.integers(0, 9))
def test_line_order_reads_back_any_order_sorted(lines, buffer_rows, seed):
    import numpy as np

    shuffled = sorted(lines)
    random.Random(seed).shuffle(shuffled)
    order = spill.LineOrder(2, max(lines, default=0), buffer_rows)
    for start in range(0, len(shuffled), 37):
        chunk = shuffled[start:start + 37]
        order.add(np.array([[line, line * 3 % 1000] for line in chunk], dtype=np.uint64).reshape(-1, 2))
    back = [tuple(r) for records in order for r in records.tolist()]
    assert back == [(line, line * 3 % 1000) for line in sorted(lines)]
    assert order.log.files == []


# ---------------------------------------------------------------- memory


def _filled_states(path) -> tuple[Linter, list, list]:
    """FT403-FT405 and their states, filled by the real rules from the real reader's rows, not yet finished."""
    linter = Linter(settings_from({"select": DUPLICATE_RULES, "token_stats": False}))
    rules = [r for r in linter.rules_for(str(path)) if isinstance(r, DatasetRule)]
    states = [r.start() for r in rules]
    with open(path, "rb") as stream:
        for row in JsonlReader().rows(stream, max_line_bytes=linter.settings.max_line_bytes):
            if row.parsed:
                linter._classify(row)
                for rule, state in zip(rules, states):
                    if row.kind in rule.kinds:
                        rule.update(state, row)
    return linter, rules, states


def _finish_peak(path, rows: int) -> tuple[int, int]:
    """Peak bytes traced while the finding stream of FT403-FT405 is consumed, and how many findings it had:
    only the finish is traced, the part that used to hold every finding."""
    linter, rules, states = _filled_states(path)
    gc.collect()
    tracemalloc.start()
    try:
        count = 0
        for _ in linter.finish_states(str(path), rules, states):
            count += 1
        return tracemalloc.get_traced_memory()[1], count
    finally:
        tracemalloc.stop()


def test_memory_of_the_finish_does_not_grow_with_the_duplicate_findings(tmp_path, monkeypatch):
    """Ten times the rows (and the findings) take about the same peak: the findings stream.

    Held and sorted, 54,000 findings took more than ten times what 5,400 did
    (about 350 bytes each); streamed, both runs hold a partition of records
    and one finding per rule. Traced allocations, not RSS: nothing else on
    the machine changes them.
    """
    import numpy  # noqa: F401 - imported before tracing: its first import is not the finish's memory

    monkeypatch.setattr(spill, "BUFFER_ROWS", 1024)  # both runs spill, as files of millions of rows do
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    small.write_text(_duplicates_file(6_000))
    large.write_text(_duplicates_file(60_000))
    _finish_peak(small, 6_000)  # warm-up: first-call caches are not what is measured
    small_peak, small_count = _finish_peak(small, 6_000)
    large_peak, large_count = _finish_peak(large, 60_000)
    assert large_count > 9 * small_count > 40_000  # ten times the findings...
    assert large_peak < 1.5 * small_peak + 256 * 1024, (small_peak, large_peak)  # ...in about the same memory
    assert large_peak < 2 * 1024 * 1024, large_peak


def test_a_vanished_spill_file_is_one_internal_error_and_the_other_rules_report(tmp_path, monkeypatch):
    """A spill file gone before the finish (a cleaner emptied /tmp): FT403 reports an FT000, not a traceback."""
    monkeypatch.setattr(spill, "BUFFER_ROWS", 64)
    path = tmp_path / "dups.jsonl"
    path.write_text(_duplicates_file(2000))
    linter, rules, states = _filled_states(path)
    whole = [(f.line, f.code, f.message) for f in linter.finish_states(str(path), *_filled_states(path)[1:])]
    exact = states[[r.code for r in rules].index("FT403")]
    assert exact.files
    for spilled, _ in exact.files:
        os.unlink(spilled)
    found = [(f.line, f.code, f.message) for f in linter.finish_states(str(path), rules, states)]
    (error,) = [f for f in found if f[1] == "FT000"]
    assert error[0] == 1 and "rule FT403 duplicate-example failed" in error[2] and "FileNotFoundError" in error[2]
    assert [f for f in found if f[1] != "FT000"] == [f for f in whole if f[1] != "FT403"]  # FT404 and FT405 unharmed


def test_line_order_refuses_a_line_past_the_largest_it_was_given():
    """Such a record would fall outside every partition and its finding would be lost: an error instead."""
    import numpy as np

    order = spill.LineOrder(2, 100, buffer_rows=4)
    order.add(np.array([[100, 1], [3, 1]], dtype=np.uint64))
    with pytest.raises(ValueError, match="line 5,?000 is past the largest line"):
        order.add(np.array([[5000, 1]], dtype=np.uint64))
    assert [r.tolist() for r in order] == [[[3, 1]], [[100, 1]]]


def test_a_subclass_that_overrides_finish_does_not_inherit_the_line_order_promise():
    """Review: a plugin rule built on FT403 that reversed its findings inherited
    finish_in_line_order and lost all but one of them to the order check."""
    from linter.late_findings import declares_line_order
    from linter.rules.duplicates import DuplicateExample

    class Reordered(DuplicateExample):
        code, name = "HOUSE903", "reordered"

        def finish(self, state):
            return reversed(list(super().finish(state)))

    class Promised(Reordered):
        code, name = "HOUSE904", "promised"
        finish_in_line_order = True

    class Inherits(DuplicateExample):
        code, name = "HOUSE905", "inherits"

    context = Linter(settings_from({})).rules_for("x.jsonl")[0].context
    assert declares_line_order(DuplicateExample(context)) and declares_line_order(Inherits(context))
    assert not declares_line_order(Reordered(context))
    assert declares_line_order(Promised(context))  # said again beside its own finish


def _stream(code: str, lines, started: threading.Event | None = None, wait_for: threading.Event | None = None, seen=None):
    if started is not None:
        started.set()
    if wait_for is not None:
        seen.append(wait_for.wait(timeout=5))  # True only if the other stream began before this one's first finding
    for line in lines:
        if line == "boom":
            raise KeyboardInterrupt  # a fatal error: the merge's reader must raise it, not lose it
        yield Finding("f.jsonl", line, code, code.lower(), Severity.WARNING, "m")


def test_read_ahead_merges_the_same_findings_and_starts_every_stream_at_once():
    """A parallel run's rules finish at once (``ahead``): every stream begins before the merge's first finding,
    the merged order is the plain merge's, and a fatal error in one stream reaches the reader."""
    from linter.late_findings import merge_in_line_order

    rng = random.Random(5)
    columns = {code: sorted(rng.sample(range(1, 2000), 300)) for code in ("FT403", "FT404", "FT405")}
    plain = list(merge_in_line_order((_stream(code, lines), True) for code, lines in columns.items()))
    ahead = list(merge_in_line_order(((_stream(code, lines), True) for code, lines in columns.items()), ahead=True))
    assert [(f.line, f.code) for f in ahead] == [(f.line, f.code) for f in plain] and len(plain) == 900
    # the first stream waits for the second to begin: only streams started at once see it
    second, seen = threading.Event(), []
    merged = merge_in_line_order([(_stream("FT403", [1, 5], wait_for=second, seen=seen), True),
                                  (_stream("FT404", [2, 3], started=second), True)], ahead=True)
    assert [(f.line, f.code) for f in merged] == [(1, "FT403"), (2, "FT404"), (3, "FT404"), (5, "FT403")]
    assert seen == [True]
    with pytest.raises(KeyboardInterrupt):
        list(merge_in_line_order([(_stream("FT403", [1, "boom"]), True), (_stream("FT404", [2]), True)], ahead=True))
