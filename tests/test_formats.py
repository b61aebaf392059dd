"""Format adapters and the conversation view, on rows shaped like public data
(tests/data/formats, see SOURCES.md), through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from linter.formats import BUILTIN_FORMATS, Detector
from linter.view import ASSISTANT, TOOL, USER

from .conftest import cli_json
from .variants import OTHER_FORMATS, variant

DATA = Path(__file__).parent / "data" / "formats"
DETECTOR = Detector(BUILTIN_FORMATS)


def rows(name):
    text = (DATA / name).read_text()
    return json.loads(text) if name.endswith(".json") else [json.loads(line) for line in text.splitlines()]


def codes(report):
    return sorted({f["code"] for f in report["findings"]})


def test_each_fixture_row_is_detected_as_its_format():
    expected = {
        "llamafactory_alpaca_en_demo.json": {"alpaca"},
        "llamafactory_glaive_toolcall_en_demo.json": {"sharegpt"},
        "llamafactory_dpo_en_demo.json": {"sharegpt-preference"},
        "llamafactory_kto_en_demo.json": {"messages-kto"},
        "llamafactory_v1_sft.jsonl": {"llamafactory-v1"},
        "bedrock_claude_json_mode.jsonl": {"bedrock-claude"},
        "bedrock_nova_conversation.jsonl": {"bedrock-nova"},
        "azure_dpo_sample.jsonl": {"openai-dpo"},
    }
    for name, formats in expected.items():
        assert {DETECTOR.detect(r).name for r in rows(name)} == formats, name
    trl = [DETECTOR.detect(r).name for r in rows("trl_dataset_formats.jsonl")]
    assert trl == ["trl-text", "openai-chat", "trl-prompt-only", "trl-prompt-only", "prompt-completion", "trl-prompt-completion",
                   "trl-preference", "trl-preference", "trl-preference", "trl-preference", "trl-unpaired-preference",
                   "trl-unpaired-preference", "trl-stepwise"]


def test_sharegpt_view_points_into_the_source_and_reads_tool_calls():
    row = rows("llamafactory_glaive_toolcall_en_demo.json")[0]
    view = DETECTOR.detect(row).view(row)
    assert [t.role for t in view.turns[:4]] == [USER, ASSISTANT, TOOL, ASSISTANT]
    call = view.turns[1].tool_calls[0]
    assert call.name == "calculate_area" and call.arguments == {"shape": "rectangle", "dimensions": [5, 3]}
    assert call.pointer == "/conversations/1/value" and view.turns[2].content_pointer == "/conversations/2/value"
    assert [t["name"] for t in view.tools] == ["calculate_area", "calculate_discount"] and view.tools_pointer == "/tools"
    assert view.turns[0].parts[0].text is row["conversations"][0]["value"]  # the view refers to the row's text, no copy


def test_implicit_prompt_preference_splits_at_the_first_difference():
    row = rows("trl_dataset_formats.jsonl")[9]
    view = DETECTOR.detect(row).view(row)
    assert [t.pointer for t in view.turns] == ["/chosen/0"]
    assert [t.content_pointer for t in view.chosen] == ["/chosen/1/content"]
    assert [t.content_pointer for t in view.rejected] == ["/rejected/1/content"]


def test_trl_profile_accepts_every_trl_type(tmp_path):
    report, proc = cli_json("--isolated", "--profile", "trl", DATA / "trl_dataset_formats.jsonl")
    errors = [f for f in report["findings"] if f["severity"] == "error" and f["code"] != "FT400"]
    assert errors == [], errors
    for name in ("trl_preference_conversational.jsonl", "trl_prompt_completion_conversational.jsonl"):
        report, proc = cli_json("--isolated", "--profile", "trl", DATA / name)
        assert proc.returncode == 0 and [f for f in report["findings"] if f["severity"] == "error"] == []


def test_sharegpt_under_openai_sft_is_a_format_the_profile_does_not_accept():
    report, _ = cli_json("--isolated", "--profile", "openai-sft", DATA / "llamafactory_glaive_toolcall_en_demo.json")
    unsupported = [f for f in report["findings"] if f["code"] == "FT401"]
    assert len(unsupported) == 1 and "ShareGPT" in unsupported[0]["message"] and "(rows in this file: 2;" in unsupported[0]["message"]


def test_llamafactory_profile_lints_its_formats_natively():
    for name in ("llamafactory_alpaca_en_demo.json", "llamafactory_glaive_toolcall_en_demo.json", "llamafactory_dpo_en_demo.json",
                 "llamafactory_kto_en_demo.json", "llamafactory_v1_sft.jsonl"):
        report, _ = cli_json("--isolated", "--profile", "llamafactory", DATA / name)
        errors = [f for f in report["findings"] if f["severity"] == "error"]
        assert errors == [], (name, errors)


def test_findings_point_into_the_source_row(write_jsonl):
    path = write_jsonl([
        {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": " Hello! "}, {"from": "gpt"}]},
        {"instruction": "  Translate", "input": "", "output": ""},
        {"prompt": "The sky is", "completion": " blue.", "label": "true"},
    ])
    report, _ = cli_json("--isolated", "--profile", "llamafactory", path)
    found = {(f["line"], f["code"], f["pointer"]) for f in report["findings"]}
    assert (1, "FT201", "/conversations/1/value") in found
    assert (1, "FT120", "/conversations/2/value") in found  # a ShareGPT turn without value
    assert (1, "FT118", "/conversations/2/from") in found  # LLaMA-Factory drops rows whose turns do not alternate
    assert (2, "FT201", "/instruction") in found and (2, "FT200", "/output") in found
    assert any(line == 3 and code == "FT120" and pointer == "/label" for line, code, pointer in found)  # KTO label not a boolean


def test_bedrock_claude_sample_is_clean_and_order_rules_are_errors(write_jsonl):
    report, proc = cli_json("--isolated", "--profile", "bedrock", "--ignore", "FT402", DATA / "bedrock_claude_json_mode.jsonl")
    assert report["findings"] == [] and proc.returncode == 0
    path = write_jsonl([{"system": "Be brief.", "messages": [{"role": "assistant", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
                                                             {"role": "user", "content": "bye"}]}])
    report, _ = cli_json("--isolated", "--profile", "bedrock", "--ignore", "FT402", path)
    errors = {f["code"] for f in report["findings"] if f["severity"] == "error"}
    assert {"FT117", "FT118", "FT121"} <= errors


def test_azure_openai_accepts_the_dpo_sample_and_openai_dpo_reports_unknown_keys(write_jsonl):
    report, _ = cli_json("--isolated", "--profile", "azure-openai", "--ignore", "FT402,FT002", DATA / "azure_dpo_sample.jsonl")
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    row = dict(rows("azure_dpo_sample.jsonl")[0], source="crm")
    report, _ = cli_json("--isolated", "--profile", "openai-dpo", write_jsonl([row]))
    assert any(f["code"] == "FT110" and f["pointer"] == "/source" for f in report["findings"])


def test_unrecognised_row_says_what_it_resembles(write_jsonl):
    report, _ = cli_json("--isolated", write_jsonl([{"instructions": "x", "Prompt_text": "y", "chosen_one": 1}]))
    message = next(f["message"] for f in report["findings"] if f["code"] == "FT101")
    assert "no known format" in message
    report, _ = cli_json("--isolated", write_jsonl([{"question": "x", "completion_text": "y", "system": 3}]))
    message = next(f["message"] for f in report["findings"] if f["code"] == "FT101")
    # the closest format by its required keys: Bedrock Claude has a system but no messages
    assert "closest is bedrock-claude" in message and 'no "messages"' in message


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)
FIELDS = ["messages", "conversations", "system", "tools", "prompt", "completion", "chosen", "rejected", "label", "kto_tag",
          "completions", "labels", "text", "instruction", "input", "output", "history", "input", "preferred_output",
          "non_preferred_output", "schemaVersion", "chosen_messages", "rejected_messages", "images"]
INNER = ["role", "content", "from", "value", "tool_calls", "loss_weight", "weight", "type", "text", "name", "arguments", "function"]


def _shaped(draw_keys, values):
    return {k: v for k, v in zip(draw_keys, values)}


ROWS = st.builds(_shaped, st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4, unique=True),
                 st.lists(st.one_of(JSON, st.lists(st.dictionaries(st.sampled_from(INNER), JSON, max_size=4), max_size=3)), min_size=4, max_size=4))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS)
def test_every_adapter_meets_wrong_types_with_problems_never_an_exception(row):
    for adapter in BUILTIN_FORMATS:
        view = adapter.view(row) if adapter.detect(row) else None
        if view is not None:
            for _, turn in view.all_turns():
                assert turn.pointer.startswith("/") and isinstance(turn.parts, tuple)
            for problem in view.problems:
                assert problem.message and isinstance(problem.pointer, str)
    DETECTOR.resemblance(row)


def test_jobs_output_is_identical_on_every_format(tmp_path):
    from .conftest import run_cli

    lines = []
    for path in sorted(DATA.iterdir()):
        if path.suffix in (".json", ".jsonl"):
            lines.extend(json.dumps(r) for r in rows(path.name))
    lines += [json.dumps({"conversations": [{"from": "human", "value": " hi "}, {"from": "gpt"}], "tools": "[not json"}),
              json.dumps({"prompt": "x", "completions": ["a"], "labels": ["yes", True]}), json.dumps({"weird": 1})]
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(lines * 5) + "\n")
    env = {"FTLINT_PARALLEL_MIN_BYTES": "1", "FTLINT_LOAD_PLUGINS": ""}
    for profile in ("llamafactory", "trl"):
        args = ["check", path, "--format", "json", "--isolated", "--profile", profile]
        one = run_cli(*args, "--jobs", "1", env=env)
        assert len({f["code"] for f in json.loads(one.stdout)["findings"]}) >= 6
        many = run_cli(*args, "--jobs", "3", env=env)
        assert (many.returncode, many.stdout) == (one.returncode, one.stdout), profile


def test_whitespace_fix_applies_at_the_source_pointer(tmp_path):
    from .conftest import run_cli

    path = tmp_path / "sharegpt.jsonl"
    path.write_text(json.dumps({"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello! \n"}],
                                "system": " Be brief."}) + "\n")
    proc = run_cli("fix", "--isolated", "--profile", "llamafactory", "--select", "FT201", path)
    assert proc.returncode in (0, 1), proc.stderr
    fixed = json.loads(path.read_text())
    assert fixed == {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello!"}], "system": "Be brief."}


def _structure_of_view(view) -> tuple:
    """What the structural rules (FT106, FT112, FT115-FT121) read of a view."""
    turns = [(where, t.role, t.source_role, t.pointer, t.role_pointer, t.content_pointer, t.content_state, t.weight_pointer)
             for where, t in view.all_turns()]
    return view.format, view.kind, turns, [(p.message, p.pointer) for p in view.problems]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS, st.data())
def test_rows_of_one_shape_have_views_of_one_structure(value, data):
    """``Format.structure`` keeps its promise: two rows with one shape (linter.shape.shape_of, which
    includes the adapter and its structure) have views with the same turns, pointers and problems."""
    from linter.rows import Row
    from linter.shape import shape_of


    other = variant(value, data)
    for adapter in BUILTIN_FORMATS:
        if not (adapter.detect(value) and adapter.detect(other)) and adapter.name != "openai-chat":  # openai-chat reads unknown rows
            continue
        rows = []
        for item in (value, other):
            row = Row(1, 0, b"{}", 2)
            row.value, row.parsed, row.format, row.kind = item, True, adapter, adapter.kind_of(item, "chat")
            rows.append(row)
        shape = shape_of(rows[0])
        if shape is not None and shape == shape_of(rows[1]):
            assert _structure_of_view(adapter.view(value)) == _structure_of_view(adapter.view(other)), adapter.name


PLAIN = st.builds(lambda role, content, keys: {keys[0]: role, keys[1]: content}, st.text(max_size=3) | JSON, st.text(max_size=3) | JSON,
                  st.sampled_from([("role", "content"), ("content", "role"), ("from", "value"), ("role", "weight")]))


@settings(max_examples=200, deadline=None)
@given(st.lists(PLAIN | st.dictionaries(st.sampled_from(INNER), JSON, max_size=3) | JSON, max_size=8)
       | st.integers(60, 70).map(lambda n: [{"role": "user", "content": "hi"}, {"from": "gpt", "value": ""}] * (n // 2)),
       st.sampled_from([("role", "content", "weight"), ("from", "value", "loss_weight")]))
def test_the_fast_path_of_message_turns_builds_the_turns_message_turn_builds(messages, keys):
    """Plain role/content messages take a shortcut (cached pointers, no per-key tests): the turns
    are exactly those of the general path, past the pointer cache's 64 messages too."""
    from linter.formats.base import message_turn, message_turns

    role_key, content_key, weight_key = keys
    expected = tuple(message_turn(m, f"/messages/{i}", role_key=role_key, content_key=content_key, weight_key=weight_key)
                     for i, m in enumerate(messages) if isinstance(m, dict))
    got = message_turns(messages, "/messages", role_key=role_key, content_key=content_key, weight_key=weight_key)
    assert got == expected
    assert [type(t) for t in got] == [type(t) for t in expected] and all(type(p) is type(q) for a, b in zip(got, expected) for p, q in zip(a.parts, b.parts))


