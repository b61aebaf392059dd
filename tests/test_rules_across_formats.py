"""One conversation, every format: the rules that judge a conversation fire alike on each.

Each case is a conversation (a list of ``(role, text)`` turns, optionally two rows of
them) written by a renderer into OpenAI chat, ShareGPT, Alpaca, TRL, Bedrock Claude
and LLaMA-Factory v1 rows, into a real file, and linted by the real CLI under a
profile that accepts the format. The same rule codes must fire on every format that
can state the defect, each pointing at the turn in *that* format's row
(``/conversations/1/value``, ``/output``, ``/completion/0/content``).
Preference cases do the same for OpenAI DPO, TRL, ShareGPT, Alpaca and v1 pairs.
"""

from __future__ import annotations

import json

import pytest

from .conftest import dump, run_cli

SYSTEM, USER, ASSISTANT = "system", "user", "assistant"
SHAREGPT_TAG = {SYSTEM: "system", USER: "human", ASSISTANT: "gpt"}


# ------------------------------------------------------------------ renderers: (row, pointer of turn i's text)

def openai(turns):
    return {"messages": [{"role": r, "content": t} for r, t in turns]}, lambda i: f"/messages/{i}/content"


def sharegpt(turns):
    offset = 1 if turns and turns[0][0] == SYSTEM else 0
    row = {"conversations": [{"from": SHAREGPT_TAG[r], "value": t} for r, t in turns[offset:]]}
    if offset:
        row = {"system": turns[0][1], **row}
    return row, lambda i: "/system" if i < offset else f"/conversations/{i - offset}/value"


def alpaca(turns):
    """Alpaca holds a system prompt, user/assistant history pairs, and one instruction with its output."""
    offset = 1 if turns and turns[0][0] == SYSTEM else 0
    body = turns[offset:]
    if len(body) % 2 or any(r != (USER, ASSISTANT)[k % 2] for k, (r, _) in enumerate(body)):
        return None
    row = {"system": turns[0][1]} if offset else {}
    pairs = [[body[k][1], body[k + 1][1]] for k in range(0, len(body) - 2, 2)]
    if pairs:
        row["history"] = pairs
    row.update(instruction=body[-2][1], input="", output=body[-1][1])
    last = len(turns) - 1

    def where(i):
        if i < offset:
            return "/system"
        if i == last:
            return "/output"
        if i == last - 1:
            return "/instruction"
        k = i - offset
        return f"/history/{k // 2}/{k % 2}"
    return row, where


def trl(turns):
    """TRL conversational prompt-completion: the trailing assistant turn is the completion."""
    if not turns or turns[-1][0] != ASSISTANT:
        return None
    head = len(turns) - 1
    row = {"prompt": [{"role": r, "content": t} for r, t in turns[:head]], "completion": [{"role": ASSISTANT, "content": turns[-1][1]}]}
    return row, lambda i: f"/prompt/{i}/content" if i < head else "/completion/0/content"


def bedrock(turns):
    offset = 1 if turns and turns[0][0] == SYSTEM else 0
    if any(r == SYSTEM for r, _ in turns[offset:]):
        return None  # Bedrock has no system role inside messages
    row = {"system": turns[0][1] if offset else "", "messages": [{"role": r, "content": t} for r, t in turns[offset:]]}
    return row, lambda i: "/system" if i < offset else f"/messages/{i - offset}/content"


def v1(turns):
    row = {"messages": [{"role": r, "content": [{"type": "text", "value": t}]} for r, t in turns]}
    return row, lambda i: f"/messages/{i}/content/0/value"


FORMATS = {  # renderer, a profile that accepts the format
    "openai-chat": (openai, "openai-sft"),
    "sharegpt": (sharegpt, "llamafactory"),
    "alpaca": (alpaca, "llamafactory"),
    "trl": (trl, "trl"),
    "bedrock-claude": (bedrock, "bedrock"),
    "llamafactory-v1": (v1, "llamafactory"),
}

HELLO = [(USER, "What is 2+2?"), (ASSISTANT, "4")]

