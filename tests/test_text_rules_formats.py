"""FT202-FT207 read the conversation view: one rule serves every format and points into the source row.

Each test writes rows of one format to a real file, runs the real CLI under a
profile that accepts the format, and compares the text rules' findings with
the exact ``(line, code, pointer)`` set: every rule on a defect row, nothing
on a clean row of the same format. The secret of FT205 must never be echoed.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter.config import Settings
from linter.engine import Linter

from .conftest import dump, run_cli
from .test_screens import TEXT, encode
from .test_screens import findings as screened_findings

CODES = ("FT202", "FT203", "FT204", "FT205", "FT206", "FT207")
KEY = "AKIAIOSFODNN7EXAMPLE"
# one text per rule, each firing only its own rule
BAD = {
    "FT202": "Done.<|im_end|>",
    "FT203": "Sure.\nUser: thanks\nAssistant: you are welcome",
    "FT204": "Hi {{customer_name}}, it ships today.",
    "FT205": f"my key is {KEY}",
    "FT206": "write to ana.lopez@example.com",
    "FT207": "ChatML marks turns like this:\n```\n<|im_start|>user\nhi<|im_end|>\n```",
}
# clean texts that look close to the defects: code is not a placeholder, a quoted label in code is not a leak
GOOD = {
    "system": "You are a helpful assistant.",
    "user": "How do I greet a user by name in JavaScript?",
    "assistant": "Use a template string: `Hello ${name}`.\n```js\nconst user = {user: 'ana'};\nconsole.log(`Hi ${user.user}`);\n```",
}


def findings(tmp_path, profile: str, rows: list[dict]) -> set[tuple[int, str, str]]:
    """``(line, code, pointer)`` of the text rules' findings: the real CLI on a real file under ``profile``."""
    path = tmp_path / f"{profile}.jsonl"
    path.write_text(dump(rows), encoding="utf-8")
    proc = run_cli("check", "--profile", profile, "--select", ",".join(CODES), "--format", "json", str(path))
    assert proc.returncode in (0, 1), proc.stderr
    assert KEY not in proc.stdout + proc.stderr  # FT205 names the kind and a hash, never the secret
    return {(f["line"], f["code"], f["pointer"]) for f in json.loads(proc.stdout)["findings"]}


def messages(*texts: tuple[str, str]) -> list[dict]:
    return [{"role": role, "content": text} for role, text in texts]


def test_sharegpt_rows_point_at_their_turn_values(tmp_path):
    bad = {"system": BAD["FT204"], "conversations": [
        {"from": "human", "value": BAD["FT205"]}, {"from": "gpt", "value": BAD["FT203"]},
        {"from": "human", "value": BAD["FT206"]}, {"from": "gpt", "value": BAD["FT202"]},
        {"from": "human", "value": "And how is a turn marked?"}, {"from": "gpt", "value": BAD["FT207"]},
    ]}
    clean = {"system": GOOD["system"], "conversations": [{"from": "human", "value": GOOD["user"]}, {"from": "gpt", "value": GOOD["assistant"]}]}
    asked = {"conversations": [{"from": "human", "value": "Write a short script of a support call."}, {"from": "gpt", "value": BAD["FT203"]}]}
    pair = {"conversations": [{"from": "human", "value": "hi"}],
            "chosen": {"from": "gpt", "value": BAD["FT202"]}, "rejected": {"from": "gpt", "value": BAD["FT203"]}}
    assert findings(tmp_path, "llamafactory", [bad, clean, asked, pair]) == {
        (1, "FT204", "/system"), (1, "FT205", "/conversations/0/value"), (1, "FT203", "/conversations/1/value"),
        (1, "FT206", "/conversations/2/value"), (1, "FT202", "/conversations/3/value"), (1, "FT207", "/conversations/5/value"),
        (4, "FT202", "/chosen/value"), (4, "FT203", "/rejected/value"),
    }


def test_alpaca_rows_name_the_field(tmp_path):
    bad = {"system": BAD["FT206"], "history": [["What marks a turn?", BAD["FT207"]]],
           "instruction": BAD["FT204"], "input": BAD["FT205"], "output": BAD["FT202"] + "\n" + BAD["FT203"]}
    clean = {"system": GOOD["system"], "instruction": GOOD["user"], "input": "", "output": GOOD["assistant"]}
    # the instruction asks for a dialogue and the input holds the summary: labelled lines are what was asked for
    asked = {"instruction": "Write a dialogue based on this summary.", "input": "A customer thanks support.", "output": BAD["FT203"]}
    assert findings(tmp_path, "axolotl", [bad, clean, asked]) == {
        (1, "FT206", "/system"), (1, "FT207", "/history/0/1"), (1, "FT204", "/instruction"), (1, "FT205", "/input"),
        (1, "FT202", "/output"), (1, "FT203", "/output"),
    }


