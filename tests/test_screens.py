"""Screens change no finding: over fuzzed rows full of the triggers' near
misses, written by several JSON encoders, findings are identical with and
without them; and they really skip the screened rules on clean lines."""

from __future__ import annotations

import functools
import io
import json

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter import _dispatch
from linter.config import Settings
from linter.engine import Linter

from .conftest import GOOD, chat, dump

FRAGMENTS = [
    "User:", "user :", "ASSISTANT\t:", "Human:", "### Instruction:", "### response:", "\nUser:", " \tAssistant:",
    "{{name}}", "{{ x.y }}", "${x}", "[INSERT NAME]", "[TODO]", "<PLACEHOLDER>", "<INSERT here>", "{name}", "{Date}",
    "<|im_end|>", "<|endoftext|>", "[INST]", "[/INST]", "<<SYS>>", "<s> ", "</s>", "<start_of_turn>", "<",
    " ", "\n", "\t", "\r", "\x0b", "\x1c", "\x85", "\xa0", "\u2028", "\u3000", "\u200a",
    "ſ", "K", "ı", "İ", "Ü", "é", "请问", "🏕️",
    "sk-proj-abcdefghijklmnopqrstuvwxyz", "sk-", "AKIAIOSFODNN7EXAMPLE", "AKIA", "ghp_" + "a" * 36, "xoxb-1234567890",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.abcdefghijklmnop", "-----BEGIN PRIVATE KEY-----", "sk_live_" + "a" * 24, "AIza" + "b" * 35,
    "a", "b", "U", "u", "Us", "er", ":", "{", "}", "[", "]", ">", "$", "#", "\\", '"', "/", "INST]", "",
]
TEXT = st.lists(st.sampled_from(FRAGMENTS), max_size=6).map("".join)
ROLES = st.sampled_from(["system", "user", "assistant", "tool", "human", "User", ""])
PART = st.fixed_dictionaries({"type": st.sampled_from(["text", "image_url"]), "text": TEXT | st.none() | st.integers(0, 1)})
CONTENT = TEXT | st.none() | st.lists(PART, max_size=2) | st.just([])
MESSAGE = st.fixed_dictionaries({"role": ROLES, "content": CONTENT}, optional={"weight": st.sampled_from([0, 1]), "name": TEXT})
CHAT_ROW = st.builds(lambda msgs: {"messages": msgs}, st.lists(MESSAGE, max_size=4))
PREFERENCE_ROW = st.builds(
    lambda prompt, good, bad: {
        "input": {"messages": [{"role": "user", "content": prompt}]},
        "preferred_output": [{"role": "assistant", "content": good}],
        "non_preferred_output": [{"role": "assistant", "content": bad}],
    },
    TEXT, TEXT, TEXT,
)
ROW = CHAT_ROW | PREFERENCE_ROW | st.dictionaries(TEXT, TEXT, max_size=2)


def encode(value, style: str) -> str:
    """The same value as different writers put it on a line."""
    if style == "ascii":
        return json.dumps(value)
    if style == "compact":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if style == "orjson":
        return orjson.dumps(value).decode()
    if style == "slashes":  # PHP and others escape "/" as "\/"
        return json.dumps(value, ensure_ascii=False).replace("/", "\\/")
    if style == "escaped":  # any character of a string may be written \\uXXXX
        return escaped(value)
    return json.dumps(value, ensure_ascii=False)


def escaped(value) -> str:
    """JSON whose strings spell the triggers' ASCII characters as \\u00XX escapes."""
    if isinstance(value, str):
        return '"' + "".join(f"\\u{ord(c):04X}" if c in "<{[$#:|IUuSAa \\n" else json.dumps(c)[1:-1] for c in value) + '"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{escaped(k)}: {escaped(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(escaped(v) for v in value) + "]"
    return json.dumps(value)


def findings(linter: Linter, text: str, screens: bool) -> list[tuple]:
    linter.screens = screens
    stream, _ = linter.lint_stream(io.BytesIO(text.encode("utf-8", "surrogatepass")), "x.jsonl")
    return [(f.line, f.code, f.pointer, f.message) for f in stream]


