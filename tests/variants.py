"""Fuzzed rows of every format, and rows like a given row, for the memos' property tests.

The engine remembers verdicts per row shape (``linter.shape``) and the
detector its plan per key set (``linter.formats.Detector``); a variant has
the same keys and lists as its original and other leaves, so often the same
shape, with other contents: exactly what a memo must not miss.
"""

from __future__ import annotations

from hypothesis import strategies as st

LEAVES = st.sampled_from(["", "hi", "Be brief.", "[]", 5, 0, 1, 1.0, -0.0, 0.0, True, False, None])


def variant(value, data: st.DataObject):
    """The value with some leaves (strings, numbers, null) swapped for others."""
    if isinstance(value, dict):
        return {key: variant(item, data) for key, item in value.items()}
    if isinstance(value, list):
        return [variant(item, data) for item in value]
    return data.draw(LEAVES) if data.draw(st.booleans()) else value


# ---------------------------------------------------------------- rows of every format

SHORT = st.sampled_from(["", "hi", "Be brief."])
SOME_ROLES = st.sampled_from(["system", "developer", "user", "assistant", "tool", "human", "gpt", "model", ""])
PLAIN_MESSAGE = st.fixed_dictionaries({"role": SOME_ROLES, "content": SHORT | st.none()},
                                      optional={"weight": st.sampled_from([0, 1, 1.0, True]), "name": SHORT})
PLAIN_MESSAGES = st.lists(PLAIN_MESSAGE, max_size=4)
ODD = st.sampled_from([None, 5, True, [], {}, "[]", "{", [{"text": "x"}], [5]])
TURN = st.fixed_dictionaries({"from": st.sampled_from(["human", "gpt", "system", "function_call", "observation", "bot"]),
                              "value": SHORT | st.sampled_from(['{"name": "f", "arguments": {}}', "[]", "{", None, 3])})
V1_MESSAGE = st.fixed_dictionaries({"role": SOME_ROLES},
                                   optional={"content": SHORT | st.just([{"type": "text", "value": "hi"}]) | st.just([{"type": "x"}]),
                                             "loss_weight": st.sampled_from([0, 1, 1.0, "1", True, None])})


def _with(base: dict, extra: dict) -> dict:
    return {**base, **{k: v for k, v in extra.items() if v is not _ABSENT}}


_ABSENT = object()
MAYBE = st.just(_ABSENT)
OTHER_FORMATS = st.one_of(
    st.builds(lambda m, x: {"messages": m, **x}, PLAIN_MESSAGES, st.sampled_from([{}, {"tools": []}, {"source": "x"}])),  # OpenAI chat
    st.builds(lambda m, s: {"system": s, "messages": m}, PLAIN_MESSAGES, SHORT | ODD),  # Bedrock Claude (and not)
    st.builds(lambda m, s, v: _with({"messages": m}, {"system": s, "schemaVersion": v}),  # Bedrock Nova
              st.lists(st.fixed_dictionaries({"role": SOME_ROLES, "content": st.just([{"text": "hi"}]) | SHORT | ODD}), max_size=3),
              MAYBE | ODD | st.just([{"text": ""}]), MAYBE | st.sampled_from(["bedrock-conversation-2024", "v0", 3])),
    st.builds(lambda m, k, v: {"messages": m, k: v}, PLAIN_MESSAGES, st.sampled_from(["label", "kto_tag"]),  # KTO in messages
              st.sampled_from([True, False, "yes", 1, None])),
    st.builds(lambda m: {"messages": m}, st.lists(V1_MESSAGE, max_size=3)),  # LLaMA-Factory v1
    st.builds(lambda c, s, t, k: _with({"conversations": c}, {"system": s, "tools": t, "kto_tag": k}),  # ShareGPT (KTO)
              st.lists(TURN, max_size=4) | ODD, MAYBE | SHORT | ODD, MAYBE | ODD, MAYBE | st.sampled_from([True, "no"])),
    st.builds(lambda i, o: {"instruction": i, "input": "", "output": o}, SHORT | ODD, SHORT | ODD),  # Alpaca
    st.builds(lambda p, c: {"prompt": p, "completion": c}, SHORT | PLAIN_MESSAGES | ODD, SHORT | PLAIN_MESSAGES | ODD),  # TRL / legacy
    st.builds(lambda p, c, r: _with({"chosen": c, "rejected": r}, {"prompt": p}), MAYBE | SHORT | PLAIN_MESSAGES,
              SHORT | PLAIN_MESSAGES, SHORT | PLAIN_MESSAGES),  # TRL preference
    st.builds(lambda m, p: {"messages": m, "prompt": p}, PLAIN_MESSAGES, SHORT | PLAIN_MESSAGES),  # two formats in one row
    st.builds(lambda m, o: {"input": {"messages": m}, "preferred_output": o, "non_preferred_output": o}, PLAIN_MESSAGES,
              PLAIN_MESSAGES | ODD),  # OpenAI DPO
)
