"""Shape-only rules really depend on nothing but the row's shape, so skipping
them on later rows of a shape where they were silent changes no output."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter import _dispatch
from linter.config import Settings
from linter.engine import Linter
from linter.rows import Row
from linter.shape import shape_of

from .conftest import dump, lint_text
from .variants import OTHER_FORMATS, variant

ROLES = ["system", "developer", "user", "assistant", "tool", "function", "human", "Assistant", ""]
TEXT = st.text(alphabet=st.sampled_from(list("ab <|>:\n {}[]INST")), max_size=8)
CALL = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}


@st.composite
def messages(draw):
    message = {}
    for key in draw(st.permutations(["role", "content", "weight", "name", "tool_calls", "Content", "refusal", "tool_call_id"])):
        if not draw(st.booleans()):
            continue
        if key == "role":
            message[key] = draw(st.sampled_from(ROLES) | st.just(None))
        elif key == "weight":
            message[key] = draw(st.sampled_from([0, 1, 1.0, 0.0, True, False, 2, "1", None]))
        elif key == "tool_calls":
            message[key] = draw(st.sampled_from([[], [CALL], None]))
        elif key == "content":
            message[key] = draw(TEXT | st.none())
        else:
            message[key] = draw(TEXT | st.none())
    return message


ROWS = st.builds(
    lambda msgs, extra: {"messages": msgs, **extra},
    st.lists(messages() | st.sampled_from([None, "text", 3]), max_size=5),
    st.dictionaries(st.sampled_from(["tools", "source", "Messages", "parallel_tool_calls"]), st.just([]), max_size=2),
)


def same_shape_other_text(value: dict, rng: st.DataObject) -> dict:
    """The row with every string but roles replaced, and calls and refusals swapped for others of the same truth."""
    other = dict(value)
    out = []
    for message in value["messages"]:
        if not isinstance(message, dict):
            out.append(message)
            continue
        changed = {}
        for key, item in message.items():
            if key == "role" or not isinstance(item, (str, list)):
                changed[key] = item
            elif isinstance(item, str):
                # a refusal carries the turn when non-empty: that much is shape
                changed[key] = rng.draw(TEXT.filter(bool) if key == "refusal" and item else st.just("") if key == "refusal" else TEXT)
            else:
                changed[key] = [dict(CALL, id="call_2")] if item else []
        out.append(changed)
    other["messages"] = out
    return other


def row_of(value: dict) -> Row:
    raw = json.dumps(value).encode()
    row = Row(1, 0, raw, len(raw))
    row.value, row.parsed, row.kind = value, True, "chat"
    return row


@pytest.mark.parametrize("profile", ["openai-sft", "together", "mistral", "openai-rft"])
@settings(max_examples=250, deadline=None)
@given(value=ROWS, data=st.data())
def test_shape_only_rules_judge_rows_of_one_shape_alike(profile, value, data):
    linter = Linter(Settings(profile=profile, token_stats=False))
    rules = [r for r in linter.rules_for("x.jsonl") if _dispatch.is_shape_only(type(r))]
    assert len(rules) >= 15
    first, second = row_of(value), row_of(same_shape_other_text(value, data))
    shape = shape_of(first)
    if shape is None:
        return
    assert shape_of(second) == shape
    for rule in rules:
        # the engine replays a shape-only rule's findings on later rows of the shape:
        # pointer, message and fix must all be the shape's, not the row's
        one = [(v.pointer, v.message, v.fix.to_dict() if v.fix else None) for v in rule.check(first)]
        two = [(v.pointer, v.message, v.fix.to_dict() if v.fix else None) for v in rule.check(second)]
        assert one == two, (rule.code, value)


def test_skipping_clean_shapes_changes_no_finding(monkeypatch):
    """The same corpus with and without the memo: findings identical, and the memo really skipped
    the shape-only rules that were silent, even on shapes where others fire (no system message: FT115)."""
    rows = []
    for i in range(40):
        rows.append({"messages": [{"role": "user", "content": f"question {i} "}, {"role": "assistant", "content": f"answer {i}"}]})
        rows.append({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "", "weight": 1.0 if i % 3 else 1}]})
        rows.append({"messages": [{"role": "human", "content": f"q{i}"}, {"role": "assistant", "content": "<|im_end|>"}], "source": "x"})
        rows.append({"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}, {"role": "assistant", "content": None}]})
    text = dump(rows)
    from linter.rules.chat import RoleUnknown

    calls = {"shape": 0, "FT106": 0}
    real_shape, real_check = _dispatch.shape_of, RoleUnknown.check

    def counted_shape(row):
        calls["shape"] += 1
        return real_shape(row)

    def counted_check(self, row):
        calls["FT106"] += 1
        return real_check(self, row)

    monkeypatch.setattr(_dispatch, "shape_of", counted_shape)
    monkeypatch.setattr(RoleUnknown, "check", counted_check)
    with_memo = [(f.line, f.code, f.pointer, f.message) for f in lint_text(text)]
    # every row's shape is taken. FT106 runs on the first row of each shape where
    # it is silent (the padded rows; weight 1.0 rows; weight 1 rows: 3 shapes, though
    # FT115 and FT113 fire on them), on the first "human" row (its finding is replayed
    # on the 39 others of that shape), and on the 40 rows with content parts, which
    # have no shape
    assert calls["shape"] == len(rows)
    assert calls["FT106"] == 3 + 1 + 40
    calls["FT106"] = 0
    monkeypatch.setattr(_dispatch, "shape_of", lambda row: None)
    without = [(f.line, f.code, f.pointer, f.message) for f in lint_text(text)]
    assert calls["FT106"] == len(rows)
    assert with_memo == without
    assert {"FT106", "FT110", "FT113", "FT200", "FT202"} <= {code for _, code, _, _ in with_memo}


def test_shape_only_is_derived_from_reads():
    """Shape-only is never declared: it is derived from reads that are all structural."""
    from linter.rules.base import Rule

    class Structural(Rule):
        code, name, summary, reads = "X1", "x", "x", ("shape",)

    class Texty(Rule):
        code, name, summary, reads = "X2", "y", "y", ("shape", "texts")

    class Claims(Rule):  # the deprecated attribute alone proves nothing
        code, name, summary, shape_only = "X3", "z", "z", True

    assert _dispatch.is_shape_only(Structural)
    assert not _dispatch.is_shape_only(Texty) and not _dispatch.is_shape_only(Claims)


@pytest.mark.parametrize("declaration", ["shape_only = True\n    gate = staticmethod(always)", "shape_only = True"])
def test_a_plugin_claim_of_shape_only_is_not_trusted(tmp_path, declaration):
    """A plugin rule that claims shape_only (without reads that prove it, or with a gate)
    still runs on every row: a wrong claim would hide findings."""
    from .conftest import run_cli

    (tmp_path / "house.py").write_text(
        "from linter import Rule, Violation, hookimpl\n\n\n"
        "def always(row):\n    return True\n\n\n"
        "class Gated(Rule):\n"
        "    code = 'HOUSE001'\n    name = 'gated-content'\n    summary = 'first message says bad'\n"
        f"    {declaration}\n\n"
        "    def check(self, row):\n"
        "        if 'bad' in row.value['messages'][0]['content']:\n"
        "            yield Violation('says bad')\n\n\n"
        "@hookimpl\ndef register_rules(register):\n    register(Gated)\n"
    )
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["house.py"]\n')
    rows = [{"messages": [{"role": "user", "content": text}, {"role": "assistant", "content": "ok"}]} for text in ("fine", "bad", "fine")]
    (tmp_path / "data.jsonl").write_text(dump(rows))
    proc = run_cli("check", "data.jsonl", "--select", "HOUSE001", "--format", "json", cwd=tmp_path, env={"FTLINT_LOAD_PLUGINS": ""})
    assert [f["line"] for f in json.loads(proc.stdout)["findings"]] == [2], proc.stderr


# ---------------------------------------------------------------- every format, whole files

FORMAT_ROWS = ROWS | OTHER_FORMATS  # OpenAI chat with fuzzed keys, weights and calls, and every other format
MEMO_LINTERS: dict = {}


def memo_findings(profile: str, rows: list, memo: bool) -> list[tuple]:
    """Findings of a whole file, with the shape memo or with every rule run on every row."""
    import io

    linter = MEMO_LINTERS.get(profile)
    if linter is None:
        linter = MEMO_LINTERS[profile] = Linter(Settings(profile=profile, token_stats=False))
    real = _dispatch.shape_of
    if not memo:
        _dispatch.shape_of = lambda row: None
    try:
        stream, _ = linter.lint_stream(io.BytesIO(dump(rows).encode()), "x.jsonl")
        return [(f.line, f.code, f.pointer, f.message) for f in stream]
    finally:
        _dispatch.shape_of = real


@settings(max_examples=300, deadline=None)
@given(base=st.lists(FORMAT_ROWS, min_size=1, max_size=3), data=st.data(),
       profile=st.sampled_from(["openai-sft", "bedrock", "llamafactory", "mistral", "together", "trl", "openai-rft"]))
def test_the_shape_memo_changes_no_finding_on_any_format(base, data, profile):
    """Rows of every format and variants of them with other leaves, whole files: the memo (skipping
    or replaying shape-only rules on rows of a shape seen before) gives exactly the findings of
    running every rule on every row."""
    rows = data.draw(st.permutations(base + [variant(row, data) for row in base for _ in range(2)]))
    assert memo_findings(profile, rows, True) == memo_findings(profile, rows, False)


@pytest.mark.parametrize("profile", ["openai-sft", "bedrock"])
def test_a_top_level_system_the_adapter_ignores_is_not_taken_for_one(profile):
    """Same keys, same messages: a Bedrock system string is a system turn, an empty one or a
    number is none (FT115 counts it), whatever row of that shape came first."""
    talk = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]
    rows = [{"system": "Be brief.", "messages": talk}, {"system": "", "messages": talk}, {"system": 5, "messages": talk}]
    found = memo_findings(profile, rows, True)
    assert found == memo_findings(profile, rows, False)
    assert [(line, message) for line, code, _, message in found if code == "FT115"] == [
        (2, "example has no system message (rows in this file: 2; the first here)")]


def test_a_format_whose_structure_raises_loses_the_memo_not_the_file(tmp_path):
    """A plugin format that overrides structure() with a bug: its rows run every rule, the file is linted."""
    from .house_format import TALK, lint_with_house_format

    rows = [{"house": 1, "messages": TALK}, {"house": 2, "messages": TALK[:1]}, {"house": 3, "messages": TALK}]
    found = lint_with_house_format(tmp_path, "    def structure(self, value):\n        raise RuntimeError('bug')\n", rows, "FT112,FT115")
    # FT115 is one finding for the file: its count says every row was read
    every_row = [(2, "FT112", "example has no assistant message, so nothing is trained"), (1, "FT115", "example has no system message (rows in this file: 3; the first here)")]
    assert [(f["line"], f["code"], f["message"]) for f in found] == every_row
    # a summary the memo cannot key on (a list) is the same kind of bug (review: it aborted the run)
    found = lint_with_house_format(tmp_path, "    def structure(self, value):\n        return [value.get('house')]\n", rows, "FT112,FT115")
    assert [(f["line"], f["code"], f["message"]) for f in found] == every_row