def _every_adapter_asked(value):
    """Detection as documented: every adapter scores the row, the highest wins, ties to the first registered."""
    best, score = None, 0
    for adapter in BUILTIN_FORMATS:
        found = adapter.detect(value)
        if found > score:
            best, score = adapter, found
    return best


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROWS | OTHER_FORMATS, min_size=1, max_size=4), st.data())
def test_detection_planned_per_key_set_picks_what_asking_every_adapter_picks(rows, data):
    """The detector asks once per key set the adapters whose score the keys decide (detect_reads);
    rows with those keys and other values (variants, in any order) still get the adapter that
    asking every adapter on every row picks."""
    detector = Detector(BUILTIN_FORMATS)
    corpus = data.draw(st.permutations(rows + [variant(row, data) for row in rows for _ in range(3)]))
    for value in corpus:
        assert detector.detect(value) is _every_adapter_asked(value), value


def test_a_format_that_does_not_say_what_detect_reads_is_asked_on_every_row():
    """A plugin adapter declares nothing: its detect sees every row, so a score that depends on values holds."""
    from linter.formats.base import Format

    class ByValue(Format):
        name, kind, description = "by-value", "chat", "messages whose first role is 'bot'"

        def detect(self, value):
            messages = value.get("messages")
            return 20 if isinstance(messages, list) and messages and messages[0] == {"role": "bot"} else 0

    plugin = ByValue()
    detector = Detector(BUILTIN_FORMATS + (plugin,))
    rows = [{"messages": [{"role": "user"}]}, {"messages": [{"role": "bot"}]}, {"messages": []}]
    assert [detector.detect(r).name for r in rows] == ["openai-chat", "by-value", "openai-chat"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS | OTHER_FORMATS)
