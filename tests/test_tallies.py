"""Tally rules that declare ``counts``: the engine skips their per-row calls and
hands them its own counter, so each declaration must equal what ``tally`` adds up."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import cli_json
from linter.config import Settings
from linter.engine import Linter
from linter.readers.jsonl import JsonlReader
from linter.registry import get_registry
from linter.rules.base import ENGINE_COUNTS, TallyRule, declared_counts
from linter.rules.encoding import FileTooLarge
from linter.stats import FileStats

GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}
MAX_LINE_BYTES = 200

# lines of every kind the reader tells apart: records, blank and whitespace lines,
# BOMs, CRLF endings, broken JSON, invalid UTF-8, over-long lines, non-ASCII text
LINES = st.sampled_from([
    json.dumps(GOOD).encode(),
    json.dumps({"messages": [{"role": "user", "content": "é ünïcode"}]}, ensure_ascii=False).encode(),
    b"", b"   ", b"\t\r", b"\xef\xbb\xbf" + json.dumps(GOOD).encode(), json.dumps(GOOD).encode() + b"\r",
    b'{"messages": [', b"\xff\xfe not utf-8", b"[1, 2]", b'"just a string"',
    b'{"prompt": "' + b"x" * (MAX_LINE_BYTES + 50) + b'"}',
])


def declared() -> list[type]:
    classes = [cls for cls in get_registry().rules.values() if issubclass(cls, TallyRule) and getattr(cls, "counts", None)]
    assert {cls.code for cls in classes} >= {"FT012", "FT402"}  # the built-in declarations this file proves
    return classes


def tally_sums(linter: Linter, path, data: bytes) -> dict[str, int]:
    """What each declaring rule's own ``tally`` adds up over the file's rows, read as the engine reads them."""
    rows = list(JsonlReader().rows(io.BytesIO(data), max_line_bytes=MAX_LINE_BYTES))
    rules = [rule for rule in linter.rules_for(str(path)) if getattr(rule, "counts", None)]
    assert {rule.code for rule in rules} == {cls.code for cls in declared()}
    return {rule.code: sum(rule.tally(row) for row in rows) for rule in rules}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINES, max_size=12), trailing_newline=st.booleans())
def test_each_declared_counter_is_what_the_rules_tally_adds_up(tmp_path, lines, trailing_newline):
    data = b"\n".join(lines) + (b"\n" if trailing_newline and lines else b"")
    path = tmp_path / "data.jsonl"
    path.write_bytes(data)
    linter = Linter(Settings(select=[cls.code for cls in declared()], max_line_bytes=MAX_LINE_BYTES))
    findings, result = linter.lint_path(path)
    list(findings)
    expected = tally_sums(linter, path, data)
    for cls in declared():
        assert cls.counts in ENGINE_COUNTS
        assert getattr(result.stats, cls.counts) == expected[cls.code], (cls.code, data)


def test_example_count_judges_the_engine_count_through_the_cli(tmp_path):
    # 9 records among blank, broken and BOM-opened lines: FT402 counts the 9 (OpenAI wants 10)
    path = tmp_path / "train.jsonl"
    good = json.dumps(GOOD)
    path.write_bytes(("\n".join([good] * 8 + ["", "{broken", "   "]) + "\n").encode() + b"\xef\xbb\xbf" + good.encode())
    report, _ = cli_json(path, "--select", "FT402")
    # the broken line is reported whatever the selection (FT001); FT402 counts the 9 records
    assert [f["code"] for f in report["findings"]] == ["FT001", "FT402"]
    assert report["findings"][1]["message"].startswith("9 example(s)")
    path.write_bytes(path.read_bytes() + b"\n" + good.encode() + b"\n")
    assert [f["code"] for f in cli_json(path, "--select", "FT402")[0]["findings"]] == ["FT001"]


def test_a_tally_rule_may_only_declare_a_counter_the_engine_keeps():
    class Tokens(TallyRule):
        code = "XT100"
        name = "token-budget"
        summary = "Too many tokens"
        counts = "tokens"

        def tally(self, row):
            return row.tokens or 0

    with pytest.raises(ValueError, match="counts must name one of the engine's counters"):
        Tokens.validate_class()
    Tokens.counts = "bytes"
    Tokens.validate_class()


def test_a_subclass_that_tallies_something_else_does_not_inherit_the_counter(tmp_path):
    """A plugin rule built on FT012 that adds up its own number must have its tally called per row."""

    class ContentBytes(FileTooLarge):
        code = "XT012"
        name = "content-bytes"
        summary = "Too much content"

        def tally(self, row):
            return 7

    class Renamed(FileTooLarge):  # same tally, other verdict: the promise holds
        code = "XT013"
        name = "renamed-size"
        summary = "Too large"

    assert declared_counts(FileTooLarge) == "bytes" and declared_counts(Renamed) == "bytes"
    assert declared_counts(ContentBytes) is None
    from linter.engine import _Folds

    linter = Linter(Settings(select=["FT012"]))
    context = next(rule for rule in linter.rules_for("x.jsonl") if rule.code == "FT012").context
    folds = _Folds([ContentBytes(context), Renamed(context)], crash=lambda *a: None)
    data = (json.dumps(GOOD) + "\n") * 3
    stats = FileStats(bytes=len(data))
    for row in JsonlReader().rows(io.BytesIO(data.encode()), max_line_bytes=MAX_LINE_BYTES):
        folds.row(row, row.kind or None)
    folds.counted(stats)
    assert folds.states == [[21], [len(data)]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINES, max_size=12), trailing_newline=st.booleans(), cut=st.integers(0, 12))
def test_empty_file_gets_the_lines_that_are_no_example_and_the_engine_count(tmp_path, lines, trailing_newline, cut):
    """FT011 declares ``reads = (UNPARSED,)`` and ``counts = "examples"``: its update runs on the other
    lines only, the engine fills the count. The verdict equals feeding it every row as it used to be,
    in one pass and in two shards merged (a parallel run)."""
    data = b"\n".join(lines) + (b"\n" if trailing_newline and lines else b"")
    path = tmp_path / "data.jsonl"
    path.write_bytes(data)
    linter = Linter(Settings(select=["FT011"], max_line_bytes=MAX_LINE_BYTES))
    findings, _ = linter.lint_path(path)
    got = [(f.line, f.message) for f in findings if f.code == "FT011"]
    (rule,) = [r for r in linter.rules_for(str(path)) if r.code == "FT011"]
    state = rule.start()
    for row in JsonlReader().rows(io.BytesIO(data), max_line_bytes=MAX_LINE_BYTES):
        if row.parsed:
            state[0] += 1
        else:
            rule.update(state, row)
    assert got == [(v.line or 1, v.message) for v in rule.finish(state)]
    # two shards, cut after line ``cut``: states merged in order, then finished
    offset = 0
    for _ in range(min(cut, len(lines))):
        offset = data.index(b"\n", offset) + 1 if b"\n" in data[offset:] else len(data)
    first, _, first_states = linter.lint_range(io.BytesIO(data[:offset]), "data.jsonl")
    second, _, second_states = linter.lint_range(io.BytesIO(data[offset:]), "data.jsonl",
                                                 first_line=data[:offset].count(b"\n") + 1, offset=offset)
    list(first), list(second)
    folds = linter.dataset_rules("data.jsonl")
    merged = [fold.merge(a, b) for fold, a, b in zip(folds, first_states, second_states)]
    assert [(f.line, f.message) for f in linter.finish_states("data.jsonl", folds, merged)] == got
