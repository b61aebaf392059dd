"""The text rules' screens (FT200-FT204, FT207) change no finding, and really skip the rules on clean lines.

The screens are raw-bytes patterns over the JSON line (linter/rules/content.py
``EDGE_SCREEN``, linter/rules/text_rules.py ``TOKEN_SCREEN``,
``ROLE_LABEL_SCREEN``, ``PLACEHOLDER_SCREEN``). A screen narrower than its rule
hides findings, so every format the view reads is fuzzed here, written by
several JSON writers and by one that spells each character at random (itself,
``\\uXXXX`` in either case, a short escape, ``\\/``) with odd separators, and
the findings must be identical with and without screens (``FTLINT_NO_SCREENS``).
"""

from __future__ import annotations

import io
import json
import random

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from linter.config import Settings
from linter.engine import Linter
from linter.rules.content import EDGE_SCREEN, WHITESPACE

from .conftest import GOOD, ROOT, chat, run_cli
from .test_screens import encode

SCREENED = ("FT200", "FT201", "FT202", "FT203", "FT204", "FT207")

FRAGMENTS = [
    *WHITESPACE, "\r\n", "\n\n",
    # role labels and near misses
    "User:", "USER :", "Human\t:", "HUMAN:", "Assistant:", "ASSISTANT  :", "### Instruction:", "### Response :", "### Input:",
    "\nUser: ", " \tAssistant:", "user:", "Users:", "User", "Assistant", ":", " :", "### ", "Note:", "Write a dialogue.",
    # template syntax
    "{{name}}", "{{ x.y }}", "{{...}}", "${x}", "${名前}", "{name}", "{user_name}", "{customer}", "{Date}", "{date}", "{.a}", "{-a}",
    "[INSERT NAME]", "[YOUR name]", "[TODO]", "[NAME]", "[COMPANY x]", "<PLACEHOLDER>", "<INSERT here>", "{", "}", "$", "{{",
    # control tokens and near misses
    "<|im_end|>", "<|endoftext|>", "<|eot_id|>", "[INST]", "[/INST]", "<<SYS>>", "<</SYS>>", "<s>", "</s>", "<s> ", "</s>\n",
    "<start_of_turn>", "<end_of_turn>", "<|", "|>", "<", ">", "[", "]", "INST]",
    # code
    "```", "```python\n", "~~~\n", "`", "``", "\n```\n", "    ", "const a = {\n", "};\n",
    # other scripts, case folds, escapes' characters
    "é", "请问", "🏕️", "ſ", "K", "İ", "。", "a", "b", "\\", '"', "/", "type", "\x08", "\x00",
    # secrets and personal data (FT205, FT206 are selected too)
    "sk-proj-abcdefghijklmnopqrstuvwxyz", "AKIAIOSFODNN7EXAMPLE", "ana@example.com", "+1 415 555 0132",
]
TEXT = st.lists(st.sampled_from(FRAGMENTS), max_size=6).map("".join)
ROLE = st.sampled_from(["system", "user", "assistant", "tool", "User", ""])
PART = st.fixed_dictionaries({"type": st.sampled_from(["text", "input_text", "image_url", "reasoning"])},
                             optional={"text": TEXT | st.none() | st.just(1), "value": TEXT})
CONTENT = TEXT | st.none() | st.lists(PART, max_size=2) | st.lists(st.fixed_dictionaries({"text": TEXT}), max_size=2)
MESSAGE = st.fixed_dictionaries({"role": ROLE, "content": CONTENT}, optional={"weight": st.sampled_from([0, 1])})
MESSAGES = st.lists(MESSAGE, max_size=4)
SHAREGPT_TURN = st.fixed_dictionaries({"from": st.sampled_from(["human", "gpt", "system", "function_call", "observation"]), "value": TEXT})
BEDROCK_MESSAGE = st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]), "content": st.lists(st.fixed_dictionaries({"text": TEXT}), max_size=2)})

