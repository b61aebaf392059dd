"""FT1xx: the structure of chat rows (OpenAI-style ``messages``).

Valid keys and roles come from the active profile (``linter.profiles``), so
the same rules serve every provider that speaks this format.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any, Iterable

import jsonpointer

from .. import patching
from ..findings import Applicability, Fix, Severity, Violation, pointer
from ..key_names import meant_keys, misnames, not_renamed, rename_fix, renaming
from ..plugin import hookimpl
from ..rows import Row
from ..schema import ADAPTED_KINDS, CHAT, DIALOGUE_KINDS, NON_OBJECT, PREFERENCE, RFT
from ..text import describe_type, show
from ..secrets import first_secret
from ..view import ASSISTANT, SYSTEM, TOOL, USER, Turn
from .base import Rule
from .openai_rows import each


# chat structure rules apply to SFT examples and RFT prompts alike
CHAT_LIKE = frozenset({CHAT, RFT})
# the rules that read the conversation view serve every format's dialogue too
DIALOGUES = CHAT_LIKE | DIALOGUE_KINDS
# the rules of turn order read OpenAI DPO pairs too: each answer continues the input's messages (``judge_order``)
ORDERED = DIALOGUES | {PREFERENCE}


def answers(view) -> tuple[tuple[Turn, ...], ...]:
    """A pair's answers that hold a turn: one that is empty or missing is FT601's or FT120's finding, not a
    conversation to judge (its prompt alone would end with the user)."""
    return tuple(answer for answer in (view.chosen, view.rejected) if answer)


def conversations(view) -> tuple[tuple[Turn, ...], ...]:
    """The conversations the row trains (``Conversation.dialogues``): its turns, or a pair's prompt followed by
    each answer that holds a turn (the answers are alternatives, never one after the other), or the prompt
    alone where none does."""
    if not view.is_preference:
        return (view.turns,)
    return tuple(view.turns + answer for answer in answers(view)) or (view.turns,)


def judge_order(rule: Rule, row: Row, check) -> Iterable[Violation]:
    """``check(turns, prompt)`` on each conversation the row trains (``conversations``), ``prompt`` being how many
    turns a pair's prompt holds. A finding in the prompt both answers share is reported once, and none at a role
    another rule refuses there (``role_refused``): "two user turns in a row" at a DPO output from the user, or
    "the last message is from 'human'" at a ShareGPT rejected turn, would restate FT601 or FT120."""
    view = row.view
    prompt = len(view.turns) if view.is_preference else None
    found = each(list(conversations(view)), lambda turns: check(turns, prompt))
    return (violation for violation in found if not role_refused(rule, row, violation.pointer))


def answer_pointer(answer: tuple[Turn, ...]) -> str:
    """Where a finding about one answer of a pair points: the top-level key it sits under (``/rejected``,
    ``/non_preferred_output``, ``/rejected_messages``)."""
    return "/" + answer[0].pointer.split("/")[1]


def prompt_pointer(row: Row) -> str:
    """Where a finding about a pair's prompt points: ``/input/messages`` for an OpenAI DPO row, else the list its
    turns sit in (``/prompt``, ``/conversations``); for a prompt of no turn, its key, or the row."""
    if row.kind == PREFERENCE:
        return pointer("input", "messages")
    view = row.view
    if view.turns:
        return dialogue_pointer(row, view.turns) or view.turns[0].pointer
    return next((pointer(key) for key in ("prompt", "conversations") if key in row.value), "")


def prompt_missing(rule: Rule, row: Row) -> bool:
    """True when an OpenAI DPO row's input holds no message and FT600 says so ("input.messages must be a
    non-empty list"): that no user or system message precedes the answers only restates it."""
    return row.kind == PREFERENCE and not row.view.turns and rule.context.reports("FT600")


def role_refused(rule: Rule, row: Row, where: str) -> bool:
    """True when the role at ``where`` is one the row's format refuses there and another rule says so: FT120
    (a ShareGPT pair's rejected turn from the human) or FT601 (an OpenAI DPO output not from the assistant)."""
    if format_says(rule, row, where):
        return True
    if not where or row.kind != PREFERENCE or not rule.context.reports("FT601"):
        return False
    view = row.view
    return any(turn.role_pointer == where and turn.source_role != ASSISTANT for answer in answers(view) for turn in answer)


def dialogue_pointer(row: Row, turns: tuple[Turn, ...]) -> str:
    """Where a whole-conversation finding points: ``/messages`` for chat rows, else the list of the first turn."""
    if row.kind in CHAT_LIKE and row.view.format == "openai-chat":
        return pointer("messages")
    # the list the turns sit in: the first turn that is an item of one (a top-level system string, as
    # ShareGPT's, Alpaca's and Bedrock's /system, is not)
    for turn in turns:
        if turn.pointer.count("/") == 2:
            return turn.pointer.rsplit("/", 1)[0]
    return ""


def has_dialogue(row: Row, turns: tuple[Turn, ...]) -> bool:
    """True when there is a conversation to judge (for chat rows: ``messages`` is a non-empty list)."""
    return has_messages(row) if row.view.format == "openai-chat" else bool(turns)


def format_refused(rule: Rule, row: Row, keys: bool = False) -> bool:
    """True when the profile does not take the row's format at all (FT401 says so, once per row).

    The rules that judge a row against what the profile demands of its own format (role names, keys and
    message keys, which roles come first and last, strict alternation) and the advice meant for an
    example in that format (FT115) then stay silent, as ruff reports one root cause rather than its
    consequences: the row is judged against the profile once it is in a format the profile takes (the
    usual cause is a wrong ``--profile``, and then every such finding is noise). Rules about what the row
    holds (text, encoding, tool calls, the format's own validity, a missing assistant or user turn, a
    system message in the middle) still report.

    Two exceptions keep findings that are no restatement: when FT401 is not enabled (``--ignore FT401``,
    ``--select FT106``) nothing says the root cause, so the rules report as before; and the key rules
    (``keys=True``: FT110, FT111) still report on an OpenAI ``messages`` row judged SFT under an RFT profile
    or the reverse, since an extra key is what makes an SFT row missing its reply look like an RFT prompt,
    and naming it is the clue.
    """
    kinds = rule.context.profile.kinds
    if row.kind in kinds or not rule.context.options.get("format_refusals", True):
        return False
    return not (keys and row.kind in _OPENAI_MESSAGES and not kinds.isdisjoint(_OPENAI_MESSAGES))


_OPENAI_MESSAGES = frozenset({CHAT, RFT})  # one format, two kinds: an SFT example, or an RFT prompt


def _drop_keys(keys: set, index: int | None = None) -> tuple[dict, ...]:
    base = () if index is None else ("messages", index)
    return tuple(patching.remove(patching.at(*base, key)) for key in keys)


def messages_of(row: Row) -> list[tuple[int, dict]]:
    """``(index, message)`` for every message that is an object, when ``messages`` is a list."""
    return row.messages()


