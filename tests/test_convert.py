"""ftlint convert: formats to JSONL, ShareGPT/Alpaca/legacy to chat, splits, and nothing lost."""

from __future__ import annotations

import json

import pytest

from .conftest import GOOD, run_cli


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_csv_and_shapes_to_chat(tmp_path):
    src = tmp_path / "mixed.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in [
        {"conversations": [{"from": "system", "value": "Be brief."}, {"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello!"}]},
        {"instruction": "Translate to French", "input": "cheese", "output": "fromage"},
        {"prompt": "Great ->", "completion": " positive"},
        GOOD,
        {"weird": True},
        "[1, 2]",
    ]) + "\n{broken\n")
    out = tmp_path / "chat.jsonl"
    proc = run_cli("convert", src, "-o", out)
    assert proc.returncode == 1 and "3 row(s) not converted" in proc.stderr
    converted = lines(out)
    assert converted[0] == {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}
    # instruction and input join with a newline, as LLaMA-Factory's Alpaca converter does
    assert converted[1]["messages"][0] == {"role": "user", "content": "Translate to French\ncheese"}
    assert converted[2]["messages"][1] == {"role": "assistant", "content": " positive"}
    assert converted[3] == GOOD and len(converted) == 4
    rejects = lines(tmp_path / "chat.jsonl.rejects.jsonl")
    assert [r["line"] for r in rejects] == [5, 6, 7]
    assert "not a format" in rejects[0]["reason"] and "not an object" in rejects[1]["reason"] and rejects[2]["raw"] == "{broken"
    csv = tmp_path / "rows.csv"
    csv.write_text('user,assistant\n"multi\nline",ok\n')
    out = tmp_path / "csv.jsonl"
    assert run_cli("convert", csv, "-o", out).returncode == 0
    assert lines(out) == [{"messages": [{"role": "user", "content": "multi\nline"}, {"role": "assistant", "content": "ok"}]}]


def test_to_completion_and_split(tmp_path):
    src = tmp_path / "chat.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]} for i in range(200)]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", src, "-o", out, "--split-validation", "0.2", "--to", "completion")
    assert proc.returncode == 0, proc.stderr
    train, valid = lines(out), lines(tmp_path / "out.valid.jsonl")
    assert len(train) + len(valid) == 200 and len(valid) == 40  # exactly the fraction asked for
    assert {json.dumps(r) for r in train}.isdisjoint(json.dumps(r) for r in valid)
    assert train[0] == {"prompt": train[0]["prompt"], "completion": train[0]["completion"]} and train[0]["prompt"].startswith("q")
    again = tmp_path / "again.jsonl"
    run_cli("convert", src, "-o", again, "--split-validation", "0.2", "--to", "completion")
    assert lines(again) == train  # deterministic