def test_trl_conversational_preference_points_into_prompt_chosen_and_rejected(tmp_path):
    bad = {"prompt": messages(("system", BAD["FT206"]), ("user", BAD["FT205"])),
           "chosen": messages(("assistant", BAD["FT204"])), "rejected": messages(("assistant", BAD["FT203"]))}
    tokens = {"prompt": messages(("user", "How does ChatML mark turns?")),
              "chosen": messages(("assistant", BAD["FT207"])), "rejected": messages(("assistant", BAD["FT202"]))}
    clean = {"prompt": messages(("system", GOOD["system"]), ("user", GOOD["user"])),
             "chosen": messages(("assistant", GOOD["assistant"])), "rejected": messages(("assistant", "I do not know."))}
    # both answers reply to the prompt's request for a dialogue, the rejected one too
    asked = {"prompt": messages(("user", "Write a dialogue between a user and an assistant.")),
             "chosen": messages(("assistant", BAD["FT203"])), "rejected": messages(("assistant", "Assistant: hello\nUser: bye"))}
    assert findings(tmp_path, "trl", [bad, tokens, clean, asked]) == {
        (1, "FT206", "/prompt/0/content"), (1, "FT205", "/prompt/1/content"), (1, "FT204", "/chosen/0/content"),
        (1, "FT203", "/rejected/0/content"), (2, "FT207", "/chosen/0/content"), (2, "FT202", "/rejected/0/content"),
    }


def test_trl_prompt_completion_and_stepwise_rows(tmp_path):
    rows = [
        {"prompt": messages(("user", "hi")), "completion": messages(("assistant", BAD["FT203"]))},
        {"prompt": "The sky is", "completion": " blue " + BAD["FT204"]},
        {"prompt": "Solve 2+2.", "completions": ["Two plus two.", BAD["FT202"]], "labels": [True, False]},
        {"prompt": messages(("user", GOOD["user"])), "completion": messages(("assistant", GOOD["assistant"]))},
        {"prompt": messages(("user", "hi")), "completion": messages(("assistant", BAD["FT205"])), "label": False},
        # a language-modeling document is trained as written: its template tokens and labels are meant, its placeholder is not
        {"text": "<s>[INST] Greet me [/INST] Hello {{name}}!\nUser: thanks</s>"},
    ]
    assert findings(tmp_path, "trl", rows) == {
        (1, "FT203", "/completion/0/content"), (2, "FT204", "/completion"), (3, "FT202", "/completions/1"), (5, "FT205", "/completion/0/content"),
        (6, "FT204", "/text"),
    }


def test_openai_dpo_rows_point_into_input_and_both_outputs(tmp_path):
    bad = {"input": {"messages": messages(("system", BAD["FT206"]), ("user", BAD["FT205"]))},
           "preferred_output": messages(("assistant", BAD["FT204"])), "non_preferred_output": messages(("assistant", BAD["FT203"]))}
    tokens = {"input": {"messages": messages(("user", "How does ChatML mark turns?"))},
              "preferred_output": messages(("assistant", BAD["FT207"])), "non_preferred_output": messages(("assistant", BAD["FT202"]))}
    clean = {"input": {"messages": messages(("system", GOOD["system"]), ("user", GOOD["user"]))},
             "preferred_output": messages(("assistant", GOOD["assistant"])), "non_preferred_output": messages(("assistant", "No idea."))}
    asked = {"input": {"messages": messages(("user", "Write a short conversation about thanks."))},
             "preferred_output": messages(("assistant", BAD["FT203"])), "non_preferred_output": messages(("assistant", "User: hi"))}
    assert findings(tmp_path, "openai-dpo", [bad, tokens, clean, asked]) == {
        (1, "FT206", "/input/messages/0/content"), (1, "FT205", "/input/messages/1/content"), (1, "FT204", "/preferred_output/0/content"),
        (1, "FT203", "/non_preferred_output/0/content"), (2, "FT207", "/preferred_output/0/content"),
        (2, "FT202", "/non_preferred_output/0/content"),
    }


