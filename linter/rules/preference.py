"""FT6xx: preference pairs for DPO (OpenAI's format).

A row is ``{"input": {"messages": [...], "tools": [...]}, "preferred_output":
[assistant message], "non_preferred_output": [assistant message]}``: the model
is pushed towards the preferred reply and away from the other.
"""

from __future__ import annotations

from typing import Iterable

from .. import patching
from ..findings import Applicability, Fix, Violation, pointer
from ..plugin import hookimpl
from ..rows import Row
from ..formats.base import same_turn
from ..schema import ADAPTED_KINDS, PREFERENCE
from ..text import describe_type, show
from ..view import ASSISTANT
from .base import Rule
from .chat import format_refused, key_named_otherwise

KINDS = frozenset({PREFERENCE})
# the pair rules read every other format's pair from the conversation view (TRL prompt/chosen/rejected,
# ShareGPT and Alpaca chosen/rejected, LLaMA-Factory v1 chosen_messages/rejected_messages)
PAIR_KINDS = KINDS | ADAPTED_KINDS


def top_key(where: str) -> str:
    """The top-level key a pointer falls under (``/rejected/0/content`` -> ``/rejected``)."""
    return "/" + where.split("/", 2)[1] if where.count("/") >= 1 and len(where) > 1 else where


class _Preference:
    """What every rule of this module shares: the rows it reads and the profile of its examples."""

    kinds = KINDS
    example_profile = "openai-dpo"
OUTPUTS = ("preferred_output", "non_preferred_output")
PAIR = (
    '"preferred_output": [{"role": "assistant", "content": "Paris."}], '
    '"non_preferred_output": [{"role": "assistant", "content": "I think it might be Lyon?"}]'
)


class PreferenceInputInvalid(_Preference, Rule):
    """``input`` is an object whose ``messages`` is a non-empty list of
    message objects with roles the profile accepts: the prompt both replies
    answer. Under a profile that does not take this row's format (every
    profile but ``openai-dpo``: ``openai-legacy`` and ``bedrock`` take no
    preference rows at all, ``trl``, ``llamafactory`` and ``axolotl`` take them
    in their own formats), FT401 says so once per row and the roles are not
    judged against that profile (as FT106 does for chat rows); the input's
    shape still is. With FT401 not enabled the roles are judged."""

    code = "FT600"
    name = "preference-input-invalid"
    summary = "A preference row's input is not an object with a messages list"
    bad = '{"input": [{"role": "user", "content": "Capital of France?"}], ' + PAIR + "}"
    good = '{"input": {"messages": [{"role": "user", "content": "Capital of France?"}]}, ' + PAIR + "}"

    def check(self, row: Row) -> Iterable[Violation]:
        source = row.value.get("input")
        if not isinstance(source, dict):
            yield Violation(f"input must be an object with \"messages\", got {describe_type(source)}", pointer("input"))
            return
        messages = source.get("messages")
        if not isinstance(messages, list) or not messages:
            yield Violation("input.messages must be a non-empty list", pointer("input", "messages"))
            return
        roles = None if format_refused(self, row) else self.context.profile.roles  # FT401: the roles wait
        for index, message in enumerate(messages):
            if not isinstance(message, dict) or not isinstance(message.get("role"), str):
                yield Violation("each input message needs to be an object with a role", pointer("input", "messages", index))
            elif roles is not None and message["role"] not in roles:
                yield Violation(f"unknown role {show(message['role'])}", pointer("input", "messages", index, "role"))


class PreferenceOutputInvalid(_Preference, Rule):
    """``preferred_output`` and ``non_preferred_output`` are each a list
    holding exactly one assistant message with content (or tool calls). A
    row that holds one under another name (``Preferred_output``,
    ``preferred_outptu``) is FT110's finding, with its rename, not a missing
    output too.

    A pair of another format whose answer is an empty list (TRL ``"rejected": []``,
    ShareGPT's ``chosen``, LLaMA-Factory v1's ``rejected_messages``) is read
    from the conversation view: the side has no turn, so the pair trains
    nothing on it (TRL's DPO collator fails on it or trains on the prompt
    alone). Its other defects are the adapter's (FT120) or the turn rules'."""

    code = "FT601"
    name = "preference-output-invalid"
    summary = "A preferred or non-preferred output is not one assistant message"
    bad = '{"input": {"messages": [{"role": "user", "content": "Capital of France?"}]}, "preferred_output": "Paris.", "non_preferred_output": [{"role": "user", "content": "Lyon?"}]}'
    good = '{"input": {"messages": [{"role": "user", "content": "Capital of France?"}]}, ' + PAIR + "}"

    kinds = PAIR_KINDS

    def check(self, row: Row) -> Iterable[Violation]:
        if row.kind != PREFERENCE:
            yield from _empty_sides(row)
            return
        for key in OUTPUTS:
            if key not in row.value:
                # '*_completion' is FT602's finding, 'Preferred_output' or 'preferred_outptu' FT110's, each with its rename
                if key.replace("_output", "_completion") not in row.value and not key_named_otherwise(self, row, key):
                    yield Violation(f"row has no \"{key}\"", pointer(key))
                continue
            output = row.value[key]
            if not isinstance(output, list):
                yield Violation(f"{key} must be a list with one assistant message, got {describe_type(output)}", pointer(key))
                continue
            if len(output) != 1:
                yield Violation(f"{key} must hold exactly one message, got {len(output)}", pointer(key))
            for index, message in enumerate(output):
                if not isinstance(message, dict) or message.get("role") != "assistant":
                    role = message.get("role") if isinstance(message, dict) else None
                    yield Violation(f"{key} messages must be from the assistant, got {show(role)}", pointer(key, index, "role"))
                elif not (isinstance(message.get("content"), (str, list)) and message.get("content")) and not message.get("tool_calls"):
                    yield Violation(f"{key} message has no content", pointer(key, index, "content"))


