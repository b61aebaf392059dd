"""Whole-file rules: duplicates, conflicts, leakage between files, untrained examples."""

from __future__ import annotations


import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import ROOT, chat, cli_json, dump, lint_text

A = chat(("user", "Do you ship to Canada?"), ("assistant", "Yes, in 5-8 days."))
B = chat(("user", "Do you ship to Mexico?"), ("assistant", "Yes, in 7-10 days."))
A_SPACED = {"messages": [{"content": "Do you ship  to Canada?", "role": "user"}, {"role": "assistant", "content": " Yes, in 5-8 days."}]}
A_OTHER_ANSWER = chat(("user", "Do you ship to Canada?"), ("assistant", "No."))


def found(rows, prefix="FT40"):
    return [(f.line, f.code, f.message) for f in lint_text(dump(rows)) if f.code.startswith(prefix)]


def test_duplicates_exact_and_normalised_and_conflicts():
    assert found([A, B, A, A_SPACED, A_OTHER_ANSWER, B]) == [
        (3, "FT403", "duplicate of line 1"),
        (4, "FT404", "same example as line 1 up to whitespace and key order"),
        (5, "FT405", "same prompt as line 1 but a different answer"),
        (6, "FT403", "duplicate of line 2"),
    ]
    assert found([A, B]) == []


def test_weights_all_zero():
    zero = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": 0},
                         {"role": "user", "content": "q2"}, {"role": "assistant", "content": "b", "weight": 0}]}
    some = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": 0},
                         {"role": "user", "content": "q3"}, {"role": "assistant", "content": "b"}]}
    assert [(line, code) for line, code, _ in found([zero, some])] == [(1, "FT407")]


def test_validation_leak_between_files(tmp_path):
    train = tmp_path / "train.jsonl"
    valid = tmp_path / "valid.jsonl"
    train.write_text(dump([A, B]))
    valid.write_text(dump([chat(("user", "Hours?"), ("assistant", "9-5.")), A_SPACED]))
    report, proc = cli_json(train, "--validation-file", valid)
    leaks = [(f["path"].rsplit("/", 1)[-1], f["line"]) for f in report["findings"] if f["code"] == "FT406"]
    assert leaks == [("valid.jsonl", 2)] and proc.returncode == 1
    assert {f["path"].rsplit("/", 1)[-1] for f in report["findings"]} <= {"train.jsonl", "valid.jsonl"}
    # the same from config
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nfiles = ["train.jsonl"]\nvalidation-file = "valid.jsonl"\n')
    report, _ = cli_json(cwd=tmp_path)
    assert [f["line"] for f in report["findings"] if f["code"] == "FT406"] == [2]