ROW = st.one_of(
    st.builds(lambda m: {"messages": m}, MESSAGES),
    st.builds(lambda p, g, b: {"input": {"messages": p}, "preferred_output": g, "non_preferred_output": b}, MESSAGES, MESSAGES, MESSAGES),
    st.builds(lambda p, c: {"prompt": p, "completion": c}, TEXT, TEXT),
    st.builds(lambda s, t: {"system": s, "conversations": t}, TEXT, st.lists(SHAREGPT_TURN, max_size=4)),
    st.builds(lambda i, x, o, h: {"instruction": i, "input": x, "output": o, "history": h}, TEXT, TEXT, TEXT,
              st.lists(st.lists(TEXT, min_size=2, max_size=2), max_size=1)),
    st.builds(lambda p, c, r: {"prompt": p, "chosen": c, "rejected": r}, TEXT, TEXT, TEXT),
    st.builds(lambda p, c, r: {"prompt": p, "chosen": c, "rejected": r}, MESSAGES, MESSAGES, MESSAGES),
    st.builds(lambda p, c, k: {"prompt": p, "completion": c, "label": k}, MESSAGES, MESSAGES, st.booleans()),
    st.builds(lambda t: {"text": t}, TEXT),
    st.builds(lambda s, m: {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": s}], "messages": m},
              TEXT, st.lists(BEDROCK_MESSAGE, max_size=3)),
)

PROFILES = ("openai-sft", "openai-dpo", "together", "llamafactory", "trl", "bedrock")
LINTERS = {profile: Linter(Settings(profile=profile, token_stats=False, extend_select=["FT205", "FT206"])) for profile in PROFILES}
WRITERS = ("plain", "ascii", "compact", "orjson", "slashes", "escaped", "spaced", "mixed")


def write(value, writer: str, rnd: random.Random) -> str:
    """One row as a JSON writer puts it on a line (test_screens.encode knows the common writers)."""
    if writer == "spaced":  # JSON whitespace around every separator is valid too
        return json.dumps(value, ensure_ascii=False, separators=(" , ", " : "))
    if writer == "mixed":
        return mixed(value, rnd)
    return encode(value, writer)


def mixed(value, rnd: random.Random) -> str:
    """JSON whose every character is spelled at random in one of the ways JSON allows, between random separators."""
    if isinstance(value, str):
        return '"' + "".join(rnd.choice(spellings(c)) for c in value) + '"'
    pad = lambda: rnd.choice(["", " ", "\t", "  "])  # noqa: E731 - local shorthand
    if isinstance(value, dict):
        items = (f"{mixed(k, rnd)}{pad()}:{pad()}{mixed(v, rnd)}" for k, v in value.items())
        return "{" + pad() + f"{pad()},{pad()}".join(items) + pad() + "}"
    if isinstance(value, list):
        return "[" + pad() + f"{pad()},{pad()}".join(mixed(v, rnd) for v in value) + pad() + "]"
    return json.dumps(value)


SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\f": "\\f", "\b": "\\b"}


def spellings(char: str) -> list[str]:
    code = ord(char)
    if code > 0xFFFF:  # a surrogate pair, or the character itself
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        return [char, f"\\u{high:04x}\\u{low:04x}", f"\\u{high:04X}\\u{low:04X}"]
    out = [f"\\u{code:04x}", f"\\u{code:04X}"]
    if char in SHORT_ESCAPES:
        out.append(SHORT_ESCAPES[char])
    elif code >= 0x20:
        out.append(char)
    if char == "/":
        out.append("\\/")
    return out


def findings(linter: Linter, text: str, screens: bool) -> list[tuple]:
    linter.screens = screens
    stream, _ = linter.lint_stream(io.BytesIO(text.encode("utf-8")), "x.jsonl")
    return [(f.line, f.code, f.pointer, f.message) for f in stream]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rows=st.lists(ROW, min_size=1, max_size=5), writer=st.sampled_from(WRITERS), profile=st.sampled_from(PROFILES),
       rnd=st.randoms(use_true_random=False), bom=st.booleans(), crlf=st.booleans())