def _empty_sides(row: Row) -> Iterable[Violation]:
    """An adapted pair's answer that is an empty list: the view holds no turn for it, so the finding is at the
    column the formats hold it in (``chosen``, or v1's ``chosen_messages``)."""
    view = row.view
    for side, turns in (("chosen", view.chosen), ("rejected", view.rejected)):
        if turns == ():
            key = next((k for k in (side, side + "_messages") if row.value.get(k) == []), None)
            if key is not None:  # a side the adapter could not read at all is its problem (FT120)
                yield Violation(f"{key} is an empty list: the pair has no {side} answer to train on", pointer(key))


class PreferenceKeySpelling(_Preference, Rule):
    """Some tools and older docs spell the pair ``preferred_completion`` /
    ``non_preferred_completion``; OpenAI's DPO format is ``preferred_output`` /
    ``non_preferred_output``, and the other spelling is rejected.

    Fix (safe): rename the keys, keeping their place and values."""

    code = "FT602"
    name = "preference-key-spelling"
    summary = "Preference row uses *_completion instead of *_output"
    fix = Applicability.SAFE
    bad = '{"input": {"messages": [{"role": "user", "content": "Capital of France?"}]}, "preferred_completion": [{"role": "assistant", "content": "Paris."}], "non_preferred_completion": [{"role": "assistant", "content": "Lyon?"}]}'
    good = '{"input": {"messages": [{"role": "user", "content": "Capital of France?"}]}, ' + PAIR + "}"

    def check(self, row: Row) -> Iterable[Violation]:
        for key in ("preferred_completion", "non_preferred_completion"):
            if key in row.value and key.replace("_completion", "_output") not in row.value:
                yield Violation(f"\"{key}\" should be \"{key.replace('_completion', '_output')}\"", pointer(key),
                                Fix("rename *_completion to *_output", Applicability.SAFE,
                                    edits=(patching.rename(patching.at(key), patching.at(key.replace("_completion", "_output"))),)))


class PreferenceIdentical(_Preference, Rule):
    """When the preferred and non-preferred replies are the same, the pair
    carries no preference at all: the loss pushes both ways at once. Pairs of
    every format are compared: TRL ``chosen``/``rejected``, ShareGPT and
    Alpaca ranking rows, LLaMA-Factory v1 ``chosen_messages``/``rejected_messages``."""

    code = "FT603"
    name = "preference-identical"
    summary = "Preferred and non-preferred outputs are identical"
    bad = '{"input": {"messages": [{"role": "user", "content": "Capital of France?"}]}, "preferred_output": [{"role": "assistant", "content": "Paris."}], "non_preferred_output": [{"role": "assistant", "content": "Paris."}]}'
    good = '{"input": {"messages": [{"role": "user", "content": "Capital of France?"}]}, ' + PAIR + "}"

    kinds = PAIR_KINDS

    def check(self, row: Row) -> Iterable[Violation]:
        if row.kind == PREFERENCE:
            preferred, other = row.value.get("preferred_output"), row.value.get("non_preferred_output")
            if preferred is not None and preferred == other:
                yield Violation("preferred_output and non_preferred_output are identical", pointer("non_preferred_output"))
            return
        view = row.view
        chosen, rejected = view.chosen, view.rejected
        if chosen and rejected and len(chosen) == len(rejected) and all(map(same_turn, chosen, rejected)):
            first, second = top_key(chosen[0].pointer), top_key(rejected[0].pointer)
            yield Violation(f"{first[1:]} and {second[1:]} are identical", second)


class PreferenceInputEndsWithAssistant(_Preference, Rule):
    """Both outputs continue the input with an assistant turn, so the input
    must not end with one: the last input message is the user's (or a tool's).
    The same holds for a TRL ``prompt`` and ShareGPT ``conversations`` before
    their ``chosen``/``rejected``."""

    code = "FT604"
    name = "preference-input-ends-with-assistant"
    summary = "The last input message of a preference row is from the assistant"
    bad = '{"input": {"messages": [{"role": "user", "content": "Capital of France?"}, {"role": "assistant", "content": "Let me think."}]}, ' + PAIR + "}"
    good = '{"input": {"messages": [{"role": "user", "content": "Capital of France?"}]}, ' + PAIR + "}"

    kinds = PAIR_KINDS

    def check(self, row: Row) -> Iterable[Violation]:
        if row.kind != PREFERENCE:
            view = row.view
            if view.is_preference and view.turns and view.turns[-1].role == ASSISTANT:
                last = view.turns[-1]
                yield Violation("the prompt ends with an assistant turn; chosen and rejected must answer a user turn",
                                last.role_pointer or last.pointer)
            return
        source = row.value.get("input")
        messages = source.get("messages") if isinstance(source, dict) else None
        if isinstance(messages, list) and messages and isinstance(messages[-1], dict) and messages[-1].get("role") == "assistant":
            yield Violation("the input ends with an assistant message; the outputs must answer a user turn", pointer("input", "messages", len(messages) - 1, "role"))


RULES = (PreferenceInputInvalid, PreferenceOutputInvalid, PreferenceKeySpelling, PreferenceIdentical, PreferenceInputEndsWithAssistant)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
