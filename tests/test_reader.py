"""Hostile input: every problem becomes a finding on its line, the scan reaches the end."""

from __future__ import annotations

import io
import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter.baseline import row_identity
from linter.readers import jsonl
from linter.readers.jsonl import JsonlReader

from .conftest import GOOD, cli_json, lint_text, run_cli

GOOD_LINE = json.dumps(GOOD).encode()
LAST = json.dumps({"messages": [{"role": "user", "content": "end"}]}).encode()  # FT112 marks the end


def lint_bytes(data: bytes, **options):
    return lint_text(data, **options)


def codes_at(findings, line):
    return sorted(f.code for f in findings if f.line == line)


@pytest.mark.parametrize(
    "hostile, code",
    [
        (b'{"messages": [', "FT001"),
        (b'{"messages": []} {"messages": []}', "FT001"),
        (b'{"messages": [{"role": "user", "content": "caf\xe9"}]}', "FT002"),
        (b'{"messages": [{"role": "user", "content": "x", "weight": NaN}]}', "FT003"),
        (b'{"a": Infinity}', "FT003"),
        (b'{"a": -Infinity}', "FT003"),
        (b'{"messages": [], "messages": []}', "FT004"),
        (b'{"messages": [{"role": "user", "content": "\\ud800 alone"}]}', "FT005"),
        (b"[" * 10_000 + b"]" * 10_000, "FT006"),
        (b"   ", "FT010"),
        (b"", "FT010"),
    ],
)
def test_hostile_line_is_reported_and_scan_continues(hostile, code):
    data = GOOD_LINE + b"\n" + hostile + b"\n" + LAST + b"\n"
    findings = lint_bytes(data)
    assert code in codes_at(findings, 2), [(f.line, f.code, f.message) for f in findings]
    assert "FT112" in codes_at(findings, 3), "scan did not reach the end"
    assert not codes_at(findings, 1)


def test_duplicate_key_pointer_is_exact():
    line = b'{"messages": [{"role": "user", "content": "a", "content": "b"}, {"role": "assistant", "content": "x"}]}'
    (dup,) = [f for f in lint_bytes(line + b"\n") if f.code == "FT004"]
    assert dup.pointer == "/messages/0/content"


def test_valid_surrogate_pair_is_fine():
    line = b'{"messages": [{"role": "user", "content": "\\ud83d\\ude00"}, {"role": "assistant", "content": "ok"}]}'
    assert not [f for f in lint_bytes(line + b"\n") if f.code.startswith("FT00")]


def test_crlf_reported_once_with_count_and_parsed():
    data = (GOOD_LINE + b"\r\n") * 3 + LAST + b"\r\n"
    findings = lint_bytes(data)
    (crlf,) = [f for f in findings if f.code == "FT009"]
    assert crlf.line == 1 and "4 lines end with CRLF" in crlf.message
    assert "FT112" in codes_at(findings, 4)
    assert not [f for f in findings if f.code == "FT001"]


def test_bom_is_reported_and_first_line_still_parsed():
    findings = lint_bytes(b"\xef\xbb\xbf" + GOOD_LINE + b"\n" + LAST)
    assert codes_at(findings, 1) == ["FT008"]
    assert "FT112" in codes_at(findings, 2)


def test_no_trailing_newline_and_empty_file():
    assert "FT112" in codes_at(lint_bytes(GOOD_LINE + b"\n" + LAST), 2)
    (empty,) = [f for f in lint_bytes(b"") if f.code == "FT011"]
    assert empty.line == 1
    assert [f.code for f in lint_bytes(b"\n\n")] == ["FT010", "FT010", "FT011"]


def test_overlong_line_is_skipped_unbuffered():
    long_line = b'{"messages": [{"role": "user", "content": "' + b"x" * 5000 + b'"}]}'
    findings = lint_bytes(GOOD_LINE + b"\n" + long_line + b"\n" + LAST + b"\n", max_line_bytes=1000)
    assert codes_at(findings, 2) == ["FT007"]
    assert "FT112" in codes_at(findings, 3)