@pytest.mark.parametrize("split, rows, valid", [
    ("0.2", 11, 2),  # 2.2 rounds to 2 (a per-row coin toss could give 0)
    ("0.5", 11, 6),  # 5.5 rounds half up
    ("0.01", 11, 1),  # a non-empty split has at least one example
    ("0.99", 11, 10),  # ... and leaves one for training
    ("0.3", 1, 0),  # one example: it trains
    ("3", 11, 3),  # a whole number is a count
    ("1", 11, 1),
])
def test_split_validation_is_an_exact_fraction_or_count(tmp_path, split, rows, valid):
    src = tmp_path / "chat.jsonl"
    data = [{"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]} for i in range(rows)]
    src.write_text("".join(json.dumps(r) + "\n" for r in data))
    proc = run_cli("convert", src, "-o", tmp_path / "out.jsonl", "--split-validation", split)
    assert proc.returncode == 0, proc.stderr
    train, held = lines(tmp_path / "out.jsonl"), lines(tmp_path / "out.valid.jsonl")
    assert len(held) == valid and len(train) == rows - valid
    assert sorted(map(json.dumps, train + held)) == sorted(map(json.dumps, data))  # nothing lost, nothing twice
    assert train == [r for r in data if r in train]  # training keeps the input order


def test_split_validation_seed_and_bad_values(tmp_path):
    src = tmp_path / "chat.jsonl"
    data = [{"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]} for i in range(30)]
    src.write_text("".join(json.dumps(r) + "\n" for r in data))
    picks = []
    for seed in ("0", "0", "1"):
        assert run_cli("convert", src, "-o", tmp_path / "out.jsonl", "--split-validation", "0.2", "--seed", seed).returncode == 0
        picks.append(lines(tmp_path / "out.valid.jsonl"))
    assert picks[0] == picks[1] != picks[2] and len(picks[2]) == 6
    for bad in ("0", "1.5", "-1", "x"):
        proc = run_cli("convert", src, "-o", tmp_path / "bad.jsonl", "--split-validation", bad)
        assert proc.returncode == 2 and "--split-validation" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("convert", src, "-o", tmp_path / "all.jsonl", "--split-validation", "40")
    assert proc.returncode == 0 and "asks for more examples than the 30" in proc.stderr
    assert len(lines(tmp_path / "all.valid.jsonl")) == 30


# --- through the conversation view -------------------------------------------------

from pathlib import Path  # noqa: E402

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from linter.convert import Unconvertible, convert_value, target_names  # noqa: E402
from linter.registry import get_registry  # noqa: E402

FORMATS = Path(__file__).parent / "data" / "formats"


def _fixture_rows():
    found = []
    for path in sorted(FORMATS.iterdir()):
        if path.suffix == ".json":
            found.extend(json.loads(path.read_text()))
        elif path.suffix == ".jsonl":
            found.extend(json.loads(line) for line in path.read_text().splitlines())
    return found


FIXTURE_ROWS = _fixture_rows()


def _texts(value):
    """Every text of a row as its view sees it (turn texts, tool names and arguments)."""
    registry = get_registry()
    adapter = registry.detector.detect(value)
    view = adapter.view(value)
    out = []
    for _, turn in view.all_turns():
        out.extend(p.text for p in turn.parts if p.text)
        out.extend(str(c.name) for c in turn.tool_calls)
    return out


def _retexted(value, texts):
    """``value`` with its strings replaced in order by ``texts`` (JSON strings stay JSON)."""
    it = iter(texts)

    def walk(item, key=None):
        if isinstance(item, dict):
            return {k: walk(v, k) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v) for v in item]
        if isinstance(item, str) and key in ("content", "value", "text", "output", "instruction", "prompt", "completion") \
                and not item.lstrip().startswith(("{", "[")):
            return next(it, item)
        return item

    return walk(value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIXTURE_ROWS), st.lists(st.text(min_size=1, max_size=12), max_size=12), st.sampled_from(target_names(get_registry())))
def test_every_pair_of_formats_writes_the_whole_view_or_rejects(row, texts, target):
    registry = get_registry()
    source = _retexted(row, texts)
    try:
        written = convert_value(registry, source, target)
    except Unconvertible as exc:
        assert str(exc)  # a reason, never a bare failure
        return
    assert isinstance(written, dict) and registry.detector.detect(written) is not None
    kept = "\x00".join(_texts(written))
    for text in _texts(source):
        assert text in kept, (target, text)  # a writer that cannot keep a text must reject the row


def test_cli_rows_written_plus_rejected_equal_rows_read_for_every_target(tmp_path):
    source = tmp_path / "all.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in FIXTURE_ROWS) + "[1]\n{\"weird\": 1}\n")
    for target in ("openai-chat", "openai-dpo", "trl", "sharegpt", "sharegpt-preference", "alpaca", "prompt-completion",
                   "bedrock-claude", "bedrock-nova", "llamafactory-v1"):
        out = tmp_path / f"{target}.jsonl"
        proc = run_cli("convert", source, "-o", out, "--to", target)
        rejects = tmp_path / f"{target}.jsonl.rejects.jsonl"
        written = len(lines(out))
        rejected = len(lines(rejects)) if rejects.exists() else 0
        assert written + rejected == len(FIXTURE_ROWS) + 2, (target, written, rejected, proc.stderr)
        assert proc.returncode == (1 if rejected else 0)


def test_glaive_tool_calls_become_openai_tool_calls_and_back(tmp_path):
    source = FORMATS / "llamafactory_glaive_toolcall_en_demo.json"
    out = tmp_path / "chat.jsonl"
    assert run_cli("convert", source, "-o", out, "--to", "openai-chat").returncode == 0
    first = lines(out)[0]
    call = first["messages"][1]
    assert call["role"] == "assistant" and call["tool_calls"][0]["function"]["name"] == "calculate_area"
    assert json.loads(call["tool_calls"][0]["function"]["arguments"]) == {"shape": "rectangle", "dimensions": [5, 3]}
    assert first["messages"][2] == {"role": "tool", "content": "{\"area\": 15}", "tool_call_id": call["tool_calls"][0]["id"]}
    assert [t["function"]["name"] for t in first["tools"]] == ["calculate_area", "calculate_discount"]  # wrapped as OpenAI lists tools
    report = json.loads(run_cli("check", "--format", "json", "--isolated", out).stdout)
    assert not [f for f in report["findings"] if f["severity"] == "error" and f["code"] != "FT402"]
    back = tmp_path / "sharegpt.jsonl"
    assert run_cli("convert", out, "-o", back, "--to", "sharegpt").returncode == 0
    assert lines(back) == json.loads(source.read_text())  # the round trip keeps every turn and the tools


def test_trl_tool_calls_carry_arguments_as_objects(tmp_path):
    """TRL's examples (and chat templates rendering calls with tojson) take arguments as an object;
    OpenAI's chat format keeps the JSON string, and FT504 asks for it under OpenAI's profile only."""
    source = FORMATS / "llamafactory_glaive_toolcall_en_demo.json"
    out = tmp_path / "trl.jsonl"
    assert run_cli("convert", source, "-o", out, "--to", "trl").returncode == 0
    call = lines(out)[0]["messages"][1]["tool_calls"][0]
    assert call["function"]["arguments"] == {"shape": "rectangle", "dimensions": [5, 3]}
    for profile, expected in (("trl", []), ("axolotl", []), ("openai-sft", ["FT504"])):
        report = json.loads(run_cli("check", "--format", "json", "--isolated", "--profile", profile, "--select", "FT5", out).stdout)
        assert sorted({f["code"] for f in report["findings"] if f["severity"] == "error"}) == expected, profile
    back = tmp_path / "sharegpt.jsonl"
    assert run_cli("convert", out, "-o", back, "--to", "sharegpt").returncode == 0
    assert lines(back) == json.loads(source.read_text())  # and back to ShareGPT without a loss


def test_sharegpt_preference_becomes_dpo_and_trl_preference(tmp_path):
    source = FORMATS / "llamafactory_dpo_en_demo.json"
    dpo = tmp_path / "dpo.jsonl"
    assert run_cli("convert", source, "-o", dpo, "--to", "openai-dpo").returncode == 0
    row = lines(dpo)[0]
    original = json.loads(source.read_text())[0]
    assert row["input"]["messages"] == [{"role": "user", "content": original["conversations"][0]["value"]}]
    assert row["preferred_output"] == [{"role": "assistant", "content": original["chosen"]["value"]}]
    assert row["non_preferred_output"] == [{"role": "assistant", "content": original["rejected"]["value"]}]
    trl = tmp_path / "trl.jsonl"
    assert run_cli("convert", source, "-o", trl, "--to", "trl").returncode == 0
    assert set(lines(trl)[0]) == {"prompt", "chosen", "rejected"}
    chat = tmp_path / "chat.jsonl"
    proc = run_cli("convert", source, "-o", chat, "--to", "chat")
    assert proc.returncode == 1 and "2 row(s) not converted" in proc.stderr and "preference pair" in proc.stderr


def test_unknown_target_is_a_usage_error(tmp_path):
    proc = run_cli("convert", FORMATS / "azure_dpo_sample.jsonl", "-o", tmp_path / "x.jsonl", "--to", "nope")
    assert proc.returncode == 2 and "unknown format 'nope'" in proc.stderr and "openai-dpo" in proc.stderr


from .test_formats import ROWS  # noqa: E402


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS, st.sampled_from(target_names(get_registry())))
def test_wrong_types_in_any_field_convert_or_reject_never_raise(row, target):
    try:
        written = convert_value(get_registry(), row, target)
    except Unconvertible as exc:
        assert str(exc)
    else:
        assert isinstance(written, dict)


def test_dash_converts_json_lines_from_standard_input(tmp_path):
    """`producer | ftlint convert - -o OUT`: rows written plus rows rejected are the rows piped in."""
    rows = [json.dumps({"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello!"}]}), "not json",
            json.dumps({"instruction": "Say hi", "input": "", "output": "Hello!"})]
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", "-", "-o", out, "--split-validation", "1", input="\n".join(rows) + "\n")
    assert proc.returncode == 1 and "-:2: not converted" in proc.stderr
    written = out.read_text().splitlines() + (tmp_path / "out.valid.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["messages"][0]["content"] for line in written) == ["Say hi", "hi"]
    (reject,) = (tmp_path / "out.jsonl.rejects.jsonl").read_text().splitlines()
    assert json.loads(reject)["line"] == 2 and json.loads(reject)["raw"] == "not json"


@pytest.mark.parametrize("args", [("--rejects", "same.jsonl"), ("--split-validation", "1", "--validation-output", "same.jsonl")])
@pytest.mark.parametrize("source", ["-", "file"])
def test_convert_refuses_two_outputs_in_one_file_whatever_the_source(tmp_path, args, source):
    """Rows written to one file, rejects or the validation split to the same file: the second overwrote the
    first (from standard input nothing was compared). Refused before anything is written."""
    rows = json.dumps(GOOD) + "\nnot json\n" + json.dumps(GOOD) + "\n"
    (tmp_path / "in.jsonl").write_text(rows)
    proc = run_cli("convert", "-" if source == "-" else "in.jsonl", "-o", "same.jsonl", *args, cwd=tmp_path,
                   input=rows if source == "-" else None)
    assert proc.returncode == 2 and "are the same file" in proc.stderr, proc.stderr
    assert not (tmp_path / "same.jsonl").exists()


@pytest.mark.parametrize("target, reason", [("llamafactory-v1", "media listed at /images/0"),
                                            ("openai-chat", "the image at /images/0 ('a.jpg') is not a URL or data URI")])
def test_an_alpaca_row_with_media_is_rejected_not_written_without_them(tmp_path, target, reason):
    """Alpaca's images/videos/audios are in its view as ShareGPT's are: a target that cannot hold them
    rejects the row (OpenAI chat holds images only as URLs). They were dropped: the row written without
    its images kept its <image> placeholders, which LLaMA-Factory then refuses (FT805). ShareGPT and TRL
    hold them (tests/test_convert_images.py)."""
    source = tmp_path / "alpaca.jsonl"
    source.write_text(json.dumps({"instruction": "<image>Which cheese?", "input": "", "output": "Danbo.", "images": ["a.jpg"]}) + "\n"
                      + json.dumps({"instruction": "Say hi", "input": "", "output": "Hello!"}) + "\n")
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "--to", target, "-o", out)
    assert proc.returncode == 1 and reason in proc.stderr, proc.stderr
    assert len(out.read_text().splitlines()) == 1
    (reject,) = (tmp_path / "out.jsonl.rejects.jsonl").read_text().splitlines()
    assert json.loads(reject)["line"] == 1