def spelt_otherwise(rule: Rule, message: dict, key: str) -> bool:
    """True when the message holds ``key`` in another case (``Role``, ``CONTENT``) or misspelt (``contnet``)
    and FT111 is on to say so, with its rename: a finding that the key is missing, or that no message has a
    user's role, would only restate that one typo (ruff reports a root cause once)."""
    if not rule.context.reports("FT111"):
        return False
    if any(type(k) is str and k != key and k.lower() == key for k in message):
        return True
    known = rule.context.profile.message_keys
    return any(misnames(k, key) for k in message if k not in known)


def a_role_spelt_otherwise(rule: Rule, row: Row) -> bool:
    """Does an OpenAI-style message of the row hold its role under another case (FT111 says so), or a
    ShareGPT turn its ``from`` (``From``, ``frm``: FT120 says so)?"""
    view = row.view
    if view.format == "openai-chat":
        return any(spelt_otherwise(rule, m, "role") for _, m in messages_of(row))
    return rule.context.reports("FT120") and any(
        not turn.role_pointer and any(misnames(k, "from") for k, _ in turn.extra) for _, turn in view.all_turns())


def turns_key_misnamed(rule: Rule, row: Row) -> bool:
    """True when FT120 is on and names a top-level key the row's format needs, held in another case or
    misspelt (Alpaca's ``Output``, ``outptu``; a ShareGPT pair's ``Chosen``), with its rename, or FT110 names
    a pair's answers held so (a ShareGPT row with ``Chosen`` and ``Rejected`` reads as one conversation
    without its answers): the turns that key holds are missing from the view, so "no assistant message" or
    "the last message is from 'user'" would restate that one key."""
    if rule.context.reports("FT120") and any(p.rename is not None and p.rename[0] == "" for p in row.view.problems):
        return True
    return not row.view.is_preference and any(key_named_otherwise(rule, row, key) for key in _ANSWER_KEYS)


_ANSWER_KEYS = ("chosen", "rejected")  # the keys a pair's answers sit under, in the formats that hold a pair beside a conversation


_NORMAL = {"gpt": ASSISTANT, "human": USER, "observation": TOOL}  # a suggested tag as the view names its role


def meant_as(rule: Rule, row: Row, role: str) -> bool:
    """True when FT106 is on and tells a turn of the row that its unknown role probably means ``role``
    (``bot``: did you mean 'assistant'?): "no assistant message" would only restate that finding."""
    if not rule.context.reports("FT106"):
        return False
    accepted = rule.context.profile.roles
    for _, turn in row.view.all_turns():
        source = turn.source_role
        if turn.role_pointer and isinstance(source, str) and source not in accepted:
            found = suggest_role(source, accepted)
            if found is not None and _NORMAL.get(found, found) == role:
                return True
    return False


def role_unread(rule: Rule, row: Row, turns: tuple[Turn, ...]) -> bool:
    """True when the row's format is one the profile refuses (FT401 says so) and a turn's role is none its
    format names (a ShareGPT ``"from": "humna"``): the missing user or assistant is that typo, which FT106
    reports once the row is linted under a profile that takes its format, not a turn lost in an export."""
    return format_refused(rule, row) and any(t.role_pointer and not t.role for t in turns)


def has_messages(row: Row) -> bool:
    """True when ``messages`` is a non-empty list (other shapes have their own rules)."""
    messages = row.value.get("messages")
    return isinstance(messages, list) and bool(messages)


def carries_call(message: dict) -> bool:
    """True when tool_calls/function_call (or a refusal) carry the turn instead of content."""
    return bool(message.get("tool_calls")) or bool(message.get("function_call")) or bool(message.get("refusal"))


class RowNotObject(Rule):
    """Every line must be a JSON object (``{...}``). A bare string, number or
    array is valid JSON but not an example; OpenAI answers "Line N is not a
    dictionary"."""

    code = "FT100"
    name = "row-not-object"
    summary = "Row is not a JSON object"
    kinds = frozenset({NON_OBJECT})
    bad = '[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        yield Violation(f"row is {describe_type(row.value)}, not an object")


class MessagesMissing(Rule):
    """A chat example is an object with a ``messages`` list. A row without it
    trains nothing and is rejected. A row no format recognises is told the
    format it comes closest to and the key it lacks (a TRL pair without
    ``rejected``) or misspells (Alpaca's ``Instruction``), at that key or at
    the row.

    Fix (safe): ``Messages`` or ``MESSAGES`` is renamed to ``messages``.
    Fix: the keys a row misnames are renamed to those of the format it comes
    closest to, when nothing else is missing: safe for another case
    (``Instruction``), unsafe for a close spelling (``instrution``)."""

    reads = ("shape",)
    code = "FT101"
    name = "messages-missing"
    summary = "Row has no messages key"
    fix = Applicability.SAFE
    kinds = CHAT_LIKE
    bad = '{"conversation": [{"role": "user", "content": "hi"}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    ALIASES = {"conversations": "ShareGPT", "conversation": "a custom export", "interactions": "Mistral's", "dialog": "a custom export",
               "chat": "a custom export", "instruction": "Alpaca"}

    def check(self, row: Row) -> Iterable[Violation]:
        if "messages" not in row.value:
            wrong = next((k for k in row.value if isinstance(k, str) and k.lower() == "messages"), None)
            if wrong is not None:
                yield Violation(f"{show(wrong)} should be \"messages\"", pointer(wrong), renaming(wrong, "messages"))
                return
            found = closest(row.value)
            if found is not None:
                yield Violation(f"row matches no known format; {found.note}", found.pointer, _renaming(found.renames, row.value))
                return
            alias = next((k for k in self.ALIASES if k in row.value), None)
            hint = (f" (it has {show(alias)}, {self.ALIASES[alias]} format: map it to messages)" if alias else
                    "; no known format matches: it has none of the keys of a known format (messages, conversations, instruction, "
                    "prompt, chosen, text...)")
            yield Violation(f"row has no \"messages\" key{hint}", "")


def _renaming(renames: dict, value: dict) -> Fix | None:
    """The unsafe fix that renames misspelt keys to the keys of the format they stand for (``instrution``
    to ``instruction``); none where a target name is taken. Unsafe: a close spelling is a guess, and the
    renamed row is then read, and trained, as that format."""
    if not renames or any(right in value for right in renames.values()):
        return None
    fixes = [renaming(wrong, right) for wrong, right in renames.items()]
    said = ", ".join(f"{show(wrong)} to \"{right}\"" for wrong, right in renames.items())
    # a key in another case (Instruction) is that key, as Messages is messages: safe; a close spelling is a guess
    safe = all(fix.applicability is Applicability.SAFE for fix in fixes)
    return Fix(f"rename {said}", Applicability.SAFE if safe else Applicability.UNSAFE, edits=tuple(e for fix in fixes for e in fix.edits))


def closest(value: dict):
    """``(adapter, note, pointer)`` of the format an unrecognised row comes closest to (``Detector.closest``)."""
    from ..registry import get_registry

    detector = get_registry().detector
    return detector.closest(value) if detector is not None else None


class MessagesNotList(Rule):
    """``messages`` must be a list of message objects, not a string (often a
    double-encoded JSON string), an object or null."""

    reads = ("shape",)
    code = "FT102"
    name = "messages-not-list"
    summary = "messages is not a list"
    kinds = CHAT_LIKE
    bad = '{"messages": "[{\\"role\\": \\"user\\", \\"content\\": \\"hi\\"}]"}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        messages = row.value.get("messages", [])
        if not isinstance(messages, list):
            yield Violation(f"\"messages\" must be a list, got {describe_type(messages)}", pointer("messages"))


