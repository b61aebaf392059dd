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


TRL_EXAMPLE = {  # TRL's docs (dataset_formats.md, tool calling), with tools stored as json.dumps([...]) for datasets < 4.7
    "messages": [{"role": "user", "content": "Turn on the living room lights."},
                 {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "control_light",
                                                                                         "arguments": {"room": "living room", "state": "on"}}}]},
                 {"role": "tool", "name": "control_light", "content": "The lights in the living room are now on."},
                 {"role": "assistant", "content": "Done!"}],
    "tools": json.dumps([{"type": "function", "function": {"name": "control_light", "description": "Controls the lights in a room.",
                                                          "parameters": {"type": "object", "properties": {"room": {"type": "string"}, "state": {"type": "string"}},
                                                                         "required": ["room", "state"]}}}]),
}


def test_trl_tool_calling_example_is_judged_by_the_target(tmp_path):
    """Newcomer trial: TRL's own example got FT500, FT503, FT505 and FT506 under --profile trl (and axolotl,
    llamafactory, which added FT111 and FT504). Each target's profile says what it needs; OpenAI's still applies."""
    path = tmp_path / "trl_tools.jsonl"
    broken = {**TRL_EXAMPLE, "tools": TRL_EXAMPLE["tools"][:-2]}  # cut short: not JSON any more
    path.write_text(dump([TRL_EXAMPLE, broken]))

    def codes(profile):
        proc = run_cli("check", path, "--profile", profile, "--output-format", "json", "--select", "FT1,FT5", "--ignore", "FT115")
        assert proc.returncode in (0, 1), proc.stderr
        return sorted((f["line"], f["code"], f["pointer"]) for f in json.loads(proc.stdout)["findings"])

    for profile in ("trl", "axolotl", "llamafactory"):
        assert codes(profile) == [(2, "FT500", "/tools")], profile
    assert codes("openai-sft") == [
        (1, "FT500", "/tools"), (1, "FT503", "/messages/1/tool_calls/0/id"), (1, "FT504", "/messages/1/tool_calls/0/function/arguments"),
        (1, "FT506", "/messages/2/tool_call_id"),
        (2, "FT500", "/tools"), (2, "FT503", "/messages/1/tool_calls/0/id"), (2, "FT504", "/messages/1/tool_calls/0/function/arguments"),
        (2, "FT506", "/messages/2/tool_call_id"),
    ]