def test_text_screens_change_no_finding_in_any_format_or_spelling(rows, writer, profile, rnd, bom, crlf):
    end = "\r\n" if crlf else "\n"
    text = ("\ufeff" if bom else "") + "".join(write(row, writer, rnd) + end for row in rows)
    linter = LINTERS[profile]
    assert findings(linter, text, True) == findings(linter, text, False)


def test_the_fuzzed_rows_make_every_screened_rule_fire_in_every_writer():
    """The property above proves something only if the screened rules fire on such rows, however they are spelled."""
    rows = [
        chat(("user", "hi "), ("assistant", "\u3000")),
        chat(("user", "Hello<|im_end|>"), ("assistant", "Like this:\n```\n[INST] hi [/INST]\n```")),
        chat(("user", "hi"), ("assistant", "Sure.\nUser:\tmore?")),
        {"conversations": [{"from": "human", "value": "Dear {{ name }},"}, {"from": "gpt", "value": "ok"}]},
    ]
    rnd = random.Random(7)
    for writer in WRITERS:
        text = "".join(write(row, writer, rnd) + "\n" for row in rows)
        for profile in ("openai-sft", "llamafactory"):
            fired = {code for _, code, _, _ in findings(LINTERS[profile], text, True)}
            assert set(SCREENED) <= fired, (writer, profile, fired)


def test_the_written_out_whitespace_list_is_what_python_strips():
    """The edge screen is built from WHITESPACE; a Python whose Unicode data adds a space character must fail here."""
    every = [chr(code) for code in range(0x110000)]
    assert WHITESPACE == tuple(c for c in every if c.isspace()) == tuple(c for c in every if ("a" + c).strip() == "a")


@pytest.mark.parametrize("writer", WRITERS)
def test_every_whitespace_character_at_either_end_passes_the_edge_screen(writer):
    """All 29 characters ``str.strip()`` removes, alone, leading or trailing, in every spelling: FT200 and FT201 run."""
    rnd = random.Random(29)
    for char in WHITESPACE:
        for text in (char, char * 2, "ok" + char, char + "ok", ""):
            for value in ({"messages": [{"role": "assistant", "content": text}]}, {"prompt": "p", "completion": text},
                          {"messages": [{"role": "user", "content": [{"type": "text", "text": text}]}]}):
                raw = write(value, writer, rnd).encode()
                assert any(p.search(raw) for p in EDGE_SCREEN), (writer, repr(char), raw)


def test_the_edge_screen_rejects_ordinary_rows_in_every_writer():
    """A screen that matched every line would be correct and useless: clean rows must not pass it."""
    value = {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2+2? 请问"},
                          {"role": "assistant", "content": "4, of course.\nHe said \"hi \" and \"bye\"\n\nAnything else?"}]}
    rnd = random.Random(3)
    for writer in ("plain", "ascii", "compact", "orjson", "slashes"):
        raw = write(value, writer, rnd).encode()
        assert not any(p.search(raw) for p in EDGE_SCREEN), (writer, raw)


# ---------------------------------------------------------------- the rules really are skipped


