"""Every input format with its exact locations, through the real CLI."""

from __future__ import annotations

import gzip
import json

import pytest

from .conftest import GOOD, chat, cli_json, run_cli

BAD = {"messages": [{"role": "user", "content": "no reply"}]}


def located(report, code="FT112"):
    return [f["line"] for f in report["findings"] if f["code"] == code]


def test_csv_role_columns_with_cells_spanning_lines(tmp_path):
    path = tmp_path / "chats.csv"
    path.write_text('system,user,assistant\nBe brief.,"Hi,\nthere\nfriend",Hello!\nBe brief.,Bye,\n"a ""quoted"" cell",ok,fine\nonly,two\n')
    report, proc = cli_json(path)
    assert located(report) == [5]  # the record after a three-line record starts on line 5
    assert located(report, "FT014") == [7]
    assert proc.returncode == 1


def test_csv_messages_column_and_prompt_completion_and_tsv(tmp_path):
    messages = tmp_path / "m.csv"
    rows = [json.dumps(GOOD["messages"]), json.dumps(BAD["messages"]), "not json"]
    messages.write_text("id,messages\n" + "".join(f'{i},"{r.replace(chr(34), chr(34) * 2)}"\n' for i, r in enumerate(rows)))
    report, _ = cli_json(messages, "--select", "FT001,FT112,FT110")
    found = sorted((f["line"], f["code"]) for f in report["findings"])
    assert found == [(2, "FT110"), (3, "FT110"), (3, "FT112"), (4, "FT001")]
    legacy = tmp_path / "l.tsv"
    legacy.write_text("prompt\tcompletion\nGreat ->\t positive\nBad ->\t\n")
    report, _ = cli_json(legacy, "--profile", "openai-legacy", "--select", "FT902")
    assert located(report, "FT902") == [3]


def test_json_array_reports_each_elements_line(tmp_path):
    path = tmp_path / "data.json"
    path.write_text("[\n  " + json.dumps(GOOD) + ",\n  {\n    \"messages\": [\n      {\"role\": \"user\", \"content\": \"q\"}\n    ]\n  }\n]\n")
    report, _ = cli_json(path, "--select", "FT112")
    assert located(report) == [3]


def test_a_json_array_on_one_line_tells_its_elements_apart_by_column(tmp_path):
    """json.dump writes an array on one line by default (common for LLaMA-Factory's .json data): every
    element is on line 1, so each element's findings carry the column it starts at (newcomer trial)."""
    path = tmp_path / "data.json"
    first, second = json.dumps(GOOD), json.dumps(BAD)
    path.write_text(f"[{first}, {second}]")
    column = len("[" + first + ", ") + 1
    report, _ = cli_json(path, "--select", "FT112")
    assert [(f["line"], f["column"]) for f in report["findings"]] == [(1, column)]
    text = run_cli("check", path, "--select", "FT112", "-q").stdout
    assert text.startswith(f"{path}:1:{column}: FT112 [assistant-missing]")
    github = run_cli("check", path, "--select", "FT112", "--format", "github").stdout
    assert f",line=1,col={column}," in github
    sarif = json.loads(run_cli("check", path, "--select", "FT112", "--format", "sarif").stdout)
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "startColumn": column}
    # one element a line: its column too, and JSONL findings have none
    path.write_text(f"[\n  {first},\n  {second}\n]\n")
    report, _ = cli_json(path, "--select", "FT112")
    assert [(f["line"], f["column"]) for f in report["findings"]] == [(3, 3)]
    # two on a later line, after a character outside the BMP: counted from that line's start, in code points
    path.write_text(f"[\n  {json.dumps(chat_with_emoji := {**GOOD, 'note': '😀'}, ensure_ascii=False)}, {second}\n]\n")
    report, _ = cli_json(path, "--select", "FT112")
    column = len("  " + json.dumps(chat_with_emoji, ensure_ascii=False) + ", ") + 1
    assert [(f["line"], f["column"]) for f in report["findings"]] == [(2, column)]
    lines = tmp_path / "data.jsonl"
    lines.write_text(f"{first}\n{second}\n")
    report, _ = cli_json(lines, "--select", "FT112")
    assert [f["line"] for f in report["findings"]] == [2] and "column" not in report["findings"][0]


def test_findings_on_role_columns_point_at_the_cell(tmp_path):
    """A CSV of system/user/assistant columns has no /messages/2/content: the README promises pointers into
    the row, so a finding on a message points at its cell's column (hosted-user trial)."""
    path = tmp_path / "chats.csv"
    path.write_text("system,user,Assistant,notes\nBe brief.,Hello, ,n1\n,,Hi!,n2\n")
    report, _ = cli_json(path, "--select", "FT200,FT116,FT115")
    found = sorted((f["line"], f["code"], f["pointer"]) for f in report["findings"])
    # FT115, reported once per file, goes through its own fold: the record too, not /messages (clean-clone trial)
    assert found == [(2, "FT200", "/Assistant"), (3, "FT115", ""), (3, "FT116", "")]