def _peak_rss_mb(path, max_line_bytes):
    import subprocess

    script = (
        "import resource, json\n"
        "from linter import lint_file\n"
        # no token statistics: a file this big has them counted by the full encoder (70 MB, bpe_subset's
        # docstring) and a small one by a subset encoder, whichever is cached on disk: the reader is measured
        f"findings, _ = lint_file({str(path)!r}, max_line_bytes={max_line_bytes}, token_stats=False)\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024\n"
        "print(json.dumps({'rss_mb': rss, 'found': [(f.line, f.code) for f in findings]}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_100mb_line_in_flat_memory(tmp_path):
    """A 100 MB line is reported and skipped; memory never grows past the line cap."""
    path = tmp_path / "big.jsonl"
    with open(path, "wb") as out:
        out.write(GOOD_LINE + b"\n")
        out.write(b'{"messages": [{"role": "user", "content": "')
        chunk = b"y" * (1 << 20)
        for _ in range(100):
            out.write(chunk)
        out.write(b'"}]}\n')
        out.write(LAST + b"\n")
    small = tmp_path / "small.jsonl"
    small.write_bytes(GOOD_LINE + b"\n" + LAST + b"\n")
    cap = 8 << 20
    baseline = _peak_rss_mb(small, cap)["rss_mb"]
    out = _peak_rss_mb(path, cap)
    assert [2, "FT007"] in out["found"] and [3, "FT112"] in out["found"]
    # the reader buffers at most the cap (8 MiB) plus one block, never the 100 MB line
    assert out["rss_mb"] - baseline < 24, f"peak RSS grew {out['rss_mb'] - baseline} MB over {baseline} MB"
    # with the default 64 MiB cap the line is skipped just the same
    assert [2, "FT007"] in _peak_rss_mb(path, 64 << 20)["found"]


def test_hostile_file_through_cli(tmp_path):
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf" + GOOD_LINE + b"\r\n" + b"\xff\xfe\n" + b"{'single': 'quotes'}\n" + b"[" * 10_000 + b"\n" + LAST
    )
    report, proc = cli_json(path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    found = [(f["line"], f["code"]) for f in report["findings"]]
    assert (1, "FT008") in found and (2, "FT002") in found and (3, "FT001") in found and (4, "FT006") in found
    assert (5, "FT112") in found and (1, "FT009") in found


def test_control_characters_in_data_are_escaped_in_text_output(write_jsonl):
    path = write_jsonl([{"messages": [{"role": "\x1b[2J\x1b]8;;http://evil\x07bot", "content": "x"}, {"role": "assistant", "content": "y"}]}])
    proc = run_cli("check", path, "--color", "never")
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
    assert "\\u001b[2J" in proc.stdout


def read_in_blocks(data: bytes, block: int, cap: int):
    """The reader's rows of ``data`` read ``block`` bytes at a time, with lines over ``cap`` bytes not held;
    and the lines ``bytes.split`` finds, which the rows must match whatever the blocks cut."""
    original = jsonl.BLOCK_SIZE
    jsonl.BLOCK_SIZE = block
    try:
        rows = list(JsonlReader().rows(io.BytesIO(data), max_line_bytes=cap))
    finally:
        jsonl.BLOCK_SIZE = original
    parts = data.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    return rows, parts


def known_as(lines: list[bytes], cap: int) -> list[bytes]:
    """Each line's baseline identity: its bytes without a CR ending, or only their count when over ``cap``."""
    return [line.removesuffix(b"\r") if len(line) <= cap else b"%d" % len(line.removesuffix(b"\r")) for line in lines]


# The reader must split exactly like bytes.split(b"\n") whatever the block size.
@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(st.sampled_from([b"\n", b"\r", b"a", b"{}", b'"x"', b"\xef\xbb\xbf", b"  "]), max_size=60).map(b"".join),
    block=st.integers(min_value=1, max_value=7),
)
def test_reader_splits_exactly_like_split(data, block):
    rows, parts = read_in_blocks(data, block, 1 << 20)
    # a BOM opening any line is that line's own (FT008), not part of its JSON
    assert [r.bom for r in rows] == [p.startswith(b"\xef\xbb\xbf") for p in parts]
    parts = [p.removeprefix(b"\xef\xbb\xbf") for p in parts]
    assert [r.raw for r in rows] == parts
    assert [r.number for r in rows] == list(range(1, len(parts) + 1))
    offsets = [r.offset for r in rows]
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    for row in rows:
        assert data[row.offset : row.offset + row.length] == row.raw
    assert offsets == sorted(offsets) and (not offsets or offsets[0] == start)


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(st.sampled_from([b"\n", b"\r", b"\r\n", b"a", b"{}"]), max_size=40).map(b"".join),
    block=st.integers(min_value=1, max_value=5),
    cap=st.integers(min_value=0, max_value=4),
)
def test_a_line_ending_in_cr_is_known_whether_or_not_it_is_held(data, block, cap):
    """An over-long line is not held, but FT009 counts its CR and its findings are known without it
    (FT009's fix removes it), wherever the blocks split the line, its CR and its newline."""
    rows, parts = read_in_blocks(data, block, cap)
    assert [(r.length, r.crlf) for r in rows] == [(len(p), p.endswith(b"\r")) for p in parts]
    assert [row_identity(r) for r in rows] == known_as(parts, cap)


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.sampled_from([b"\n", b"\r", b"a", b"{}", b"\xef\xbb\xbf", b"\xef\xbb"]), max_size=40).map(b"".join),
    block=st.integers(min_value=1, max_value=5),
    cap=st.integers(min_value=0, max_value=6),
)
def test_a_line_opening_with_a_bom_is_read_as_the_line_without_it_whether_or_not_it_is_held(data, block, cap):
    """An over-long line's BOM was counted into its length (its baseline identity) and not flagged (FT008
    was silent), so the same row without the BOM was a new finding; the limit counts the bytes after it."""
    rows, parts = read_in_blocks(data, block, cap)
    bodies = [p.removeprefix(b"\xef\xbb\xbf") for p in parts]
    assert [(r.bom, r.length, r.raw is not None) for r in rows] == [(p != b, len(b), len(b) <= cap) for p, b in zip(parts, bodies)]
    assert [data[r.offset : r.offset + r.length] for r in rows] == bodies
    assert [row_identity(r) for r in rows] == known_as(bodies, cap)