class MessagesEmpty(Rule):
    """An empty conversation has nothing to learn from."""

    reads = ("shape",)
    code = "FT103"
    name = "messages-empty"
    summary = "messages is an empty list"
    kinds = CHAT_LIKE
    bad = '{"messages": []}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        if row.value.get("messages") == []:
            yield Violation("\"messages\" is empty", pointer("messages"))


class MessageNotObject(Rule):
    """Each message is an object with a ``role`` and (usually) ``content``."""

    reads = ("shape",)
    code = "FT104"
    name = "message-not-object"
    summary = "A message is not an object"
    kinds = CHAT_LIKE
    bad = '{"messages": ["hi", {"role": "assistant", "content": "Hello!"}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        messages = row.value.get("messages")
        if isinstance(messages, list):
            for index, message in enumerate(messages):
                if not isinstance(message, dict):
                    yield Violation(
                        f"message is {describe_type(message)}, not an object", pointer("messages", index)
                    )


class RoleMissing(Rule):
    """Without a ``role`` the trainer cannot tell prompt from target. A role
    spelt in another case (``Role``) is FT111's finding, with its safe rename,
    while FT111 is on: this rule (and FT107, FT112, FT116) does not restate it."""

    reads = ("shape",)
    code = "FT105"
    name = "role-missing"
    summary = "A message has no role"
    kinds = CHAT_LIKE
    bad = '{"messages": [{"content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for index, message in messages_of(row):
            if "role" not in message and not spelt_otherwise(self, message, "role"):
                yield Violation("message has no \"role\"", pointer("messages", index, "role"))


class RoleUnknown(Rule):
    """The role must be one the target accepts (for OpenAI SFT: system,
    developer, user, assistant, tool, function). ``bot``, ``human`` or ``gpt``
    come from other formats (ShareGPT) and need mapping; the message suggests
    the accepted role a wrong one likely means (``User`` -> ``user``, ``model``
    -> ``assistant``). Under ``llamafactory``, ShareGPT rows must use the tags
    LLaMA-Factory reads by default (human, gpt, observation, function_call,
    system): a row tagged ``user``/``assistant`` is skipped by it unless
    dataset_info.json's ``tags`` declares them, all seven tags at once since
    a tag left out is None (lint with ``--trainer-config`` to apply them: the
    roles it maps are then the accepted ones). On a row whose whole format the profile refuses, FT401
    reports that once instead."""

    reads = ("shape",)
    code = "FT106"
    name = "role-unknown"
    summary = "A message has a role the profile does not accept"
    kinds = CHAT_LIKE | ADAPTED_KINDS
    bad = '{"messages": [{"role": "human", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        if format_refused(self, row):
            return  # FT401: the role names are the refused format's
        profile = self.context.profile
        roles = profile.roles
        tags = profile.sharegpt_tags if row.view.format.startswith("sharegpt") else None
        for _, turn in row.view.all_turns():
            if not turn.role_pointer:
                continue  # no role stated here (FT105 reports a missing one)
            role = turn.source_role
            if not isinstance(role, str):
                yield Violation(f"role must be a string, got {describe_type(role)}", turn.role_pointer)
            elif tags is not None and turn.role_pointer.endswith("/from") and role not in tags:
                yield Violation(_untagged(role, tags, profile), turn.role_pointer)
            elif role not in roles:
                expected = ", ".join(sorted(roles))
                yield Violation(f"unknown role {show(role)}{did_you_mean(role, roles)} (profile {profile.name} accepts {expected})"
                                f"{_system_elsewhere(role, profile)}", turn.role_pointer)


def _system_elsewhere(role: str, profile) -> str:
    """Where a target that takes no system message keeps the system prompt (Bedrock Claude: a top-level
    "system" string), so the finding says where to move it rather than only that the role is unknown."""
    if role not in ("system", "developer") or "system" not in profile.top_level_keys:
        return ""
    convert = " (ftlint convert FILE --to bedrock-claude does)" if profile.name == "bedrock" else ""
    return f"; it takes the system prompt as the top-level \"system\" string: move it there{convert}"


# what other formats and exports call the roles: a role of one family suggests its peer in the accepted set
_ROLE_PEERS = {"user": ("user", "human"), "human": ("user", "human"), "assistant": ("assistant", "gpt"), "gpt": ("assistant", "gpt"),
               "model": ("assistant", "gpt"), "bot": ("assistant", "gpt"), "ai": ("assistant", "gpt"), "chatgpt": ("assistant", "gpt"),
               "bard": ("assistant", "gpt"), "bing": ("assistant", "gpt"), "tool": ("tool", "observation"),
               "observation": ("tool", "observation"), "function": ("tool", "observation"), "system": ("system",),
               "developer": ("developer", "system")}


def suggest_role(role: str, accepted) -> str | None:
    """The accepted role a wrong one most likely means: the same word in another case (``User``), its name in
    another format (``human``, ``gpt``, ``model``), or a close spelling (``asistant``)."""
    lowered = role.strip().lower()
    if lowered in accepted:
        return lowered
    for peer in _ROLE_PEERS.get(lowered, ()):
        if peer in accepted:
            return peer
    close = difflib.get_close_matches(lowered, sorted(accepted), n=1, cutoff=0.75)
    return close[0] if close else None


def did_you_mean(role: str, accepted) -> str:
    """`` (did you mean 'user'?)`` when a role suggests one, else nothing."""
    found = suggest_role(role, accepted)
    return f" (did you mean {show(found)}?)" if found else ""


def _untagged(role: str, tags, profile) -> str:
    """A ShareGPT ``from`` tag the target does not read: LLaMA-Factory skips such rows."""
    found = suggest_role(role, tags)
    rename = f"rename it to {show(found)}, or " if found else ""
    if profile.sharegpt_tags_from:  # a trainer config declared the tags of this file
        return (f"ShareGPT tag {show(role)} is not one of {profile.sharegpt_tags_from} ({', '.join(sorted(tags))}), so "
                f"LLaMA-Factory skips the row: {rename}add it to those tags")
    return (f"ShareGPT tag {show(role)} is not one {profile.name} reads by default ({', '.join(sorted(tags))}), so LLaMA-Factory "
            f"skips the row: {rename}set \"tags\" in dataset_info.json with all seven tags (LLaMA-Factory reads a tag left out "
            f"as None): {_tags_snippet(role, found)}; then lint with --trainer-config")


# LLaMA-Factory's tags (DatasetAttr in src/llamafactory/data/parser.py): once "tags" is given, every tag it omits is None
_TAG_DEFAULTS = {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                 "observation_tag": "observation", "function_tag": "function_call", "system_tag": "system"}
_TAG_OF = {"human": "user_tag", "gpt": "assistant_tag", "observation": "observation_tag", "function_call": "function_tag",
           "system": "system_tag"}