def test_bedrock_claude_and_nova_rows_point_at_system_and_content_blocks(tmp_path):
    claude = {"system": BAD["FT204"], "messages": messages(
        ("user", BAD["FT205"]), ("assistant", BAD["FT203"]), ("user", BAD["FT206"]), ("assistant", BAD["FT202"]),
        ("user", "And in ChatML?"), ("assistant", BAD["FT207"]))}
    nova = {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": BAD["FT206"]}], "messages": [
        {"role": "user", "content": [{"text": "hi"}, {"text": BAD["FT205"]}]}, {"role": "assistant", "content": [{"text": BAD["FT203"]}]}]}
    clean_claude = {"system": GOOD["system"], "messages": messages(("user", GOOD["user"]), ("assistant", GOOD["assistant"]))}
    clean_nova = {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": GOOD["system"]}], "messages": [
        {"role": "user", "content": [{"text": GOOD["user"]}]}, {"role": "assistant", "content": [{"text": GOOD["assistant"]}]}]}
    assert findings(tmp_path, "bedrock", [claude, nova, clean_claude, clean_nova]) == {
        (1, "FT204", "/system"), (1, "FT205", "/messages/0/content"), (1, "FT203", "/messages/1/content"),
        (1, "FT206", "/messages/2/content"), (1, "FT202", "/messages/3/content"), (1, "FT207", "/messages/5/content"),
        (2, "FT206", "/system/0/text"), (2, "FT205", "/messages/0/content/1/text"), (2, "FT203", "/messages/1/content/0/text"),
    }


def test_legacy_prompt_transcripts_are_the_format_but_a_completion_that_continues_one_leaks(tmp_path):
    rows = [
        {"prompt": "User: my order is late\nAssistant:", "completion": " Sorry about that.\nUser: thanks\nAssistant:"},
        {"prompt": "Customer: hi {{name}}\nAgent:", "completion": " Hello!<|endoftext|>"},
        {"prompt": "User: where is my parcel?\nAssistant:", "completion": " It ships today. END"},
    ]
    assert findings(tmp_path, "openai-legacy", rows) == {
        (1, "FT203", "/completion"), (2, "FT204", "/prompt"), (2, "FT202", "/completion"),
    }


def test_openai_chat_pointers_are_unchanged(tmp_path):
    row = {"messages": messages(("system", BAD["FT206"]), ("user", BAD["FT205"]), ("assistant", BAD["FT202"]))
           + [{"role": "user", "content": [{"type": "text", "text": "ChatML?"}]},
              {"role": "assistant", "content": [{"type": "text", "text": BAD["FT204"]}, {"type": "text", "text": BAD["FT203"]}]}]}
    clean = {"messages": messages(("system", GOOD["system"]), ("user", GOOD["user"]), ("assistant", GOOD["assistant"]))}
    assert findings(tmp_path, "openai-sft", [row, clean]) == {
        (1, "FT206", "/messages/0/content"), (1, "FT205", "/messages/1/content"), (1, "FT202", "/messages/2/content"),
        (1, "FT204", "/messages/4/content/0/text"), (1, "FT203", "/messages/4/content/1/text"),
    }


def test_wrong_types_in_every_format_give_no_text_finding_and_no_crash(tmp_path):
    """Hostile fields are the adapters' findings (FT120, FT4xx); the text rules skip what is not text and never crash (FT000)."""
    rows = {
        "llamafactory": [{"conversations": [{"from": "human", "value": 3}, {"from": 7, "value": BAD["FT202"]}, "turn", None]},
                         {"conversations": "hi", "system": ["x"]}, {"instruction": ["a"], "input": {"b": 1}, "output": None, "history": [[1, 2], "x"]},
                         {"conversations": [{"from": "human", "value": "q"}], "chosen": [1], "rejected": {"from": "gpt", "value": [{"type": "text", "value": BAD["FT204"]}]}}],
        "trl": [{"prompt": [{"role": "user", "content": {"text": "x"}}], "chosen": "a", "rejected": [None]},
                {"prompt": 5, "completions": [1, BAD["FT202"]], "labels": "yes"}, {"text": ["not", "text"]}],
        "openai-dpo": [{"input": "x", "preferred_output": {"role": "assistant"}, "non_preferred_output": [{"role": "assistant", "content": [1, {"text": 2}]}]}],
        "bedrock": [{"system": "", "messages": [{"role": "user", "content": None}]},
                    {"schemaVersion": 2024, "system": [{"text": 1}, "x"], "messages": [{"role": "assistant", "content": [{"text": BAD["FT203"]}, {"image": {}}]}]}],
    }
    for profile, hostile in rows.items():
        path = tmp_path / f"{profile}.jsonl"
        path.write_text(dump(hostile), encoding="utf-8")
        proc = run_cli("check", "--profile", profile, "--select", ",".join(CODES) + ",FT000", "--format", "json", str(path))
        assert proc.returncode in (0, 1), proc.stderr
        found = {(f["line"], f["code"], f["pointer"]) for f in json.loads(proc.stdout)["findings"]}
        assert not any(code == "FT000" for _, code, _ in found), found
        expected = {
            "llamafactory": {(1, "FT202", "/conversations/1/value"), (4, "FT204", "/rejected/value/0/value")},
            "trl": {(2, "FT202", "/completions/1")},
            "openai-dpo": set(),
            "bedrock": {(2, "FT203", "/messages/0/content/0/text")},
        }[profile]
        assert found == expected, (profile, found)


