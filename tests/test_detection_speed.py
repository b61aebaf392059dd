"""Classification planned per key set (``Detector.classify``) gives every row the adapter and kind
the plain rule gives: ask every adapter, the highest score wins, ties go to the adapter registered
first, then the winner's ``kind_of``; a plugin adapter whose ``detect`` raises counts as not
recognising the row and is reported on that row. Fuzzed rows of every format go through one
detector (so plans are reused across rows of a key set, in any order) and are checked row by row
against that rule, written here without any plan."""

from __future__ import annotations

import collections

from hypothesis import HealthCheck, example, given, settings, strategies as st

from linter import schema
from linter.formats import BUILTIN_FORMATS, Detector
from linter.formats.base import Format
from linter.formats.llamafactory import _is_v1
from linter.formats.openai import OpenAIChat

from .house_format import TALK, lint_with_house_format
from .variants import OTHER_FORMATS, variant

# ---------------------------------------------------------------- the plain rule


def plain_rule(formats: tuple, value, chat_kind: str, default_kind: str) -> tuple:
    """``(winner or None, adapter that reads the row, kind, the last adapter whose detect raised or None)``:
    every adapter asked."""

    def reader_of(kind: str):
        kind = "chat" if kind == "rft" else kind
        return next((adapter for adapter in formats if adapter.kind == kind), None)

    if not isinstance(value, dict):
        return None, reader_of(schema.NON_OBJECT), schema.NON_OBJECT, None
    best, score, failed = None, 0, None
    for adapter in formats:
        try:
            found = adapter.detect(value)
        except Exception:  # noqa: BLE001 - the rule: a raising adapter does not recognise the row
            failed = adapter
            continue
        if isinstance(found, int) and found > score:  # strictly higher: a tie keeps the first registered
            best, score = adapter, found
    if best is None:
        return None, reader_of(default_kind), default_kind, failed
    return best, best, best.kind_of(value, chat_kind), failed


# ---------------------------------------------------------------- plugin adapters with every quirk


class Flaky(Format):
    """Raises on some rows, ties OpenAI chat on others (5), returns odd types on others; declares nothing."""

    name, kind, description = "flaky", "chat", "a plugin whose detect has bugs"

    def detect(self, value):
        messages = value.get("messages")
        if "boom" in value or (isinstance(messages, list) and len(messages) == 3):
            raise RuntimeError("boom")
        if isinstance(messages, list) and len(messages) == 2:
            return 5  # OpenAI chat's score: registered later, so it never wins the tie
        if isinstance(messages, list) and len(messages) == 1:
            return {0: 7.5, 1: "9", 2: True, 3: 11}[len(value) % 4]  # only ints (and bools) are scores
        return 0


class Robots(Format):
    """A ShareGPT dialect whose kind depends on the row (it overrides ``kind_of``)."""

    name, kind, description = "robots", "sharegpt", "conversations with robot speakers"
    triggers = frozenset({"conversations"})

    def detect(self, value):
        turns = value.get("conversations")
        first = turns[0] if isinstance(turns, list) and turns and isinstance(turns[0], dict) else {}
        return {"bot": 7, "robot": 8}.get(first.get("from"), 0)  # 7 ties ShareGPT, 8 ties its preference

    def kind_of(self, value, chat_kind):
        return "sharegpt" if len(value) % 2 else chat_kind


class BadHint(Format):
    """Its ``kind_of_keys`` raises: it costs speed, never an answer."""

    name, kind, description = "bad-hint", "alpaca", "alpaca rows with a hint"
    triggers = frozenset({"instruction"})

    def detect(self, value):
        if "instruction" not in value:
            return 0  # what its triggers declare
        return 9 if value.get("input") == "hint" else 6  # 6 ties Alpaca

    def kind_of_keys(self, keys, chat_kind):
        raise KeyError("hint")


class LongChats(OpenAIChat):
    """A subclass of a built-in that overrides ``kind_of`` but not the hint it inherits: the hint is stale, not trusted."""

    name, description = "long-chats", "OpenAI chat rows of four messages, judged by their id"
    detect_reads = None

    def detect(self, value):
        messages = value.get("messages")
        return 6 if isinstance(messages, list) and len(messages) == 4 else 0

    def kind_of(self, value, chat_kind):
        return "sharegpt" if "id" in value else chat_kind


PLUGINS = (Flaky(), Robots(), BadHint(), LongChats())
FORMATS = BUILTIN_FORMATS + PLUGINS

# ---------------------------------------------------------------- rows

SHORT = st.sampled_from(["", "hi", "Be brief.", "loss_weight", "value"])
ROLE = st.sampled_from(["system", "developer", "user", "assistant", "tool", "human", ""])
ODD = st.sampled_from([None, 5, 2.5, True, "loss_weight", "[]", [], {}, ["loss_weight"], [{"value": "x"}], [5]])


class Shouting(dict):
    """A message object (not from JSON) that says it holds every key: read through its own methods."""

    def __contains__(self, key):
        return True


PART = st.sampled_from([{"type": "text", "value": "hi"}, {"type": "text", "text": "hi"}, {"type": "text", "value": "hi", "text": "hi"},
                        {"value": 1}, {}, "value", 5])
