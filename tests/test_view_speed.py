"""The work per row that makes the view and the structural rules cheap, counted (not timed: the
machine is shared): detection asks only the adapters whose score the values decide, FT120 and
FT401 are judged once per shape, and plain messages never take the general path of the adapter."""

from __future__ import annotations

import collections

from linter import _dispatch
from linter.formats import BUILTIN_FORMATS, Detector
from linter.formats import base as format_base

from .conftest import dump, lint_text

TALK = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]


def test_detection_asks_per_row_only_the_adapters_whose_score_the_values_decide(monkeypatch):
    asked: collections.Counter = collections.Counter()
    for adapter in BUILTIN_FORMATS:
        real = adapter.detect
        # into the instance's __dict__, undone by removing the entry: monkeypatch.setattr on an instance
        # restores the bound method there on pytest < 9.1 (pytest#10644), which then shadows any later
        # patch of the class for the rest of the worker (test_detection_speed's, on CI)
        monkeypatch.setitem(vars(adapter), "detect", lambda value, real=real, name=adapter.name: asked.update([name]) or real(value))
    detector = Detector(BUILTIN_FORMATS)
    rows = [{"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]} for i in range(200)]
    assert {detector.detect(row).name for row in rows} == {"openai-chat"}
    # LLaMA-Factory v1 reads the messages (loss_weight, {type, value} parts): asked on every row;
    # OpenAI chat and prompt/completion (no prompt key) are decided by the keys: asked once
    assert asked == {"llamafactory-v1": 200, "openai-chat": 1, "prompt-completion": 1}
    asked.clear()
    # a top-level system: Bedrock reads its value (a string: Claude, a list: Nova, else neither)
    systems = ["Be brief.", "", [{"text": "Be brief."}], 5] * 10
    names = [detector.detect({"system": system, "messages": TALK}).name for system in systems]
    assert names == ["bedrock-claude", "bedrock-claude", "bedrock-nova", "openai-chat"] * 10
    assert asked["bedrock-claude"] == 40 and asked["bedrock-nova"] == 40 and asked["openai-chat"] == 1


def test_the_format_rule_and_the_kind_rule_are_judged_once_per_shape(monkeypatch):
    from linter.rules.chat import FormatProblem
    from linter.rules.dataset import FormatUnsupported

    calls: collections.Counter = collections.Counter()
    for rule in (FormatProblem, FormatUnsupported):
        real = rule.check
        monkeypatch.setattr(rule, "check", lambda self, row, real=real: calls.update([self.code]) or real(self, row))
    rows = [{"messages": [{"role": "system", "content": "Be brief."}, *TALK]}] * 30 + [{"messages": TALK}] * 30
    text = dump(rows)
    memo = [(f.line, f.code) for f in lint_text(text)]
    assert calls == {"FT120": 2, "FT401": 2}  # two shapes, both silent
    calls.clear()
    monkeypatch.setattr(_dispatch, "shape_of", lambda row: None)
    assert [(f.line, f.code) for f in lint_text(text)] == memo
    assert calls == {"FT120": 60, "FT401": 60}


def test_plain_messages_never_take_the_general_path(monkeypatch):
    general = collections.Counter()
    real = format_base.message_turn
    monkeypatch.setattr(format_base, "message_turn", lambda *a, **k: general.update(["called"]) or real(*a, **k))
    from linter.formats.openai import OpenAIChat

    view = OpenAIChat().view({"messages": TALK * 40})  # past the 64 messages whose pointers are kept, too
    assert len(view.turns) == 80 and not general
    assert view.turns[79].content_pointer == "/messages/79/content" and view.turns[79].role_pointer == "/messages/79/role"
    OpenAIChat().view({"messages": [{"role": "user", "content": "hi", "name": "ada"}, {"role": "assistant", "content": None}]})
    assert general["called"] == 2


def test_endless_key_sets_keep_the_plans_bounded_and_detection_right():
    """A file whose every row has its own keys (ids as keys): the plans are forgotten past 4,096
    key sets, and every row still gets the adapter asking every adapter would give it."""
    detector = Detector(BUILTIN_FORMATS)
    for i in range(5000):
        row = {"messages": TALK, f"id{i}": i} if i % 3 else {"conversations": [], f"id{i}": i}
        assert detector.detect(row).name == ("openai-chat" if i % 3 else "sharegpt")
        assert len(detector._plans) <= 4096
