"""FT202-FT204 and FT207 on real text: code is not a template, a requested dialogue is not a leak.

The real files are extracts of public instruction data (tests/data/real/SOURCES.md);
every finding on them is labelled by hand in tests/data/real/labels.toml.
"""

from __future__ import annotations

import importlib.util
import json
import random
import shutil
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter import code_spans

from .conftest import ROOT, chat, cli_json, dump, lint_text

REAL = ROOT / "tests" / "data" / "real"
TEXT_CODES = ["FT202", "FT203", "FT204", "FT207"]


def check_real(tmp_path, name: str) -> list[tuple[int, str, str, str]]:
    """The real CLI on a copy of a real fixture: (line, code, severity, pointer) of the text rules' findings."""
    path = tmp_path / name
    shutil.copy(REAL / name, path)
    report, _ = cli_json(path, "--select", ",".join(TEXT_CODES))
    return [(f["line"], f["code"], f["severity"], f["pointer"]) for f in report["findings"]]


def row_text(name: str, line: int, pointer: str) -> str:
    from jsonpointer import resolve_pointer

    return resolve_pointer(json.loads((REAL / name).read_text(encoding="utf-8").splitlines()[line - 1]), pointer)


def test_api_key_in_a_fenced_javascript_block_is_code(tmp_path):
    text = row_text("alpaca_en_demo.jsonl", 31, "/messages/1/content")
    assert "```html" in text and "appid=${apiKey}" in text  # the case: a template string inside a fence
    assert check_real(tmp_path, "alpaca_en_demo.jsonl") == []


def test_github_expressions_in_an_answer_explaining_a_workflow_are_code(tmp_path):
    for line in (35, 52):
        assert "${{ github.repository }}" in row_text("kto_en_demo.jsonl", line, "/messages/0/content")  # pasted, no fence
        assert "`" in row_text("kto_en_demo.jsonl", line, "/messages/1/content")  # quoted in inline code
    found = check_real(tmp_path, "kto_en_demo.jsonl")
    assert [f for f in found if f[1] == "FT204"] == []
    # the same file's real leaks are still reported: the `User:` pasted into an answer and two control tokens
    assert found == [
        (19, "FT203", "warning", "/messages/1/content"),
        (26, "FT202", "error", "/messages/1/content"),
        (45, "FT202", "error", "/messages/7/content"),
    ]


def test_a_dialogue_the_prompt_asked_for_is_not_a_leak(tmp_path):
    assert row_text("orca_dpo_validation.jsonl", 15, "/input/messages/1/content").startswith("Write a dialog based on this summary")
    assert "\n\nUser: Hi there!" in row_text("orca_dpo_validation.jsonl", 15, "/non_preferred_output/0/content")
    # line 27 answers a question nobody asked to be scripted and invents a "User:" turn: still a leak
    assert check_real(tmp_path, "orca_dpo_validation.jsonl") == [(27, "FT203", "warning", "/non_preferred_output/0/content")]


def test_placeholders_outside_code_are_still_found(tmp_path):
    found = check_real(tmp_path, "identity.jsonl")
    assert len(found) == 85 and {f[1] for f in found} == {"FT204"}
    # prose placeholder in a row that also has a fenced block with template syntax
    row = chat(("user", "Write the welcome mail."),
               ("assistant", "Hi {{customer_name}},\n\nrun this:\n\n```js\nconsole.log(`${apiKey}`)\n```\n\nand set `{{ env.TOKEN }}`."))
    path = tmp_path / "mail.jsonl"
    path.write_text(dump([row]), encoding="utf-8")
    report, _ = cli_json(path, "--select", "FT204")
    assert [(f["code"], f["message"]) for f in report["findings"]] == [("FT204", "contains the unfilled placeholder '{{customer_name}}'")]


def test_a_leaked_end_token_outside_code_is_still_an_error(tmp_path):
    assert "too subjective.</s> \nHow can you" in row_text("kto_en_demo.jsonl", 26, "/messages/1/content")
    assert (26, "FT202", "error", "/messages/1/content") in check_real(tmp_path, "kto_en_demo.jsonl")