def test_the_openai_chat_view_is_the_conversation_its_fields_name(value):
    """OpenAI chat builds its view field by field in order (keywords cost more than the turns):
    the result is the Conversation the keywords make, so a field added to Conversation cannot shift it."""
    from linter.formats.base import extras, message_turns
    from linter.formats.openai import CHAT_KEYS, OpenAIChat
    from linter.view import Conversation

    view = OpenAIChat().view(value)
    expected = Conversation("openai-chat", "chat", message_turns(value.get("messages"), "/messages"), tools=value.get("tools"),
                            tools_pointer="/tools" if "tools" in value else "", extras=extras(value, CHAT_KEYS))
    assert type(view) is Conversation and view._asdict() == expected._asdict()
    assert list(view.all_turns()) == [("turns", turn) for turn in view.turns]
    for turn in view.turns:
        assert turn.texts == tuple(p for p in turn.parts if p.text is not None)
        assert turn.text == "\n".join(p.text for p in turn.parts if p.text is not None)


def test_a_format_whose_view_raises_gives_a_finding_on_each_row_never_a_traceback(tmp_path):
    """A plugin format with a bug in view(): every row it recognises gets FT120 naming the adapter
    (its rows have no shape, so the finding is not lost to the memo), and the file is linted to the end."""
    from .house_format import TALK, lint_with_house_format

    rows = [{"house": 1, "messages": TALK}] * 3 + [{"messages": TALK}]
    found = lint_with_house_format(tmp_path, "    def view(self, value):\n        raise KeyError('turns')\n", rows, "FT120")
    assert [(f["line"], f["message"]) for f in found] == [(line, "the house adapter failed on this row: KeyError") for line in (1, 2, 3)]