def test_a_media_column_of_one_item_is_not_dropped(tmp_path):
    """Review: 'images': 'a.jpg' (one item, no list; LLaMA-Factory reads it as a list of one) vanished in convert."""
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"instruction": "<image>What is it?", "input": "", "output": "A cat.", "images": "a.jpg"}) + "\n")
    proc = run_cli("convert", src, "-o", tmp_path / "out.jsonl", "--to", "openai-chat")
    assert proc.returncode == 1 and "/images" in proc.stderr
    assert (tmp_path / "out.jsonl").read_text() == "" and 'a.jpg' in (tmp_path / "out.jsonl.rejects.jsonl").read_text()


# --- nothing lost: rejected records as written, repeated keys, nulls, extra columns --------------------

import csv as csv_module  # noqa: E402
import io  # noqa: E402


def _rejects(out):
    path = Path(str(out) + ".rejects.jsonl")
    return lines(path) if path.exists() else []


@pytest.mark.parametrize("name, text, records", [
    # a record with a cell too many, in CSV and TSV
    ("r.csv", "prompt,completion\nHello,World\nFoo,Bar,extra cell\n", {3: "Foo,Bar,extra cell"}),
    ("r.tsv", "prompt\tcompletion\nHello\tWorld\nFoo\tBar\textra cell\n", {3: "Foo\tBar\textra cell"}),
    # a messages cell that is not JSON, quoted over two physical lines with CRLF endings: both lines are the record
    ("m.csv", 'id,messages\r\n1,"[{""role"": ""user"", ""content"": ""hi""}, {""role"": ""assistant"", ""content"": ""yo""}]"\r\n'
              '2,"[{""role"": ""user"",\r\n ""content"": oops}]"\r\n',
     {3: '2,"[{""role"": ""user"",\r\n ""content"": oops}]"'}),
    # a JSON array: an element refused (NaN) and text after the closing bracket, each kept as written
    ("a.json", '[\n {"prompt": "a", "completion": "b"},\n {"prompt": "p",\n  "completion": NaN},\n {"prompt": "c", "completion": "d"}\n] tail\n',
     {3: '{"prompt": "p",\n  "completion": NaN}', 6: "tail"}),
])
def test_a_rejected_record_keeps_its_text_as_the_file_holds_it(tmp_path, name, text, records):
    """The rejects file held "raw": "" for records a tabular reader refused: the record was gone."""
    source = tmp_path / name
    source.write_bytes(text.encode())
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "completion")
    assert proc.returncode == 1, proc.stderr
    assert {r["line"]: r["raw"] for r in _rejects(out)} == records
    if name.endswith(".csv"):  # pasted back under the header, the raw text is the record's cells again
        header, *_ = text.splitlines()
        for raw in records.values():
            (cells,) = list(csv_module.reader(io.StringIO(raw, newline="")))
            assert len(cells) >= len(header.split(","))


