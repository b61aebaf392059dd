"""FT404 sees through the columns a trainer does not read (an ``id``, a ``source``): the real CLI on real files.

Two rows with the same conversation and another ``id`` train one example twice; TRL, axolotl and
LLaMA-Factory drop the ``id`` column unread, a CSV export carries one on every row. Columns a target
does read (media, an RFT row's grader fields) and rows no format recognises keep every key.
"""

from __future__ import annotations

import json

import pytest

from .conftest import cli_json, run_cli

CANADA = [{"role": "user", "content": "Do you ship to Canada?"}, {"role": "assistant", "content": "Yes, in 5-8 days."}]
MEXICO = [{"role": "user", "content": "Do you ship to Mexico?"}, {"role": "assistant", "content": "Yes, in 7-10 days."}]
CODES = "FT403,FT404,FT405"


def _findings(tmp_path, name: str, text: str, *args) -> list[tuple]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    report, _ = cli_json(name, "--select", CODES, "--no-token-stats", *args, cwd=tmp_path)
    return [(f["line"], f["code"], f["message"]) for f in report["findings"]]


def _jsonl(*rows) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


ID_ROWS = _jsonl({"id": "a1", "messages": CANADA}, {"id": "a2", "messages": MEXICO}, {"id": "a3", "messages": CANADA})


@pytest.mark.parametrize("profile", ["trl", "axolotl", "llamafactory"])
def test_rows_differing_only_in_a_column_the_trainer_drops_are_one_example(tmp_path, profile):
    assert _findings(tmp_path, "train.jsonl", ID_ROWS, "--profile", profile) == [
        (3, "FT404", f"same example as line 1 up to whitespace, key order and 'id' (a column {profile} drops unread)"),
    ]


def test_a_csv_with_an_id_column(tmp_path):
    """The newcomer's file: role columns become messages, the id column stays a key of every row."""
    text = ("id,system,user,assistant\n"
            "1,You are helpful.,Do you ship to Canada?,\"Yes, in 5-8 days.\"\n"
            "2,You are helpful.,Do you ship to Mexico?,\"Yes, in 7-10 days.\"\n"
            "3,You are helpful.,Do you ship to Canada?,\"Yes, in 5-8 days.\"\n"
            "4,You are helpful.,Do you ship to Canada?,\"No, sorry.\"\n")
    assert _findings(tmp_path, "qa.csv", text, "--profile", "trl") == [
        (4, "FT404", "same example as line 2 up to whitespace, key order and 'id' (a column trl drops unread)"),
        (5, "FT405", "same prompt as line 2 but a different answer"),
    ]


def test_a_minified_json_array_names_rows_by_column(tmp_path):
    """Every element of a minified array is on line 1: the finding and the earlier row are placed by column."""
    text = json.dumps([{"id": "a1", "messages": CANADA}, {"id": "a2", "messages": MEXICO}, {"id": "a3", "messages": CANADA}],
                      separators=(",", ":"))
    third = text.index('{"id":"a3"') + 1
    path = tmp_path / "rows.json"
    path.write_text(text, encoding="utf-8")
    report, _ = cli_json("rows.json", "--select", CODES, "--no-token-stats", "--profile", "trl", cwd=tmp_path)
    assert [(f["line"], f["column"], f["code"], f["message"]) for f in report["findings"]] == [
        (1, third, "FT404", "same example as line 1, column 2 up to whitespace, key order and 'id' (a column trl drops unread)"),
    ]


def test_a_strict_target_refuses_the_column_and_still_trains_one_example(tmp_path):
    """OpenAI refuses the file with an id (FT110); once the id goes, rows 1 and 3 are one example."""
    assert _findings(tmp_path, "train.jsonl", ID_ROWS, "--profile", "openai-sft") == [
        (3, "FT404", "same example as line 1 up to whitespace, key order and 'id' (a column openai-sft does not accept)"),
    ]


def test_columns_are_named_only_where_the_rows_differ_in_them(tmp_path):
    """The same id and source on both rows: they differ in whitespace only, and the message says just that.
    Columns sorting before and after ``messages``; a row without them matches too, naming both."""
    spaced = [{"role": "user", "content": "Do you ship  to Canada?"}, CANADA[1]]
    text = _jsonl({"id": "a1", "messages": CANADA, "source": "web"}, {"id": "a1", "messages": spaced, "source": "web"},
                  {"messages": CANADA}, {"id": "a1", "messages": CANADA, "source": "web"})
    assert _findings(tmp_path, "train.jsonl", text, "--profile", "trl") == [
        (2, "FT404", "same example as line 1 up to whitespace and key order"),
        (3, "FT404", "same example as line 1 up to whitespace, key order and 'id', 'source' (columns trl drops unread)"),
        (4, "FT403", "duplicate of line 1"),
    ]