def test_the_validation_file_alone_is_compared_with_the_training_files_config_names(tmp_path):
    """Newcomer trial: with validation-file set, 'ftlint check data/valid.jsonl' (what the pre-commit hook runs when
    only that file is staged) printed nothing, while checking the training file reported the leak. The training
    files now come from [tool.ftlint] files; without them, one line says FT406 could not run."""
    from .conftest import run_cli

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text(dump([B, A]))
    (tmp_path / "data" / "valid.jsonl").write_text(dump([chat(("user", "Hours?"), ("assistant", "9-5.")), A_SPACED]))
    config = '[tool.ftlint]\nvalidation-file = "data/valid.jsonl"\nignore = ["FT115"]\n'
    (tmp_path / "pyproject.toml").write_text(config)
    alone = run_cli("check", "data/valid.jsonl", "--no-token-stats", cwd=tmp_path)
    assert alone.returncode == 0 and "FT406" not in alone.stdout
    assert alone.stderr.splitlines() == ["ftlint: note: FT406 (validation-leak) did not run: no training file to compare "
                                         "data/valid.jsonl with; lint it with its training files, or list them in [tool.ftlint] files"]
    for files in ('["data/train.jsonl", "data/valid.jsonl"]', '["data"]'):  # files, or their folder
        (tmp_path / "pyproject.toml").write_text(config + f"files = {files}\n")
        report, proc = cli_json("data/valid.jsonl", cwd=tmp_path)
        assert [(f["path"], f["line"], f["message"]) for f in report["findings"] if f["code"] == "FT406"] == [
            ("data/valid.jsonl", 2, "this validation example is also in the training data: line 2 of data/train.jsonl")]
        assert {f["path"] for f in report["findings"]} == {"data/valid.jsonl"}  # the training file is read, not linted
        assert "FT406" not in proc.stderr
    # a files entry that is missing (generated, gitignored) must not stop the hook that staged only the validation file
    (tmp_path / "pyproject.toml").write_text(config + 'files = ["data", "more/extra.jsonl"]\n')
    report, missing = cli_json("data/valid.jsonl", cwd=tmp_path)
    assert missing.stderr.splitlines() == ["ftlint: note: a training file [tool.ftlint] files names was not read "
                                           "(more/extra.jsonl: no such file or directory)"]
    # the entries that are there are still compared with (one missing entry threw them all away: review)
    assert [f["line"] for f in report["findings"] if f["code"] == "FT406"] == [2]
    (tmp_path / "pyproject.toml").write_text(config + 'files = ["more/extra.jsonl"]\n')
    missing = run_cli("check", "data/valid.jsonl", "--no-token-stats", cwd=tmp_path)
    assert missing.returncode == 0, missing.stderr
    assert "FT406 (validation-leak) did not run" in missing.stderr
    ignored = run_cli("check", "data/valid.jsonl", "--no-token-stats", "--ignore", "FT406", cwd=tmp_path)
    assert (ignored.returncode, ignored.stderr) == (0, "")  # FT406 off: the training files are not looked for


_text = st.text(alphabet=st.sampled_from(list(' \n\t"\\ab],{}:é')), max_size=12) | st.sampled_from(["a},{", "},{", "x]", "},{\"a"])
_message = st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "system"]), "content": _text})


@settings(max_examples=300, deadline=None)
@given(
    messages=st.lists(_message, min_size=1, max_size=4),
    answer=_text,
    tools=st.none() | st.lists(st.fixed_dictionaries({"type": st.just("function"), "function": st.fixed_dictionaries({"name": _text})}), max_size=2),
    extra=st.booleans(),
    weight=st.none() | st.sampled_from([0, 1, [1], {"a": [{"b": 1}, {"c": 2}]}]),
    previous=_message | st.sampled_from(["text", None, {"role": "user", "content": [{"type": "text", "text": "x"}, {"type": "text", "text": "y"}]}]),
)
def test_ft405_prompt_cut_from_the_row_equals_the_prompt_serialised_alone(messages, answer, tools, extra, weight, previous):
    """FT405 cuts prompt and answer out of the row's normalised form; both must be what they serialise to alone.

    The answer's text may end in "},{" or hold "]" (a cut at the last "},{" would be wrong there)."""
    from linter import hashing
    from linter.rows import Row
    from linter.rules.duplicates import _prompt_and_answer_flat, _prompt_document

    last = {"role": "assistant", "content": answer}
    if weight is not None:
        last["weight"] = weight
    value = {"messages": [*messages, previous, last]}
    if tools is not None:
        value["tools"] = tools
    if extra:
        value["id"] = "x"
    row = Row(1, 0, b"", 0)
    row.value, row.parsed = value, True
    document = hashing.flat(_prompt_document(value))
    key = document if tools is not None else document[:-2]  # the key drops the closing ]} when there are no tools
    assert _prompt_and_answer_flat(row) == (key, hashing.flat(value["messages"][-1]))