def _tags_snippet(role: str, found: str | None) -> str:
    """A complete "tags" object that reads ``role`` as the tag it likely means (the defaults for the rest)."""
    tags = dict(_TAG_DEFAULTS)
    if found in _TAG_OF and len(role) <= 40 and role.isprintable() and not first_secret(role):  # dataset text: quoted only when short and plain
        tags[_TAG_OF[found]] = role
    if found in ("human", "gpt") and role in ("user", "assistant"):  # an OpenAI-style file: both sides at once
        tags.update(user_tag="user", assistant_tag="assistant")
    return f"\"tags\": {json.dumps(tags, ensure_ascii=True)}"


class ContentMissing(Rule):
    """A message needs ``content``, unless ``tool_calls`` or ``function_call``
    carry an assistant turn (or a ``refusal`` does), where ``content`` may be
    absent or null."""

    reads = ("shape",)
    code = "FT107"
    name = "content-missing"
    summary = "A message has no content and no tool call"
    kinds = CHAT_LIKE
    bad = '{"messages": [{"role": "user"}, {"role": "assistant", "content": "Hello!"}]}'
    good = (
        '{"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "tool_calls": '
        '[{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]}]}'
    )

    def check(self, row: Row) -> Iterable[Violation]:
        for index, message in messages_of(row):
            if message.get("content") is None and not carries_call(message):
                if "content" not in message and spelt_otherwise(self, message, "content"):
                    continue  # 'Content': FT111 renames it
                state = "null" if "content" in message else "missing"
                yield Violation(f"\"content\" is {state} and no tool call carries the turn", pointer("messages", index, "content"))


# the field a part of each type must carry (Hugging Face's image, video and audio parts need none: the
# media may come from the row's columns)
_PART_FIELDS = {"text": ("text", str), "image_url": ("image_url", dict), "input_audio": ("input_audio", dict), "file": ("file", dict)}


class ContentTypeInvalid(Rule):
    """``content`` is a string, or a list of typed parts such as
    ``{"type": "text", "text": ...}`` and ``{"type": "image_url", "image_url": {"url": ...}}``.
    Numbers, objects and untyped parts are rejected. Which part types are known
    comes from the profile: OpenAI's (text, image_url, input_audio, file), or
    for the trainers that render with a Hugging Face processor (``trl``,
    ``axolotl``) text, image, video and audio."""

    reads = ("shape",)
    code = "FT108"
    name = "content-type-invalid"
    summary = "content is neither a string nor a list of content parts"
    kinds = CHAT_LIKE
    bad = '{"messages": [{"role": "user", "content": 42}, {"role": "assistant", "content": "Hello!"}]}'
    good = (
        '{"messages": [{"role": "user", "content": [{"type": "text", "text": "What is in this image?"}, '
        '{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}, {"role": "assistant", "content": "A cat."}]}'
    )

    def check(self, row: Row) -> Iterable[Violation]:
        for index, message in messages_of(row):
            content = message.get("content")
            if content is None or isinstance(content, str):
                continue
            where = pointer("messages", index, "content")
            if not isinstance(content, list):
                yield Violation(f"content must be a string or a list of parts, got {describe_type(content)}", where)
                continue
            for pindex, part in enumerate(content):
                yield from self._check_part(part, pointer("messages", index, "content", pindex))

    def _check_part(self, part: Any, where: str) -> Iterable[Violation]:
        if not isinstance(part, dict):
            yield Violation(f"content part must be an object, got {describe_type(part)}", where)
            return
        kind = part.get("type")
        if not isinstance(kind, str):
            yield Violation("content part has no \"type\"", where + "/type")
            return
        known = self.context.profile.part_types
        field = _PART_FIELDS.get(kind)
        if kind not in known:
            expected = ", ".join([k for k in _PART_FIELDS if k in known] + sorted(known - _PART_FIELDS.keys()))
            yield Violation(f"unknown content part type {show(kind)} (expected {expected})", where + "/type")
        elif field is not None and not isinstance(part.get(field[0]), field[1]):
            expected = "a string" if field[1] is str else "an object"
            yield Violation(f"a {kind} part needs \"{field[0]}\" as {expected}", where + "/" + field[0])


class UnknownKey(Rule):
    """Keys the target does not know are at best ignored and at worst rejected
    (Together: "Found extra column"). They often reveal a mapping mistake:
    ``conversation`` for ``messages``, ``Tools`` for ``tools``. On a row whose
    whole format the profile refuses, FT401 reports that once instead.

    The profile says which: the local trainers (``trl``, ``axolotl``,
    ``llamafactory``) read the keys they know and drop every other column
    unread, so under them a plain ``id``, ``source`` or ``meta`` column is
    harmless in every format (OpenAI ``messages`` rows, ShareGPT, Alpaca,
    TRL's types) and not reported; the hosted services refuse it. A key in
    another case, or misspelt, of a key the row's format reads (``Tools``,
    ``tols``; Alpaca's ``Input``, ``inptu`` or ``sytem``; TRL's ``imgaes``) is
    reported under every profile, with the key it likely means: a trainer
    ignores it too, so its text never reaches training. A key the format
    cannot do without (Alpaca's ``output``, a ShareGPT pair's ``chosen``) is
    FT120's finding, and
    prompt/completion rows' keys are FT900's and FT901's.

    Fix: a key in another case is renamed (safe: ``Tools`` to ``tools``), a
    close spelling too (unsafe, it is a guess: ``tols`` to ``tools``), never
    removed; nothing is renamed where the row holds that key already or two
    keys name it, and the finding says so. Other unknown keys are removed
    (unsafe, it deletes data). A preference row's ``tools`` at the top level
    belong in ``input`` (the DPO format declares them there, under every
    profile): moved to ``input.tools`` (unsafe) when ``input`` holds none,
    never removed, since the pair's calls need them."""

    reads = ("shape",)
    code = "FT110"
    name = "unknown-key"
    summary = "Row has a top-level key the profile does not know, or misnames a key its format reads"
    kinds = CHAT_LIKE | {PREFERENCE} | ADAPTED_KINDS
    severity = Severity.WARNING
    fix = Applicability.SAFE
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}], "source": "crm"}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        if not judges_keys(self, row):
            return
        profile = self.context.profile
        known = read_keys(self, row)
        renamed = _RENAMED_BY_FT602 if self.context.reports("FT602") else {}
        # the *_completion keys FT602 renames are no unknown keys
        unknown = [key for key in row.value if key not in known and renamed.get(key) not in known]
        misplaced = _misplaced_tools(row)
        if misplaced is not None:
            unknown = [key for key in unknown if key != "tools"]
            yield misplaced
        if not unknown:
            return  # nearly every row: nothing below (its view, its misnamed keys) is needed
        targets = meant_keys(row.value, known, present=True)
        # a key the format needs, misnamed: its adapter's problem names it, at that key (FT120), with the rename
        named = {problem.pointer for problem in row.view.problems} if row.kind in ADAPTED_KINDS and self.context.reports("FT120") else ()
        why = f"; {row.view.format} rows are read by exact key, so this one is ignored" if profile.ignores_extra_columns else ""
        # removing keys is a fix only for an example that keeps its known ones: on a row
        # with none (a log line, another format) it would leave an empty object
        fixable = len(unknown) < len(row.value)
        for key in unknown:
            if key in targets:  # 'Tools', 'tols': removing it would lose what it holds; renaming is the fix
                if pointer(key) not in named:
                    yield misnamed_key(row.value, targets, key, why)
            elif not profile.ignores_extra_columns:  # a plain column: dropped unread by a local trainer, refused by a service
                fix = Fix("remove the key", Applicability.UNSAFE, edits=_drop_keys({key})) if fixable else None
                yield Violation(f"unknown top-level key {show(key)}", pointer(key), fix)