def test_a_record_with_undecodable_bytes_keeps_them(tmp_path):
    source = tmp_path / "latin.csv"
    source.write_bytes(b"prompt,completion\ncaf\xe9,ok\nfine,yes\n")
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "completion")
    assert proc.returncode == 1 and len(lines(out)) == 1
    (reject,) = _rejects(out)
    assert reject["line"] == 2 and reject["raw"] == "caf\\xe9,ok"  # the byte, shown as the JSONL reader shows it


@pytest.mark.parametrize("kind", ["xlsx", "parquet"])
def test_a_rejected_xlsx_or_parquet_record_keeps_its_cells_as_json(tmp_path, kind):
    """XLSX and Parquet hold no text for a record: its cells, column to cell, stand in (docs/formats.md)."""
    good = json.dumps([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}])
    source = tmp_path / f"book.{kind}"
    if kind == "xlsx":
        openpyxl = pytest.importorskip("openpyxl")
        book = openpyxl.Workbook()
        book.active.append(["id", "messages"])
        book.active.append([1, good])
        book.active.append([2, "not json"])
        book.save(source)
    else:
        pa, pq = pytest.importorskip("pyarrow"), pytest.importorskip("pyarrow.parquet")
        pq.write_table(pa.table({"id": [1, 2], "messages": [good, "not json"]}), source)
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out)
    assert proc.returncode == 1 and len(lines(out)) == 1, proc.stderr
    (reject,) = _rejects(out)
    assert reject["line"] == (3 if kind == "xlsx" else 2) and json.loads(reject["raw"]) == {"id": 2, "messages": "not json"}


DUPLICATED = '{"messages": [{"role": "user", "content": "dup", "content": "key"}, {"role": "assistant", "content": "x"}]}'
CLEAN = '{"messages": [{"role": "user", "content": "a: b"}, {"role": "assistant", "content": "x"}]}'


@pytest.mark.parametrize("target", ["openai-chat", "sharegpt", "trl"])
@pytest.mark.parametrize("layout", ["jsonl", "json"])
def test_a_row_that_repeats_a_key_is_rejected_with_the_key_and_where(tmp_path, target, layout):
    """JSON keeps the last of a repeated key: check reported FT004, convert wrote "content": "key" and exited 0."""
    if layout == "jsonl":
        source = tmp_path / "dup.jsonl"
        source.write_text(CLEAN + "\n" + DUPLICATED + "\n")
    else:
        source = tmp_path / "dup.json"
        source.write_text("[\n" + CLEAN + ",\n" + DUPLICATED + "\n]\n")
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", target)
    assert proc.returncode == 1
    (written,) = lines(out)  # the clean row; nothing of the other
    assert "dup" not in json.dumps(written) and '"key"' not in json.dumps(written)
    (reject,) = _rejects(out)
    assert reject["line"] == (2 if layout == "jsonl" else 3) and reject["raw"] == DUPLICATED
    assert "key 'content' appears more than once at /messages/0/content" in reject["reason"]
    assert "key 'content' appears more than once" in proc.stderr
    # check says the same of the same row (a JSON array's element too: it is read from its own text)
    checked = run_cli("check", source, "--select", "FT004")
    line = 2 if layout == "jsonl" else 3
    column = "" if layout == "jsonl" else ":1"  # an array's element: where it starts on its line
    assert checked.returncode == 1 and f"{source.name}:{line}{column}: FT004 [duplicate-key] key 'content'" in checked.stdout


def test_repeated_keys_proves_a_clean_row_clean_without_parsing_it(monkeypatch):
    """FT004 and convert share the proof from counts: a clean row is never re-parsed."""
    from linter import json_keys

    class NoParse:
        def decode(self, text):
            raise AssertionError("a clean row was re-parsed")

    monkeypatch.setattr(json_keys, "_DECODER", NoParse())
    value = json.loads(CLEAN)
    import orjson

    assert not json_keys.repeated_keys(CLEAN.encode(), value, orjson.dumps(value))
    # a colon written as \u003a defeats the colon count; the key openings still prove the row clean
    escaped = CLEAN.replace("a: b", "a\\u003a b")
    assert not json_keys.repeated_keys(escaped.encode(), json.loads(escaped), orjson.dumps(json.loads(escaped)))
    monkeypatch.undo()
    assert json_keys.repeated_keys(DUPLICATED.encode(), json.loads(DUPLICATED), orjson.dumps(json.loads(DUPLICATED))) == [
        ("/messages/0/content", "content")]


NULL_CONTENT = {"messages": [{"role": "user", "content": None}, {"role": "assistant", "content": "x"}]}
NO_CONTENT = {"messages": [{"role": "user"}, {"role": "assistant", "content": "x"}]}


@pytest.mark.parametrize("target", ["bedrock-claude", "bedrock-nova", "sharegpt", "alpaca", "prompt-completion", "llamafactory-v1"])
@pytest.mark.parametrize("row, said", [(NULL_CONTENT, "the content at /messages/0/content is null"),
                                       (NO_CONTENT, "the turn at /messages/0 has no content")])
def test_a_null_or_missing_content_a_target_cannot_hold_is_rejected_not_emptied(tmp_path, target, row, said):
    """To bedrock-claude "content": null became "": an FT107 error turned into an FT200 warning, unseen."""
    source = tmp_path / "null.jsonl"
    source.write_text(json.dumps(row) + "\n" + json.dumps(GOOD) + "\n")
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", target)
    assert proc.returncode == 1, proc.stderr
    assert len(lines(out)) == 1
    (reject,) = [r for r in _rejects(out) if r["line"] == 1]
    assert said in reject["reason"] and json.loads(reject["raw"]) == row


