"""The conversation view: one read-only shape for every fine-tuning format.

A format adapter (``linter.formats``) maps a row to a ``Conversation``: its
turns (normalised role plus the source role), their text parts, tool calls and
results, training flags, the declared tools, a preference pair or a KTO label.
Every element keeps the JSON pointer of where it sits in the *source* row, so
a rule that reads the view reports ``/conversations/2/value`` for ShareGPT and
``/messages/2/content`` for OpenAI chat, and one rule serves every format.

The view refers to the row's own strings and objects (nothing is copied), and
it is read-only: the conversation, its turns, parts and tool calls are named
tuples (cheap to build: a view is made for every row, and a frozen dataclass
took longer to build than the turns it holds), so no rule can change what
other rules read.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat as _repeat
from typing import Any, NamedTuple

SYSTEM = "system"
USER = "user"
ASSISTANT = "assistant"
TOOL = "tool"
ROLES = (SYSTEM, USER, ASSISTANT, TOOL)


class Part(NamedTuple):
    """One piece of a turn's content: ``kind`` is ``text``, ``image``, ``video``,
    ``audio``, ``reasoning`` or ``other``; ``text`` is set for text-like parts.
    ``source`` is the source object (a part dict, or the string itself)."""

    kind: str
    pointer: str
    text: str | None = None
    source: Any = None


class ToolCall(NamedTuple):
    """A call the assistant makes: ``name`` and ``arguments`` as found (arguments a JSON string or an
    object). Adapters keep every call object, so ``name`` may be None (missing or null) or not a string:
    FT503 reports that in every format, and the writers refuse to write such a call."""

    pointer: str
    name: Any = None
    arguments: Any = None
    id: Any = None


class Turn(NamedTuple):
    """One message of the conversation.

    ``role`` is system/user/assistant/tool, or "" when the source role maps to
    none of them (``source_role`` keeps what the row says). ``role_pointer``
    is "" when the row states no role there (the key is missing, or the
    format implies the role: Alpaca's ``output`` is the assistant's). ``content_state``
    is ``text`` (one string), ``parts`` (a list), ``missing``, ``null`` or
    ``invalid`` (a number, an object...). ``weight`` is the source's training
    flag (OpenAI ``weight``, LLaMA-Factory v1 ``loss_weight``) when present.
    """

    role: str
    source_role: Any
    pointer: str
    role_pointer: str
    content_pointer: str
    content_state: str
    parts: tuple[Part, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: Any = None
    name: Any = None
    weight: Any = None
    weight_pointer: str = ""
    extra: tuple[tuple[str, Any], ...] = ()  # keys the adapter did not map (kept by writers)

    @property
    def texts(self) -> tuple[Part, ...]:
        parts = self.parts
        if len(parts) == 1 and parts[0].text is not None:
            return parts  # most turns are one string: text rules ask for it several times per row
        return tuple(p for p in parts if p.text is not None)

    @property
    def text(self) -> str:
        """The turn's text parts joined by newlines (a new string only when there are several)."""
        parts = self.parts
        if len(parts) == 1 and parts[0].text is not None:
            return parts[0].text
        texts = [p.text for p in parts if p.text is not None]
        return texts[0] if len(texts) == 1 else "\n".join(texts)

    @property
    def carries_call(self) -> bool:
        return bool(self.tool_calls)

    @property
    def is_plain_text(self) -> bool:
        """True when the content is only text (no images or other media)."""
        return all(p.kind == "text" for p in self.parts)


@dataclass(frozen=True, slots=True)
class Problem:
    """A format-specific defect an adapter found (reported as FT120 findings).

    ``rename``: for a key the format needs that the row holds misnamed (a ShareGPT turn's ``From`` or
    ``vlaue``), ``(pointer of its object, the key as written, the key it stands for)``: FT120 offers
    to rename it."""

    message: str
    pointer: str = ""
    rename: tuple[str, str, str] | None = None


class Conversation(NamedTuple):
    """A row as one conversation.

    ``turns`` holds the prompt (and, for SFT, the whole conversation);
    ``completion_from`` marks where a prompt/completion row's completion
    starts. ``chosen``/``rejected`` are the continuations of a preference
    pair; ``label`` is a KTO/unpaired judgement; ``step_labels`` are the
    per-step labels of stepwise supervision (one per assistant turn).
    ``extras`` are top-level keys the adapter did not map (ids, metadata):
    writers carry them over.
    """

    format: str
    kind: str
    turns: tuple[Turn, ...] = ()
    tools: Any = None
    tools_pointer: str = ""
    chosen: tuple[Turn, ...] | None = None
    rejected: tuple[Turn, ...] | None = None
    label: Any = None
    label_pointer: str = ""
    step_labels: tuple[tuple[Any, str], ...] | None = None
    completion_from: int | None = None
    images: tuple[Part, ...] = ()  # media listed beside the conversation (ShareGPT ``images``)
    extras: tuple[tuple[str, Any], ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def is_preference(self) -> bool:
        return self.chosen is not None or self.rejected is not None

    def all_turns(self):
        """``(where, turn)`` for the prompt turns, then the chosen and rejected ones."""
        if self.chosen is None and self.rejected is None:
            return zip(_repeat("turns"), self.turns)  # no pair: the iterator in C (rules walk it a dozen times a row)
        return self._all_turns()

    def _all_turns(self):
        for turn in self.turns:
            yield "turns", turn
        for where, turns in (("chosen", self.chosen), ("rejected", self.rejected)):
            for turn in turns or ():
                yield where, turn

    def dialogues(self) -> tuple[tuple[Turn, ...], ...]:
        """The conversations the row trains: its turns, or a pair's prompt followed by each answer in turn
        (the answers are alternatives, never one after the other)."""
        if self.chosen is None and self.rejected is None:
            return (self.turns,)
        return tuple(self.turns + answer for answer in (self.chosen, self.rejected) if answer is not None)

    @property
    def system(self) -> Turn | None:
        """The first system turn (Bedrock's top-level ``system`` appears as one, at /system)."""
        return next((t for t in self.turns if t.role == SYSTEM), None)