_TOOLS_IN_INPUT = ("top-level key 'tools' belongs in \"input\": a preference row declares its tools in input.tools, "
                   "beside the messages they serve")


def _misplaced_tools(row: Row) -> Violation | None:
    """The finding on a DPO row's ``tools`` at the top level, where no reader of the format looks (its view
    reads ``input.tools``, whatever the profile's chat rows take), or None. The fix moves them into ``input``
    (unsafe: the prompt then declares them) when it holds none; removing them would leave the calls of the
    pair without their declarations, so where ``input`` has tools already (or is no object) nothing is offered."""
    value = row.value
    if row.kind != PREFERENCE or "tools" not in value:
        return None
    source = value.get("input")
    if not isinstance(source, dict):
        return Violation(_TOOLS_IN_INPUT, pointer("tools"))  # FT600 reports the input
    if "tools" in source:
        return Violation(_TOOLS_IN_INPUT + " (input holds tools already: merge them by hand)", pointer("tools"))
    return Violation(_TOOLS_IN_INPUT, pointer("tools"), Fix("move tools to input.tools", Applicability.UNSAFE,
                                                           edits=(patching.move(patching.at("tools"), patching.at("input", "tools")),)))


def judges_keys(rule: Rule, row: Row) -> bool:
    """True when FT110 judges the row's top-level keys: the profile does not take any key (RFT's grader
    fields), FT401 does not refuse the row's whole format, and a format reads the row (else FT101 names the
    one it comes closest to and what it misnames)."""
    if rule.context.profile.extra_keys_allowed or format_refused(rule, row, keys=True):
        return False
    return row.recognised or not rule.context.reports("FT101")


def read_keys(rule: Rule, row: Row) -> frozenset:
    """The top-level keys the target reads in the row: its format's (its adapter's ``keys``) for a row of a
    format read key by key, else the profile's (OpenAI chat and DPO rows)."""
    if row.kind in ADAPTED_KINDS:
        return frozenset(row.format.keys) if row.format is not None else frozenset()
    return rule.context.profile.top_level_keys


def key_named_otherwise(rule: Rule, row: Row, key: str) -> bool:
    """True when FT110 is on and names a key of the row as ``key`` in another case or misspelt
    (``Preferred_output``, ``preferred_outptu``), with its rename: "row has no ``key``" would restate it."""
    if not rule.context.reports("FT110") or not judges_keys(rule, row):
        return False
    return key not in row.value and key in meant_keys(row.value, read_keys(rule, row), present=True).values()


def misnamed_key(value: dict, targets: dict, key: str, why: str = "", what: str = "unknown top-level key") -> Violation:
    """The finding on a top-level key that names a known one (``key_names.meant_keys``), with its rename
    where one can be made, and why not where none is."""
    kept = not_renamed(targets, value, key)
    return Violation(f"{what} {show(key)} (did you mean \"{targets[key]}\"?{' ' + kept if kept else ''}){why}", pointer(key),
                     rename_fix(targets, value, key))


# the preference keys FT602 renames (with a safe fix): FT110 does not also call them unknown
_RENAMED_BY_FT602 = {"preferred_completion": "preferred_output", "non_preferred_completion": "non_preferred_output"}


class UnknownMessageKey(Rule):
    """Message keys outside the known set (role, content, name, weight,
    tool_calls, tool_call_id, function_call, refusal for OpenAI) are rejected
    by strict servers and ignored by others. On a row whose whole format the
    profile refuses, FT401 reports that once instead.

    Fix: ``Role``/``Content`` are renamed to lower case (safe); a near-miss of
    a known key (``contnet``) is renamed to it (unsafe), unless two keys name
    it (``contnet`` and ``conten``: neither is renamed, and the finding says
    so); other unknown keys are removed (unsafe, it deletes data)."""

    reads = ("shape",)
    code = "FT111"
    name = "unknown-message-key"
    summary = "A message has a key the profile does not know"
    kinds = CHAT_LIKE
    severity = Severity.WARNING
    fix = Applicability.SAFE  # a key in another case; a close spelling and a removal are unsafe
    bad = '{"messages": [{"role": "user", "content": "hi", "timestamp": 1700000000}, {"role": "assistant", "content": "Hello!"}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        if format_refused(self, row, keys=True):
            return  # FT401: the message keys are the refused format's
        known = self.context.profile.message_keys
        for index, message in messages_of(row):
            targets = meant_keys(message, known)
            for key in message:
                if key in known:
                    continue
                meant = targets.get(key)
                where = pointer("messages", index, key)
                kept = not_renamed(targets, message, key) if meant is not None else ""
                if meant is not None and meant == key.lower():  # 'Content': the same key in another case
                    yield Violation(f"{show(key)} should be {show(meant)}{'; ' + kept if kept else ''}", where,
                                    rename_fix(targets, message, key, ("messages", index)))
                elif meant is not None:  # 'contnet': removing it would lose the text; renaming is the fix
                    yield Violation(f"unknown message key {show(key)} (did you mean \"{meant}\"?{' ' + kept if kept else ''})", where,
                                    rename_fix(targets, message, key, ("messages", index)))
                else:
                    yield Violation(f"unknown message key {show(key)}", where,
                                    Fix("remove the key", Applicability.UNSAFE, edits=_drop_keys({key}, index)))


class AssistantMissing(Rule):
    """Training targets are the assistant messages; an example without one
    teaches nothing and is rejected by OpenAI. Silent where another finding
    names the cause: a role in another case or misspelt, or a key of the
    format that holds the answer written otherwise (Alpaca's ``Output``, a
    ShareGPT pair's ``Chosen``: FT120's, with its rename; ``Chosen`` and
    ``Rejected`` both: FT110's).

    A preference pair (an OpenAI DPO row, TRL's, ShareGPT's, Alpaca's,
    LLaMA-Factory v1's) trains each answer, so each is judged, at the key it
    sits under: a rejected answer with no assistant turn trains nothing on
    that side, whatever the prompt holds. An answer whose role its format
    refuses there is FT120's finding (a ShareGPT rejected turn from the
    human) or FT601's (a DPO output not from the assistant), and an empty
    or missing answer FT601's or FT120's."""

    reads = ("shape",)
    code = "FT112"
    name = "assistant-missing"
    summary = "Example has no assistant message"
    bad = '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]}'
    good = '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    kinds = frozenset({CHAT, PREFERENCE}) | DIALOGUE_KINDS

    def check(self, row: Row) -> Iterable[Violation]:
        view = row.view
        if not view.is_preference:
            turns = view.turns
            if has_dialogue(row, turns) and not any(t.role == ASSISTANT for t in turns) and not self._said(row, turns):
                yield Violation("example has no assistant message, so nothing is trained", dialogue_pointer(row, turns))
            return
        for answer in answers(view):  # what a pair trains is each answer: an assistant turn in the prompt is no answer
            if (not any(t.role == ASSISTANT for t in answer) and not any(role_refused(self, row, t.role_pointer) for t in answer)
                    and not self._said(row, view.turns + answer)):
                where = answer_pointer(answer)
                yield Violation(f"the {where[1:]} answer has no assistant message, so nothing is trained on it", where)

    def _said(self, row: Row, turns: tuple[Turn, ...]) -> bool:
        """Does another finding name the cause: a role written otherwise, or the key that holds the answer?"""
        return (a_role_spelt_otherwise(self, row) or meant_as(self, row, ASSISTANT) or role_unread(self, row, turns)
                or turns_key_misnamed(self, row))