@pytest.mark.parametrize("target", ["openai-chat", "trl"])
def test_a_null_content_is_kept_where_the_target_holds_null(tmp_path, target):
    source = tmp_path / "null.jsonl"
    source.write_text(json.dumps({"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}) + "\n"
                      + json.dumps(NULL_CONTENT) + "\n")
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", target)
    assert proc.returncode == 0, proc.stderr
    assert lines(out)[1]["messages"][0]["content"] is None


@pytest.mark.parametrize("name, text", [
    ("ids.csv", "id,user,assistant\n1,hi,hello\n2,a,b\n"),
    ("ids.jsonl", "".join(json.dumps({"messages": [{"role": "user", "content": u}, {"role": "assistant", "content": a}], "id": i}) + "\n"
                          for i, u, a in (("1", "hi", "hello"), ("2", "a", "b")))),
])
def test_an_extra_column_is_kept_with_a_note_or_refused_where_the_target_allows_none(tmp_path, name, text):
    """A CSV column beside the example's is an extra key like a JSONL row's own: kept by every writer whose
    format takes other keys (said once on stderr, not silently), refused with the reason by Bedrock's."""
    source = tmp_path / name
    source.write_text(text)
    for target in ("openai-chat", "prompt-completion", "sharegpt", "alpaca", "trl"):
        out = tmp_path / f"{target}.jsonl"
        proc = run_cli("convert", source, "-o", out, "--to", target)
        assert proc.returncode == 0, proc.stderr
        assert [r["id"] for r in lines(out)] == ["1", "2"]
        first = 2 if name.endswith(".csv") else 1  # the first row that has it (a CSV's line 1 is its header)
        assert proc.stderr.count("note: key 'id' is not a key of") == 1 and f"{name}:{first}: note" in proc.stderr
    out = tmp_path / "bedrock.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "bedrock-claude")
    assert proc.returncode == 1 and lines(out) == []
    assert all("accepts no extra keys; 'id' would be lost" in r["reason"] for r in _rejects(out)) and len(_rejects(out)) == 2
    clean = tmp_path / "clean.jsonl"
    clean.write_text(json.dumps(GOOD) + "\n")
    assert "note:" not in run_cli("convert", clean, "-o", tmp_path / "c.jsonl").stderr


def test_a_table_converts_every_record_or_rejects_it(tmp_path):
    """Rows written + rows rejected = records read, on a CSV with every kind of bad record."""
    source = tmp_path / "mixed.csv"
    source.write_text('user,assistant\nhi,hello\n\nbad,row,extra\n"multi\nline",ok\n,\n' + "q,a\n" * 5)
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "openai-chat")
    records = [r for r in csv_module.reader(io.StringIO(source.read_text(), newline=""))][1:]
    assert len(lines(out)) + len(_rejects(out)) == sum(1 for r in records if r), proc.stderr


@pytest.mark.parametrize("header", ["prompt,completion,prompt", "id,user,assistant,id"])
def test_a_header_that_names_a_column_twice_is_refused_not_read_with_one_cell_lost(tmp_path, header):
    """Each record became a dict of column to cell: of two cells under one name only the last was kept."""
    source = tmp_path / "twice.csv"
    source.write_text(header + "\n" + ",".join(f"cell{i}" for i in range(len(header.split(",")))) + "\n")
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "openai-chat")
    name = header.split(",")[-1]
    # no record was read: nothing is written (review: one reject with no text stood for every record)
    assert proc.returncode == 2 and not out.exists() and not (tmp_path / "out.jsonl.rejects.jsonl").exists()
    assert f"column '{name}' appears more than once (columns 1 and " in proc.stderr and "nothing was converted" in proc.stderr
    checked = run_cli("check", source, "--select", "FT014")
    assert checked.returncode == 1 and f"FT014 [table-row-invalid] column '{name}' appears more than once" in checked.stdout


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_cell_under_a_column_with_no_name_is_refused_not_dropped(tmp_path, kind):
    """XLSX dropped every cell of an unnamed column; CSV's unnamed columns all became the key "", so all
    but the last were overwritten. A record with a value there is refused, with the record kept."""
    out = tmp_path / "out.jsonl"
    if kind == "csv":
        source = tmp_path / "unnamed.csv"
        source.write_text("prompt,completion,,\na,b,kept?,y\nc,d,,\n")
        raw = "a,b,kept?,y"
    else:
        openpyxl = pytest.importorskip("openpyxl")
        book = openpyxl.Workbook()
        for cells in (["prompt", "completion", None], ["a", "b", "kept?"], ["c", "d", None]):
            book.active.append(cells)
        source = tmp_path / "unnamed.xlsx"
        book.save(source)
        raw = json.dumps({"prompt": "a", "completion": "b", "C": "kept?"}, separators=(",", ":"))
    proc = run_cli("convert", source, "-o", out, "--to", "prompt-completion")
    assert proc.returncode == 1, proc.stderr
    assert [(r["prompt"], r["completion"]) for r in lines(out)] == [("c", "d")]
    (reject,) = _rejects(out)
    assert reject["line"] == 2 and reject["raw"] == raw
    assert "cell 3 holds 'kept?' but its column has no name in the header" in reject["reason"]


def test_role_columns_named_in_two_cases_are_one_column_and_refused(tmp_path):
    """Review: 'User,user,assistant' kept only 'hello from B': the reader reads role columns in any case."""
    source = tmp_path / "cases.csv"
    source.write_text("User,user,assistant\nhello from A,hello from B,reply\n")
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "openai-chat")
    assert proc.returncode == 2 and not out.exists() and "nothing was converted" in proc.stderr
    checked = run_cli("check", source, "--select", "FT014")
    assert "column 'User' and 'user' (one column in any case) appears more than once (columns 1 and 2)" in checked.stdout
    # other columns are kept under their own names, so 'ID' and 'id' lose nothing and are not refused
    source.write_text("ID,id,user,assistant\n1,2,hi,reply\n")
    assert run_cli("convert", source, "-o", out, "--to", "openai-chat").returncode == 0
    (row,) = lines(out)
    assert (row["ID"], row["id"]) == ("1", "2")


