"""FT5xx: tool (function) calling: declarations, calls, arguments and responses.

OpenAI's format: ``tools`` at the top level declares functions; an assistant
message's ``tool_calls`` calls them with JSON-encoded ``arguments``; each call
is answered by a ``tool`` message with the call's ``tool_call_id``. The older
``functions``/``function_call``/``function`` role spelling is still accepted
and reported as deprecated.
"""

from __future__ import annotations

import collections
import copy
import json
import re
from typing import Any, Iterable, NamedTuple

import orjson

from .. import patching
from ..findings import Applicability, Fix, Severity, Violation, pointer
from ..formats.openai import pair_keys
from ..formats.sharegpt import split_call
from ..plugin import hookimpl
from ..rows import Row
from ..schema import ADAPTED_KINDS, PREFERENCE
from ..parsing import TOO_DEEP_MESSAGE
from ..text import describe_type, show
from ..view import TOOL, ToolCall, Turn
from . import openai_rows
from .base import Rule
from .chat import CHAT_LIKE, closest, format_refused, judges_keys

# OpenAI's own kinds, read from the source row: chat (and RFT) rows, and DPO pairs, whose prompt and answers
# are OpenAI messages and whose input declares OpenAI tools (linter.rules.openai_rows)
OPENAI_KINDS = CHAT_LIKE | {PREFERENCE}
# kinds of the rules that read declarations and calls in every format: OpenAI's from the source row, the
# others' through the view (ShareGPT, LLaMA-Factory...)
VIEW_KINDS = OPENAI_KINDS | ADAPTED_KINDS
# LLaMA-Factory's formats, whose calls it reads with its function formatter: ``json.dumps(arguments)``
# (hiyouga/LLaMA-Factory src/llamafactory/data/formatter.py FunctionFormatter)
LLAMAFACTORY_CALLS = frozenset({"sharegpt", "sharegpt-preference", "sharegpt-kto"})
# TRL's conversational types, whose message lists (prompt, completion, chosen, rejected) hold OpenAI-style calls:
# their arguments are judged by the profile's form, as a messages row's are (linter.formats.trl)
TRL_CALLS = frozenset({"prompt-only", "prompt-completion", "trl-preference", "unpaired-preference"})


def _parse_arguments(text: str) -> Any:
    """orjson's speed, with the standard parser's leniency (NaN, huge integers) when it refuses."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def schema_key(schema: dict) -> bytes | str:
    """A schema's identity for caches: tools repeat on every row, so each distinct schema is checked once."""
    try:
        return orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # integers beyond 64 bits
        return json.dumps(schema, sort_keys=True)

FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# what a call's arguments are, by the profile's ``tool_arguments``
_ARGUMENT_FORM = {"string": "a JSON string", "object": "a JSON object", "object-only": "a JSON object"}


def tool_list(row: Row, profile) -> tuple[str, bool, Any, str | None]:
    """The row's declared tools, once per row: ``(pointer, in_string, tools, problem)``. ``in_string`` says the
    source holds them as JSON text (no pointer goes inside it); a JSON string the adapter left undecoded is
    decoded where the profile takes one (``tools_json_string``: TRL, axolotl and LLaMA-Factory json.loads it),
    and ``problem`` says why it cannot be (then ``tools`` is None)."""
    accept = bool(getattr(profile, "tools_json_string", False))
    return row.derived((tool_list, accept), lambda r: _read_tool_list(r, accept))


def _read_tool_list(row: Row, accept: bool) -> tuple[str, bool, Any, str | None]:
    if _adapted(row):
        where, tools = row.view.tools_pointer, row.view.tools
        in_string = bool(where) and isinstance(_resolve(row.value, where), str)
    else:
        base, holder = openai_rows.declaring(row)
        where, tools = (base + pointer("tools"), holder["tools"]) if "tools" in holder else ("", None)
        in_string = isinstance(tools, str)
    if isinstance(tools, str) and accept:
        try:
            tools = json.loads(tools)
        except ValueError as exc:
            return where, in_string, None, f"tools is a JSON string that does not parse ({show(str(exc), 120, quoted=False)})"
        except RecursionError:
            return where, in_string, None, f"tools nest deeper than a JSON parser reads ({TOO_DEEP_MESSAGE})"
    return where, in_string, tools, None


def _listed_tools(row: Row, profile) -> list[tuple[str, str, Any]]:
    """``(pointer, note, tool)`` for each declared tool; inside a JSON string the pointer is the string's and the
    note says which tool it is."""
    where, in_string, tools, _ = tool_list(row, profile)
    if not isinstance(tools, list):
        return []  # FT500 (or the adapter that decoded them) reports tools that are not a list
    return [(where, f" (tools[{index}] inside the JSON string)", tool) if in_string else (pointer_join(where, index), "", tool)
            for index, tool in enumerate(tools)]


def functions_of(row: Row, profile) -> list[tuple[str, str, dict]]:
    """``(pointer, note, function)`` for each function declared in ``tools`` (and OpenAI's ``functions``), once
    per row; the note is set when the function sits in a JSON string, whose pointer is then given."""
    return row.derived((functions_of, profile.name), lambda r: _functions(r, profile))


def _functions(row: Row, profile) -> list[tuple[str, str, dict]]:
    out = []
    for where, note, tool in _listed_tools(row, profile):
        function, sub = _declared_function(row, tool)
        if function is not None:
            if sub and _string_parameters(profile):
                function = _with_decoded_parameters(function)
            out.append((where if note else where + sub, note, function))
    base, holder = ("", {}) if _adapted(row) else openai_rows.declaring(row)
    functions = holder.get("functions")
    if isinstance(functions, list):
        out.extend((base + pointer("functions", index), "", function) for index, function in enumerate(functions) if isinstance(function, dict))
    return out


def _declared_function(row: Row, tool: Any) -> tuple[dict | None, str]:
    """The function a listed tool declares and its sub-pointer, or None when it declares none (FT500 says why):
    OpenAI's rows wrap each function ({"type", "function"}); other formats may list it bare (ShareGPT)."""
    if not isinstance(tool, dict):
        return None, ""
    function, sub = _unwrap(tool) if _bare_tools(row) else (tool.get("function"), "/function")
    return (function, sub) if isinstance(function, dict) else (None, "")


def _unwrapped_names(row: Row, profile) -> dict[str, str]:
    """``{name: pointer}`` of the tools an OpenAI row lists as bare functions (``{"name": ...}``), without the
    ``{type, function}`` wrapper its readers take: FT500 reports each, and a call of one is declared, if misshapen."""
    if _bare_tools(row):
        return {}
    return {tool["name"]: where for where, _, tool in _listed_tools(row, profile)
            if _declared_function(row, tool)[0] is None and isinstance(tool, dict) and isinstance(tool.get("name"), str)}


def _string_parameters(profile) -> bool:
    """True where the target decodes a wrapped function's ``parameters`` held as a JSON string (axolotl)."""
    return bool(getattr(profile, "tool_parameters_json_string", False))


def _with_decoded_parameters(function: dict) -> dict:
    """The function with its ``parameters`` JSON string decoded, as axolotl's _get_tools decodes it, when it
    holds a schema object; otherwise as it is (FT500 reports the string)."""
    parameters = function.get("parameters")
    decoded = _decode(parameters) if isinstance(parameters, str) else None
    return {**function, "parameters": decoded} if isinstance(decoded, dict) else function