def test_a_control_token_inside_a_fence_that_discusses_it_is_info(tmp_path):
    rows = [
        chat(("user", "How does ChatML separate turns?"),
             ("assistant", "Each turn is wrapped like this:\n\n```\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n```\n\nThe tokenizer maps them to single ids.")),
        chat(("user", "Which token ends a Llama 2 answer?"), ("assistant", "After `[/INST]` and the answer comes the end-of-sequence token `</s>`.")),
        # the same token in prose is a leak, even in a row that also has a fence
        chat(("user", "Show a loop."), ("assistant", "```python\nfor i in range(3):\n    print(i)\n```\nDone.<|endoftext|>")),
    ]
    path = tmp_path / "tokens.jsonl"
    path.write_text(dump(rows), encoding="utf-8")
    report, proc = cli_json(path, "--select", ",".join(TEXT_CODES))
    assert [(f["line"], f["code"], f["severity"], f["message"]) for f in report["findings"]] == [
        (1, "FT207", "info", "quotes the control token '<|im_start|>' in code"),
        (2, "FT207", "info", "quotes the control token '[/INST]' in code"),
        (3, "FT202", "error", "contains the control token '<|endoftext|>'"),
    ]
    assert proc.returncode == 1


def test_every_finding_on_the_real_files_is_labelled_and_none_is_false():
    spec = importlib.util.spec_from_file_location("real_count", REAL / "count.py")
    count = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(count)
    totals, unlabelled = count.count()
    assert unlabelled == []
    assert {key: n for key, n in totals.items()} == {("FT202", "tp"): 2, ("FT203", "tp"): 2, ("FT204", "tp"): 85}


def test_role_labels_in_code_or_lower_case_are_not_turns():
    rows = [
        chat(("user", "Pool config?"), ("assistant", "```ts\nconst pool = new Pool({\n  user: 'postgres',\n})\n```")),
        chat(("user", "Fields?"), ("assistant", "The form has two fields.\nuser: the login name\nrole: admin or not")),
        chat(("user", "Summarise."), ("assistant", "Sure.\n\nUser: what about refunds?\nAssistant: Within 30 days.")),
        chat(("user", "Write an interview with a chef."), ("assistant", "Human: What inspired you?\nAssistant: My grandmother.")),
    ]
    assert [(f.line, f.code) for f in lint_text(dump(rows), select=["FT203"])] == [(3, "FT203")]