class WeightInvalid(Rule):
    """``weight`` marks whether an assistant message is trained: it must be the
    integer 0 or 1. ``true``, ``0.5`` or ``"1"`` are rejected."""

    reads = ("shape",)
    code = "FT113"
    name = "weight-invalid"
    summary = "weight is not 0 or 1"
    kinds = CHAT_LIKE
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!", "weight": 0.5}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!", "weight": 1}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for index, message in messages_of(row):
            if "weight" in message:
                weight = message["weight"]
                if isinstance(weight, bool) or weight not in (0, 1) or isinstance(weight, float):
                    yield Violation(
                        f"weight must be the integer 0 or 1, got {show(weight)}", pointer("messages", index, "weight")
                    )


class WeightNotAssistant(Rule):
    """Only assistant messages are trained, so only they may carry ``weight``.
    OpenAI rejects it elsewhere."""

    reads = ("shape",)
    code = "FT114"
    name = "weight-not-assistant"
    summary = "weight on a message that is not from the assistant"
    kinds = CHAT_LIKE
    bad = '{"messages": [{"role": "user", "content": "hi", "weight": 1}, {"role": "assistant", "content": "Hello!"}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!", "weight": 1}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for index, message in messages_of(row):
            role = message.get("role")
            if "weight" in message and isinstance(role, str) and role != "assistant":
                yield Violation(f"weight on a {show(role)} message; only assistant messages are trained", pointer("messages", index, "weight"))


class SystemMissing(Rule):
    """The cookbook counts examples without a system message: if the model
    will be prompted with one, training without it wastes signal. Advice only,
    and only for rows in a format the profile takes (else FT401 comes first).
    Reported once per file, as the cookbook reports one count: at the first
    example without a system message, with how many lack one. A preference
    pair (OpenAI DPO rows included) lacks one when its prompt and an answer
    do; the finding is at the prompt."""

    reads = ("shape",)
    code = "FT115"
    name = "system-missing"
    summary = "Examples have no system message"
    severity = Severity.INFO
    per_file = True
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'
    good = '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    kinds = frozenset({CHAT, PREFERENCE}) | DIALOGUE_KINDS

    def check(self, row: Row) -> Iterable[Violation]:
        if format_refused(self, row) or prompt_missing(self, row):
            return  # advice for an example in the profile's format: FT401 comes first
        view = row.view
        if any(has_dialogue(row, turns) and not any(t.role == SYSTEM for t in turns) for turns in conversations(view)):
            yield Violation("example has no system message", prompt_pointer(row) if view.is_preference else dialogue_pointer(row, view.turns))


class UserMissing(Rule):
    """An example with no user message trains replies to nothing; usually the
    user turns were lost in an export (cookbook parity). A preference pair (an
    OpenAI DPO row, TRL's, ShareGPT's, LLaMA-Factory v1's) is judged as its
    prompt followed by each answer: where no answer holds a user turn either,
    the prompt lacks it, said once at the prompt; where only some answer
    does, at each answer without one. A DPO input with no message at all is
    FT600's finding."""

    reads = ("shape",)
    code = "FT116"
    name = "user-missing"
    summary = "Example has no user message"
    kinds = ORDERED
    severity = Severity.WARNING
    bad = '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "Hello!"}]}'
    good = '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        view = row.view
        dialogues = conversations(view)
        lacking = [turns for turns in dialogues if has_dialogue(row, turns) and not any(t.role == USER for t in turns)]
        if not lacking or prompt_missing(self, row):
            return
        if all(not t.role_pointer and t.source_role is None for turns in dialogues for t in turns) and row.kind not in CHAT_LIKE:
            return  # TRL's standard texts: the prompt is inside the text, nobody is named
        if a_role_spelt_otherwise(self, row) or meant_as(self, row, USER) or any(role_unread(self, row, turns) for turns in lacking):
            return
        if not view.is_preference:
            yield Violation("example has no user message", dialogue_pointer(row, view.turns))
        elif len(lacking) == len(dialogues):  # neither the prompt nor any answer: the prompt's defect, said once
            yield Violation("example has no user message", prompt_pointer(row))
        else:  # another answer holds the user turn this one lacks
            for turns in lacking:
                where = answer_pointer(turns[len(view.turns):])
                yield Violation(f"no user message in the prompt or in the {where[1:]} answer, so it answers nothing", where)


class LastRole(Rule):
    """What the last message may be depends on the method and provider: an
    RFT prompt must end with the user (the model answers it), while Mistral and
    Bedrock train on the final assistant turn and reject other endings. Driven by
    the profile's ``last_roles``; OpenAI SFT accepts any ending. Silent on a row
    whose whole format the profile refuses (FT401 reports that), on a last
    turn that states no role (FT105 reports it, or FT120 a ShareGPT turn's
    ``from`` written ``From`` or ``frm``), on one whose role its format
    refuses there (FT120: a ShareGPT pair's ``rejected`` from the human;
    FT601: a DPO output not from the assistant), and
    on a row whose turns are cut short by a key in another case or misspelt
    (Alpaca's ``Output``, a ShareGPT pair's ``Chosen``: FT120 names it and
    renames it; a ShareGPT row's ``Chosen`` and ``Rejected``: FT110 does). A preference pair
    (an OpenAI DPO row, TRL's, ShareGPT's, LLaMA-Factory v1's) is judged as
    its prompt followed by each answer, a problem in the prompt reported once;
    an empty or missing answer is FT601's or FT120's finding, not a
    conversation that ends with its prompt."""

    reads = ("shape",)
    code = "FT117"
    name = "last-role"
    summary = "The last message has a role the profile does not allow last"
    kinds = ORDERED
    example_profile = "mistral"
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "bye"}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        allowed = self.context.profile.last_roles
        if allowed is None or format_refused(self, row):
            return
        yield from judge_order(self, row, lambda turns, prompt: self._last(row, turns, allowed, prompt))

    def _last(self, row: Row, turns: tuple[Turn, ...], allowed, prompt: int | None) -> Iterable[Violation]:
        if not turns or len(turns) == prompt:
            return  # a pair whose answers hold no turn: FT601 or FT120 says so, and the prompt ends as it should
        last = turns[-1]
        if not (last.role_pointer or last.role):
            return  # a turn with no role at all: FT105 (OpenAI) or FT120 (ShareGPT's "from", 'frm' for it) says so
        role = last.source_role if last.role_pointer else last.role
        if isinstance(role, str) and role not in allowed and last.role not in allowed and not turns_key_misnamed(self, row):
            # (last: the last turn may be missing because its key is misnamed, Alpaca's 'Output', which FT120 renames)
            expected = " or ".join(sorted(allowed))
            yield Violation(f"the last message is from {show(role)}; profile {self.context.profile.name} needs {expected} last", last.role_pointer or last.pointer)