# --- screens: FT205 is proved silent on the raw line; the view's texts are strings of that line in every format

SHAREGPT_TURN = st.fixed_dictionaries({"from": st.sampled_from(["human", "gpt", "system", "observation", "function_call"]), "value": TEXT})
FORMAT_ROW = (
    st.builds(lambda system, turns: {"system": system, "conversations": turns}, TEXT, st.lists(SHAREGPT_TURN, max_size=4))
    | st.builds(lambda i, x, o, h: {"instruction": i, "input": x, "output": o, "history": [h]}, TEXT, TEXT, TEXT, st.lists(TEXT, min_size=2, max_size=2))
    | st.builds(lambda p, c, r: {"prompt": [{"role": "user", "content": p}], "chosen": [{"role": "assistant", "content": c}],
                                 "rejected": [{"role": "assistant", "content": r}]}, TEXT, TEXT, TEXT)
    | st.builds(lambda p, c: {"prompt": p, "completion": c}, TEXT, TEXT)
    | st.builds(lambda s, u, a: {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": s}],
                                 "messages": [{"role": "user", "content": [{"text": u}]}, {"role": "assistant", "content": [{"text": a}]}]},
                TEXT, TEXT, TEXT)
    | st.builds(lambda s, a: {"system": s, "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": a}]}, TEXT, TEXT)
)
FORMAT_LINTERS = {profile: Linter(Settings(profile=profile, token_stats=False, extend_select=["FT205", "FT206"]))
                  for profile in ("llamafactory", "trl", "bedrock")}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(FORMAT_ROW, min_size=1, max_size=4),
       style=st.sampled_from(["plain", "ascii", "compact", "orjson", "slashes", "escaped"]),
       profile=st.sampled_from(sorted(FORMAT_LINTERS)))
def test_screens_change_no_text_finding_in_any_format(rows, style, profile):
    text = "".join(encode(row, style) + "\n" for row in rows)
    linter = FORMAT_LINTERS[profile]
    assert screened_findings(linter, text, True) == screened_findings(linter, text, False)


def test_the_fuzzed_formats_make_the_secret_rule_fire():
    """The property above is worth something only if FT205 fires on such rows in each format."""
    row = {"conversations": [{"from": "human", "value": "x AKIAIOSFODNN7EXAMPLE"}]}
    pair = {"prompt": [{"role": "user", "content": "hi"}], "chosen": [{"role": "assistant", "content": "ghp_" + "a" * 36}],
            "rejected": [{"role": "assistant", "content": "no"}]}
    nova = {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "-----BEGIN PRIVATE KEY-----\nabc"}],
            "messages": [{"role": "user", "content": [{"text": "hi"}]}, {"role": "assistant", "content": [{"text": "ok"}]}]}
    for profile, value, where in (("llamafactory", row, "/conversations/0/value"), ("trl", pair, "/chosen/0/content"),
                                  ("bedrock", nova, "/system/0/text")):
        found = screened_findings(FORMAT_LINTERS[profile], encode(value, "plain") + "\n", True)
        assert ("FT205", where) in {(code, pointer) for _, code, pointer, _ in found}, (profile, found)


def line_codes(path, profile: str) -> set[tuple[int, str]]:
    proc = run_cli("check", "--profile", profile, "--select", "FT202,FT203,FT204,FT207", "--format", "json", str(path))
    assert proc.returncode in (0, 1), proc.stderr
    return {(f["line"], f["code"]) for f in json.loads(proc.stdout)["findings"]}


def test_real_rows_give_the_same_findings_in_every_format_they_convert_to(tmp_path):
    """The hand-labelled real rows (tests/data/real) converted by ``ftlint convert``: one rule, the same verdicts."""
    real = Path(__file__).parent / "data" / "real"
    for name, source_profile, targets in (
        ("identity.jsonl", "openai-sft", (("sharegpt", "llamafactory"), ("alpaca", "axolotl"))),
        ("kto_en_demo.jsonl", "openai-sft", (("sharegpt", "llamafactory"), ("alpaca", "axolotl"))),
        ("orca_dpo_validation.jsonl", "openai-dpo", (("trl", "trl"),)),
    ):
        expected = line_codes(real / name, source_profile)
        assert expected  # each file holds labelled true positives (FT204 x85; FT202 x2 and FT203; FT203)
        for target, profile in targets:
            out = tmp_path / f"{target}-{name}"
            proc = run_cli("convert", "--to", target, "-o", str(out), str(real / name))
            assert proc.returncode == 0, proc.stderr
            assert len(out.read_text(encoding="utf-8").splitlines()) == len((real / name).read_text(encoding="utf-8").splitlines())
            assert line_codes(out, profile) == expected, (name, target)