def _adapted(row: Row) -> bool:
    """True for rows of a format other than OpenAI's chat and DPO: they are read through ``row.view``."""
    return row.kind not in OPENAI_KINDS


def _bare_tools(row: Row) -> bool:
    """True where a declared tool may be the bare function (ShareGPT lists it so) as well as OpenAI's
    ``{type, function}``: rows of other formats, and a row no format recognises whose closest format is one of
    them. A ShareGPT row with ``Conversations`` is judged as OpenAI chat; FT101 names that key, and calling its
    bare tools "type must be 'function'" would only add findings a rename makes wrong."""
    if _adapted(row):
        return True
    return not row.recognised and row.derived(_bare_tools, _closest_reads_bare)


def _closest_reads_bare(row: Row) -> bool:
    found = closest(row.value)
    return found is not None and found.adapter.kind not in OPENAI_KINDS


def pointer_join(where: str, *parts: Any) -> str:
    return where + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _unwrap(tool: dict) -> tuple[dict, str]:
    """A tool as OpenAI wraps it ({"type", "function"}) or bare, as ShareGPT lists it: the function and its sub-pointer."""
    if tool.get("type") == "function" and isinstance(tool.get("function"), dict):
        return tool["function"], "/function"
    return tool, ""


def _declared_at(where: str, note: str, name: str) -> tuple[str, str]:
    """The pointer of a declared function's ``name`` or ``parameters``, and a note when the tools are a JSON string."""
    if note:
        return where, " (inside the tools JSON string)"
    return f"{where}/{name}", ""


def _field(row: Row, where: str, name: str) -> str:
    """The pointer of a call's ``name`` or ``arguments``: inside the call for OpenAI, the call itself for
    formats whose calls sit in a JSON string (ShareGPT's function_call value)."""
    if _adapted(row):
        return where
    return f"{where}/{name}" if where.endswith("function_call") else f"{where}/function/{name}"


def declared_names(row: Row, profile) -> set[str]:
    return {f.get("name") for _, _, f in functions_of(row, profile) if isinstance(f.get("name"), str)}


def calls(row: Row) -> list[tuple[str, str, dict]]:
    """``(side, pointer, call)`` for each tool call (and legacy function_call), in order; once per row. ``side``
    is ``turns`` for the conversation (a pair's prompt), ``chosen`` or ``rejected`` for a pair's answers: they
    train calls too, and each answer continues the prompt on its own (view.all_turns)."""
    return row.derived(calls, _calls)


def _calls(row: Row) -> list[tuple[str, str, dict]]:
    if _adapted(row):
        return [(side, call.pointer, {"id": call.id, "function": {"name": call.name, "arguments": call.arguments}})
                for side, turn in row.view.all_turns() for call in turn.tool_calls]
    out = []
    for side, at, message in openai_rows.messages(row):
        tool_calls = message.get("tool_calls")
        if isinstance(tool_calls, list):
            for cindex, call in enumerate(tool_calls):
                if isinstance(call, dict):
                    out.append((side, f"{at}/tool_calls/{cindex}", call))
        function_call = message.get("function_call")
        if isinstance(function_call, dict):
            out.append((side, f"{at}/function_call", {"function": function_call}))
    return out


class _ToolRule(Rule):
    reads = ("tools", "tool_calls")
    kinds = CHAT_LIKE


class ToolsInvalid(_ToolRule):
    """``tools`` is a list of ``{"type": "function", "function": {"name", "description", "parameters"}}``;
    the deprecated ``functions`` is a list of the inner function objects.
    Anything else is rejected when the file is validated.

    Where the target decodes a JSON string (profiles with ``tools_json_string``: ``trl``,
    ``axolotl``, ``llamafactory``; TRL's docs store ``tools`` as ``json.dumps([...])`` for
    ``datasets`` < 4.7), a string holding that list is valid and its tools are checked
    like a list's; a string that does not parse is still an error. OpenAI's API takes
    the list only.

    Under ``axolotl`` (``tool_parameters_json_string``) a wrapped function's
    ``parameters`` may be a JSON string too: its chat_template strategy
    (``_get_tools``) ``json.loads`` it (and fails on a string that does not
    parse), so a string holding a schema object is valid and its schema is
    checked (FT502, FT512). Elsewhere the schema object is required:
    LLaMA-Factory's tool formatters index into it, and chat templates render
    a string as it is.

    A tool itself held as a JSON string is an error under every profile:
    axolotl decodes a tools string but not each tool in it, and
    ``apply_chat_template`` refuses a tool that is not an object.

    Fix (safe): under a profile that takes the list only, decode a JSON
    string that holds a list; decode a tool held as a JSON string of an
    object (not inside a tools JSON string, where no pointer reaches it)."""

    code = "FT500"
    name = "tools-invalid"
    summary = "tools (or functions) is not a list of function declarations"
    fix = Applicability.SAFE
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}], "tools": [{"name": "get_weather"}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}], "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}]}'

    kinds = VIEW_KINDS

    def check(self, row: Row) -> Iterable[Violation]:
        profile = self.context.profile
        where, in_string, tools, problem = tool_list(row, profile)
        if problem:
            yield Violation(problem, where)
        elif where and not isinstance(tools, list) and not _decoded_by_adapter(row, where) and not self._refused_string(row, tools):
            yield self._not_a_list(tools, where, in_string)  # an adapter that decoded them (ShareGPT) reports them itself
        for at, note, tool in _listed_tools(row, profile):
            if not isinstance(tool, dict):
                yield _not_an_object(tool, at, note)
                continue
            if _bare_tools(row):
                function, sub = _unwrap(tool)
                found = _check_function(function, at + ("" if note else sub), bool(sub) and _string_parameters(profile))
            else:
                found = _check_openai_tool(tool, at, _string_parameters(profile))
            for violation in found:
                yield Violation(violation.message + note, at) if note else violation
        base, holder = ("", {}) if _adapted(row) else openai_rows.declaring(row)
        if "functions" in holder:
            functions = holder["functions"]
            if not isinstance(functions, list) or not functions:
                yield Violation("functions must be a non-empty list", base + pointer("functions"))
            else:
                for index, function in enumerate(functions):
                    at = base + pointer("functions", index)
                    if not isinstance(function, dict):
                        yield Violation(f"a function must be an object, got {describe_type(function)}", at)
                    else:
                        yield from _check_function(function, at)

    def _refused_string(self, row: Row, tools: Any) -> bool:
        """A JSON string of tools in a row whose format the profile refuses (TRL's prompt/completion under
        openai-sft): its format takes the string, and FT401 already says the row needs converting."""
        return isinstance(tools, str) and _adapted(row) and format_refused(self, row) and isinstance(_decode(tools), list)

    def _not_a_list(self, tools: Any, where: str, in_string: bool) -> Violation:
        if in_string and not isinstance(tools, str):  # decoded from the JSON string the profile takes
            return Violation(f"tools must be a list, got {describe_type(tools)} inside the JSON string", where)
        decoded = _decode(tools) if isinstance(tools, str) else None
        if isinstance(decoded, list):  # TRL's, axolotl's and LLaMA-Factory's form: this target wants the list itself
            return Violation(f"tools must be a list, got a JSON string of one (profile {self.context.profile.name} takes the list itself)",
                             where, Fix("decode the JSON string into the list", Applicability.SAFE, edits=(patching.replace(where, decoded),)))
        return Violation(f"tools must be a list, got {describe_type(tools)}", where)