LINTERS = {
    profile: Linter(Settings(profile=profile, token_stats=False, extend_select=["FT205"]))
    for profile in ("openai-sft", "openai-dpo", "together")
}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(ROW, min_size=1, max_size=6),
    style=st.sampled_from(["plain", "ascii", "compact", "orjson", "slashes", "escaped"]),
    profile=st.sampled_from(sorted(LINTERS)),
)
def test_findings_are_identical_with_and_without_screens(rows, style, profile):
    text = "".join(encode(row, style) + "\n" for row in rows)
    linter = LINTERS[profile]
    assert findings(linter, text, True) == findings(linter, text, False)


# rows where FT205 looks beyond the texts: keys, roles, tool-call arguments (JSON strings or objects),
# ShareGPT function_call values and tools strings, rows that are not objects
ARGUMENTS = st.dictionaries(TEXT, TEXT | st.lists(TEXT, max_size=2), max_size=3)
CALL = st.builds(
    lambda name, arguments, encoded: {"id": "c1", "type": "function",
                                      "function": {"name": name, "arguments": json.dumps(arguments) if encoded else arguments}},
    TEXT, ARGUMENTS, st.booleans(),
)
TOOL_ROW = st.builds(lambda role, calls: {"messages": [{"role": role, "content": "q"}, {"role": "assistant", "tool_calls": calls}]},
                     ROLES | TEXT, st.lists(CALL, min_size=1, max_size=2))