def test_columns_the_target_reads_keep_rows_apart(tmp_path):
    """Another picture is another example; an RFT row's grader reads every field; a row no format
    recognises (a misspelt ``messages``) is no example to see through (FT101 says so)."""
    images = _jsonl({"id": 1, "messages": CANADA, "images": ["a.png"]}, {"id": 2, "messages": CANADA, "images": ["b.png"]})
    assert _findings(tmp_path, "vision.jsonl", images, "--profile", "trl") == []
    prompt = [{"role": "user", "content": "What is 2+2?"}]
    graded = _jsonl({"messages": prompt, "reference_answer": "4"}, {"messages": prompt, "reference_answer": "5"})
    assert _findings(tmp_path, "rft.jsonl", graded, "--profile", "openai-rft") == []
    assert _findings(tmp_path, "rft.jsonl", graded, "--profile", "openai-sft") == []
    misspelt = _jsonl({"id": 1, "msgs": CANADA}, {"id": 2, "msgs": CANADA})
    assert _findings(tmp_path, "misspelt.jsonl", misspelt, "--profile", "trl") == []


def test_every_format_sees_through_its_extra_columns(tmp_path):
    """ShareGPT (LLaMA-Factory) and TRL prompt-completion rows: the format's own keys are the example."""
    sharegpt = [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}]
    text = _jsonl({"conversations": sharegpt, "id": 1}, {"conversations": sharegpt, "id": 2})
    assert _findings(tmp_path, "sharegpt.jsonl", text, "--profile", "llamafactory") == [
        (2, "FT404", "same example as line 1 up to whitespace, key order and 'id' (a column llamafactory drops unread)"),
    ]
    text = _jsonl({"prompt": "Hi", "completion": "Hello!", "meta": {"n": 1}}, {"prompt": "Hi", "completion": "Hello!", "meta": {"n": 2}})
    assert _findings(tmp_path, "pc.jsonl", text, "--profile", "trl") == [
        (2, "FT404", "same example as line 1 up to whitespace, key order and 'meta' (a column trl drops unread)"),
    ]


def test_the_names_are_the_same_in_parallel_and_bounded(tmp_path):
    """70 rows, each with a column of its own: a log names the first 64 sets of columns in line order,
    one process or two with logs spilling every 8 rows; past them a message says "and others"."""
    rows = [{"messages": CANADA, f"c{i:02}": i} for i in range(70)]
    (tmp_path / "many.jsonl").write_text(_jsonl(*rows), encoding="utf-8")
    expected = [(i + 1, "FT404", f"same example as line 1 up to whitespace, key order and 'c00', 'c{i:02}' (columns trl drops unread)")
                for i in range(1, 64)]
    expected += [(i + 1, "FT404", "same example as line 1 up to whitespace, key order and 'c00' and others (columns trl drops unread)")
                 for i in range(64, 70)]
    for jobs in ("1", "2"):
        proc = run_cli("check", "many.jsonl", "--profile", "trl", "--select", CODES, "--no-token-stats", "--format", "json",
                       "--jobs", jobs, cwd=tmp_path, env={"FTLINT_PARALLEL_MIN_BYTES": "1", "FTLINT_SPILL_ROWS": "8"})
        assert proc.returncode == 0, proc.stderr  # warnings only
        assert [(f["line"], f["code"], f["message"]) for f in json.loads(proc.stdout)["findings"]] == expected, jobs


def test_a_line_number_in_a_message_is_an_address_without_thousands_separators(tmp_path):
    """"duplicate of line 1,100" could not be pasted as file:1100; counts keep theirs, addresses do not."""
    rows = [json.dumps({"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}) for i in range(1200)]
    rows.append(rows[1099])
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(rows) + "\n")
    report, _ = cli_json(path, "--select", "FT403")
    (finding,) = report["findings"]
    assert finding["line"] == 1201 and finding["message"] == "duplicate of line 1100", finding