# Text that holds none of the rules' trigger bytes ("<", "{", "[", ":"), but may hold fences,
# backticks, tildes and indentation, which alone must not start a scan for code.
TRIGGER_FREE = st.lists(
    st.one_of(st.sampled_from(["```", "~~~", "`", "    ", "\n", "\n\n", "User", "Human", "$", "%", "}", "|", "INST"]),
              st.characters(blacklist_characters="<{[:", blacklist_categories=("Cs",))),
    max_size=80,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(turns=st.lists(st.tuples(st.sampled_from(["system", "user", "assistant"]), TRIGGER_FREE), min_size=1, max_size=5))
def test_rows_without_trigger_bytes_give_no_findings_and_no_code_scan(monkeypatch, turns):
    calls = []
    monkeypatch.setattr(code_spans, "fence_blocks", lambda text: calls.append(text) or [])
    monkeypatch.setattr(code_spans, "code_at", lambda *args, **kwargs: calls.append(args) or None)
    findings = lint_text(dump([chat(*turns)]), select=TEXT_CODES)
    assert findings == [] and calls == []


def test_the_call_counter_sees_a_row_with_a_trigger(monkeypatch):
    """The counting above can fail: a row whose regex matches does ask where code is."""
    calls = []
    real = code_spans.code_at
    monkeypatch.setattr(code_spans, "code_at", lambda *args, **kwargs: calls.append(args) or real(*args, **kwargs))
    row = chat(("user", "Fetch?"), ("assistant", "```js\nfetch(`/api?key=${apiKey}`)\n```"))
    assert lint_text(dump([row]), select=TEXT_CODES) == [] and len(calls) == 1


def load_bench_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SEEDED = {
    "FT202": ["<|im_end|>", "<|endoftext|>", "</s>", "[INST]", "<|eot_id|>", "<start_of_turn>"],
    "FT203": ["\nUser: and the refund?", "\n\nAssistant: Sure.", "\nHuman: thanks", "\n### Response:"],
    "FT204": ["{{customer_name}}", "${product}", "[INSERT NAME]", "{first_name}", "<PLACEHOLDER>", "{{ order.id }}"],
}


def test_seeded_text_defects_are_all_found_next_to_code(tmp_path):
    """50 seeded defects per rule in bench rows (bench/generate.py), half of them in rows that also
    carry a fenced block full of template syntax and control tokens: every one is found, once."""
    generator = load_bench_generator()
    rng = random.Random(16)
    fence = "\n\n```js\nconst url = `${base}/{{ path }}`; // <|im_end|> [INST]\nconst user = {\n  User: 1,\n}\n```\n\n"
    rows, expected = [], []
    for code, defects in SEEDED.items():
        for index in range(50):
            row = generator.example(rng)
            answers = [m for m in row["messages"] if m["role"] == "assistant" and isinstance(m.get("content"), str)]
            if not answers or not row["messages"][-1].get("content"):
                row["messages"].append({"role": "assistant", "content": generator.sentence(rng, 12)})
                answers = [row["messages"][-1]]
            target = rng.choice(answers)
            words = target["content"].split(" ")
            at = rng.randrange(len(words) + 1)
            defect = rng.choice(defects)
            target["content"] = " ".join(words[:at] + [defect] + words[at:]) + (fence if index % 2 else "")
            rows.append(row)
            expected.append((len(rows), code))
    clean = [generator.example(rng) for _ in range(200)]
    path = tmp_path / "seeded.jsonl"
    path.write_text(dump(rows + clean), encoding="utf-8")
    report, _ = cli_json(path, "--select", "FT202,FT203,FT204")
    found = sorted({(f["line"], f["code"]) for f in report["findings"]})
    assert found == sorted(expected)
    for code in SEEDED:
        assert sum(1 for _, c in found if c == code) == 50


def test_carriage_returns_and_hostile_text_keep_fences_and_stay_fast(tmp_path):
    """Texts with CRLF or old-Mac line breaks keep their fences in the right place, and a long text
    full of unmatched backticks and operators is answered in linear time, placeholder found."""
    hostile = ("a `b " * 20000) + "{{customer_name}}" + (" x == y (" * 20000)
    rows = [
        chat(("user", "Fetch?"), ("assistant", "Like so:\r\n\r\n```js\r\nfetch(`/v1?key=${apiKey}`)\r\n```\r\nDear {{name}}")),
        chat(("user", "Fetch?"), ("assistant", "Like so:\r```js\rfetch(`/v1?key=${apiKey}`)\r```\rDone.")),
        chat(("user", "x"), ("assistant", hostile)),
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text(dump(rows), encoding="utf-8")
    report, _ = cli_json(path, "--select", "FT204")
    assert [(f["line"], f["message"]) for f in report["findings"]] == [
        (1, "contains the unfilled placeholder '{{name}}'"),
        (3, "contains the unfilled placeholder '{{customer_name}}'"),
    ]
    start = time.perf_counter()
    assert code_spans.code_at(hostile, hostile.index("{{"), hostile.index("}}") + 2) is None
    assert time.perf_counter() - start < 2


def test_fences_follow_commonmark():
    def kind(text, needle="${x}"):
        at = text.index(needle)
        return code_spans.code_at(text, at, at + len(needle), guess=False)

    assert kind("~~~\n${x}\n~~~\nafter") == code_spans.FENCED  # tildes
    assert kind("```python\n${x}\n```") == code_spans.FENCED  # an info string
    assert kind("````\n```\n${x}\n````") == code_spans.FENCED  # a shorter fence inside a longer one stays code
    assert kind("```\nnever closed\n${x}") == code_spans.FENCED  # an unclosed fence runs to the end
    assert kind("> ```\n> ${x}\n> ```") == code_spans.FENCED  # inside a quote
    assert kind("```\ncode\n```\n${x}") is None  # after the closing fence
    assert kind("~~~\ncode\n```\n${x}") == code_spans.FENCED  # ``` does not close ~~~
    assert kind("```js ``` ${x}") is None  # a backtick in the info string: not a fence (and no span around it)
    assert kind("run `echo ${x}` now") == code_spans.INLINE
    assert kind("``a ` ${x}``") == code_spans.INLINE  # two backticks close only on two
    assert kind("`open\n\n${x}` closed") is None  # a blank line ends the paragraph, and the span with it


def test_code_runs_need_three_code_lines():
    yaml = "Explain:\non:\n push:\n  url: ${{ github.repository }}\n"
    at = yaml.index("${{")
    assert code_spans.code_at(yaml, at, at + 3) == code_spans.UNFENCED
    assert code_spans.code_at(yaml, at, at + 3, guess=False) is None  # FT202's question: Markdown only
    prose = "Dear customer,\nyour order {{order_id}} ships today.\nThanks."
    at = prose.index("{{")
    assert code_spans.code_at(prose, at, at + 2) is None


def test_a_letter_with_a_placeholder_is_not_code():
    """Greeting lines end with commas and the placeholder ends with braces: neither makes a letter code."""
    letter = "Hi {{customer_name}},\n\nthanks for your order (no. 4411),\nwe ship it on Monday,\nregards,\nAda"
    assert [f.message for f in lint_text(dump([chat(("user", "Draft it."), ("assistant", letter))]), select=["FT204"])] == [
        "contains the unfilled placeholder '{{customer_name}}'"
    ]