def test_a_messages_cell_that_repeats_a_key_is_refused_not_read_with_a_value_lost(tmp_path):
    """Review: a CSV messages cell with "content" twice kept only the second value, in check and convert."""
    import csv as csv_module

    source = tmp_path / "cells.csv"
    with source.open("w", newline="") as handle:
        writer = csv_module.writer(handle)
        writer.writerow(["messages"])
        writer.writerow(['[{"role": "user", "content": "first", "content": "second"}, {"role": "assistant", "content": "x"}]'])
        writer.writerow(['[{"role": "user", "content": "ok"}, {"role": "assistant", "content": "x"}]'])
    checked = run_cli("check", source, "--select", "FT014")
    assert checked.returncode == 1 and "cells.csv:2: FT014 [table-row-invalid] the messages column repeats the key 'content'" in checked.stdout
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "openai-chat")
    assert proc.returncode == 1 and len(lines(out)) == 1
    (reject,) = _rejects(out)
    assert reject["line"] == 2 and '""content"": ""first"", ""content"": ""second""' in reject["raw"]  # the CSV record as written


def test_a_vision_row_refused_by_trl_names_trl(tmp_path):
    """Clean-clone trial: '--to trl' said the images 'cannot be written as OpenAI chat'. A vision row is written
    now (tests/test_convert_images.py); one whose images cannot be placed is refused in TRL's words."""
    src = tmp_path / "v.jsonl"
    src.write_text(json.dumps({"conversations": [{"from": "human", "value": "<image>What?"}, {"from": "gpt", "value": "A dog."}],
                               "images": ["dog.jpg", "cat.jpg"]}) + "\n")
    proc = run_cli("convert", src, "-o", tmp_path / "out.jsonl", "--to", "trl")
    assert proc.returncode == 1 and "sharegpt to trl: 1 <image> placeholder(s)" in proc.stderr and "OpenAI chat" not in proc.stderr
    assert len(_rejects(tmp_path / "out.jsonl")) == 1


def test_parallel_calls_answered_by_one_observation_are_rejected_not_written_half_answered(tmp_path):
    """LLaMA-Factory answers parallel calls with one observation; OpenAI chat needs a tool message per call
    id. convert wrote the first id's answer only, and check then flagged its own output with FT508
    (newcomer trial). A call left last (the answer being trained) still converts."""
    tools = json.dumps([{"name": "weather", "description": "w", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}])
    calls = json.dumps([{"name": "weather", "arguments": {"city": "Paris"}}, {"name": "weather", "arguments": {"city": "Rome"}}])
    parallel = {"conversations": [{"from": "human", "value": "Weather in Paris and Rome?"}, {"from": "function_call", "value": calls},
                                  {"from": "observation", "value": '["sunny", "rain"]'}, {"from": "gpt", "value": "Sunny, rain."}],
                "tools": tools}
    last = {"conversations": [{"from": "human", "value": "Weather in Paris?"},
                              {"from": "function_call", "value": json.dumps({"name": "weather", "arguments": {"city": "Paris"}})}],
            "tools": tools}
    source = tmp_path / "calls.jsonl"
    source.write_text(json.dumps(parallel) + "\n" + json.dumps(last) + "\n")
    out = tmp_path / "out.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "chat")
    assert proc.returncode == 1
    (written,) = lines(out)
    assert written["messages"][-1]["tool_calls"][0]["function"]["arguments"] == '{"city": "Paris"}'
    (reject,) = _rejects(out)
    assert reject["line"] == 1 and "has no tool result of its own" in reject["reason"] and "(1 call(s) unanswered)" in reject["reason"]
    assert run_cli("check", out, "--select", "FT508").returncode == 0