def _not_an_object(tool: Any, where: str, note: str) -> Violation:
    """A listed tool that is not an object. One held as a JSON string of an object is read by no target: axolotl's
    released chat_template strategy decodes a tools string but not each tool (``_get_tools``), and
    ``apply_chat_template`` refuses a tool that is not a dict; decoding it is the fix, where a pointer reaches it."""
    decoded = _decode(tool) if isinstance(tool, str) else None
    if not isinstance(decoded, dict):
        return Violation(f"a tool must be an object, got {describe_type(tool)}{note}", where)
    fix = None if note else Fix("decode the JSON string into the tool", Applicability.SAFE, edits=(patching.replace(where, decoded),))
    return Violation(f"a tool must be an object, got a JSON string holding one{note}", where, fix)


def _decode(text: str) -> Any:
    """A JSON string's value, or None when it is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _decoded_by_adapter(row: Row, where: str) -> bool:
    """True when the row's format adapter decoded a JSON string of tools (ShareGPT): it reports what it decoded."""
    return _adapted(row) and isinstance(_resolve(row.value, where), str) and not isinstance(row.view.tools, str)


def _check_openai_tool(tool: dict, where: str, string_parameters: bool = False) -> Iterable[Violation]:
    """A tool as OpenAI declares it: ``{"type": "function", "function": {...}}``."""
    if tool.get("type") != "function":
        yield Violation(f"tool type must be 'function', got {show(tool.get('type'))}", where + "/type")
    if not isinstance(tool.get("function"), dict):
        yield Violation("a tool needs a \"function\" object", where + "/function")
    else:
        yield from _check_function(tool["function"], where + "/function", string_parameters)


def _check_function(function: dict, where: str, string_parameters: bool = False) -> Iterable[Violation]:
    """A declared function; ``string_parameters``: the target decodes ``parameters`` held as a JSON string."""
    if not isinstance(function.get("name"), str):
        yield Violation("a function needs a \"name\" string", where + "/name")
    if "description" in function and not isinstance(function["description"], str):
        yield Violation("description must be a string", where + "/description")
    parameters = function.get("parameters")
    if "parameters" not in function or isinstance(parameters, dict):
        return
    if not (string_parameters and isinstance(parameters, str)):
        yield Violation(f"parameters must be a JSON Schema object, got {describe_type(parameters)}", where + "/parameters")
        return
    try:
        decoded = json.loads(parameters)
    except ValueError as exc:
        yield Violation(f"parameters is a JSON string that does not parse ({show(str(exc), 120, quoted=False)})", where + "/parameters")
        return
    except RecursionError:
        yield Violation(f"parameters nest deeper than a JSON parser reads ({TOO_DEEP_MESSAGE})", where + "/parameters")
        return
    if not isinstance(decoded, dict):
        yield Violation(f"parameters must be a JSON Schema object, got {describe_type(decoded)} inside the JSON string", where + "/parameters")


class FunctionNameInvalid(_ToolRule):
    """Function names must match ``^[a-zA-Z0-9_-]{1,64}$``: letters, digits,
    underscores and dashes, at most 64. Dots and spaces are the usual culprits."""

    code = "FT501"
    name = "function-name-invalid"
    kinds = VIEW_KINDS
    summary = "A function name has characters or a length the API does not accept"
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}], "tools": [{"type": "function", "function": {"name": "weather.get", "parameters": {"type": "object", "properties": {}}}}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}], "tools": [{"type": "function", "function": {"name": "weather_get", "parameters": {"type": "object", "properties": {}}}}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for where, note, function in functions_of(row, self.context.profile):
            name = function.get("name")
            if isinstance(name, str) and not FUNCTION_NAME.match(name):
                at, note = _declared_at(where, note, "name")
                yield Violation(f"function name {show(name)} must match ^[a-zA-Z0-9_-]{{1,64}}${note}", at)
        for _, where, call in calls(row):
            function = call.get("function")
            name = function.get("name") if isinstance(function, dict) else None
            if isinstance(name, str) and not FUNCTION_NAME.match(name):
                yield Violation(f"called function name {show(name)} must match ^[a-zA-Z0-9_-]{{1,64}}$", _field(row, where, "name"))


class ParametersSchemaInvalid(_ToolRule):
    """A function's ``parameters`` must be a valid JSON Schema describing an
    object (``{"type": "object", "properties": {...}}``); an invalid schema is
    rejected, and a non-object one cannot describe keyword arguments."""

    code = "FT502"
    name = "parameters-schema-invalid"
    kinds = VIEW_KINDS
    summary = "A function's parameters are not a valid JSON Schema for an object"
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}], "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"city": {"type": "text"}}}}}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}], "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]}'

    def __init__(self, context) -> None:
        super().__init__(context)
        self._seen: dict[str, str | None] = {}  # tools repeat on every row: check each distinct schema once

    def check(self, row: Row) -> Iterable[Violation]:
        import jsonschema

        for where, note, function in functions_of(row, self.context.profile):
            schema = function.get("parameters")
            if not isinstance(schema, dict):
                continue
            key = schema_key(schema)
            if key not in self._seen:
                problem = None
                try:
                    jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator).check_schema(schema)
                except jsonschema.SchemaError as exc:
                    path = "/".join(str(p) for p in exc.path)
                    problem = f"parameters is not a valid JSON Schema at {show('/' + path)}: {show(exc.message, 160, quoted=False)}"
                if problem is None and schema.get("type", "object") != "object":
                    problem = f"parameters must describe an object, got type {show(schema.get('type'))}"
                if len(self._seen) < 10_000:
                    self._seen[key] = problem
            else:
                problem = self._seen[key]
            if problem:
                at, note = _declared_at(where, note, "parameters")
                if not note and isinstance(_resolve(row.value, at), str):  # decoded where the profile takes a string (axolotl)
                    note = " (inside the parameters JSON string)"
                yield Violation(problem + note, at)


