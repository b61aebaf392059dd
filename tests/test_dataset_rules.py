"""Whole-file rules: duplicates, conflicts, leakage between files, untrained examples."""

from __future__ import annotations


from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import chat, cli_json, dump, lint_text

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