CONTENT = SHORT | st.none() | ODD | st.lists(PART, max_size=2)
MESSAGE = st.fixed_dictionaries({"role": ROLE}, optional={"content": CONTENT, "loss_weight": st.sampled_from([0, 1.0, None]),
                                                          "weight": st.sampled_from([0, 1])})
TEXT_MESSAGE = st.fixed_dictionaries({"role": ROLE, "content": SHORT})
ANY_MESSAGE = MESSAGE | MESSAGE.map(Shouting) | ODD
MESSAGES = st.lists(ANY_MESSAGE, max_size=6)  # v1's marks may sit past the first four messages
GRADER = st.sampled_from(["reference_answer", "expected", "grader", "id", "metadata", "tools", "label", "kto_tag", "system", "prompt"])
RFT_LIKE = st.builds(lambda m, last, extra: {"messages": [*m, {"role": last, "content": "q"}], **extra},
                     st.lists(ANY_MESSAGE, max_size=3), st.sampled_from(["user", "developer", "assistant"]),
                     st.dictionaries(GRADER, SHORT | ODD, max_size=3))
MESSAGES_ROWS = st.builds(lambda m, extra: {"messages": m, **extra}, MESSAGES | ODD | st.lists(TEXT_MESSAGE, min_size=4, max_size=4),
                          st.dictionaries(GRADER, SHORT | ODD, max_size=2))
EXTRA_ROWS = st.one_of(
    RFT_LIKE, MESSAGES_ROWS,
    st.builds(lambda c, m: {"chosen_messages": c, "rejected_messages": m}, MESSAGES, MESSAGES),  # v1 preference
    st.builds(lambda t, x: {"conversations": [{"from": t, "value": "hi"}], **x}, st.sampled_from(["human", "bot", "robot"]),
              st.sampled_from([{}, {"chosen": "a"}, {"rejected": "b", "id": 1}])),
    st.builds(lambda i, x: {"instruction": "do", "input": i, "output": "ok", **x}, SHORT | st.just("hint"),
              st.sampled_from([{}, {"boom": 1}, {"messages": []}])),
    st.builds(lambda p, c, r: {"prompt": p, "chosen": c, "rejected": r}, SHORT | MESSAGES, SHORT | MESSAGES, SHORT),
    st.dictionaries(st.sampled_from(["text", "prompt", "completion", "label", "input", "preferred_output", "weird"]), SHORT | ODD, max_size=3),
    ODD,  # not an object at all
)
ROWS = OTHER_FORMATS | EXTRA_ROWS


def reordered(value, data: st.DataObject):
    """The same row with its keys in another order: another key tuple, the same answer."""
    if not isinstance(value, dict):
        return value
    return dict(data.draw(st.permutations(list(value.items()))))


TARGETS = st.tuples(st.sampled_from(["chat", "rft", "preference"]), st.sampled_from(["chat", "preference", "rft", "completion"]))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(ROWS, min_size=1, max_size=5), st.lists(TARGETS, min_size=1, max_size=2), st.data())
def test_classification_is_the_plain_rule_on_every_row(rows, targets, data):
    detector = Detector(FORMATS)
    corpus = data.draw(st.permutations(rows + [variant(row, data) for row in rows for _ in range(2)]
                                       + [reordered(row, data) for row in rows]))
    for chat_kind, default_kind in targets:  # a second target replans: its kinds differ
        for value in corpus:
            winner, reader, kind, failed = plain_rule(FORMATS, value, chat_kind, default_kind)
            assert detector.classify(value, chat_kind, default_kind) == (reader, kind), value
            assert (detector.failure[0] if detector.failure is not None else None) is failed, value
            detector.failure = None  # as the engine does once it has reported it
            assert detector.detect(value) is winner, value
            assert (detector.failure[0] if detector.failure is not None else None) is failed, value
            detector.failure = None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MESSAGES | ODD)
@example([{"role": "user", "content": [{"type": "text", "value": "hi"}]}])  # v1 parts
@example([{"role": "user", "content": "hi"}] * 3 + [{"role": "assistant", "content": "a", "loss_weight": 1.0}])
@example([{"role": "user", "content": "hi"}] * 4 + [{"role": "assistant", "content": "a", "loss_weight": 1.0}])  # past the four
@example(["loss_weight", 5, [{"value": 1}], {"content": [{"value": "x", "text": "x"}]}])
def test_is_v1_is_the_v1_rule_on_the_first_four_messages(messages):
    """_is_v1 (which skips text contents first) answers as the rule: among the first four messages,
    one with a loss_weight, or whose content is a list starting with a {"value"} part that has no "text"."""
    head = messages[:4] if isinstance(messages, list) else []
    walk = isinstance(messages, list) and any(
        isinstance(m, dict) and ("loss_weight" in m or (isinstance(m.get("content"), list) and m["content"] and isinstance(m["content"][0], dict)
                                                        and "value" in m["content"][0] and "text" not in m["content"][0]))
        for m in head)
    assert _is_v1(messages) is walk


