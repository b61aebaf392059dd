"""Where OpenAI's own rows keep their tools and messages, read from the source row.

A chat (or RFT) row holds ``tools`` and ``messages`` at the top level. A DPO
pair (``input``, ``preferred_output``, ``non_preferred_output``) holds the
same OpenAI messages and tools one level down: the prompt's messages and its
tools in ``input``, and each answer a list of messages of its own. The tool
rules read both with the same code, so a call in a DPO answer is judged as a
call in a chat row is, and pointed at where it is.

The two answers of a pair are alternatives: each continues the prompt on its
own, so the rules that follow a conversation in order (results answering
calls) read the prompt with each answer (``conversations``), and report what
is wrong in the prompt once (``once``).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from ..findings import Violation
from ..formats.openai import pair_keys
from ..rows import Row
from ..schema import PREFERENCE
from .tokens import dpo_lists

_EMPTY: dict = {}


def declaring(row: Row) -> tuple[str, dict]:
    """``(pointer, object)`` of what declares the row's tools: the row itself (chat), a DPO pair's ``input``
    (an empty object when the input is not one: FT600 reports it)."""
    if row.kind != PREFERENCE:
        return "", row.value
    source = row.value.get("input")
    return "/input", source if isinstance(source, dict) else _EMPTY


def messages(row: Row) -> list[tuple[str, str, dict]]:
    """``(side, pointer, message)`` for each message object of the row, once per row: ``side`` is ``turns``
    for a chat row's messages and a pair's prompt, ``chosen`` or ``rejected`` for a pair's answers."""
    return row.derived(messages, _messages)


def _messages(row: Row) -> list[tuple[str, str, dict]]:
    return [(side, f"{base}/{index}", message) for side, base, listed in _lists(row) for index, message in listed]


def conversations(row: Row) -> list[list[tuple[str, dict]]]:
    """``[(pointer, message)]`` for each conversation the row trains: a chat row's messages; a DPO pair's
    prompt followed by each answer in turn (the answers are alternatives, never one after the other); once per row."""
    return row.derived(conversations, _conversations)


def _conversations(row: Row) -> list[list[tuple[str, dict]]]:
    lists = _lists(row)
    prompt = [(f"{base}/{index}", message) for side, base, listed in lists if side == "turns" for index, message in listed]
    answers = [[(f"{base}/{index}", message) for index, message in listed] for side, base, listed in lists if side != "turns"]
    return [prompt + answer for answer in answers] or [prompt]


def _lists(row: Row) -> list[tuple[str, str, list[tuple[int, dict]]]]:
    """``(side, base pointer, [(index, message)])`` of each list of messages the row holds."""
    if row.kind != PREFERENCE:
        return [("turns", "/messages", row.messages())]
    chosen, rejected = pair_keys(row.value)
    # the lists FT300's bound and the statistics read too (once a row), as the adapter's view reads them
    prompt, chosen_list, rejected_list = row.derived(dpo_lists, dpo_lists) or (None, None, None)
    return [
        ("turns", "/input/messages", _objects(prompt)),
        ("chosen", "/" + chosen, _objects(chosen_list)),
        ("rejected", "/" + rejected, _objects(rejected_list)),
    ]


def _objects(listed: Any) -> list[tuple[int, dict]]:
    """``(index, message)`` of each object in a list of messages (FT600 and FT601 report the rest)."""
    return [(index, item) for index, item in enumerate(listed) if isinstance(item, dict)] if isinstance(listed, list) else []


def each(sequences: list, check: Callable[[Any], Iterable[Violation]]) -> Iterable[Violation]:
    """``check`` on each conversation of a row, a finding in the prompt they share reported once."""
    if len(sequences) == 1:
        return check(sequences[0])
    return once(violation for sequence in sequences for violation in check(sequence))


def once(violations: Iterable[Violation]) -> Iterable[Violation]:
    """Each finding once, by where it is and what it says."""
    seen: set[tuple[str, str]] = set()
    for violation in violations:
        key = (violation.pointer, violation.message)
        if key not in seen:
            seen.add(key)
            yield violation