@pytest.mark.parametrize("code, trigger", [
    ("FT200", ("assistant", "   ")), ("FT201", ("assistant", "Hello! ")), ("FT202", ("assistant", "Hi<|im_end|>")),
    ("FT207", ("assistant", "End with `<|im_end|>`.")), ("FT203", ("assistant", "Hi.\nUser: more")), ("FT204", ("assistant", "Hi {{name}}")),
])
def test_a_screened_rule_runs_only_on_the_line_that_holds_its_trigger(monkeypatch, code, trigger):
    from linter.registry import get_registry

    rule_class = get_registry().rule(code)
    calls: list[int] = []
    real = rule_class.check
    monkeypatch.setattr(rule_class, "check", lambda self, row: calls.append(row.number) or real(self, row))
    clean = chat(("system", "You are Ada, the support assistant."), ("user", "Where is my order? It's #1234."),
                 ("assistant", "It ships today: see [the tracker](https://example.com/t?a=1&b=2)."))
    text = "".join(json.dumps(row) + "\n" for row in [clean, GOOD, chat(("user", "hi"), trigger)])
    linter = Linter(Settings(token_stats=False))
    found = findings(linter, text, True)
    assert [line for line, found_code, _, _ in found if found_code == code] == [3]
    assert calls == [3]
    calls.clear()
    assert findings(linter, text, False) == found and calls == [1, 2, 3]


# ---------------------------------------------------------------- real data


def test_real_and_format_fixtures_give_the_same_text_findings_with_and_without_screens():
    """The hand-labelled real rows and the published format examples, through the CLI, with and without screens."""
    files = sorted((ROOT / "tests" / "data" / "real").glob("*.jsonl")) + sorted((ROOT / "tests" / "data" / "formats").glob("*.json*"))
    select = ",".join((*SCREENED, "FT205", "FT206"))
    results = []
    for env in ({}, {"FTLINT_NO_SCREENS": "1"}):
        proc = run_cli("check", "--select", select, "--format", "json", *files, env=env)
        assert proc.returncode in (0, 1), proc.stderr
        results.append([(f["path"], f["line"], f["code"], f["pointer"], f["message"]) for f in json.loads(proc.stdout)["findings"]])
    assert results[0] == results[1]
    counted = {code: sum(1 for f in results[0] if f[2] == code) for code in ("FT201", "FT202", "FT203", "FT204")}
    assert counted == {"FT201": 2, "FT202": 2, "FT203": 2, "FT204": 85}




# ---------------------------------------------------------------- the per-text pre-tests find what the regexes find

# phone numbers, e-mail addresses and their near misses, in ASCII and other scripts' digits
DIGITY = st.lists(st.sampled_from(["123", "4567", "12", "0", " ", "-", ".", "+1", "+44 ", "(415)", "٣٤٥", "١٢٣٤", "१२३", "１２３",
                                   "a", "_", "@", "ana", "x.co", "\n", "\u3000", "é"]), max_size=10).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=DIGITY | TEXT)
@example(text="call 123 123 123").via("the shortest phone number: three groups of three digits")
@example(text="(415) 555.013").via("a bracketed area code")
@example(text="٣٤٥ ٣٤٥ ٣٤٥").via("Arabic-Indic digits, which \\d matches")
def test_the_text_pre_tests_agree_with_the_full_regexes(text):
    """The cheap first looks (an "@", three ASCII digits, a secret's opening, a token's or placeholder's opening
    character, a colon after a label) never miss what the full regex would match, in any script."""
    from linter.rules import text_rules as rules

    assert rules._email(text) is None if rules.EMAIL.search(text) is None else rules._email(text).span() == rules.EMAIL.search(text).span()
    full = rules.PHONE.search(text)
    assert (rules._phone(text) and rules._phone(text).span()) == (full and full.span())
    from linter import secrets

    for kind, pattern, openers in secrets._CHECKS:
        assert pattern.search(text) is None or any(opener in text for opener in openers), kind
    has_token = ("<" in text and rules.ANGLE_TOKEN.search(text)) or ("INST]" in text and rules.INST_TOKEN.search(text))
    assert bool(has_token) == bool(rules.SPECIAL_TOKENS.search(text))
    assert any(o in text and p.search(text) for o, p in rules.PLACEHOLDER_OPENERS) == bool(rules.PLACEHOLDER.search(text))
    assert rules.ROLE_LABEL.search(text) is None or rules.LABEL_COLON.search(text)