SHAREGPT_ROW = st.builds(
    lambda question, arguments, tools: {"conversations": [{"from": "human", "value": question},
                                                          {"from": "function_call", "value": json.dumps({"name": "f", "arguments": arguments})}],
                                        "tools": json.dumps(tools)},
    TEXT, ARGUMENTS, st.lists(ARGUMENTS, max_size=2),
)
ANY_ROW = ROW | TOOL_ROW | SHAREGPT_ROW | st.dictionaries(TEXT, ARGUMENTS, max_size=2) | st.lists(TEXT, max_size=3) | TEXT


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.tuples(ANY_ROW, st.integers(0, 3)), min_size=1, max_size=5),
    style=st.sampled_from(["plain", "ascii", "compact", "orjson", "slashes", "escaped"]),
    profile=st.sampled_from(sorted(LINTERS)),
)
def test_findings_are_identical_with_and_without_screens_anywhere_in_a_line(rows, style, profile):
    """FT205 reads every string and key, and lines that are not JSON (a row cut short, a shell line):
    its screen, now gating a line rule, changes no finding there either."""
    lines = []
    for row, damage in rows:
        line = encode(row, style)
        if damage == 1:
            line = line[: len(line) * 2 // 3]  # cut short: not JSON
        elif damage == 2:
            line = "export KEY=" + line  # not JSON at all
        lines.append(line)
    text = "".join(line + "\n" for line in lines)
    linter = LINTERS[profile]
    assert findings(linter, text, True) == findings(linter, text, False)


@pytest.mark.parametrize("style", ["plain", "escaped", "slashes"])
def test_the_line_corpus_makes_ft205_fire_beyond_the_texts(style):
    """The property above is worth something: FT205 fires there on keys, arguments and broken lines, screened."""
    key = "AKIAIOSFODNN7EXAMPLE"
    rows = [{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": json.dumps({"k": key})}}]}]},
            {"metadata": {key: 1}}, [key]]
    lines = [encode(row, style) for row in rows]
    lines.append('{"messages": [{"role": "user", "content": "cut short ' + key)
    found = findings(LINTERS["openai-sft"], "".join(line + "\n" for line in lines), True)
    assert [(line, pointer) for line, code, pointer, _ in found if code == "FT205"] == [
        (1, "/messages/1/tool_calls/0/function/arguments"), (2, "/metadata"), (3, "/0"), (4, "")]


def test_the_fuzzed_corpus_makes_the_screened_rules_fire():
    """The property above is only worth something if the screened rules fire on such rows."""
    rows = [chat(("user", f), ("assistant", "ok" + f)) for f in FRAGMENTS if f]
    text = dump(rows)
    fired = {code for _, code, _, _ in findings(LINTERS["openai-sft"], text, True)}
    assert {"FT200", "FT201", "FT202", "FT203", "FT204", "FT205"} <= fired


@pytest.mark.parametrize("screens", [True, False])
def test_screens_skip_the_screened_rules_on_clean_lines(monkeypatch, screens):
    from linter.rules import text_rules

    calls = []
    real = text_rules.Secret.check
    monkeypatch.setattr(text_rules.Secret, "check", lambda self, row: calls.append(row.number) or real(self, row))
    rows = [GOOD] * 5 + [chat(("user", "my key is AKIAIOSFODNN7EXAMPLE"), ("assistant", "ok"))]
    found = findings(Linter(Settings(token_stats=False, extend_select=["FT205"])), dump(rows), screens)
    assert [line for line, code, _, _ in found if code == "FT205"] == [6]
    assert calls == ([6] if screens else [1, 2, 3, 4, 5, 6])


def test_line_rules_reading_unparsed_lines_are_called_on_those_lines_only(monkeypatch):
    """The engine knows without calling its presence test that a record holds no ``unparsed`` view
    (FT010 blank-line reads only that) and that every other line does; rules reading more run on every line."""
    from linter.rules import encoding

    calls: dict[str, list[int]] = {"FT010": [], "FT004": []}
    for rule, code in ((encoding.BlankLine, "FT010"), (encoding.DuplicateKey, "FT004")):
        real = rule.check
        monkeypatch.setattr(rule, "check", lambda self, row, real=real, code=code: calls[code].append(row.number) or real(self, row))
    text = dump([GOOD, GOOD]) + "\n   \n{broken\n" + dump([GOOD])
    found = findings(Linter(Settings(token_stats=False)), text, True)
    assert calls == {"FT010": [3, 4, 5], "FT004": [1, 2, 3, 4, 5, 6]}
    assert [(line, code) for line, code, _, _ in found if code in ("FT010", "FT001")] == [(3, "FT010"), (4, "FT010"), (5, "FT001")]


def test_the_switch_turns_screens_off(monkeypatch):
    monkeypatch.setenv("FTLINT_NO_SCREENS", "1")
    assert not Linter(Settings(token_stats=False)).screens
    monkeypatch.delenv("FTLINT_NO_SCREENS")
    assert Linter(Settings(token_stats=False)).screens


def gate_of(rule_class):
    from linter.rules.base import Rule

    assert issubclass(rule_class, Rule)
    from linter.screening import Scanner

    screen = _dispatch.screen_of(rule_class)
    fast, slow = Scanner([screen]), Scanner([screen], accelerate=False)

    def passes(value) -> bool:
        """The scanner's answer, the same with and without the automaton, and the same as the slow reference."""
        raw = (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).encode()
        answers = {fast.passed(raw)[0], slow.passed(raw)[0], screen.holds(raw)}
        assert len(answers) == 1, raw
        return answers.pop()

    return passes


def test_a_text_screen_matches_its_json_escaped_form():
    """A trigger holding characters JSON escapes is searched as written on the line."""
    from linter.rules.base import Rule

    class Quoted(Rule):
        code, name, summary, screen = "Q1", "quoted", "q", ('say "hi"\n',)

    passes = gate_of(Quoted)
    assert passes({"t": 'we say "hi"\nthere'})
    assert not passes({"t": "say hi"}) and not passes({"t": 'SAY "HI"\n'})  # literals are exact text
    assert passes('{"t": "say \\u0022hi\\u0022\\n"}')  # an escape that could hide it: the rule runs


def test_a_raw_pattern_screen_fails_open_on_case_folding_letters():
    """A case-insensitive pattern runs its rule on lines with ſ, K, ı or İ, which Python folds onto ASCII letters."""
    import re

    from linter.rules.base import Rule

    class Label(Rule):
        code, name, summary = "Q2", "label", "l"
        screen = (re.compile(rb"user[ ]*:", re.IGNORECASE),)

    passes = gate_of(Label)
    assert passes({"t": "USER  : hi"}) and not passes({"t": "the user said"})
    assert passes({"t": "uſer: hi"}) and re.search("(?i)user:", "uſer:")


def _builtin_screens():
    from linter.registry import get_registry

    screens = [_dispatch.screen_of(rule) for rule in get_registry().rules.values() if rule.screen]
    return [screen for screen in screens if screen is not None]


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=4), st.sampled_from(["dumps", "ascii", "orjson"]))
def test_one_scan_answers_as_each_screen_would_alone(texts, style):
    """The compiled scanner (Hyperscan when installed) gives, for every built-in
    screen and one of each kind (literal, pattern, non-ASCII, case-insensitive),
    exactly what searching that screen's triggers one by one gives."""
    screens, fast, slow = _scanners()
    value = {"messages": [{"role": "user", "content": text} for text in texts]}
    raw = {"dumps": lambda v: json.dumps(v, ensure_ascii=False).encode(), "ascii": lambda v: json.dumps(v).encode(),
           "orjson": orjson.dumps}[style](value)
    expected = [screen.holds(raw) for screen in screens]
    assert fast.passed(raw) == expected
    assert slow.passed(raw) == expected