# one row per adapted format, each also holding a defect of its own that no format explains
REFUSED_ROWS = [
    ({"conversations": [{"from": "human", "value": "hi "}, {"from": "gpt", "value": "Hello"}]}, {"FT201"}),
    ({"instruction": "Say hi", "input": "", "output": "Hello, my key is AKIAIOSFODNN7EXAMPLE"}, {"FT205"}),
    ({"prompt": [{"role": "user", "content": "hi"}], "chosen": [{"role": "assistant", "content": "Hello"}],
      "rejected": [{"role": "assistant", "content": ""}]}, {"FT200"}),
    ({"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "Be brief."}],
      "messages": [{"role": "user", "content": [{"text": "hi"}]}, {"role": "assistant", "content": [{"text": " Hello"}]}]}, {"FT201"}),
    ({"text": "hello <|im_end|> world"}, set()),  # a language-modeling document means its tokens (FT202 is silent there)
    ({"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello"}], "kto_tag": True}, set()),
    ({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello", "weight": 1}], "extra": 1}, set()),
]


def test_a_refused_format_gets_one_ft401_not_a_cascade_of_role_and_key_findings(tmp_path):
    """Under openai-dpo every row above is refused (the chat row too): FT401 says so once per row; FT106 (roles),
    FT110/FT111 (keys) and FT115 (advice) would only restate it per field. Findings about what the row holds
    (whitespace, empty content, secrets) and a duplicate key in the raw line stay."""
    lines = [json.dumps(row) for row, _ in REFUSED_ROWS]
    lines[0] = lines[0][:-1] + ', "system": "a", "system": "b"}'  # FT004 reads the raw line, whatever the format
    path = tmp_path / "refused.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report, proc = cli_json("--profile", "openai-dpo", "--extend-select", "FT205", "--ignore", "FT400", str(path))
    by_line: dict[int, set] = {}
    for finding in report["findings"]:
        by_line.setdefault(finding["line"], set()).add(finding["code"])
    expected = {number: {"FT401"} | own for number, (_, own) in enumerate(REFUSED_ROWS, 1)}
    expected[1] |= {"FT004"}
    assert by_line == expected
    assert proc.returncode == 1


def test_without_ft401_the_rules_report_and_key_findings_stay_on_openai_rows(tmp_path):
    """Review: with FT401 ignored nothing said the root cause, yet the rules that restate it stayed silent
    (a ShareGPT row under openai-sft got no finding at all); and an SFT row missing its reply, which an
    extra key makes look like an RFT prompt, lost the FT110 that names that key."""
    sharegpt = {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello"}]}
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(sharegpt) + "\n")
    report, _ = cli_json("--ignore", "FT401,FT402", str(path))
    assert {"FT106", "FT115"} <= {f["code"] for f in report["findings"]}
    report, _ = cli_json("--ignore", "FT402", str(path))
    assert {f["code"] for f in report["findings"]} == {"FT401"}
    rft_looking = {"messages": [{"role": "user", "content": "hi", "Weight": 1}], "Tools": [], "metadata": {"a": 1}}
    path.write_text(json.dumps(rft_looking) + "\n")
    report, _ = cli_json("--ignore", "FT402", str(path))
    found = {(f["code"], f["pointer"]) for f in report["findings"]}
    assert ("FT110", "/metadata") in found and any(code == "FT111" for code, _ in found)
    assert any(code == "FT401" for code, _ in found)


def test_an_accepted_format_still_gets_its_role_and_advice_findings(tmp_path):
    """The same judgements stay where the profile takes the format: FT106 for a ShareGPT role LLaMA-Factory does not
    know, FT115 for an OpenAI chat row under openai-sft."""
    sharegpt = {"conversations": [{"from": "robot", "value": "hi"}, {"from": "gpt", "value": "Hello"}]}
    path = tmp_path / "accepted.jsonl"
    path.write_text(json.dumps(sharegpt) + "\n" + json.dumps(chat(("user", "hi"), ("assistant", "Hello"))) + "\n")
    report, _ = cli_json("--profile", "llamafactory", str(path))
    assert ("FT106", 1, "/conversations/0/from") in {(f["code"], f["line"], f["pointer"]) for f in report["findings"]}
    report, _ = cli_json("--profile", "openai-sft", str(path))
    codes = {(f["code"], f["line"]) for f in report["findings"]}
    assert (1, "FT401") in {(line, code) for code, line in codes} and ("FT106", 1) not in codes
    assert ("FT115", 2) in codes and ("FT115", 1) not in codes


def test_what_a_profile_demands_of_turn_order_waits_for_a_format_it_takes(tmp_path):
    """Under openai-rft an SFT file (ShareGPT, Alpaca) is the wrong method: FT401 per row, not FT117 (assistant last)
    beside it; under bedrock, a ShareGPT row opening with the assistant gets FT401 only, while the same
    conversation in a format bedrock takes gets FT121 and FT118."""
    sharegpt = {"conversations": [{"from": "gpt", "value": "Hello"}, {"from": "human", "value": "hi"}, {"from": "human", "value": "again"},
                                  {"from": "gpt", "value": "Hi."}]}
    alpaca = {"instruction": "Say hi", "input": "", "output": "Hello"}
    path = tmp_path / "sft.jsonl"
    path.write_text(json.dumps(sharegpt) + "\n" + json.dumps(alpaca) + "\n")
    for profile in ("openai-rft", "bedrock"):
        report, _ = cli_json("--profile", profile, "--ignore", "FT400", str(path))
        assert sorted((f["line"], f["code"]) for f in report["findings"]) == [(1, "FT401"), (2, "FT401")], profile
    claude = {"system": "Be brief.", "messages": [{"role": "assistant", "content": "Hello"}, {"role": "user", "content": "hi"},
                                                  {"role": "user", "content": "again"}, {"role": "assistant", "content": "Hi."}]}
    path.write_text(json.dumps(claude) + "\n")
    report, _ = cli_json("--profile", "bedrock", str(path))
    assert {"FT118", "FT121"} <= {f["code"] for f in report["findings"]}


PROFILE_JUDGEMENTS = {"FT106", "FT110", "FT111", "FT115", "FT117", "FT118", "FT121"}


@pytest.mark.parametrize("profile", ["openai-sft", "openai-dpo", "openai-rft", "openai-legacy", "bedrock", "together",
                                     "mistral", "fireworks", "trl", "llamafactory", "axolotl", "azure-openai"])
def test_no_refused_row_of_the_format_fixtures_gets_a_profile_judgement(profile):
    """Every row of tests/data/formats under every profile: a row with FT401 gets none of the findings that judge
    it against the profile's format, and the content findings of the same rows are those the profile that takes
    the format gives them (here: FT201 on the KTO demo, under openai-sft and llamafactory alike)."""
    files = sorted(str(p) for p in (ROOT / "tests" / "data" / "formats").iterdir() if p.suffix in (".json", ".jsonl"))
    report, _ = cli_json("--profile", profile, "--select", "ALL", *files)
    refused = {(f["path"], f["line"]) for f in report["findings"] if f["code"] == "FT401"}
    cascade = [(f["path"], f["line"], f["code"]) for f in report["findings"]
               if (f["path"], f["line"]) in refused and f["code"] in PROFILE_JUDGEMENTS]
    assert cascade == []
    kto = [(f["line"], f["pointer"]) for f in report["findings"] if f["code"] == "FT201" and f["path"].endswith("kto_en_demo.json")]
    assert kto == [(2, "/messages/0/content"), (15, "/messages/1/content")]  # the rows of a JSON array file, by physical line


def test_trl_preference_rows_in_both_forms_fail_the_check_as_prompt_completion_rows_do(tmp_path):
    """Newcomer trial: a message-list preference row beside a string one exited 0 under --profile trl, while the
    same mix of prompt/completion rows got FT400; ``datasets`` cannot load a column of strings and lists."""
    hi, hello = [{"role": "user", "content": "Hi"}], [{"role": "assistant", "content": "Hello"}]
    for first, second in (({"prompt": hi, "chosen": hello, "rejected": [{"role": "assistant", "content": "Go away"}]},
                           {"prompt": "The sky is", "chosen": " blue.", "rejected": " green."}),
                          ({"prompt": hi, "completion": hello}, {"prompt": "The sky is", "completion": " blue."})):
        path = tmp_path / "mixed.jsonl"
        path.write_text(dump([first, second]))
        report, proc = cli_json("--profile", "trl", str(path))
        assert proc.returncode == 1
        assert [(f["line"], f["code"], f["severity"]) for f in report["findings"] if f["severity"] == "error"] == [(2, "FT400", "error")]
