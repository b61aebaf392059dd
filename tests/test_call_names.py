"""A tool call without a function name is one finding, FT503, whatever the format.

An OpenAI call whose function has no name string was FT503, but a ShareGPT ``function_call`` turn
(or a LLaMA-Factory v1 ``tool_call`` part) whose JSON had no ``name`` was FT120: the adapter
dropped the call as unreadable. The adapters now keep any call object, and FT503 judges it on the
view with the pointer of the call in the source row; FT120 stays for what cannot be read as a call.
``convert`` refuses such a call instead of writing ``"name": null``. Real files, the real CLI.
"""

from __future__ import annotations

import json

from tests.conftest import cli_json, run_cli


def sharegpt_call(value: str) -> dict:
    return {"conversations": [{"from": "human", "value": "Time?"}, {"from": "function_call", "value": value},
                              {"from": "observation", "value": "noon"}, {"from": "gpt", "value": "Noon."}]}


NAMELESS = sharegpt_call(json.dumps({"arguments": {"zone": "UTC"}}))
NAMED = sharegpt_call(json.dumps({"name": "now", "arguments": {"zone": "UTC"}}))
NOT_JSON = sharegpt_call("now(zone='UTC')")
OPENAI_NAMELESS = {"messages": [{"role": "user", "content": "Time?"},
                                {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"arguments": "{}"}}]},
                                {"role": "tool", "tool_call_id": "c1", "content": "noon"}, {"role": "assistant", "content": "Noon."}]}


def _calls_findings(report) -> list[tuple[int, str, str]]:
    return [(f["line"], f["code"], f["pointer"]) for f in report["findings"] if f["code"] in ("FT120", "FT503")]


def test_a_nameless_sharegpt_call_is_ft503_at_its_value(write_jsonl):
    path = write_jsonl([NAMED, NAMELESS, NOT_JSON])
    report, proc = cli_json("--profile", "llamafactory", "--isolated", "--ignore", "FT402", path)
    assert proc.returncode == 1
    assert _calls_findings(report) == [(2, "FT503", "/conversations/1/value"), (3, "FT120", "/conversations/1/value")]
    (nameless,) = [f for f in report["findings"] if f["code"] == "FT503"]
    assert nameless["message"] == "a tool call needs a function name string (inside the JSON string there)"


def test_the_text_report_names_file_line_and_pointer(write_jsonl):
    path = write_jsonl([NAMED, NAMELESS])
    proc = run_cli("check", "--profile", "llamafactory", "--isolated", "--select", "FT120,FT503", "--no-token-stats", "-q", path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"{path}:2: FT503 [tool-call-invalid] a tool call needs a function name string (inside the JSON string there) "
        "(at /conversations/1/value)"]


def test_openai_and_sharegpt_give_the_same_code_for_the_same_problem(write_jsonl):
    path = write_jsonl([OPENAI_NAMELESS, NAMELESS])
    report, _ = cli_json("--profile", "llamafactory", "--isolated", "--ignore", "FT402,FT400", path)
    assert _calls_findings(report) == [(1, "FT503", "/messages/1/tool_calls/0/function/name"), (2, "FT503", "/conversations/1/value")]


def test_convert_refuses_a_nameless_call_and_keeps_every_row(write_jsonl, tmp_path):
    source = write_jsonl([NAMED, NAMELESS, OPENAI_NAMELESS])
    out, rejects = tmp_path / "out.jsonl", tmp_path / "out.rejects.jsonl"
    proc = run_cli("convert", source, "-o", out, "--to", "sharegpt", "--rejects", rejects)
    assert proc.returncode == 1
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    refused = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert len(written) + len(refused) == 3 and len(written) == 2  # nothing lost: input rows = output + rejected
    assert written == [NAMED, NAMELESS]  # ShareGPT rows are already ShareGPT: written as read
    assert [r["line"] for r in refused] == [3]
    assert f"{source}:3: not converted: openai-chat to sharegpt: the tool call at /messages/1/tool_calls/0 has no function name string" in proc.stderr
    chat = run_cli("convert", source, "-o", tmp_path / "chat.jsonl", "--to", "chat")
    assert chat.returncode == 1
    assert f"{source}:2: not converted: sharegpt to chat: the tool call at /conversations/1/value has no function name string" in chat.stderr
    assert '"name": null' not in (tmp_path / "chat.jsonl").read_text(encoding="utf-8").replace('"name":null', '"name": null')


# --- every format that holds calls agrees: property test through the real engine (in process) ---

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.conftest import lint_text  # noqa: E402

MISSING = object()
NAMES = st.one_of(st.just(MISSING), st.none(), st.text(min_size=1, max_size=8), st.integers(), st.lists(st.text(max_size=3), max_size=2))
ARGUMENTS = st.one_of(st.just(MISSING), st.none(), st.just("{}"), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


def _function(name, arguments) -> dict:
    return {k: v for k, v in (("name", name), ("arguments", arguments)) if v is not MISSING}


def _rows(function: dict) -> dict[str, dict]:
    """The same call in each format that holds one."""
    text = json.dumps(function)
    return {
        "openai": {"messages": [{"role": "user", "content": "q"},
                                {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": function}]}]},
        "sharegpt": {"conversations": [{"from": "human", "value": "q"}, {"from": "function_call", "value": text}]},
        "sharegpt-list": {"conversations": [{"from": "human", "value": "q"}, {"from": "function_call", "value": f"[{text}]"}]},
        "trl": {"prompt": [{"role": "user", "content": "q"}], "completion": [{"role": "assistant", "tool_calls": [function]}]},
        "llamafactory-v1": {"messages": [{"role": "user", "content": [{"type": "text", "value": "q"}]},
                                         {"role": "assistant", "content": [{"type": "tool_call", "value": text}]}]},
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NAMES, ARGUMENTS)
def test_a_call_object_gets_the_same_findings_in_every_format(name, arguments):
    function = _function(name, arguments)
    expected = int(not isinstance(function.get("name"), str)) + int(function.get("arguments") is None)
    for fmt, row in _rows(function).items():
        findings = lint_text(json.dumps(row) + "\n", select=["FT120", "FT503"], token_stats=False)
        assert [f.code for f in findings] == ["FT503"] * expected, (fmt, function, [(f.code, f.message) for f in findings])


def test_an_unanswered_nameless_call_is_named_as_such():
    row = {"conversations": [{"from": "human", "value": "Time?"}, {"from": "function_call", "value": '{"arguments": {}}'},
                             {"from": "gpt", "value": "Noon."}]}
    (finding,) = lint_text(json.dumps(row) + "\n", select=["FT508"], token_stats=False)
    assert finding.message == "a tool call without a name (FT503) has no tool response before the next turn"
    assert finding.pointer == "/conversations/1/value"