@functools.lru_cache(maxsize=1)
def _scanners():
    import re

    from linter.screening import Scanner, Screen

    screens = _builtin_screens() + [
        Screen((b"<|",), (), False),
        Screen((), (re.compile(rb"(?:^|\\n)[ \t]*user[ \t]*:", re.IGNORECASE),), False),
        Screen(("请问".encode(),), (), True),
        Screen((), (re.compile(rb"(a)\1"),), False),  # a back-reference: searched by Python's re
        Screen((), (re.compile(rb'"(?<!\\")[ \t]|(?<=[a-z])"'),), False),  # lookbehinds: a loose automaton, confirmed by re
        # syntax Hyperscan compiles but reads otherwise (review): searched by Python's re
        Screen((), (re.compile(rb"a\{{,3}c|U{,2}s"), re.compile(rb"x[[:digit:]]")), False),
    ]
    return screens, Scanner(screens), Scanner(screens, accelerate=False)


def test_the_scanner_is_accelerated_where_hyperscan_installs():
    """Hyperscan is a dependency on the platforms it has wheels for; elsewhere the fallback answers."""
    import platform

    from linter import screening

    if platform.machine().lower() in ("x86_64", "amd64"):
        assert screening.hyperscan is not None
        assert screening.Scanner(_builtin_screens() or [screening.Screen((b"x",), (), False)]).database is not None