class ToolCallInvalid(_ToolRule):
    """Each entry of ``tool_calls`` is ``{"id": str, "type": "function",
    "function": {"name": str, "arguments": str}}``; the legacy
    ``function_call`` is ``{"name": str, "arguments": str}``. Other formats'
    calls (a ShareGPT ``function_call`` turn, a TRL call, a LLaMA-Factory v1
    ``tool_call`` part) need a name string and arguments too; the finding
    points at the call in the source row (for a call written as JSON text,
    at that string). A value that cannot be read as a call at all (not JSON)
    is FT120's.

    The ``id`` is required only where the target needs one (the profile's
    ``tool_call_ids``, on by default: OpenAI's API and Mistral's validator
    refuse a call without one).
    TRL's and axolotl's chat templates never render it and LLaMA-Factory
    drops it, so under ``trl``, ``axolotl`` and ``llamafactory`` TRL's own
    example (a call of ``type`` and ``function``, arguments an object) is valid."""

    code = "FT503"
    name = "tool-call-invalid"
    summary = "A tool call is missing its id, type, function name or arguments"
    bad = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"function": {"name": "get_weather"}}]}]}'
    good = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}]}'

    kinds = VIEW_KINDS

    def check(self, row: Row) -> Iterable[Violation]:
        if _adapted(row):
            yield from _check_view_calls(row)
            return
        needs_id = self.context.profile.tool_call_ids
        form = _ARGUMENT_FORM.get(self.context.profile.tool_arguments, "a JSON string")
        for _, at, message in openai_rows.messages(row):
            if "function_call" in message:
                yield from _check_function_call(message["function_call"], at + "/function_call")
            if "tool_calls" not in message:
                continue
            tool_calls = message["tool_calls"]
            where = at + "/tool_calls"
            if not isinstance(tool_calls, list):
                yield Violation(f"tool_calls must be a list, got {describe_type(tool_calls)}", where)
                continue
            if message.get("role") != "assistant":
                yield Violation(f"tool_calls on a {show(message.get('role'))} message; only the assistant calls tools", where)
            for cindex, call in enumerate(tool_calls):
                at = f"{where}/{cindex}"
                if not isinstance(call, dict):
                    yield Violation(f"a tool call must be an object, got {describe_type(call)}", at)
                    continue
                if needs_id and (not isinstance(call.get("id"), str) or not call.get("id")):
                    yield Violation("a tool call needs an \"id\" string", at + "/id")
                if call.get("type") != "function":
                    yield Violation(f"tool call type must be 'function', got {show(call.get('type'))}", at + "/type")
                function = call.get("function")
                if not isinstance(function, dict):
                    yield Violation("a tool call needs a \"function\" object", at + "/function")
                    continue
                if not isinstance(function.get("name"), str):
                    yield Violation("a tool call needs function.name", at + "/function/name")
                if function.get("arguments") is None:  # missing or null: a call without arguments, in every format
                    yield Violation(f"a tool call needs function.arguments ({form})", at + "/function/arguments")


def _check_function_call(function_call: Any, where: str) -> Iterable[Violation]:
    """FT503 for OpenAI's legacy ``function_call`` object: a name string and arguments, as a tool call's function."""
    if function_call is None:
        return  # null, as API responses and some exports write it beside content
    if not isinstance(function_call, dict):
        yield Violation(f"a function_call must be an object with a name and arguments, got {describe_type(function_call)}", where)
        return
    if not isinstance(function_call.get("name"), str):
        yield Violation("a function_call needs a name string", where + "/name")
    if function_call.get("arguments") is None:
        yield Violation("a function_call needs arguments (a JSON string)", where + "/arguments")


class _LocatedCall(NamedTuple):
    """A call of the view and where its parts sit in the source row: ``source`` is what the call's pointer
    holds (an object, or the JSON text the call is written in); for a call in JSON text, the name and
    arguments point at that string and ``note`` says which call of it they are."""

    call: ToolCall
    source: Any
    name_at: str
    arguments_at: str
    note: str


def _located_calls(row: Row) -> Iterable[_LocatedCall]:
    """Each call of a row read through the view (prompt, chosen and rejected turns), located in the source."""
    for _, turn in row.view.all_turns():
        shared = collections.Counter(call.pointer for call in turn.tool_calls)
        seen: collections.Counter = collections.Counter()
        for call in turn.tool_calls:
            source = _resolve(row.value, call.pointer)
            if isinstance(source, str):  # the call is JSON inside a string (ShareGPT function_call, v1 tool_call part)
                seen[call.pointer] += 1
                # a string holding a list of calls: say which one, as the pointer cannot
                which = f"call {seen[call.pointer]} of the list " if shared[call.pointer] > 1 else ""
                yield _LocatedCall(call, source, call.pointer, call.pointer, f" ({which}inside the JSON string there)")
            elif isinstance(source, dict):
                inner = "/function" if isinstance(source.get("function"), dict) else ""
                yield _LocatedCall(call, source, f"{call.pointer}{inner}/name", f"{call.pointer}{inner}/arguments", "")
            else:
                yield _LocatedCall(call, source, call.pointer, call.pointer, "")


def _check_view_calls(row: Row) -> Iterable[Violation]:
    """FT503 for formats read through the view: what their calls carry is a name and arguments (ids and
    types are OpenAI's), so a call needs a name string and arguments, like an OpenAI call's function."""
    for call, source, name_at, arguments_at, note in _located_calls(row):
        if not isinstance(source, (str, dict)):
            yield Violation(f"a tool call must be an object, got {describe_type(source)}", call.pointer)
            continue
        if call.name is None:  # missing, or null: the same defect as an OpenAI call without function.name
            yield Violation(f"a tool call needs a function name string{note}", name_at)
        elif not isinstance(call.name, str):
            yield Violation(f"a tool call needs a function name string, got {describe_type(call.name)}{note}", name_at)
        if call.arguments is None:
            yield Violation(f"a tool call needs its arguments{note}", arguments_at)


def _resolve(value: Any, where: str) -> Any:
    """The value at a JSON pointer into the source row, or None where there is none."""
    import jsonpointer

    try:
        return jsonpointer.resolve_pointer(value, where, None)
    except jsonpointer.JsonPointerException:
        return None


class ArgumentsInvalid(_ToolRule):
    """``arguments`` is a string holding a JSON object, exactly as the model
    must produce it. An object instead of a string is rejected (except under
    profiles whose trainers take an object, ``trl`` and ``axolotl``); a string that
    holds a JSON *string* (double-encoded, ``"\\"{\\\\\\"city\\\\\\": ...}\\""``)
    teaches the model to emit escaped JSON; text that is not JSON cannot be
    parsed by the caller. A chat row's calls are judged so, an OpenAI DPO
    pair's (input and both outputs) and those of TRL's conversational rows
    (``prompt``, ``completion``, ``chosen`` and ``rejected`` message lists).

    Under ``llamafactory`` (``tool_arguments = "object-only"``) the arguments
    must be the object itself: LLaMA-Factory's function formatter runs
    ``json.dumps`` on them, so a JSON string is trained as an escaped string.
    The same holds, whatever the profile, for LLaMA-Factory's own formats: a
    ShareGPT ``function_call`` value (``{"name": ..., "arguments": {...}}``,
    as in its glaive_toolcall demo) and the tool calls of its KTO
    ``messages`` rows. (Its v1 ``tool_call`` parts are not judged here: v1
    templates render a string as it is and encode an object.)

    Fix (safe): decode double-encoded arguments once; serialise an object given
    in place of the string; decode a JSON string where the object is needed
    (inside a ``function_call`` value, the value is written again with the
    object in it)."""

    code = "FT504"
    name = "arguments-invalid"
    summary = "Tool call arguments are not a string holding a JSON object"
    fix = Applicability.SAFE
    kinds = OPENAI_KINDS | LLAMAFACTORY_CALLS | TRL_CALLS
    bad = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "\\"{\\\\\\"city\\\\\\": \\\\\\"Paris\\\\\\"}\\""}}]}]}'
    good = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{\\"city\\": \\"Paris\\"}"}}]}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        if row.kind in LLAMAFACTORY_CALLS:
            yield from _object_arguments(row)
            return
        form = self.context.profile.tool_arguments
        for at, arguments in _arguments_of(row):
            if isinstance(arguments, dict) and form in ("object", "object-only"):
                continue  # TRL, axolotl: an object is what their chat templates render; LLaMA-Factory encodes it
            if form == "object-only":
                yield from self._object_only(arguments, at)
                continue
            if isinstance(arguments, dict):
                text = json.dumps(arguments, ensure_ascii=False)
                yield Violation("arguments must be a JSON string, got an object", at, Fix("serialise the object to a JSON string", Applicability.SAFE, edits=(patching.replace(at, text),)))
                continue
            if not isinstance(arguments, str):
                yield Violation(f"arguments must be {_ARGUMENT_FORM.get(form, 'a JSON string')}, got {describe_type(arguments)}", at)
                continue
            try:
                parsed = json.loads(arguments)
            except ValueError:
                yield Violation(f"arguments are not valid JSON: {show(arguments)}", at)
                continue
            except RecursionError:  # nested thousands deep: no parser a trainer uses reads it back
                yield Violation(f"arguments nest deeper than a JSON parser reads ({TOO_DEEP_MESSAGE})", at)
                continue
            if isinstance(parsed, str):
                try:
                    inner = json.loads(parsed)
                except (ValueError, RecursionError):
                    inner = None
                if isinstance(inner, dict):
                    yield Violation("arguments are JSON-encoded twice", at, Fix("decode the arguments once", Applicability.SAFE, edits=(patching.replace(at, parsed),)))
                    continue
            if not isinstance(parsed, dict):
                yield Violation(f"arguments must hold a JSON object, got {describe_type(parsed)}", at)

    def _object_only(self, arguments: Any, at: str) -> Iterable[Violation]:
        """A target that encodes the arguments itself (LLaMA-Factory): anything but an object is trained as it is."""
        try:
            decoded = _parse_arguments(arguments) if isinstance(arguments, str) else None
        except (ValueError, RecursionError):
            decoded = None
        profile = self.context.profile.name
        if isinstance(decoded, dict):
            yield Violation(f"arguments must be a JSON object under profile {profile}, got a JSON string: it encodes them to JSON "
                            "itself, so the model would learn an escaped string", at,
                            Fix("decode the JSON string into the object", Applicability.SAFE, edits=(patching.replace(at, decoded),)))
        else:
            yield Violation(f"arguments must be a JSON object under profile {profile}, got {describe_type(arguments)}", at)