def test_an_over_long_first_line_with_a_bom_is_reported_and_known_as_without_it(tmp_path):
    """FT008 said nothing on an over-long first line with a BOM (azure-openai, which asks for one, said it was
    missing), FT007 counted the BOM into the line, and a baseline recorded on the file missed the same row
    once the BOM was gone; a BOM-opened line 1-3 bytes over the limit was skipped while its twin parsed."""
    (tmp_path / "pyproject.toml").write_text("[tool.ftlint]\nmax-line-bytes = 200\n")
    long_line = json.dumps({"messages": [{"role": "user", "content": "x" * 300}, {"role": "assistant", "content": "ok"}]}).encode()
    edge = json.dumps({"messages": [{"role": "user", "content": "y" * 113}, {"role": "assistant", "content": "ok"}]}).encode()
    assert len(edge) == 200
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + long_line + b"\n" + b"\xef\xbb\xbf" + edge + b"\n")
    (tmp_path / "plain.jsonl").write_bytes(long_line + b"\n" + edge + b"\n")

    def found(*args):
        report, _ = cli_json(*args, "--select", "FT007,FT008,FT010", cwd=tmp_path)
        return [(f["line"], f["code"], f["message"]) for f in report["findings"]]

    too_long = "line is 387 bytes, over the 200-byte limit (max-line-bytes); it was skipped unparsed"
    assert found("bom.jsonl") == [(1, "FT007", too_long), (1, "FT008", "file starts with a UTF-8 byte-order mark (BOM)"),
                                  (2, "FT008", "line starts with a UTF-8 byte-order mark (BOM), as if files were concatenated")]
    assert found("plain.jsonl") == [(1, "FT007", too_long)]
    assert found("bom.jsonl", "--profile", "azure-openai") == [(1, "FT007", too_long), (2, "FT008", "line starts with a UTF-8 byte-order "
                                                                                  "mark (BOM), as if files were concatenated")]
    # FT008's safe fix removes both BOMs; a baseline recorded before it still knows the over-long row
    assert run_cli("check", "bom.jsonl", "--select", "FT007", "--write-baseline", "base.json", cwd=tmp_path).returncode == 0
    fixed = run_cli("check", "bom.jsonl", "--select", "FT008", "--fix", cwd=tmp_path)
    assert "Fixed 2 problem(s) in bom.jsonl: FT008 ×2" in fixed.stderr
    assert (tmp_path / "bom.jsonl").read_bytes() == (tmp_path / "plain.jsonl").read_bytes()
    assert found("bom.jsonl", "--baseline", "base.json") == []