def format_says(rule: Rule, row: Row, where: str) -> bool:
    """True when FT120 is on and reports the row's format's own problem at ``where``: a finding there would restate it."""
    return bool(where) and rule.context.reports("FT120") and any(problem.pointer == where for problem in row.view.problems)


class RoleAlternation(Rule):
    """Providers with strict chat templates (Together, Bedrock) need user and
    assistant turns to alternate: two user messages in a row are merged or
    rejected. Tool messages and their calls are part of the assistant's turn,
    except where the profile puts a tool result in the user's place
    (LLaMA-Factory: human/observation, then gpt/function_call, else the row is
    skipped), so the assistant must answer it next. Silent on a row whose whole
    format the profile refuses (FT401 reports that). A preference pair (an
    OpenAI DPO row, TRL's, ShareGPT's, LLaMA-Factory v1's) is judged as its
    prompt followed by each answer, a problem in the prompt reported once; a
    prompt that ends with the assistant is FT604's finding, not an answer
    that follows it, and an answer whose role its format refuses there is
    FT120's (a ShareGPT rejected turn from the human) or FT601's (a DPO
    output from the user)."""

    reads = ("shape",)
    code = "FT118"
    name = "role-alternation"
    summary = "User and assistant turns do not alternate"
    kinds = ORDERED
    example_profile = "together"
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "anyone?"}, {"role": "assistant", "content": "Hello!"}]}'
    good = '{"messages": [{"role": "user", "content": "hi anyone?"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        if not self.context.profile.alternate or format_refused(self, row):
            return
        yield from judge_order(self, row, lambda turns, prompt: self._alternation(row, turns, prompt))

    def _alternation(self, row: Row, turns: tuple[Turn, ...], prompt: int | None) -> Iterable[Violation]:
        profile = self.context.profile
        # LLaMA-Factory reads an observation in the human's place: the assistant answers it next. Its messages
        # converter merges consecutive tool messages into one observation; ShareGPT rows write each as a turn
        results_as_user = profile.tool_result_turn == USER
        merged = row.format is not None and row.format.name == "openai-chat"
        # a pair's prompt that ends with the assistant is FT604's finding, not an answer that repeats the assistant
        ends_with_assistant = prompt and turns[prompt - 1].role == ASSISTANT and self.context.reports("FT604")
        previous = None
        before = None
        for position, turn in enumerate(turns):
            after_tool = before is not None and before.role == TOOL
            before = turn
            role = turn.role
            if role == TOOL:
                if not results_as_user:
                    previous = ASSISTANT  # a tool result continues the assistant's turn that called it
                    continue
                if after_tool and merged:
                    continue  # one observation with the result before it
            elif role not in (USER, ASSISTANT):
                continue
            slot = USER if role == TOOL else role
            if slot == previous and not (role == ASSISTANT and after_tool and not results_as_user) and not (ends_with_assistant and position == prompt):
                what = (f"two {role} turns in a row" if role != TOOL and not after_tool else
                        f"a {role} turn right after a tool result" if role != TOOL else "two tool results in a row")
                place = " (a tool result stands in the user's place there)" if results_as_user and (role == TOOL or after_tool) else ""
                yield Violation(f"{what}; profile {profile.name} needs user and assistant to alternate{place}", turn.role_pointer or turn.pointer)
            previous = slot


class SystemPosition(Rule):
    """A system message in the middle of a conversation is unusual everywhere
    and rejected by providers whose templates only place it first (Together,
    Fireworks, Mistral, Bedrock). More than one is merged or dropped.
    A preference pair (an OpenAI DPO row, TRL's, ShareGPT's, LLaMA-Factory
    v1's) is judged as its prompt followed by each answer, a problem in the
    prompt reported once; a DPO output that is a system message is FT601's
    finding (the outputs are the assistant's)."""

    reads = ("shape",)
    code = "FT119"
    name = "system-position"
    summary = "A system message is not the first message"
    severity = Severity.WARNING
    kinds = ORDERED
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "Hello!"}]}'
    good = '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        yield from judge_order(self, row, self._positions)

    def _positions(self, turns: tuple[Turn, ...], prompt: int | None) -> Iterable[Violation]:
        profile = self.context.profile
        for position, turn in enumerate(turns):
            if turn.role == SYSTEM and turn.source_role != "developer" and position > 0:
                if turn.role_pointer and turn.source_role not in profile.roles and self.context.reports("FT106"):
                    continue  # a role the target does not take at all: FT106 says so, and where the prompt goes
                strict = " (this profile only accepts it first)" if profile.system_first_only else ""
                if all(earlier.role == SYSTEM for earlier in turns[:position]):
                    yield Violation(f"a second system message: the row has one already at {turns[0].pointer or '/'}",
                                    turn.role_pointer or turn.pointer)
                    continue
                if prompt is not None and position >= prompt:  # in one of a pair's answers, not in the prompt
                    yield Violation(f"system message in the answer at {turn.pointer}, not first{strict}", turn.role_pointer or turn.pointer)
                    continue
                index = turn.pointer.rsplit("/", 1)[-1]
                yield Violation(f"system message at position {index}, not first{strict}", turn.role_pointer or turn.pointer)


class FirstRole(Rule):
    """Some targets need the conversation (after the system prompt) to open
    with the user: Bedrock rejects a record that starts with the assistant,
    LLaMA-Factory skips it ("Invalid role tag"), Together needs system or
    user first. Driven by the profile's ``first_roles``. Silent on a row whose
    whole format the profile refuses (FT401 reports that). A preference pair
    (an OpenAI DPO row, TRL's, ShareGPT's, LLaMA-Factory v1's) is judged as
    its prompt followed by each answer, a problem in the prompt reported once.
    A prompt that holds only a system message leaves each answer to open the
    conversation: where every answer opens with a role the profile refuses
    there, the prompt lacks its first turn, said once at the prompt (it was
    said at each answer); a DPO input with no message at all is FT600's
    finding."""

    reads = ("shape",)
    code = "FT121"
    name = "first-role"
    summary = "The first turn after the system prompt has a role the profile does not allow first"
    kinds = ORDERED
    example_profile = "bedrock"
    bad = '{"messages": [{"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hi."}]}'
    good = '{"system": "Be brief.", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        allowed = self.context.profile.first_roles
        if allowed is None or format_refused(self, row):
            return
        view = row.view
        if view.is_preference and all(t.role == SYSTEM for t in view.turns):
            # no turn after the prompt's system message: each answer opens its conversation, and where every one
            # opens with a refused role the prompt lacks its first turn, one defect of the row
            openers = [self._refused(view.turns + answer, allowed) for answer in answers(view)]
            if openers and all(openers):
                if not prompt_missing(self, row):  # a DPO input with no message: FT600 says so
                    yield Violation(self._prompt_lacks(view, openers), prompt_pointer(row))
                return
        yield from judge_order(self, row, lambda turns, _: self._first(turns, allowed))

    def _refused(self, turns: tuple[Turn, ...], allowed) -> tuple[str, Turn] | None:
        """``(role, turn)`` of the turn that opens the conversation after its system prompt when its role is
        not one the profile allows first, else None."""
        first = next((t for t in turns if t.role != SYSTEM), None)
        if first is None or not (first.role_pointer or first.role):
            return None  # a turn with no role at all: FT105 (OpenAI) or FT120 (ShareGPT's "from") says so
        role = first.source_role if first.role_pointer else first.role
        if isinstance(role, str) and role not in allowed and first.role not in allowed:
            return role, first
        return None

    def _needs(self) -> str:
        return f"profile {self.context.profile.name} needs {' or '.join(sorted(self.context.profile.first_roles))} first"

    def _first(self, turns: tuple[Turn, ...], allowed) -> Iterable[Violation]:
        found = self._refused(turns, allowed)
        if found is not None:
            role, first = found
            yield Violation(f"the conversation opens with {show(role)}; {self._needs()}", first.role_pointer or first.pointer)

    def _prompt_lacks(self, view, openers: list) -> str:
        roles = " and ".join(dict.fromkeys(show(role) for role, _ in openers))
        holds = "no turn" if not view.turns else "only a system message" if len(view.turns) == 1 else "only system messages"
        return f"the prompt holds {holds}, so each answer opens the conversation, with {roles}; {self._needs()}"