def _arguments_of(row: Row) -> Iterable[tuple[str, Any]]:
    """``(pointer, arguments)`` of each call that has arguments (none, or null, is FT503's): an OpenAI row's
    calls read from the source row, a TRL row's through the view (the calls of its prompt and of each answer,
    OpenAI-style objects in its message lists)."""
    if _adapted(row):
        for call, source, _, at, _ in _located_calls(row):
            if isinstance(source, dict) and call.arguments is not None:
                yield at, call.arguments
        return
    for _, where, call in calls(row):
        function = call.get("function")
        if isinstance(function, dict) and function.get("arguments") is not None:
            yield (where + "/arguments") if where.endswith("function_call") else (where + "/function/arguments"), function["arguments"]


_ENCODED_AGAIN = "LLaMA-Factory's function formatter json.dumps them, so a JSON string is trained as an escaped string"


def _object_arguments(row: Row) -> Iterable[Violation]:
    """FT504 for LLaMA-Factory's formats: each call's arguments must be the object itself."""
    for call, source, _, at, note in _located_calls(row):
        arguments = call.arguments
        if not isinstance(source, (str, dict)) or arguments is None or isinstance(arguments, dict):
            continue  # an unreadable call or no arguments: FT503's
        decoded = _decode(arguments) if isinstance(arguments, str) else None
        if not isinstance(decoded, dict):
            yield Violation(f"arguments must be a JSON object, got {describe_type(arguments)}{note}", at)
            continue
        replacement = _with_object_arguments(source) if isinstance(source, str) else decoded
        fix = Fix("decode the JSON string into the object", Applicability.SAFE, edits=(patching.replace(at, replacement),)) if replacement else None
        yield Violation(f"arguments must be a JSON object, got a JSON string{note}: {_ENCODED_AGAIN}", at, fix)


def _with_object_arguments(text: str) -> str | None:
    """A function_call value (one call or a list) written again with each JSON-string arguments decoded
    into the object it holds (LLaMA-Factory parses the value, so only its JSON, not its spacing, is read;
    a thought before the call and the tool_call tags around it are kept as they are written); None when it
    cannot be written again (nested deeper than the parser goes)."""
    before, call, after = split_call(text)
    try:
        value = json.loads(call)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and isinstance(item.get("arguments"), str):
                decoded = _decode(item["arguments"])
                if isinstance(decoded, dict):
                    item["arguments"] = decoded
        return before + json.dumps(value, ensure_ascii=False) + after
    except (ValueError, RecursionError):
        return None


class ToolUndeclared(_ToolRule):
    """A call to a function the example does not declare in ``tools`` (or
    ``functions``) teaches the model to call functions it was never shown.
    A preference pair's answers are read too: an OpenAI DPO pair's ``input``
    declares the tools that ``preferred_output`` and ``non_preferred_output``
    may call, and a call in either is pointed at in that answer. A call of
    a function an OpenAI row lists bare, without the ``{type, function}``
    wrapper, is declared all the same: FT500 reports the tool's shape (and
    with FT500 off, the call is said not to be checkable), not that the call
    is undeclared.

    An OpenAI DPO pair whose ``tools`` sit at the top level, outside
    ``input``, is FT110's finding, whose fix moves them to ``input.tools``:
    a call of a function they declare is not reported again (with FT110 off,
    it is said to be declared only there), and a call of a function declared
    neither there nor in the input still is."""

    code = "FT505"
    name = "tool-undeclared"
    kinds = VIEW_KINDS
    summary = "A tool call names a function the example does not declare"
    severity = Severity.WARNING
    bad = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}], "tools": [{"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}]}'
    good = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}], "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        found = calls(row)
        if not found:
            return
        where, _, tools, problem = tool_list(row, self.context.profile)
        if where and (problem or not isinstance(tools, list)):
            return  # the tools cannot be read as a list: FT500 (or the adapter) says why, and what they declare is unknown
        in_input = declared_names(row, self.context.profile)
        misplaced = _misplaced_names(row)
        # what the row declares once FT110's fix has moved a DPO pair's top-level tools into its input
        declared = in_input | set(misplaced)
        unwrapped = _unwrapped_names(row, self.context.profile)
        listed = len(_listed_tools(row, self.context.profile))
        for _, where, call in found:
            function = call.get("function")
            name = function.get("name") if isinstance(function, dict) else None
            if not isinstance(name, str) or name in in_input:
                continue
            at = _field(row, where, "name")
            if name in misplaced:
                if not self._ft110_moves_tools(row):  # else FT110 reports the misplaced tools, and its fix declares the call
                    yield Violation(f"calls {show(name)}, declared only in the top-level tools at {misplaced[name]}, which a preference row "
                                    "does not read: it declares its tools in input.tools", at)
            elif name in unwrapped:
                if not self.context.reports("FT500"):  # else FT500 reports the tool's shape: the call is not undeclared
                    yield Violation(f"calls {show(name)}, which cannot be checked: its tool at {unwrapped[name]} is a bare function, "
                                    "not wrapped in {\"type\": \"function\", \"function\": ...} (FT500 checks the shape)", at)
            elif declared:
                yield Violation(f"calls {show(name)}, which is not among the declared functions ({', '.join(show(d, quoted=False) for d in sorted(declared))})", at)
            elif listed:
                yield Violation(f"calls {show(name)} but none of the {listed} declared tool(s) declares a function (FT500 checks their shape)", at)
            else:
                yield Violation(f"calls {show(name)} but the example declares no tools", at)

    def _ft110_moves_tools(self, row: Row) -> bool:
        """True when FT110 reports an OpenAI DPO row's top-level tools (its fix moves them into ``input``)."""
        return self.context.reports("FT110") and judges_keys(self, row)


