"""Tool-calling rules on realistic rows, and their fixes through the real CLI."""

from __future__ import annotations

import json

from .conftest import dump, lint_text, run_cli

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather.", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def call(call_id="c1", name="get_weather", arguments='{"city": "Paris"}'):
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def row(*messages, tools=TOOLS):
    value = {"messages": [{"role": "user", "content": "Weather in Paris?"}, *messages]}
    if tools is not None:
        value["tools"] = tools
    return value


def found(rows, **options):
    return [(f.line, f.code, f.pointer) for f in lint_text(dump(rows), **options) if f.code.startswith("FT5")]


def test_valid_tool_conversation_is_clean():
    valid = row({"role": "assistant", "tool_calls": [call()]}, {"role": "tool", "tool_call_id": "c1", "content": '{"temp_c": 21}'},
                {"role": "assistant", "content": "21 °C in Paris."})
    parallel = row({"role": "assistant", "tool_calls": [call("a"), call("b", arguments='{"city": "Rome"}')]},
                   {"role": "tool", "tool_call_id": "a", "content": "21"}, {"role": "tool", "tool_call_id": "b", "content": "25"},
                   {"role": "assistant", "content": "Paris 21, Rome 25."})
    assert found([valid, parallel, row({"role": "assistant", "tool_calls": [call()]})]) == []


def test_each_problem_is_located():
    rows = [
        row({"role": "assistant", "tool_calls": [call(arguments="city=Paris")]}),
        row({"role": "assistant", "tool_calls": [call(arguments='"{\\"city\\": \\"Paris\\"}"')]}),
        row({"role": "assistant", "tool_calls": [call(name="get_time")]}),
        row({"role": "assistant", "tool_calls": [call()]}, {"role": "tool", "tool_call_id": "zz", "content": "x"}, {"role": "assistant", "content": "ok"}),
        row({"role": "assistant", "tool_calls": [call(), call()]}),
        row({"role": "assistant", "tool_calls": [call()]}, {"role": "assistant", "content": "guessing: sunny"}),
        row({"role": "assistant", "tool_calls": [call()]}, {"role": "tool", "tool_call_id": "c1", "content": {"temp": 21}}, {"role": "assistant", "content": "ok"}),
        row({"role": "assistant", "tool_calls": [call(name="get.weather")]}, tools=[{"type": "function", "function": {"name": "get.weather", "parameters": {"type": "array"}}}]),
    ]
    assert found(rows) == [
        (1, "FT504", "/messages/1/tool_calls/0/function/arguments"),
        (2, "FT504", "/messages/1/tool_calls/0/function/arguments"),
        (3, "FT505", "/messages/1/tool_calls/0/function/name"),
        (4, "FT506", "/messages/2/tool_call_id"),
        (4, "FT508", "/messages/1/tool_calls/0"),
        (5, "FT507", "/messages/1/tool_calls/1/id"),
        (6, "FT508", "/messages/1/tool_calls/0"),
        (7, "FT509", "/messages/2/content"),
        (8, "FT501", "/tools/0/function/name"),
        (8, "FT501", "/messages/1/tool_calls/0/function/name"),
        (8, "FT502", "/tools/0/function/parameters"),
    ]


def test_mistral_ids_and_legacy_functions():
    ok = row({"role": "assistant", "tool_calls": [call("abcDEF123")]}, {"role": "tool", "tool_call_id": "abcDEF123", "content": "21"}, {"role": "assistant", "content": "21"})
    bad = row({"role": "assistant", "tool_calls": [call("call_1")]}, {"role": "tool", "tool_call_id": "call_1", "content": "21"}, {"role": "assistant", "content": "21"})
    assert [c for _, c, _ in found([ok, bad], profile="mistral")] == ["FT511", "FT511"]
    assert not [c for _, c, _ in found([bad]) if c == "FT511"]  # OpenAI accepts any id


def test_fixes_decode_arguments_and_convert_legacy_functions(tmp_path):
    path = tmp_path / "tools.jsonl"
    double = row({"role": "assistant", "tool_calls": [call(arguments='"{\\"city\\": \\"Paris\\"}"')]})
    legacy = {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": None, "function_call": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
                           {"role": "function", "name": "get_weather", "content": "21"}, {"role": "assistant", "content": "21 °C."}],
              "functions": [TOOLS[0]["function"]]}
    path.write_text(dump([double, legacy]))
    proc = run_cli("fix", path, "--select", "FT504,FT510")
    first, second = [json.loads(line) for line in path.read_text().splitlines()]
    assert first["messages"][1]["tool_calls"][0]["function"]["arguments"] == '{"city": "Paris"}'
    assert "functions" in second  # the legacy conversion is unsafe: not applied by default
    run_cli("fix", path, "--select", "FT504,FT510", "--unsafe-fixes")
    second = json.loads(path.read_text().splitlines()[1])
    assert second["tools"] == TOOLS[:1] and "functions" not in second
    assert second["messages"][1]["tool_calls"][0]["id"] == "call_1"
    assert second["messages"][2] == {"role": "tool", "content": "21", "tool_call_id": "call_1"}
    assert found([second]) == []  # the converted row is valid tool calling
    assert proc.returncode in (0, 1)