# rule, rows (each a conversation), expected findings as (row index, turn index or None for the row) -> the pointer
# is the format's own; None means a finding about the whole row, whose pointer is the format's turn list
CASES = {
    "FT200 empty answer": ("FT200", [[(USER, "Hi"), (ASSISTANT, " ")]], [(0, 1)]),
    "FT201 padded question": ("FT201", [[(USER, " Hi"), (ASSISTANT, "Hello")]], [(0, 0)]),
    "FT112 no assistant turn": ("FT112", [[(SYSTEM, "Be brief."), (USER, "Hi")]], [(0, None)]),
    "FT116 no user turn": ("FT116", [[(SYSTEM, "Be brief."), (ASSISTANT, "Hello")]], [(0, None)]),
    "FT405 same prompt, other answer": ("FT405", [HELLO, [HELLO[0], (ASSISTANT, "5")]], [(1, "line")]),
    "FT403 exact duplicate": ("FT403", [HELLO, HELLO], [(1, "line")]),
    "FT204 placeholder in the system prompt": ("FT204", [[(SYSTEM, "Greet {{name}}."), *HELLO]], [(0, 0)]),
    "FT202 control token in the answer": ("FT202", [[HELLO[0], (ASSISTANT, "4<|im_end|>")]], [(0, 1)]),
}
# where a format cannot hold a case's conversation, or its profile does not judge it; the reason is the audit's
CANNOT = {
    ("FT112 no assistant turn", "alpaca"): "Alpaca's output is the assistant turn (a row without it is FT120)",
    ("FT116 no user turn", "alpaca"): "Alpaca always has an instruction (a user turn)",
    ("FT116 no user turn", "trl"): "TRL's prompt-completion needs a prompt",
    ("FT116 no user turn", "bedrock-claude"): "(written, then FT121 first-role; FT116 fires too)",
}


# where a rule points at the whole content rather than its one text part: v1 content is a list of parts
POINTED_AT = {("FT200", "llamafactory-v1"): lambda i: f"/messages/{i}/content"}


def _lint(tmp_path, name, profile, rows, code):
    path = tmp_path / f"{name}.jsonl"
    path.write_text(dump(rows), encoding="utf-8")
    proc = run_cli("check", "--profile", profile, "--select", code, "--no-token-stats", "--format", "json", str(path))
    assert proc.returncode in (0, 1), proc.stderr
    return sorted((f["line"], f["pointer"]) for f in json.loads(proc.stdout)["findings"] if f["code"] == code)


def _turn_list(where: str) -> str:
    """The pointer of the list holding a turn (what a whole-conversation finding points at)."""
    parts = where.split("/")
    return "/".join(parts[:2]) if parts[1] in ("messages", "conversations", "prompt") else ""


@pytest.mark.parametrize("format_name", FORMATS)
@pytest.mark.parametrize("case", CASES)
def test_rule_fires_alike_in_every_format(tmp_path, case, format_name):
    code, conversations, expected = CASES[case]
    render, profile = FORMATS[format_name]
    rendered = [render(turns) for turns in conversations]
    if any(r is None for r in rendered) or (case, format_name) in CANNOT and "written" not in CANNOT[(case, format_name)]:
        pytest.skip(CANNOT.get((case, format_name), f"{format_name} cannot hold this conversation"))
    rows = [row for row, _ in rendered]
    want = []
    for row_index, turn in expected:
        where = rendered[row_index][1]
        if turn == "line":
            want.append((row_index + 1, ""))
        elif turn is None:
            want.append((row_index + 1, _turn_list(where(len(conversations[row_index]) - 1))))
        else:
            want.append((row_index + 1, POINTED_AT.get((code, format_name), where)(turn)))
    assert _lint(tmp_path, format_name, profile, rows, code) == sorted(want)


# ------------------------------------------------------------------ preference pairs

def dpo(prompt, chosen, rejected):
    return {"input": {"messages": [{"role": r, "content": t} for r, t in prompt]},
            "preferred_output": [{"role": ASSISTANT, "content": chosen}],
            "non_preferred_output": [{"role": ASSISTANT, "content": rejected}]}, "/non_preferred_output", "/input/messages/{}/role"