def _misplaced_names(row: Row) -> dict[str, str]:
    """``{name: pointer}`` of the functions an OpenAI DPO row declares in ``tools`` at its top level, where
    no reader of the format looks (FT110 names the key and moves it to ``input.tools``); wrapped as OpenAI
    wraps them, or bare."""
    tools = row.value.get("tools") if row.kind == PREFERENCE else None
    if not isinstance(tools, list):
        return {}
    names = {}
    for index, tool in enumerate(tools):
        function, sub = _unwrap(tool) if isinstance(tool, dict) else ({}, "")
        if isinstance(function.get("name"), str):
            names.setdefault(function["name"], pointer("tools", index) + sub)
    return names


class _Answers:
    """The call ids made so far in a conversation and how many calls of each are still unanswered, so a
    second result for an answered call is told apart from a result for an unknown id."""

    def __init__(self) -> None:
        self.made: set[str] = set()
        self._open: collections.Counter = collections.Counter()
        self._answered_at: dict[str, str] = {}  # id -> where its last call was answered

    def open(self, ids: Iterable[Any]) -> None:
        for call_id in ids:
            if isinstance(call_id, str):
                self.made.add(call_id)
                self._open[call_id] += 1  # an id made again (FT507) opens another call

    def answer(self, call_id: str, where: str) -> str | None:
        """Close one open call of ``call_id``; when none is open, where the call was answered already."""
        if self._open[call_id] == 0:
            return self._answered_at.get(call_id, "")
        self._open[call_id] -= 1
        self._answered_at[call_id] = where
        return None


class ToolResponseOrphan(_ToolRule):
    """A ``tool`` message answers a call: it needs the ``tool_call_id`` of a
    call made earlier in the conversation. An unknown id is rejected.

    Where the target pairs results with calls by their order instead (the
    profile's ``tool_call_ids`` is off: ``trl``, ``axolotl``, ``llamafactory``;
    TRL's example names the function with ``name``), a tool message needs no id,
    but it must follow a call that is still unanswered; an id it does give must
    still be one of an earlier call's.

    A call is answered once: a second result for a call id already answered
    answers nothing (OpenAI's API refuses it: "Duplicate value for
    'tool_call_id'"), and the model would learn two results for one call.

    A preference pair's answers (TRL ``chosen``/``rejected``, ShareGPT's,
    OpenAI DPO's outputs) are alternatives: each is read after its prompt,
    so a result in one answer is not answered by a call in the other, and
    what is wrong in the prompt is reported once."""

    code = "FT506"
    name = "tool-response-orphan"
    kinds = VIEW_KINDS
    summary = "A tool message does not answer an earlier tool call"
    bad = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c2", "content": "sunny"}, {"role": "assistant", "content": "Sunny."}]}'
    good = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "Sunny."}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        if _adapted(row) or not self.context.profile.tool_call_ids:
            yield from openai_rows.each(row.view.dialogues(), self._check_view)
            return
        yield from openai_rows.each(openai_rows.conversations(row), self._check_messages)

    @staticmethod
    def _check_messages(messages: list[tuple[str, dict]]) -> Iterable[Violation]:
        """OpenAI's results answer calls by id: each needs the id of a call made earlier and still unanswered."""
        answers = _Answers()
        for at, message in messages:
            if isinstance(message.get("tool_calls"), list):
                answers.open(c.get("id") for c in message["tool_calls"] if isinstance(c, dict))
            if message.get("role") != "tool":
                continue
            call_id = message.get("tool_call_id")
            if not isinstance(call_id, str):
                yield Violation("a tool message needs the \"tool_call_id\" of the call it answers", at + "/tool_call_id")
            elif call_id not in answers.made:
                yield Violation(f"tool_call_id {show(call_id)} answers no earlier tool call", at + "/tool_call_id")
            elif (first := answers.answer(call_id, at)) is not None:
                yield Violation(f"tool_call_id {show(call_id)} answers a call already answered at {first}", at + "/tool_call_id")

    @staticmethod
    def _check_view(turns: tuple[Turn, ...]) -> Iterable[Violation]:
        """Formats and targets without call ids (ShareGPT's observation, TRL's tool message) answer calls in order:
        a result needs a call still open."""
        answers = _Answers()
        pending = 0
        for turn in turns:
            if turn.tool_calls or turn.source_role == "function_call":  # a call the adapter could not read (FT120) still opens
                answers.open(c.id for c in turn.tool_calls)
                pending = max(len(turn.tool_calls), 1)
            elif turn.role == TOOL:
                if isinstance(turn.tool_call_id, str) and answers.made:
                    if turn.tool_call_id not in answers.made:
                        yield Violation(f"tool result for {show(turn.tool_call_id)} answers no earlier tool call", turn.pointer)
                    elif (first := answers.answer(turn.tool_call_id, turn.pointer)) is not None:
                        yield Violation(f"tool result for {show(turn.tool_call_id)} answers a call already answered at {first}", turn.pointer)
                elif pending == 0:
                    yield Violation(f"this {show(turn.source_role, quoted=False)} turn answers no earlier tool call", turn.pointer)
                pending = max(pending - 1, 0)
            elif turn.role:
                pending = 0


class ToolCallIdDuplicate(_ToolRule):
    """Tool call ids identify calls within an example; a repeated id makes the
    responses ambiguous. A preference pair's chosen and rejected answers are
    alternatives: each is read with its prompt, so one id in both answers is
    not a duplicate, while an answer's id that the prompt used already is."""

    code = "FT507"
    name = "tool-call-id-duplicate"
    kinds = VIEW_KINDS
    summary = "Two tool calls in one example share an id"
    bad = '{"messages": [{"role": "user", "content": "Weather in Paris and Rome?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{\\"city\\": \\"Paris\\"}"}}, {"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{\\"city\\": \\"Rome\\"}"}}]}]}'
    good = '{"messages": [{"role": "user", "content": "Weather in Paris and Rome?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{\\"city\\": \\"Paris\\"}"}}, {"id": "c2", "type": "function", "function": {"name": "w", "arguments": "{\\"city\\": \\"Rome\\"}"}}]}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        prompt: set[str] = set()  # the prompt's calls come first (view.all_turns), then each answer's
        answers: dict[str, set[str]] = {"chosen": set(), "rejected": set()}
        for side, where, call in calls(row):
            call_id = call.get("id")
            if isinstance(call_id, str):
                seen = prompt if side == "turns" else answers[side]
                if call_id in seen or call_id in prompt:
                    yield Violation(f"tool call id {show(call_id)} is used twice", where if _adapted(row) else where + "/id")
                seen.add(call_id)