def test_gzip_jsonl_streams(tmp_path):
    path = tmp_path / "data.jsonl.gz"
    with gzip.open(path, "wt") as out:
        out.write(json.dumps(GOOD) + "\n" + json.dumps(BAD) + "\n")
    report, _ = cli_json(path, "--select", "FT112")
    assert located(report) == [2]


def test_parquet_row_index_and_nulls_are_absent(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "data.parquet"
    table = pa.Table.from_pylist([GOOD, {"messages": [{"role": "user", "content": "q", "weight": 1}]}, GOOD])
    pq.write_table(table, path)
    report, _ = cli_json(path, "--select", "FT112,FT111,FT114")
    # arrow gives every message a weight key (null where missing): nulls are treated as absent
    assert sorted((f["line"], f["code"]) for f in report["findings"]) == [(2, "FT112"), (2, "FT114")]


def test_xlsx_sheet_rows(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "data.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["user", "assistant"])
    sheet.append(["Hi", "Hello!"])
    sheet.append(["Bye", None])
    book.create_sheet("More").append(["user", "assistant"])
    book.save(path)
    report, _ = cli_json(path, "--select", "FT112,FT015")
    assert located(report) == [3]
    (sheets,) = [f for f in report["findings"] if f["code"] == "FT015"]
    assert sheets["line"] == 1 and "only the first, 'Sheet', was read (not 'More')" in sheets["message"]


def test_fix_refuses_non_jsonl(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("user,assistant\nhi ,hello\n")
    proc = run_cli("fix", path)
    assert proc.returncode == 2 and "convert it first" in proc.stderr


# the real CLI in a subprocess whose interpreter cannot import the named modules (as when the extra is not installed)
_WITHOUT = ("import sys\nfor name in sys.argv.pop(1).split(','):\n    sys.modules[name] = None  # import raises ImportError\n"
            "sys.argv[0] = 'ftlint'\nfrom linter.cli import main\nmain()\n")


@pytest.mark.parametrize("blocked, suffix, extra, package", [
    ("pyarrow,pyarrow.parquet", ".parquet", "parquet", "pyarrow"),
    ("openpyxl", ".xlsx", "xlsx", "openpyxl"),
])
def test_a_missing_optional_library_is_one_line_naming_it_and_its_extra(tmp_path, blocked, suffix, extra, package):
    """Not an FT001 finding on each file's row 1 (exit 1): one error before any output, exit 2."""
    pytest.importorskip(package)
    import subprocess
    import sys

    import pandas

    data = tmp_path / f"data{suffix}"
    frame = pandas.DataFrame({"user": ["Hi"], "assistant": ["Hello!"]})
    frame.to_parquet(data) if suffix == ".parquet" else frame.to_excel(data, index=False)
    (tmp_path / "train.jsonl").write_text(json.dumps(GOOD) + "\n")
    for command in (["check", "--isolated", "train.jsonl", data.name], ["stats", "--isolated", data.name]):
        proc = subprocess.run([sys.executable, "-c", _WITHOUT, blocked, *command], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert proc.stdout == "" and "Traceback" not in proc.stderr
        (line,) = proc.stderr.splitlines()
        assert line.startswith(f"ftlint: error: {data.name}: ") and f"needs {package}, which is not installed" in line
        assert f"pip install {package}" in line and f"'{extra}' extra" in line and f".[{extra}]" in line
    # the same file lints once the library is there
    assert run_cli("check", "--isolated", data.name, cwd=tmp_path).returncode in (0, 1)


@pytest.mark.parametrize("text, line, pointer, says, examples, rejected", [
    ("[\n  {good},\n  {good},\n]\n", 3, "/2", "trailing comma after the last element", 2, 0),
    ("[{good},]", 1, "/1", "trailing comma after the last element", 1, 0),
    ("[\n  {good}\n  {good}\n]\n", 3, "/1", "expected ',' or ']' after element 0", 2, 0),  # both read: nothing lost
    ("[{good}]\n{good}\n", 2, "/1", "extra data after the array's closing ']'", 1, 1),
    ("[\n  {good},\n  {good}\n", 4, "/2", "the array is not closed", 2, 1),
])
def test_json_array_syntax_errors_are_findings_with_line_and_pointer(tmp_path, text, line, pointer, says, examples, rejected):
    """'[{...},]' passed with exit 0: the stdlib's raw_decode reads element by element and forgave it."""
    path = tmp_path / "data.json"
    path.write_text(text.replace("{good}", json.dumps(GOOD)))
    report, proc = cli_json(path, "--select", "FT001")
    assert proc.returncode == 1
    (finding,) = report["findings"]
    assert (finding["line"], finding["pointer"], finding["code"]) == (line, pointer, "FT001")
    assert says in finding["message"] and "at column" in finding["message"]
    stats = json.loads(run_cli("stats", "--format", "json", path, cwd=tmp_path).stdout)
    assert stats[0]["examples"] == examples  # the elements before the error are still read (after it too, past a missing comma)
    # convert: a comma too many or too few holds no row (a note, every row written); what is not read is a reject
    proc = run_cli("convert", path, "-o", tmp_path / "out.jsonl", "--to", "openai-chat", cwd=tmp_path)
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == examples
    rejects = tmp_path / "out.jsonl.rejects.jsonl"
    assert (len(rejects.read_text().splitlines()) if rejects.exists() else 0) == rejected
    assert proc.returncode == (1 if rejected else 0) and says in proc.stderr and "Traceback" not in proc.stderr
    if not rejected:
        assert f"data.json:{line}: note: " in proc.stderr and "no row is lost" in proc.stderr


def test_findings_kept_to_the_end_of_a_one_line_array_name_their_rows_column(tmp_path):
    """Duplicates (FT403-FT405), a minority format (FT400) and a finding given once per file (FT115) are
    judged when the file is done, from what was kept of each row: its line only, so on an array written on
    one line they said line 1 without a column, and "duplicate of line 1" named no row either. They carry
    the row's column now, in every format with a column, and name the earlier row by line and column."""
    first = chat(("user", "Capital of France?"), ("assistant", "Paris."))
    other = chat(("user", "Two plus two?"), ("assistant", "Four."))
    conflict = chat(("user", "Two plus two?"), ("assistant", "It is four."))
    spaced = {"messages": [{"content": "Capital  of France? ", "role": "user"}, {"role": "assistant", "content": "Paris."}]}
    legacy = {"prompt": "Capital of Spain ->", "completion": " Madrid."}
    rows = [first, other, first, conflict, spaced, legacy]
    column = [len("[" + "".join(json.dumps(row) + ", " for row in rows[:index])) + 1 for index in range(len(rows))]
    path = tmp_path / "data.json"
    path.write_text(json.dumps(rows))
    selected = ("--select", "FT115,FT400,FT403,FT404,FT405")
    report, _ = cli_json(path, *selected)
    assert [(f["line"], f.get("column"), f["code"], f["message"]) for f in report["findings"]] == [
        (1, column[0], "FT115", "example has no system message (rows in this file: 5; the first here)"),
        (1, column[2], "FT403", f"duplicate of line 1, column {column[0]}"),
        (1, column[3], "FT405", f"same prompt as line 1, column {column[1]} but a different answer"),
        (1, column[4], "FT404", f"same example as line 1, column {column[0]} up to whitespace and key order"),
        (1, column[5], "FT400", "1 row(s) in prompt/completion strings (OpenAI legacy, TRL standard) format, the first here, "
                                "but 5 in chat (SFT: messages) format; a file must use one format"),
    ]
    text = run_cli("check", path, *selected, "-q").stdout
    assert f"{path}:1:{column[2]}: FT403 [duplicate-example] duplicate of line 1, column {column[0]}\n" in text
    github = run_cli("check", path, *selected, "--format", "github").stdout
    assert f",line=1,col={column[5]},title=FT400 mixed-formats::" in github
    sarif = json.loads(run_cli("check", path, *selected, "--format", "sarif").stdout)
    assert [result["locations"][0]["physicalLocation"]["region"] for result in sarif["runs"][0]["results"]] == [
        {"startLine": 1, "startColumn": at} for at in (column[0], *column[2:])]
    json_lines = [json.loads(line) for line in run_cli("check", path, *selected, "--format", "json-lines").stdout.splitlines()]
    assert [finding["column"] for finding in json_lines] == [column[0], *column[2:]]
    # JSON Lines: each row its own line, findings without a column and messages as they were
    lines = tmp_path / "data.jsonl"
    lines.write_text("".join(json.dumps(row) + "\n" for row in rows))
    report, _ = cli_json(lines, *selected)
    assert [(f["line"], "column" in f, f["message"]) for f in report["findings"]][1:4] == [
        (3, False, "duplicate of line 1"), (4, False, "same prompt as line 2 but a different answer"),
        (5, False, "same example as line 1 up to whitespace and key order")]


def test_a_validation_leak_names_the_column_of_the_training_row_on_a_one_line_array(tmp_path):
    first = chat(("user", "Capital of France?"), ("assistant", "Paris."))
    other = chat(("user", "Two plus two?"), ("assistant", "Four."))
    train = tmp_path / "train.json"
    train.write_text(json.dumps([other, first]))
    validation = tmp_path / "valid.jsonl"
    validation.write_text(json.dumps(first) + "\n")
    report, _ = cli_json(train, "--validation-file", validation, "--select", "FT406")
    column = len("[" + json.dumps(other) + ", ") + 1
    assert [(f["path"], f["line"], f["message"]) for f in report["findings"]] == [
        (str(validation), 1, f"this validation example is also in the training data: line 1, column {column} of {train}")]


def test_legacy_findings_of_the_whole_file_name_the_rows_column_on_a_one_line_array(tmp_path):
    rows = [{"prompt": "Describe ->", "completion": " Line one\nLine two\n"}, {"prompt": "More ->", "completion": "Short\n"}]
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(rows))
    report, _ = cli_json(path, "--profile", "openai-legacy", "--select", "FT907,FT908")
    second = len("[" + json.dumps(rows[0]) + ", ") + 1
    assert [(f["code"], f["line"], f.get("column")) for f in report["findings"]] == [("FT907", 1, 2), ("FT908", 1, second)]