def test_a_plugin_format_whose_detect_raises_is_reported_and_the_file_goes_on(tmp_path):
    """Before: 'ftlint: error: internal error: RuntimeError' and nothing linted. Now the row that
    made detect() raise gets an FT000 naming the format, and every row is still judged."""
    from .house_format import TALK, lint_with_house_format

    methods = (
        "    def detect(self, value):\n"
        "        if value.get('house') == 'bad':\n"
        "            raise RuntimeError('boom')\n"
        "        return 50 if 'house' in value else 0\n"
    )
    rows = [{"house": "ok", "messages": TALK}, {"house": "bad", "messages": TALK},
            {"messages": [{"role": "user", "content": "hi"}, {"role": "robot", "content": "beep"}]}]
    found = lint_with_house_format(tmp_path, methods, rows, "FT000,FT106")
    assert [(f["line"], f["code"]) for f in found] == [(2, "FT000"), (3, "FT106")]
    assert "format 'house' failed to read this row ('RuntimeError: boom')" in found[0]["message"]


def test_a_plugin_adapter_overriding_kind_of_below_a_key_hint_is_asked_per_row():
    """OpenAI chat answers its kind from the keys (kind_of_keys); a plugin subclass that overrides
    kind_of alone must have its own kind_of asked (review: it was answered 'chat' by the inherited hint)."""
    from linter.formats.openai import OpenAIChat

    class Graded(OpenAIChat):
        name = "graded-chat"

        def kind_of(self, value, chat_kind):
            return "rft"

    class Hinted(Graded):  # overrides the hint too, below kind_of: trusted
        name = "hinted-chat"

        def kind_of_keys(self, keys, chat_kind):
            return "rft"

    row = {"messages": [{"role": "user", "content": "hi"}]}
    for adapter in (Graded(), Hinted()):
        detector = Detector([adapter])
        assert detector.classify(row, "chat", "chat")[1] == "rft", adapter.name
        assert detector.classify(row, "chat", "chat")[1] == "rft"  # from the plan, the second time