def test_to_trl_rejects_parallel_calls_one_observation_answers_as_openai_chat_does(tmp_path):
    """--to trl wrote ids for a ShareGPT row's parallel calls (one function_call turn with two calls, or two
    function_call turns) and paired the one observation with the first call only; check --profile trl then
    flagged the second (FT508). It now rejects the rows OpenAI chat rejects, in TRL's words, also where the
    calls are in a prompt and the answer in the completion or chosen (written as one conversation)."""
    tools = json.dumps([{"name": "w", "description": "weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}])

    def call(city):
        return {"name": "w", "arguments": {"city": city}}

    def sharegpt(*middle):
        return {"conversations": [{"from": "human", "value": "Weather in Paris and Rome?"}, *middle,
                                  {"from": "gpt", "value": "Sunny in Paris, rain in Rome."}], "tools": tools}

    observation = {"from": "observation", "value": '["sunny", "rain"]'}
    one_turn = sharegpt({"from": "function_call", "value": json.dumps([call("Paris"), call("Rome")])}, observation)
    two_turns = sharegpt({"from": "function_call", "value": json.dumps(call("Paris"))},
                         {"from": "function_call", "value": json.dumps(call("Rome"))}, observation)
    answered = sharegpt({"from": "function_call", "value": json.dumps(call("Paris"))}, {"from": "observation", "value": "sunny"})
    trl_calls = [{"type": "function", "function": {"name": "w", "arguments": {"city": c}}} for c in ("Paris", "Rome")]
    prompt = [{"role": "user", "content": "W?"}, {"role": "assistant", "tool_calls": trl_calls}, {"role": "tool", "content": "sunny, rain"}]
    split = {"prompt": prompt, "completion": [{"role": "assistant", "content": "Sunny, rain."}]}
    pair = {"prompt": prompt, "chosen": [{"role": "assistant", "content": "Sunny, rain."}], "rejected": [{"role": "assistant", "content": "?"}]}
    source = tmp_path / "calls.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in (one_turn, two_turns, answered, split, pair)))
    out = tmp_path / "trl.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "trl")
    assert proc.returncode == 1, proc.stderr
    (written,) = lines(out)
    messages = written["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant"]
    assert messages[2]["tool_call_id"] == messages[1]["tool_calls"][0]["id"] and len(messages[1]["tool_calls"]) == 1
    rejects = _rejects(out)
    assert [(r["line"], r["reason"].split(":")[0]) for r in rejects] == [
        (1, "sharegpt to trl"), (2, "sharegpt to trl"), (4, "trl-prompt-completion to trl"), (5, "trl-preference to trl")]
    assert all("has no tool result of its own" in r["reason"] and "TRL messages" in r["reason"] for r in rejects)
    assert [r["reason"].split(" has no")[0].rsplit(" ", 1)[1] for r in rejects] == [
        "/conversations/1/value", "/conversations/1/value", "/prompt/1/tool_calls/1", "/prompt/1/tool_calls/1"]
    checked = run_cli("check", "--profile", "trl", "--select", "FT508", out)
    assert checked.returncode == 0, checked.stdout
    # OpenAI chat and OpenAI DPO refuse the same rows (the DPO's calls in its input, answered before its outputs)
    chat = tmp_path / "chat.jsonl"
    run_cli("convert", source, "-o", chat, "--to", "openai-chat")
    assert [r["line"] for r in _rejects(chat) if "has no tool result of its own" in r["reason"]] == [1, 2, 4]
    dpo = tmp_path / "dpo.jsonl"
    run_cli("convert", source, "-o", dpo, "--to", "openai-dpo")
    assert [r["line"] for r in _rejects(dpo) if "has no tool result of its own" in r["reason"]] == [5]


def test_trl_tool_rows_are_written_in_openai_form_or_rejected_and_kept_as_trl_rows(tmp_path):
    """TRL rows are read as OpenAI chat, but --to chat copied them unchanged (no call ids, argument objects,
    tools as a JSON string: FT500/FT503/FT504/FT506 on convert's own output). --to trl writes ids too, so a row
    whose parallel calls one tool message answers is rejected there as well, in TRL's words: written, its ids
    paired the result with the first call only."""
    tools = json.dumps([{"type": "function", "function": {"name": "control_light", "description": "d",
                                                          "parameters": {"type": "object", "properties": {"room": {"type": "string"}}}}}])
    single = {"messages": [{"role": "user", "content": "Lights on"},
                           {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "control_light", "arguments": {"room": "kitchen"}}}]},
                           {"role": "tool", "name": "control_light", "content": "ok"}, {"role": "assistant", "content": "Done."}], "tools": tools}
    parallel = {"messages": [{"role": "user", "content": "Kitchen and hall"},
                             {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "control_light", "arguments": {"room": room}}}
                                                                  for room in ("kitchen", "hall")]},
                             {"role": "tool", "name": "control_light", "content": "ok"}, {"role": "assistant", "content": "Done."}], "tools": tools}
    source = tmp_path / "trl.jsonl"
    source.write_text(json.dumps(single) + "\n" + json.dumps(parallel) + "\n")
    chat_out = tmp_path / "chat.jsonl"
    assert run_cli("convert", source, "-o", chat_out, "--to", "chat").returncode == 1
    (written,) = lines(chat_out)
    call = written["messages"][1]["tool_calls"][0]
    assert isinstance(call["id"], str) and call["function"]["arguments"] == '{"room": "kitchen"}'
    assert written["messages"][2]["tool_call_id"] == call["id"] and isinstance(written["tools"], list)
    (reject,) = _rejects(chat_out)
    assert reject["line"] == 2 and "has no tool result of its own" in reject["reason"]
    checked = run_cli("check", chat_out, "--select", "FT500,FT503,FT504,FT506,FT508")
    assert checked.returncode == 0, checked.stdout
    trl_out = tmp_path / "again.jsonl"
    proc = run_cli("convert", source, "-o", trl_out, "--to", "trl")
    assert proc.returncode == 1, proc.stderr
    (again,) = lines(trl_out)
    call = again["messages"][1]["tool_calls"][0]
    assert call["function"]["arguments"] == {"room": "kitchen"}  # objects, as TRL takes them
    assert [m["role"] for m in again["messages"]] == ["user", "assistant", "tool", "assistant"]
    assert again["messages"][2]["tool_call_id"] == call["id"]
    (reject,) = _rejects(trl_out)
    assert reject["line"] == 2 and "openai-chat to trl: the tool call at /messages/1/tool_calls/1 has no tool result of its own" in reject["reason"]
    assert "TRL messages" in reject["reason"] and "OpenAI" not in reject["reason"]
    # the tools a TRL row holds as a JSON string become ShareGPT's string once, not a string of a string (review)
    sharegpt_out = tmp_path / "sharegpt.jsonl"
    assert run_cli("convert", source, "-o", sharegpt_out, "--to", "sharegpt").returncode == 0
    assert json.loads(lines(sharegpt_out)[0]["tools"])[0]["name"] == "control_light"


def test_two_tool_results_in_a_row_are_no_sharegpt_row(tmp_path):
    """ShareGPT written with function_call, observation, observation, gpt: LLaMA-Factory's converter alternates
    tags strictly and skips the row ("Invalid role tag"), so convert rejects it rather than write it (review)."""
    row = {"messages": [{"role": "user", "content": "W?"},
                        {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "w", "arguments": {}}}] * 2},
                        {"role": "tool", "content": "sunny"}, {"role": "tool", "content": "rain"}, {"role": "assistant", "content": "ok"}]}
    source = tmp_path / "two.jsonl"
    source.write_text(json.dumps(row) + "\n" + json.dumps(GOOD) + "\n")
    out = tmp_path / "out.jsonl"
    assert run_cli("convert", source, "-o", out, "--to", "sharegpt").returncode == 1
    assert len(lines(out)) == 1
    (reject,) = _rejects(out)
    assert reject["line"] == 1 and "follows another" in reject["reason"]


def _chat(*turns, **more) -> dict:
    return {"messages": [{"role": role, "content": content} for role, content in turns], **more}


