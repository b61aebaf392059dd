"""FT5xx read the conversation view: ShareGPT tool data (a ``tools`` JSON string,
``function_call`` and ``observation`` turns) is checked like OpenAI's, and the
findings point into the source row."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import cli_json, run_cli

DATA = Path(__file__).parent / "data" / "formats"


# a call of get_weather, its observation and the answer: ShareGPT's tool-calling turns
WEATHER = [
    {"from": "human", "value": "Weather?"},
    {"from": "function_call", "value": json.dumps({"name": "get_weather", "arguments": {"city": "Paris"}})},
    {"from": "observation", "value": "sunny"},
    {"from": "gpt", "value": "Sunny."},
]


def _row(conversations, tools) -> dict:
    return {"conversations": conversations, "tools": json.dumps(tools)}


def _tool_findings(report: dict) -> list[tuple[str, str, str]]:
    return sorted((f["code"], f["pointer"], f["message"]) for f in report["findings"] if f["code"].startswith("FT5"))


def test_sharegpt_broken_tools_undeclared_call_and_orphan_observation(tmp_path):
    row = _row(
        [
            *WEATHER,
            {"from": "human", "value": "Thanks"},
            {"from": "observation", "value": "stray"},
            {"from": "gpt", "value": "Bye."},
        ],
        [{"name": 5}, {"name": "a.b", "parameters": {"type": "object", "properties": {"x": {"type": "text"}}}}],
    )
    path = tmp_path / "sharegpt.jsonl"
    path.write_text(json.dumps(row) + "\n")
    report, proc = cli_json("--profile", "llamafactory", str(path))
    found = _tool_findings(report)
    codes = {(code, where) for code, where, _ in found}
    assert codes == {("FT500", "/tools"), ("FT501", "/tools"), ("FT502", "/tools"), ("FT505", "/conversations/1/value"), ("FT506", "/conversations/5")}, found
    messages = {code: message for code, _, message in found}
    assert "inside the JSON string" in messages["FT500"] and "tools[0]" in messages["FT500"]
    assert "'a.b'" in messages["FT501"] and "inside the tools JSON string" in messages["FT501"]
    assert "'get_weather'" in messages["FT505"] and "(a.b)" in messages["FT505"]
    assert "observation" in messages["FT506"]
    assert proc.returncode == 1


def test_sharegpt_tools_as_a_list_point_at_the_tool(tmp_path):
    row = {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello!"}], "tools": [{"name": 5}]}
    path = tmp_path / "list.jsonl"
    path.write_text(json.dumps(row) + "\n")
    report, _ = cli_json("--profile", "llamafactory", str(path))
    assert ("FT500", "/tools/0/name") in {(code, where) for code, where, _ in _tool_findings(report)}


def test_sharegpt_call_of_a_declared_function_is_clean(tmp_path):
    row = _row(
        WEATHER,
        [{"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}],
    )
    path = tmp_path / "clean.jsonl"
    path.write_text(json.dumps(row) + "\n")
    report, _ = cli_json("--profile", "llamafactory", str(path))
    assert _tool_findings(report) == []


def test_sharegpt_unanswered_call_and_arguments_against_the_schema(tmp_path):
    call = {"from": "function_call", "value": json.dumps({"name": "get_weather", "arguments": {"town": "Paris"}})}
    row = _row(
        [WEATHER[0], call, {"from": "gpt", "value": "I could not check."}, {"from": "human", "value": "ok"}, {"from": "gpt", "value": "Bye."}],
        [{"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}],
    )
    path = tmp_path / "unanswered.jsonl"
    path.write_text(json.dumps(row) + "\n")
    report, _ = cli_json("--profile", "llamafactory", str(path))
    found = _tool_findings(report)
    assert {(code, where) for code, where, _ in found} == {("FT508", "/conversations/1/value"), ("FT512", "/conversations/1/value")}, found
    assert "'city' is a required property" in next(message for code, _, message in found if code == "FT512")


def test_llamafactory_glaive_demo_has_no_tool_findings():
    report, _ = cli_json("--profile", "llamafactory", str(DATA / "llamafactory_glaive_toolcall_en_demo.json"))
    assert report["findings"], "the demo is linted at all"
    assert _tool_findings(report) == []


def test_hostile_tools_give_findings_not_tracebacks(tmp_path):
    rows = [
        _row(WEATHER, [5, None]),
        _row(WEATHER, [{"name": "get_weather", "parameters": 5, "description": 3}]),
        {"conversations": WEATHER, "tools": [{"name": "get_weather", "parameters": {"type": "array"}}]},
        {"conversations": [WEATHER[0], {"from": "function_call", "value": '[{"name": "f"}, 3]'}, {"from": "observation", "value": "r"}, WEATHER[3]]},
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    report, proc = cli_json("--profile", "llamafactory", str(path))
    assert "Traceback" not in proc.stderr
    found = {(f["line"], f["code"], f["pointer"]) for f in report["findings"] if f["code"].startswith(("FT5", "FT120"))}
    assert found == {
        (1, "FT500", "/tools"),
        (1, "FT505", "/conversations/1/value"),  # no tool of row 1 is a function, so get_weather is undeclared
        (2, "FT500", "/tools"),
        (3, "FT502", "/tools/0/parameters"),
        (4, "FT120", "/conversations/1/value"),  # the unreadable call is the adapter's finding; its observation is no orphan
    }, found


def _call_findings(tmp_path, row: dict, profile: str, name: str) -> list[tuple[str, str, str]]:
    path = tmp_path / name
    path.write_text(json.dumps(row) + "\n")
    report, proc = cli_json("--profile", profile, str(path))
    assert proc.returncode == 1, proc.stderr
    return [(code, where, message) for code, where, message in _tool_findings(report) if code == "FT503"]


def test_a_call_whose_name_is_not_a_string_gets_ft503_in_every_format(tmp_path):
    """An OpenAI call named 42 gets FT503; a ShareGPT function_call (inside its JSON string), a LLaMA-Factory
    v1 tool_call part and a TRL message call named 42 get the same finding, pointing into the source row."""
    openai = {"messages": [{"role": "user", "content": "Weather?"},
                           {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": 42, "arguments": "{}"}}]}]}
    assert [(c, w) for c, w, _ in _call_findings(tmp_path, openai, "openai-sft", "openai.jsonl")] == [("FT503", "/messages/1/tool_calls/0/function/name")]
    for name in (42, None, ["get_weather"]):  # "" is a string: FT501 reports it, as for OpenAI
        sharegpt = {"conversations": [{"from": "human", "value": "Weather?"},
                                      {"from": "function_call", "value": json.dumps({"name": name, "arguments": {"city": "Paris"}})},
                                      {"from": "observation", "value": "sunny"}, {"from": "gpt", "value": "Sunny."}]}
        found = _call_findings(tmp_path, sharegpt, "llamafactory", "sharegpt.jsonl")
        assert [(c, w) for c, w, _ in found] == [("FT503", "/conversations/1/value")], (name, found)
        assert "name" in found[0][2] and "inside the JSON string" in found[0][2]
    trl = {"prompt": [{"role": "user", "content": "Weather?"},
                      {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": 42, "arguments": {"city": "Paris"}}}]},
                      {"role": "tool", "content": "sunny"}],
           "completion": [{"role": "assistant", "content": "Sunny."}]}
    assert [(c, w) for c, w, _ in _call_findings(tmp_path, trl, "trl", "trl.jsonl")] == [("FT503", "/prompt/1/tool_calls/0/function/name")]
    v1 = {"messages": [{"role": "user", "content": [{"type": "text", "value": "Weather?"}]},
                       {"role": "assistant", "content": [{"type": "tool_call", "value": json.dumps({"name": 42, "arguments": {}})}]},
                       {"role": "tool", "content": [{"type": "text", "value": "sunny"}]},
                       {"role": "assistant", "content": [{"type": "text", "value": "Sunny."}]}]}
    assert [(c, w) for c, w, _ in _call_findings(tmp_path, v1, "llamafactory", "v1.jsonl")] == [("FT503", "/messages/1/content/0/value")]


def test_a_sharegpt_call_without_arguments_gets_ft503(tmp_path):
    row = {"conversations": [{"from": "human", "value": "Time?"}, {"from": "function_call", "value": json.dumps({"name": "now"})},
                             {"from": "observation", "value": "noon"}, {"from": "gpt", "value": "Noon."}]}
    found = _call_findings(tmp_path, row, "llamafactory", "noargs.jsonl")
    assert [(c, w) for c, w, _ in found] == [("FT503", "/conversations/1/value")]
    assert "arguments" in found[0][2]


def test_a_sharegpt_list_of_calls_names_the_bad_one(tmp_path):
    row = {"conversations": [{"from": "human", "value": "Weather and time?"},
                             {"from": "function_call", "value": json.dumps([{"name": "weather", "arguments": {}}, {"name": 3}])},
                             {"from": "observation", "value": "sunny, noon"}, {"from": "gpt", "value": "Sunny, noon."}]}
    found = _call_findings(tmp_path, row, "llamafactory", "list.jsonl")
    assert [(c, w) for c, w, _ in found] == [("FT503", "/conversations/1/value")] * 2
    assert all("call 2 of the list inside the JSON string there" in message for _, _, message in found)


def test_a_preference_pairs_answers_get_the_tool_rules_too(tmp_path):
    """A call in a ShareGPT pair's chosen or rejected turn trains as much as one in the conversation: its name
    (FT501), its function (FT505) and its arguments (FT512) are judged, pointed at in the answer."""
    weather = {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}

    def answer(name, arguments):
        return {"from": "function_call", "value": json.dumps({"name": name, "arguments": arguments})}

    rows = [
        {**_row([WEATHER[0]], [weather]), "chosen": answer("get.time", {}), "rejected": {"from": "gpt", "value": "No idea."}},
        {**_row([WEATHER[0]], [weather]), "chosen": {"from": "gpt", "value": "No idea."}, "rejected": answer("get_weather", {"town": "Paris"})},
        {**_row([WEATHER[0]], [weather]), "chosen": answer("get_weather", {"city": "Paris"}), "rejected": {"from": "gpt", "value": "No idea."}},
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    report, proc = cli_json("--profile", "llamafactory", str(path))
    found = {(f["line"], f["code"], f["pointer"]) for f in report["findings"] if f["code"].startswith("FT5")}
    assert found == {(1, "FT501", "/chosen/value"), (1, "FT505", "/chosen/value"), (2, "FT512", "/rejected/value")}, found
    assert proc.returncode == 1


CALL = json.dumps({"name": "get_weather", "arguments": {"city": "Paris"}})
UNDECLARED = json.dumps({"name": "get_time", "arguments": {}})


def _function_call_findings(tmp_path, values: list[str], chosen: str) -> tuple[set, dict]:
    """The FT5xx, FT120 and FT202 findings ``(line, code, pointer)`` under --profile llamafactory of rows whose
    function_call turn holds each of ``values`` (get_weather declared), then of a pair whose chosen answer is a
    function_call holding ``chosen``; and the FT120 messages by line."""
    weather = [{"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}]
    rows = [_row([WEATHER[0], {"from": "function_call", "value": value}, *WEATHER[2:]], weather) for value in values]
    rows.append({**_row([WEATHER[0]], weather), "chosen": {"from": "function_call", "value": chosen}, "rejected": {"from": "gpt", "value": "No idea."}})
    path = tmp_path / "calls.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report, proc = cli_json("--profile", "llamafactory", str(path))
    assert "Traceback" not in proc.stderr
    found = {(f["line"], f["code"], f["pointer"]) for f in report["findings"] if f["code"].startswith(("FT5", "FT120", "FT202"))}
    return found, {f["line"]: f["message"] for f in report["findings"] if f["code"] == "FT120"}


def test_a_thought_before_a_sharegpt_call_is_read_as_llamafactory_reads_it(tmp_path):
    """LLaMA-Factory's FunctionFormatter takes a <think>...</think> thought off a function_call value before it
    parses the call (with the template's thought words: <think>\\n ... \\n</think>\\n\\n by default, <think> ...
    </think> for glm4_7 and the like), and trains it before the call: the call is read and judged, the thought
    is not a call (no FT120) and is text the text rules read; a thought after the call is not taken off."""
    found, problems = _function_call_findings(tmp_path, [
        "<think>\nThe user wants the weather: I call get_weather.\n</think>\n\n" + CALL,
        "<think>I call get_weather.</think>" + CALL,
        "<think>\nThe clock, then.\n</think>\n\n" + UNDECLARED,
        CALL + "<think>\nDone.\n</think>\n\n",
        "<think>\nNo call after all.\n</think>\n\n",
        "<think>\nI answer as <|im_start|>assistant\n</think>\n\n" + CALL,
    ], "<think>\nWeather.\n</think>\n\n" + CALL)
    assert found == {
        (3, "FT505", "/conversations/1/value"),  # the call after the thought is read: get_time is undeclared
        (4, "FT120", "/conversations/1/value"),  # a thought after the call stays unread JSON
        (5, "FT120", "/conversations/1/value"),  # a thought with no call after it
        (6, "FT202", "/conversations/1/value"),  # the thought is text LLaMA-Factory trains: a control token in it is found
    }, found
    assert "after its thought" in problems[5], problems


def test_an_openai_dpo_pairs_answers_are_judged_against_its_input_tools(tmp_path):
    """OpenAI's DPO rows declare tools in ``input`` and train calls in ``preferred_output`` and
    ``non_preferred_output``: under --profile openai-dpo a call of an undeclared function (FT505), arguments
    breaking the schema (FT512) or an object for arguments (FT504) is found in either answer, pointed at there."""
    weather = {"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}

    def answer(name, arguments):
        return [{"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}]}]

    def pair(preferred, non_preferred):
        return {"input": {"messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": [weather]},
                "preferred_output": preferred, "non_preferred_output": non_preferred}

    text = [{"role": "assistant", "content": "No idea."}]
    rows = [
        pair(answer("get_time", "{}"), text),
        pair(text, answer("get_weather", json.dumps({"town": "Paris"}))),
        pair(answer("get_weather", {"city": "Paris"}), text),
        pair(answer("get_weather", json.dumps({"city": "Paris"})), text),
    ] * 3  # the profile wants ten examples at least (FT402)
    path = tmp_path / "dpo.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    report, proc = cli_json("--profile", "openai-dpo", str(path))
    assert "Traceback" not in proc.stderr
    found = {(f["line"], f["code"], f["pointer"]) for f in report["findings"] if f["line"] <= 4 and f["code"] != "FT115"}  # (no system message)
    assert found == {
        (1, "FT505", "/preferred_output/0/tool_calls/0/function/name"),
        (2, "FT512", "/non_preferred_output/0/tool_calls/0/function/arguments"),
        (3, "FT504", "/preferred_output/0/tool_calls/0/function/arguments"),
    }, found
    assert proc.returncode == 1


def test_an_openai_dpo_pairs_tool_messages_legacy_calls_and_parallel_flag_are_judged(tmp_path):
    """FT509, FT510 and FT513 skipped OpenAI DPO rows: under --profile openai-dpo a tool result holding an
    object in input.messages, a legacy function_call in an answer and two calls in an answer while the input
    sets parallel_tool_calls false were silent. Each is now found where it is; tools at the top level get
    FT110 alone (its fix moves them to input.tools), not FT505 too, and after the unsafe fixes the pairs are clean."""
    weather = {"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    ask = {"role": "user", "content": "Weather in Paris and Rome?"}
    no = [{"role": "assistant", "content": "No idea."}]

    def called(*ids):
        return {"role": "assistant", "tool_calls": [{"id": i, "type": "function", "function": {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})}} for i in ids]}

    rows = [
        {"input": {"messages": [ask, called("call_1"), {"role": "tool", "tool_call_id": "call_1", "content": {"sky": "sunny"}}], "tools": [weather]},
         "preferred_output": [{"role": "assistant", "content": "Sunny in Paris."}], "non_preferred_output": no},
        {"input": {"messages": [ask], "functions": [weather["function"]]}, "preferred_output": no,
         "non_preferred_output": [{"role": "assistant", "content": "Checking.", "function_call": {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})}}]},
        {"input": {"messages": [ask], "tools": [weather], "parallel_tool_calls": False}, "preferred_output": [called("a", "b")], "non_preferred_output": no},
        {"input": {"messages": [ask]}, "tools": [weather], "preferred_output": [called("call_1")], "non_preferred_output": no},
    ] + [{"input": {"messages": [{"role": "user", "content": f"Weather in town {n}?"}], "tools": [weather]}, "preferred_output": [called("call_1")],
          "non_preferred_output": no} for n in range(6)]  # the profile wants ten examples at least (FT402)
    path = tmp_path / "dpo.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    report, proc = cli_json("--profile", "openai-dpo", "--ignore", "FT115", str(path))
    assert "Traceback" not in proc.stderr
    found = [(f["line"], f["code"], f["pointer"]) for f in report["findings"]]
    assert found == [
        (1, "FT509", "/input/messages/2/content"),
        (2, "FT510", "/input/functions"),
        (3, "FT513", "/preferred_output/0/tool_calls"),
        (4, "FT110", "/tools"),
    ], found
    run_cli("fix", "--profile", "openai-dpo", "--unsafe-fixes", path)
    fixed = [json.loads(line) for line in path.read_text().splitlines()]
    assert fixed[1]["input"]["tools"] == [weather] and fixed[1]["non_preferred_output"][0]["tool_calls"][0]["id"] == "call_1"
    assert fixed[3]["input"]["tools"] == [weather] and "tools" not in fixed[3]
    report, _ = cli_json("--profile", "openai-dpo", "--ignore", "FT115", str(path))
    # FT509 and FT513 have no fix: what is left is theirs alone
    assert [(f["line"], f["code"]) for f in report["findings"]] == [(1, "FT509"), (3, "FT513")], report["findings"]


def test_a_sharegpt_call_wrapped_in_tool_call_tags_is_read_as_llamafactory_reads_it(tmp_path):
    """LLaMA-Factory (v0.9.4 on, hiyouga/LLaMA-Factory fdd24276e) parses the JSON between the template's
    tool_call_words (<tool_call> and </tool_call> by default, <|tool_call_start|> and <|tool_call_end|> for lfm2)
    of a function_call value, and trains the text before them (a thought) before the call: the call is read and
    judged, not FT120; text after the closing tag would be trained before the call, so it is FT120, as is a
    wrapped call that is not JSON or a tag left open."""
    found, problems = _function_call_findings(tmp_path, [
        f"<tool_call>\n{CALL}\n</tool_call>",
        f"<think>\nThe user wants the weather: I call get_weather.\n</think>\n\n<tool_call>\n{CALL}\n</tool_call>",
        f"<tool_call>{UNDECLARED}</tool_call>",
        f"<tool_call>\n{CALL}\n</tool_call>\nDone.",
        f"<tool_call>\n{CALL}",
        f"<|tool_call_start|>{CALL}<|tool_call_end|>",
        "<tool_call>get_weather(city='Paris')</tool_call>",
        f"I check the weather.\n<tool_call>\n{CALL}\n</tool_call>",
    ], f"<tool_call>\n{UNDECLARED}\n</tool_call>")
    assert found == {
        (3, "FT505", "/conversations/1/value"),  # the wrapped call is read: get_time is undeclared
        (4, "FT120", "/conversations/1/value"),  # text after the closing tag
        (5, "FT120", "/conversations/1/value"),  # a tag left open: the value is not JSON
        (7, "FT120", "/conversations/1/value"),  # what the tags hold is not JSON
        (9, "FT505", "/chosen/value"),
    }, found
    assert "after" in problems[4] and "</tool_call>" in problems[4], problems
    assert "<tool_call>" in problems[7], problems