def trl_pair(prompt, chosen, rejected):
    return {"prompt": [{"role": r, "content": t} for r, t in prompt], "chosen": [{"role": ASSISTANT, "content": chosen}],
            "rejected": [{"role": ASSISTANT, "content": rejected}]}, "/rejected", "/prompt/{}/role"


def sharegpt_pair(prompt, chosen, rejected):
    return {"conversations": [{"from": SHAREGPT_TAG[r], "value": t} for r, t in prompt],
            "chosen": {"from": "gpt", "value": chosen}, "rejected": {"from": "gpt", "value": rejected}}, "/rejected", "/conversations/{}/from"


def alpaca_pair(prompt, chosen, rejected):
    if len(prompt) != 1:
        return None
    return {"instruction": prompt[0][1], "input": "", "chosen": chosen, "rejected": rejected}, "/rejected", None


def v1_pair(prompt, chosen, rejected):
    def messages(answer):
        return [{"role": r, "content": [{"type": "text", "value": t}]} for r, t in [*prompt, (ASSISTANT, answer)]]
    return {"chosen_messages": messages(chosen), "rejected_messages": messages(rejected)}, "/rejected_messages", None


PAIRS = {  # renderer, a profile that accepts it
    "openai-dpo": (dpo, "openai-dpo"),
    "trl-preference": (trl_pair, "trl"),
    "sharegpt-preference": (sharegpt_pair, "llamafactory"),
    "alpaca-preference": (alpaca_pair, "llamafactory"),
    "llamafactory-v1": (v1_pair, "llamafactory"),
}


@pytest.mark.parametrize("format_name", PAIRS)
def test_identical_pair_fires_ft603_in_every_preference_format(tmp_path, format_name):
    render, profile = PAIRS[format_name]
    row, rejected, _ = render([(USER, "Capital of France?")], "Paris.", "Paris.")
    good, _, _ = render([(USER, "Capital of France?")], "Paris.", "Lyon?")
    assert _lint(tmp_path, format_name, profile, [row, good], "FT603") == [(1, rejected)]


@pytest.mark.parametrize("format_name", PAIRS)
def test_prompt_ending_with_the_assistant_fires_ft604(tmp_path, format_name):
    render, profile = PAIRS[format_name]
    rendered = render([(USER, "Capital of France?"), (ASSISTANT, "Let me think.")], "Paris.", "Lyon?")
    if rendered is None or rendered[2] is None:
        pytest.skip(f"{format_name} cannot hold a prompt ending with an assistant turn (its prompt is one user turn, "
                    "or the pair shares every turn)")
    row, _, role = rendered
    assert _lint(tmp_path, format_name, profile, [row], "FT604") == [(1, role.format(1))]


# where each pair format holds the prompt's first text and the rejected answer's text (FT200 points at a v1 turn's
# whole content list, FT201 at the text part that is padded)
PAIR_TEXTS = {
    "openai-dpo": ("/input/messages/0/content", "/non_preferred_output/0/content"),
    "trl-preference": ("/prompt/0/content", "/rejected/0/content"),
    "sharegpt-preference": ("/conversations/0/value", "/rejected/value"),
    "alpaca-preference": ("/instruction", "/rejected"),
    "llamafactory-v1": ("/chosen_messages/0/content/0/value", "/rejected_messages/1/content"),
}


@pytest.mark.parametrize("format_name", PAIRS)
def test_a_padded_prompt_and_a_blank_answer_fire_ft201_and_ft200_in_every_preference_format(tmp_path, format_name):
    """Clean-clone trial: an OpenAI DPO row got neither (FT200 and FT201 declared only chat and the adapted kinds), while
    the same text as a TRL pair got both."""
    render, profile = PAIRS[format_name]
    row, _, _ = render([(USER, "hi   ")], "Hello!", "   ")
    good, _, _ = render([(USER, "hi")], "Hello!", "Go away.")
    prompt, rejected = PAIR_TEXTS[format_name]
    assert _lint(tmp_path, format_name, profile, [row, good], "FT201") == [(1, prompt)]
    assert _lint(tmp_path, format_name, profile, [row, good], "FT200") == [(1, rejected)]