# (row, reason --to sharegpt gives: None where the row is written)
SHAREGPT_ORDER = [
    (_chat(("system", "Be brief."), ("user", "hi"), ("assistant", "Hello!"), ("user", "bye"), ("assistant", "Bye!")), None),
    (_chat(("user", "hi"), ("user", "anyone?"), ("assistant", "Hello!")),
     "the user turn at /messages/1 follows another user turn: ShareGPT's turns alternate human or observation, then gpt or function_call"),
    (_chat(("user", "hi"), ("assistant", "Hello!"), ("assistant", "How are you?")),
     "the assistant turn at /messages/2 follows another assistant turn"),
    (_chat(("user", "hi"), ("system", "Be brief."), ("assistant", "Hello!")),
     "the system turn at /messages/1 is not first: ShareGPT holds one system prompt, before the conversation"),
    (_chat(("system", "Be brief."), ("system", "Be kind."), ("user", "hi"), ("assistant", "Hello!")),
     "the system turn at /messages/1 is not first"),
    (_chat(("assistant", "Hello!"), ("user", "hi"), ("assistant", "Hi.")),
     "the conversation opens with the assistant turn at /messages/0: ShareGPT's turns open with human or observation"),
    (_chat(("user", "hi"), ("assistant", "Hello!"), ("user", "bye")),
     "the conversation ends with the user turn at /messages/2, which nothing answers"),
    ({"messages": [{"role": "user", "content": "W?"},
                   {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "w", "arguments": {}}}]},
                   {"role": "tool", "content": "sunny"}, {"role": "user", "content": "And?"}, {"role": "assistant", "content": "ok"}]},
     "the user turn at /messages/3 follows the tool result at /messages/2"),
]


def test_to_sharegpt_rejects_turns_llamafactory_would_skip_rather_than_merge_them(tmp_path):
    """LLaMA-Factory reads ShareGPT by position (human or observation, then gpt or function_call, a system
    prompt only first, every question answered) and skips any other row; --to sharegpt refused only two tool
    results in a row and wrote two user turns, two assistant turns, a system turn in the middle (as a
    "system" turn) as they were. Each is rejected now, with where it breaks; nothing is joined."""
    source = tmp_path / "chat.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row, _ in SHAREGPT_ORDER))
    out = tmp_path / "sharegpt.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "sharegpt")
    assert proc.returncode == 1, proc.stderr
    assert lines(out) == [{"system": "Be brief.", "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello!"},
                                                                    {"from": "human", "value": "bye"}, {"from": "gpt", "value": "Bye!"}]}]
    expected = [(line, "openai-chat to sharegpt: " + reason) for line, (_, reason) in enumerate(SHAREGPT_ORDER, start=1) if reason]
    assert [(r["line"], r["reason"][:len(want)]) for r, (_, want) in zip(_rejects(out), expected)] == expected
    assert len(_rejects(out)) + 1 == len(SHAREGPT_ORDER)
    checked = run_cli("check", "--profile", "llamafactory", "--select", "FT117,FT118,FT119,FT121", out)
    assert checked.returncode == 0, checked.stdout


def test_sharegpt_preference_and_kto_rows_follow_llamafactorys_order_too(tmp_path):
    """A preference row's conversation ends on the question chosen and rejected answer (an odd count), and
    each answer is a gpt or function_call turn; a KTO row's ends on its answer, as an SFT row's."""
    pair = {"prompt": [{"role": "user", "content": "hi"}], "chosen": [{"role": "assistant", "content": "Hello!"}],
            "rejected": [{"role": "assistant", "content": "What?"}]}
    answered = {"prompt": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}],
                "chosen": [{"role": "assistant", "content": "Bye."}], "rejected": [{"role": "assistant", "content": "What?"}]}
    asked = {"prompt": [{"role": "user", "content": "hi"}], "chosen": [{"role": "user", "content": "Hello?"}],
             "rejected": [{"role": "assistant", "content": "What?"}]}
    kto = {"messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "?"}, {"role": "assistant", "content": "Hello!"}], "label": True}
    source = tmp_path / "pairs.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in (pair, answered, asked)))
    out = tmp_path / "preference.jsonl"
    assert run_cli("convert", source, "-o", out, "--to", "sharegpt-preference").returncode == 1
    assert lines(out) == [{"conversations": [{"from": "human", "value": "hi"}], "chosen": {"from": "gpt", "value": "Hello!"},
                           "rejected": {"from": "gpt", "value": "What?"}}]
    ended, asks = _rejects(out)
    assert ended["line"] == 2 and "the conversation ends with the assistant turn at /prompt/1: in a ShareGPT preference row" in ended["reason"]
    assert asks["line"] == 3 and "chosen at /chosen/0 is a user turn; ShareGPT preference holds a gpt or function_call turn there" in asks["reason"]
    source = tmp_path / "kto.jsonl"
    source.write_text(json.dumps(kto) + "\n")
    out = tmp_path / "kto.out.jsonl"
    assert run_cli("convert", source, "-o", out, "--to", "sharegpt-kto").returncode == 1
    (reject,) = _rejects(out)
    assert "the user turn at /messages/1 follows another user turn" in reject["reason"]


def test_to_trl_writes_call_arguments_as_objects_in_every_column_of_messages(tmp_path):
    """TRL takes a call's arguments as a JSON object; --to trl made them objects in a messages row only, and a
    preference or prompt/completion row's calls kept OpenAI's JSON string (a template's tojson encodes it twice)."""
    call = json.dumps({"name": "w", "arguments": {"city": "Paris"}})
    pair = {"conversations": [{"from": "human", "value": "Weather in Paris?"}, {"from": "function_call", "value": call},
                              {"from": "observation", "value": "sunny"}, {"from": "human", "value": "So?"}],
            "chosen": {"from": "gpt", "value": "Sunny."}, "rejected": {"from": "gpt", "value": "No idea."}}
    kto = {"messages": [{"role": "user", "content": "Weather in Paris?"},
                        {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "w", "arguments": '{"city": "Paris"}'}}]},
                        {"role": "tool", "content": "sunny"}, {"role": "assistant", "content": "Sunny."}], "label": True}
    source = tmp_path / "calls.jsonl"
    source.write_text(json.dumps(pair) + "\n" + json.dumps(kto) + "\n")
    out = tmp_path / "trl.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "trl")
    assert proc.returncode == 0, proc.stderr
    written = lines(out)
    assert [sorted(row) for row in written] == [["chosen", "prompt", "rejected"], ["completion", "label", "prompt"]]
    assert [row["prompt"][1]["tool_calls"][0]["function"]["arguments"] for row in written] == [{"city": "Paris"}] * 2