def test_the_compiled_scanner_is_kept_between_runs_and_a_bad_copy_is_rebuilt(tmp_path, monkeypatch):
    """Compiling the built-in screens takes about half a second: the automaton is
    cached in the user's cache folder, and a cache that does not load is rebuilt."""
    from linter import screening

    monkeypatch.setenv("FTLINT_CACHE_DIR", str(tmp_path))
    screens = _builtin_screens()
    first = screening.Scanner(screens)
    cached = list(tmp_path.glob("screens-*.marshal"))
    assert len(cached) == 1
    raw = json.dumps({"messages": [{"role": "user", "content": " padded {{name}} <|im_end|>"}]}).encode()

    def no_compiling(pattern):
        raise AssertionError("compiled again although the cache was there")

    monkeypatch.setattr(screening, "_way", no_compiling)
    assert screening.Scanner(screens).passed(raw) == first.passed(raw) == [s.holds(raw) for s in screens]
    monkeypatch.undo()
    monkeypatch.setenv("FTLINT_CACHE_DIR", str(tmp_path))
    data = cached[0].read_bytes()
    cached[0].write_bytes(data[: len(data) // 2] + b"\0" * (len(data) - len(data) // 2))  # a damaged copy
    assert screening.Scanner(screens).passed(raw) == [s.holds(raw) for s in screens]
    monkeypatch.setenv("FTLINT_CACHE_DIR", "")  # caching off: still the same answers
    assert screening.Scanner(screens).passed(raw) == [s.holds(raw) for s in screens]


def _chat_row(value: dict, style: str, with_tools: bool):
    """A parsed chat row as one of the JSON writers spells it (optionally declaring a tool)."""
    from linter.rows import Row

    value = dict(value, tools=[{"type": "function"}]) if with_tools else value
    raw = {"dumps": lambda v: json.dumps(v, ensure_ascii=False).encode(), "ascii": lambda v: json.dumps(v).encode(),
           "orjson": orjson.dumps, "spaced": lambda v: json.dumps(v, separators=(" , ", " :\t")).encode()}[style](value)
    row = Row(1, 0, raw, len(raw))
    row.value, row.parsed, row.kind = value, True, "chat"
    return row


@settings(max_examples=300, deadline=None)
@given(st.lists(CHAT_ROW, min_size=1, max_size=3), st.sampled_from(["dumps", "ascii", "orjson", "spaced"]))
def test_presence_tests_read_the_raw_line_as_the_parsed_row_says(rows, style):
    """The gates of the content-part and tool rules first ask the raw line (one automaton
    pass); that never answers 'absent' for a row whose parsed value holds parts or tools."""
    from linter.rules import reads

    for value in rows:
        row = _chat_row(value, style, with_tools=len(value["messages"]) == 2)
        value, raw = row.value, row.raw
        parts = any(isinstance(m.get("content"), list) for m in value["messages"] if isinstance(m, dict))
        assert reads.has_content_parts(row) == parts
        if "tools" in value:
            assert reads.mentions_tools(row)


@settings(max_examples=300, deadline=None)
@given(st.lists(CHAT_ROW, min_size=1, max_size=3), st.sampled_from(["dumps", "ascii", "orjson", "spaced"]))
def test_the_engine_gates_views_by_the_one_scan_as_their_presence_tests_would(rows, style):
    """The engine folds the raw-line half of the tool and content-part presence tests into
    the file's one scan and asks only their ``confirm`` half on lines that pass: that
    answers exactly what each view's ``present`` test answers alone."""
    from linter.rules.reads import VIEWS
    from linter.screening import Scanner

    screens = []

    def slot_of(screen):
        screens.append(screen)
        return len(screens) - 1

    class Reader:
        reads = ("tools", "parts")
        gate = None

    presence = _dispatch._presence(Reader, slot_of)
    assert [slot for slot, _ in presence] == [0, 1]  # both halves go to the scan
    scanners = (Scanner(screens), Scanner(screens, accelerate=False))
    for value in rows:
        row = _chat_row(value, style, with_tools=len(value["messages"]) == 3)
        raw = row.raw
        for scanner in scanners:
            mask = scanner.mask(raw)
            gated = [bool(mask >> slot & 1) and test(row) for slot, test in presence]
            assert gated == [VIEWS["tools"].present(row), VIEWS["parts"].present(row)]


def test_the_automaton_never_misses_a_trigger_on_the_last_byte():
    """This Hyperscan build can miss a match ending exactly at the buffer's end (a two-pattern
    database, 17-34 byte buffers: found in review); the scanners add a newline after the line."""
    from linter.rules.reads import _LIST_CONTENT, _TOOL_WORDS

    assert all(_LIST_CONTENT(b"a" * n + b"\\u") for n in range(80))
    assert all(_TOOL_WORDS(b"a" * n + b"tool") for n in range(80))
    screens, fast, _ = _scanners()
    for n in range(80):
        raw = b"x" * n + b'{"t": "a "}'
        assert fast.passed(raw) == [screen.holds(raw) for screen in screens]


def test_threads_linting_at_once_get_the_findings_of_one_thread():
    """API users may lint in several threads: each file's scan has its own Hyperscan scratch
    space (shared, it raised ScratchInUseError or let one thread clear another's hits)."""
    import threading

    import linter

    rows = [chat(("user", f"q{i} "), ("assistant", "{{name}} <|im_end|>" if i % 3 else "ok"), **({"tools": []} if i % 5 == 0 else {}))
            for i in range(300)]
    text = dump(rows)

    def key(found):
        return sorted((f.line, f.code, f.message, f.pointer) for f in found)

    reference = key(linter.lint_text(text))
    results, errors = [], []

    def work():
        for _ in range(3):
            try:
                results.append(key(linter.lint_text(text)))
            except Exception as exc:  # noqa: BLE001 - the test reports any
                errors.append(repr(exc))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 12 and all(result == reference for result in results)
    assert {"FT201", "FT204"} <= {code for _, code, _, _ in reference}