def test_json_array_files_and_extensions_and_size(tmp_path):
    # a JSON array saved under a .jsonl name: the first line's error says what it is
    array_file = tmp_path / "array.jsonl"
    array_file.write_text('[\n  {"messages": []},\n  {"messages": []}\n]\n')
    report, _ = cli_json(array_file, "--select", "FT001")
    first = report["findings"][0]
    assert first["line"] == 1 and "looks like one JSON array" in first["message"]
    # under its .json name it is read as an array, and OpenAI's profile asks for .jsonl
    json_file = tmp_path / "data.json"
    json_file.write_text(array_file.read_text())
    report, _ = cli_json(json_file, "--select", "FT001,FT013")
    assert [f["code"] for f in report["findings"]] == ["FT013"]
    ok = tmp_path / "data.jsonl"
    ok.write_text(json.dumps(GOOD) + "\n")
    assert cli_json(ok, "--select", "FT013")[0]["findings"] == []
    assert cli_json(ok, "--select", "FT013", "--profile", "trl")[0]["findings"] == []
    # FT012 on a profile with a tiny limit, through a plugin-free dataclasses.replace in process
    import dataclasses

    from linter.config import Settings
    from linter.engine import Linter
    from linter.profiles import OPENAI_SFT
    from linter.registry import get_registry

    get_registry().profiles["tiny"] = dataclasses.replace(OPENAI_SFT, name="tiny", max_file_bytes=10)
    try:
        findings, _ = Linter(Settings(profile="tiny", select=["FT012"])).lint_path(ok)
        (big,) = list(findings)
        assert big.code == "FT012" and "profile tiny uploads at most" in big.message
    finally:
        del get_registry().profiles["tiny"]


def test_a_row_of_another_format_names_the_format_it_found():
    # a ShareGPT row is recognised as ShareGPT, which openai-sft does not accept (it used to be "messages missing")
    (finding,) = [f for f in lint_text(json.dumps({"conversations": [{"from": "human", "value": "hi"}]}) + "\n") if f.code == "FT401"]
    assert "ShareGPT" in finding.message


@settings(max_examples=300, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(st.sampled_from(["a", "b", "role", "c:d", "x\\"]), st.sampled_from(['1', '"v:w"', '["p", "q"]', '{"a": 1}', '{"a": 1, "a": 2}', '"\\u003a"'])),
        max_size=5,
    ),
    spacing=st.sampled_from([", ", ",", " ,\t", ",  \t "]),  # JSON whitespace a JSONL line can hold
)
def test_duplicate_key_fast_path_agrees_with_a_full_parse(pairs, spacing):
    """FT004 skips the re-parse when counting keys proves none repeats; it must never skip a repeat."""
    import json as stdlib_json

    line = "{" + spacing.join(f"{stdlib_json.dumps(k)}: {v}" for k, v in pairs) + "}"
    repeated = []

    def hook(items):
        keys = [k for k, _ in items]
        if len(set(keys)) != len(keys):
            repeated.append(keys)
        return dict(items)

    stdlib_json.loads(line, object_pairs_hook=hook)
    found = [f for f in lint_text(line + "\n", select=["FT004"])]
    assert bool(found) == bool(repeated), line


@pytest.mark.parametrize("depth", [250, 300, 1000])
def test_deeply_nested_rows_are_linted_not_crashed(tmp_path, depth):
    """orjson reads 1024 levels but writes only 254: deeper rows are FT006 (fix and convert could not write them), never a crash."""
    row = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x"}], "extra": ' + "[" * depth + "]" * depth + "}"
    path = tmp_path / "deep.jsonl"
    path.write_text(row + "\n" + row + "\n")
    report, proc = cli_json(path)
    assert "internal error" not in proc.stderr, proc.stderr
    found = {(f["code"], f["line"]) for f in report["findings"]}
    if depth < 254:
        assert proc.returncode == 0, proc.stderr  # warnings only
        assert ("FT403", 2) in found
    else:
        assert {("FT006", 1), ("FT006", 2)} <= found