class ToolCallUnanswered(_ToolRule):
    """When the conversation goes on after an assistant's tool calls, each call
    should get its ``tool`` response first; otherwise the model learns to
    continue without the result. A tool call as the very last message is fine:
    it is the training target. Where results answer calls by their order (the
    profile's ``tool_call_ids`` is off: ``trl``, ``axolotl``, ``llamafactory``),
    a call turn needs a tool message right after it, whatever ids they carry.

    A preference pair's answers are read too, each after its prompt (they are
    alternatives): a call an answer makes needs its result before that answer
    goes on, and a call left last in an answer is its training target."""

    code = "FT508"
    name = "tool-call-unanswered"
    kinds = VIEW_KINDS
    summary = "A tool call gets no tool response before the conversation moves on"
    severity = Severity.WARNING
    bad = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}, {"role": "assistant", "content": "Sunny."}]}'
    good = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "Sunny."}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        if _adapted(row) or not self.context.profile.tool_call_ids:
            yield from openai_rows.each(row.view.dialogues(), self._check_view)
            return
        yield from openai_rows.each(openai_rows.conversations(row), self._check_messages)

    @staticmethod
    def _check_messages(messages: list[tuple[str, dict]]) -> Iterable[Violation]:
        """OpenAI's results answer calls by id: each call's id needs a tool message in the run right after it."""
        for position, (at, message) in enumerate(messages):
            tool_calls = message.get("tool_calls")
            if not isinstance(tool_calls, list) or position == len(messages) - 1:
                continue
            answered = set()
            for _, later in messages[position + 1 :]:
                if later.get("role") != "tool":
                    break
                if isinstance(later.get("tool_call_id"), str):  # FT506 reports an id that is not a string
                    answered.add(later["tool_call_id"])
            for cindex, call in enumerate(tool_calls):
                if isinstance(call, dict) and isinstance(call.get("id"), str) and call["id"] not in answered:
                    yield Violation(f"tool call {show(call.get('id'))} has no tool response before the next turn", f"{at}/tool_calls/{cindex}")


    @staticmethod
    def _check_view(turns: tuple[Turn, ...]) -> Iterable[Violation]:
        """Formats without call ids answer a call turn with the tool turns right after it (LLaMA-Factory may answer
        parallel calls in one observation, so only a call turn followed by no tool turn at all is reported)."""
        for position, turn in enumerate(turns):
            if not turn.tool_calls or position == len(turns) - 1:
                continue
            answers = 0
            for later in turns[position + 1 :]:
                if later.role != TOOL:
                    break
                answers += 1
            for call in turn.tool_calls if answers == 0 else ():
                called = f"the call of {show(call.name)}" if isinstance(call.name, str) else "a tool call without a name (FT503)"
                yield Violation(f"{called} has no tool response before the next turn", call.pointer)


class ToolContentType(_ToolRule):
    """OpenAI requires a ``tool`` message's content to be a string (serialise
    structured results to JSON text); a list or object is a server-side error.
    An OpenAI DPO pair's tool messages are read too, in ``input.messages``
    and in either answer, each pointed at where it is."""

    code = "FT509"
    name = "tool-content-type"
    kinds = OPENAI_KINDS
    summary = "A tool message's content is not a string"
    bad = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "sunny"}]}, {"role": "assistant", "content": "Sunny."}]}'
    good = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "Sunny."}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        if not self.context.profile.tool_content_string:
            return
        for _, at, message in openai_rows.messages(row):
            content = message.get("content")
            if message.get("role") == "tool" and content is not None and not isinstance(content, str):
                yield Violation(f"tool content must be a string, got {describe_type(content)}", at + "/content")


def _modernise(value: dict, answers: tuple[str, ...] = ()) -> dict:
    """functions/function_call/function role -> tools/tool_calls/tool, pairing calls and responses. With
    ``answers`` (an OpenAI DPO pair's answer keys) the input declares the tools and holds the prompt, and
    each answer goes on from the prompt on its own: its calls numbered after the prompt's, its results
    paired with the prompt's calls still unanswered (the two answers are alternatives, so they may share ids)."""
    fixed = copy.deepcopy(value)
    holder = fixed["input"] if answers else fixed
    if isinstance(holder.get("functions"), list):
        tools = holder.setdefault("tools", [])
        tools.extend({"type": "function", "function": f} for f in holder.pop("functions"))
    pending, counter = _modernise_messages(holder.get("messages") or [], [], 0)
    for key in answers:
        if isinstance(fixed.get(key), list):
            _modernise_messages(fixed[key], list(pending), counter)
    return fixed


def _modernise_messages(messages: list, pending: list[str], counter: int) -> tuple[list[str], int]:
    """Convert one list of messages in place, going on from the calls made before it (``pending``, still
    unanswered, and ``counter`` made in all): the calls still unanswered and the count after it."""
    for message in messages:
        if not isinstance(message, dict):
            continue
        if isinstance(message.get("function_call"), dict):
            counter += 1
            call_id = f"call_{counter}"
            message["tool_calls"] = [{"id": call_id, "type": "function", "function": message.pop("function_call")}]
            pending.append(call_id)
        elif message.get("role") == "function":
            message["role"] = "tool"
            message.pop("name", None)
            message["tool_call_id"] = pending.pop(0) if pending else f"call_{counter}"
    return pending, counter


class FunctionsDeprecated(_ToolRule):
    """``functions``, ``function_call`` and the ``function`` role are the
    deprecated spelling of tools. They still train, but new models and
    providers expect ``tools``/``tool_calls``/``tool``.

    Fix (unsafe, it changes the format the model learns): convert to tools,
    numbering the calls ``call_1``, ``call_2``... and pointing each function
    response at its call.

    An OpenAI DPO pair is read too: ``functions`` in its ``input`` (moved to
    ``input.tools`` by the fix), and a ``function_call`` or ``function``
    message in ``input.messages`` or in either answer. Each answer goes on
    from the prompt on its own, so its calls are numbered after the
    prompt's and the two answers may share an id (FT507 allows it)."""

    code = "FT510"
    name = "functions-deprecated"
    kinds = OPENAI_KINDS
    summary = "Example uses the deprecated functions/function_call format"
    severity = Severity.INFO
    fix = Applicability.UNSAFE
    bad = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "function_call": {"name": "w", "arguments": "{}"}}], "functions": [{"name": "w", "parameters": {"type": "object", "properties": {}}}]}'
    good = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}], "tools": [{"type": "function", "function": {"name": "w", "parameters": {"type": "object", "properties": {}}}}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        where = _legacy_at(row)
        if where is None:
            return
        value = row.value
        _, holder = openai_rows.declaring(row)
        # the conversion needs a list of messages and a tools list to add to (FT500/FT101/FT600 report the rest)
        convertible = isinstance(holder.get("messages"), list) and isinstance(holder.get("tools", []), list)
        answers = pair_keys(value) if row.kind == PREFERENCE else ()
        yield Violation("uses the deprecated functions/function_call format; use tools/tool_calls", where,
                        Fix("convert to tools and tool_calls", Applicability.UNSAFE, edits=patching.diff(value, _modernise(value, answers)))
                        if convertible else None)


def _legacy_at(row: Row) -> str | None:
    """Where a row's deprecated spelling is: the ``functions`` it declares, else the first list of messages
    holding a ``function_call`` or a ``function`` message (a chat row's messages; a pair's prompt or answer)."""
    base, holder = openai_rows.declaring(row)
    if "functions" in holder:
        return base + pointer("functions")
    for _, at, message in openai_rows.messages(row):
        if "function_call" in message or message.get("role") == "function":
            return at.rsplit("/", 1)[0]
    return None


class ToolCallIdFormat(_ToolRule):
    """Some providers constrain tool call ids: Mistral's templates need exactly
    9 letters or digits. Driven by the profile's ``tool_call_id_pattern``.
    An OpenAI DPO pair's ids are read too (its input's messages and either
    answer), where the profile takes the pair: where it refuses the format,
    FT401 says so and the ids are not judged against it."""

    code = "FT511"
    name = "tool-call-id-format"
    kinds = OPENAI_KINDS
    summary = "A tool call id does not match the profile's id format"
    example_profile = "mistral"
    bad = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "call_abc", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}]}'
    good = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "D681PevKs", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}]}'

    def __init__(self, context) -> None:
        super().__init__(context)
        pattern = context.profile.tool_call_id_pattern
        self._regex = re.compile(pattern) if pattern else None

    def check(self, row: Row) -> Iterable[Violation]:
        regex = self._regex
        if regex is None or format_refused(self, row):
            return
        pattern = regex.pattern
        for _, at, message in openai_rows.messages(row):
            calls = message.get("tool_calls")
            calls = calls if isinstance(calls, list) else ()  # not a list: FT503's finding, not this rule's
            ids = [(f"{at}/tool_calls/{c}/id", call.get("id")) for c, call in enumerate(calls) if isinstance(call, dict)]
            if message.get("role") == "tool":
                ids.append((at + "/tool_call_id", message.get("tool_call_id")))
            for where, call_id in ids:
                if isinstance(call_id, str) and not regex.match(call_id):
                    yield Violation(f"tool call id {show(call_id)} does not match {pattern} (profile {self.context.profile.name})", where)