class MessageNameInvalid(Rule):
    """OpenAI's API refuses a message whose ``name`` holds anything but
    letters, digits, ``_`` and ``-`` ("Invalid 'messages[1].name': string does
    not match pattern ... '^[a-zA-Z0-9_-]+$'"): a speaker's full name with a
    space, an e-mail address, an accented letter; in a chat row, or anywhere
    in a DPO pair (its input messages and both answers). Driven by the profile's
    ``message_name_pattern`` (OpenAI's and Azure's profiles); the other
    targets render a name, or drop it, without checking.

    Fix (unsafe, it changes what the model is trained to read): strip the
    edge whitespace and replace each character the pattern refuses with
    ``_``; none where that leaves no letter or digit, or would give two
    speakers of the row one name (``李雷`` and ``韩梅`` both ``__``)."""

    requires = ("message_name_pattern",)  # idle (never built) under a profile that does not check names
    screen = ("name",)  # no "name" anywhere in the line: no message name to judge
    code = "FT122"
    name = "message-name-invalid"
    summary = "A message's name has characters the API refuses"
    kinds = CHAT_LIKE | {PREFERENCE}
    fix = Applicability.UNSAFE
    bad = '{"messages": [{"role": "user", "content": "hi", "name": "John Smith"}, {"role": "assistant", "content": "Hello!"}]}'
    good = '{"messages": [{"role": "user", "content": "hi", "name": "John_Smith"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        pattern = self.context.options["message_name_pattern"]
        names = _message_names(row)
        suggested = {name: _safe_name(name) for _, name in names}
        for where, name in names:
            if not pattern.fullmatch(name):  # fullmatch: '$' would let "bob\n" pass
                safe = suggested[name]
                # no suggestion for a name of no letter or digit (李雷 and 韩梅 would both become '__'), one that
                # another name of the row already is or becomes, a plugin profile's own pattern, or a name
                # holding a secret (the underscores would make it unrecognisable to the redaction)
                if (safe is None or not pattern.fullmatch(safe) or first_secret(name) is not None
                        or any(other != name and (other == safe or suggested[other] == safe) for _, other in names)):
                    yield Violation(f"name {show(name)} does not match {pattern.pattern}", where)
                    continue
                fix = Fix("replace the refused characters with '_'", Applicability.UNSAFE, edits=(patching.replace(where, safe),))
                yield Violation(f"name {show(name)} does not match {pattern.pattern} (the API refuses it); "
                                f"for example {show(safe)}", where, fix)


def _message_names(row: Row) -> list[tuple[str, str]]:
    """``(pointer, name)`` of every message name of the row: a chat row's messages, or a DPO pair's
    input messages and both answers (the API checks the name of each, wherever it sits)."""
    if row.kind == PREFERENCE:
        view = row.view
        turns = view.turns + (view.chosen or ()) + (view.rejected or ())
        return [(turn.pointer + "/name", turn.name) for turn in turns if isinstance(turn.name, str)]
    return [(pointer("messages", index, "name"), message.get("name")) for index, message in messages_of(row)
            if isinstance(message.get("name"), str)]


def _safe_name(name: str) -> str | None:
    """``name`` with its edge whitespace stripped and every other character OpenAI refuses made ``_``; None
    when no letter or digit is left to tell the speaker by."""
    safe = re.sub(r"[^a-zA-Z0-9_-]", "_", name.strip())
    return safe if re.search("[a-zA-Z0-9]", safe) else None


class FormatProblem(Rule):
    """What a format's own reader would reject: a ShareGPT turn without
    ``value``, a KTO ``label`` that is not a boolean, a row mixing two TRL
    types, ``tools`` that are not valid JSON, a Nova content block of an
    unknown shape. Each format adapter (``linter.formats``) reports these for
    its rows, with the pointer of the field in the source row.

    Fix: a key the format needs, held in another case (a ShareGPT turn's
    ``From``, Alpaca's ``Output``, a pair's ``Chosen`` or v1's
    ``Rejected_messages``), is renamed (safe); held misspelt (``vlaue``,
    ``outptu``, ``rejcted``), it is renamed too (unsafe, it is a guess). The
    finding is at that key, and the rules that would only restate the
    missing turns (FT110, FT112, FT117) stay silent."""

    # the adapter's problems are part of what its structure() covers: rows of a
    # format that cannot say so have no shape and run this rule every time
    reads = ("shape",)
    code = "FT120"
    name = "format-invalid"
    summary = "A field does not have the shape its format requires"
    kinds = ADAPTED_KINDS | CHAT_LIKE
    fix = Applicability.SAFE
    example_profile = "llamafactory"
    bad = '{"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt"}]}'
    good = '{"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for problem in row.view.problems:
            yield Violation(problem.message, problem.pointer, problem_fix(problem))


def problem_fix(problem) -> Fix | None:
    """The rename a problem names (``Problem.rename``: a key the format needs, held misnamed), else None."""
    if problem.rename is None:
        return None
    where, key, target = problem.rename
    return renaming(key, target, tuple(jsonpointer.JsonPointer(where).parts))


RULES = (
    RowNotObject,
    MessagesMissing,
    MessagesNotList,
    MessagesEmpty,
    MessageNotObject,
    RoleMissing,
    RoleUnknown,
    ContentMissing,
    ContentTypeInvalid,
    UnknownKey,
    UnknownMessageKey,
    AssistantMissing,
    WeightInvalid,
    WeightNotAssistant,
    SystemMissing,
    UserMissing,
    LastRole,
    RoleAlternation,
    SystemPosition,
    FormatProblem,
    FirstRole,
    MessageNameInvalid,
)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