def plain_chat_or_rft(value: dict, chat_kind: str) -> str:
    """The RFT rule in words: a chat target, fields beyond SFT's, a last turn from the user (or
    developer), and no assistant turn at all."""
    messages = value.get("messages")
    if chat_kind != "chat" or not isinstance(messages, list) or not messages:
        return chat_kind
    sft = {"messages", "tools", "parallel_tool_calls", "functions", "id", "uuid", "source", "metadata", "tags", "split", "index",
           "idx", "category", "lang", "language", "created_at"}
    last = messages[-1]
    if set(value) <= sft or not isinstance(last, dict) or last.get("role") not in ("user", "developer"):
        return chat_kind
    return chat_kind if any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages) else "rft"


@settings(max_examples=300, deadline=None)
@given(RFT_LIKE | MESSAGES_ROWS, st.sampled_from(["chat", "rft", "preference"]))
@example({"messages": [5, {"role": "assistant"}, {"role": "user", "content": "q"}], "expected": "4"}, "chat")  # not an object first
@example({"messages": [{"role": "assistant"}, 5, {"role": "user", "content": "q"}], "expected": "4"}, "chat")
@example({"messages": ["x", {"role": "user", "content": "q"}], "expected": "4"}, "chat")
@example({"messages": [{"role": "user", "content": "q"}], "expected": "4", "id": 1}, "chat")
def test_chat_or_rft_is_the_rft_rule(value, chat_kind):
    assert schema.chat_or_rft(value, chat_kind) == plain_chat_or_rft(value, chat_kind)
    decided = schema.chat_or_rft_of_keys(frozenset(value), chat_kind)
    assert decided is None or decided == plain_chat_or_rft(value, chat_kind)


def test_chat_rows_with_only_sft_keys_never_ask_kind_of(monkeypatch):
    """The plan holds OpenAI chat's score and kind for a key set with no field beyond SFT's (only
    LLaMA-Factory v1 is asked per row); a row with a grader field may be an RFT prompt, so kind_of
    reads it, row by row."""
    from linter.formats.llamafactory import LlamaFactoryV1
    from linter.formats.openai import OpenAIChat

    asked = collections.Counter()
    real = OpenAIChat.kind_of
    monkeypatch.setattr(OpenAIChat, "kind_of", lambda self, value, chat_kind: asked.update(["kind_of"]) or real(self, value, chat_kind))
    for adapter in (OpenAIChat, LlamaFactoryV1):
        monkeypatch.setattr(adapter, "detect", lambda self, value, real=adapter.detect: asked.update([self.name]) or real(self, value))
    detector = Detector(BUILTIN_FORMATS)
    kinds = [detector.classify({"messages": TALK, "id": i}, "chat", "chat")[1] for i in range(50)]
    assert kinds == ["chat"] * 50 and asked == {"llamafactory-v1": 50, "openai-chat": 1}  # v1 reads the messages: per row
    prompts = [{"messages": TALK[:1], "reference_answer": "4"}, {"messages": TALK, "reference_answer": "4"}] * 25
    assert [detector.classify(row, "chat", "chat")[1] for row in prompts] == ["rft", "chat"] * 25
    assert asked["kind_of"] == 50
    assert [detector.classify(row, "rft", "rft")[1] for row in prompts] == ["rft"] * 50  # the rft target: decided by the keys
    assert asked["kind_of"] == 50


def test_a_raising_plugin_asked_per_row_is_reported_on_exactly_its_rows(tmp_path):
    """Through the real CLI: OpenAI chat rows share one key set and its plan, yet the plugin that
    reads the values raises on the rows it raises on, and only those get FT000."""
    methods = (
        "    triggers = None\n"
        "    def detect(self, value):\n"
        "        if len(value.get('messages', ())) == 1:\n"
        "            raise RuntimeError('one message')\n"
        "        return 0\n"
    )
    rows = [{"messages": TALK}, {"messages": TALK[:1]}, {"messages": TALK}, {"messages": TALK[:1]}, {"messages": TALK * 2}]
    found = lint_with_house_format(tmp_path, methods, rows, "FT000")
    assert [(f["line"], f["code"]) for f in found] == [(2, "FT000"), (4, "FT000")]
    assert all("format 'house' failed to read this row ('RuntimeError: one message')" in f["message"] for f in found)


def test_a_plugin_whose_kind_hint_raises_is_judged_by_its_kind_of(tmp_path):
    """Through the real CLI: a plugin's kind_of_keys that raises costs speed, never a traceback or a kind."""
    methods = (
        "    def kind_of_keys(self, keys, chat_kind):\n"
        "        raise KeyError('hint')\n"
        "    def kind_of(self, value, chat_kind):\n"
        "        return 'chat'\n"
    )
    rows = [{"house": 1, "messages": [{"role": "user", "content": "hi"}, {"role": "robot", "content": "beep"}]}] * 3
    found = lint_with_house_format(tmp_path, methods, rows, "FT000,FT106")
    assert [(f["line"], f["code"]) for f in found] == [(1, "FT106"), (2, "FT106"), (3, "FT106")]