class ArgumentsSchemaMismatch(_ToolRule):
    """A call's arguments should satisfy the ``parameters`` schema of the
    function it calls (required fields present, types right): otherwise the
    model learns calls that the real function would reject. Every error of
    a call is reported in its finding (the first five spelt out, the rest
    counted), not only the first the validator meets."""

    code = "FT512"
    name = "arguments-schema-mismatch"
    kinds = VIEW_KINDS
    summary = "Tool call arguments do not match the called function's parameters schema"
    severity = Severity.WARNING
    bad = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{\\"town\\": \\"Paris\\"}"}}]}], "tools": [{"type": "function", "function": {"name": "w", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]}'
    good = '{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{\\"city\\": \\"Paris\\"}"}}]}], "tools": [{"type": "function", "function": {"name": "w", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]}'

    def __init__(self, context) -> None:
        super().__init__(context)
        self._validators: dict = {}  # schema key -> validator: building one costs more than validating

    def _validator(self, schema: dict):
        import jsonschema

        key = schema_key(schema)
        validator = self._validators.get(key)
        if validator is None:
            cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
            try:
                cls.check_schema(schema)  # an invalid schema (FT502) makes iter_errors raise anything
                validator = cls(schema)
            except (jsonschema.SchemaError, RecursionError):
                validator = False
            if len(self._validators) < 10_000:
                self._validators[key] = validator
        return validator or None

    def check(self, row: Row) -> Iterable[Violation]:
        import jsonschema

        schemas = {
            f["name"]: f["parameters"]
            for _, _, f in functions_of(row, self.context.profile)
            if isinstance(f.get("name"), str) and isinstance(f.get("parameters"), dict) and f["parameters"].get("type", "object") == "object"
        }
        if not schemas:
            return
        for _, where, call in calls(row):
            function = call.get("function")
            if not isinstance(function, dict) or not isinstance(function.get("name"), str) or function["name"] not in schemas:
                continue
            given = function.get("arguments")
            if not isinstance(given, str) and not (isinstance(given, dict) and (_adapted(row) or self.context.profile.tool_arguments != "string")):
                continue  # OpenAI arguments are a JSON string (FT504); ShareGPT's, TRL's and axolotl's are the object itself
            validator = self._validator(schemas[function["name"]])
            if validator is None:
                continue  # FT502 reports the schema
            try:
                arguments = _parse_arguments(given) if isinstance(given, str) else given
                errors = list(validator.iter_errors(arguments)) if isinstance(arguments, dict) else []
            except (ValueError, jsonschema.SchemaError, RecursionError):
                continue  # FT504 reports these
            if errors:  # FT504 reports arguments that are not an object
                yield Violation(_schema_errors(function["name"], errors), _field(row, where, "arguments"))


# how many of a call's schema errors FT512 spells out; the rest are counted
_SHOWN_ERRORS = 5


def _schema_errors(name: str, errors: list) -> str:
    """FT512's message: every schema error of one call (a missing required key beside a bad enum value), the
    row's own keys first, then by path; the first few spelt out and the rest counted, so one fix pass sees
    them all."""
    errors = sorted(errors, key=lambda error: [str(part) for part in error.absolute_path])
    said = [f"at {show('/' + '/'.join(str(p) for p in error.absolute_path))}: {show(error.message, 120, quoted=False)}"
            for error in errors[:_SHOWN_ERRORS]]
    if len(errors) > _SHOWN_ERRORS:
        said.append(f"and {len(errors) - _SHOWN_ERRORS} more")
    head = f"arguments do not match the parameters of {show(name)}"
    return f"{head} {said[0]}" if len(said) == 1 else f"{head}: {'; '.join(said)}"


class ParallelToolCalls(_ToolRule):
    """``parallel_tool_calls`` is a boolean; when it is ``false`` the example
    should not contain an assistant turn with several calls at once. An
    OpenAI DPO pair sets it in ``input`` beside its tools, and it holds for
    the prompt and for both answers: a turn of several calls in either is
    pointed at in that answer."""

    code = "FT513"
    name = "parallel-tool-calls"
    kinds = OPENAI_KINDS
    summary = "parallel_tool_calls is not a boolean, or is false while a turn makes several calls"
    severity = Severity.WARNING
    bad = '{"messages": [{"role": "user", "content": "Weather in Paris and Rome?"}, {"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "w", "arguments": "{}"}}, {"id": "b", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}], "parallel_tool_calls": false, "tools": [{"type": "function", "function": {"name": "w", "parameters": {"type": "object", "properties": {}}}}]}'
    good = '{"messages": [{"role": "user", "content": "Weather in Paris and Rome?"}, {"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "w", "arguments": "{}"}}, {"id": "b", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}], "parallel_tool_calls": true, "tools": [{"type": "function", "function": {"name": "w", "parameters": {"type": "object", "properties": {}}}}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        base, holder = openai_rows.declaring(row)
        if "parallel_tool_calls" not in holder:
            return
        flag = holder["parallel_tool_calls"]
        if not isinstance(flag, bool):
            yield Violation(f"parallel_tool_calls must be true or false, got {show(flag)}", base + pointer("parallel_tool_calls"))
        elif not flag:
            for _, at, message in openai_rows.messages(row):
                if isinstance(message.get("tool_calls"), list) and len(message["tool_calls"]) > 1:
                    yield Violation(f"{len(message['tool_calls'])} calls in one turn while parallel_tool_calls is false", at + "/tool_calls")


RULES = (
    ToolsInvalid,
    FunctionNameInvalid,
    ParametersSchemaInvalid,
    ToolCallInvalid,
    ArgumentsInvalid,
    ToolUndeclared,
    ToolResponseOrphan,
    ToolCallIdDuplicate,
    ToolCallUnanswered,
    ToolContentType,
    FunctionsDeprecated,
    ToolCallIdFormat,
    ArgumentsSchemaMismatch,
    ParallelToolCalls,
)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
