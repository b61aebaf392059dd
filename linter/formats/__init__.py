"""Format adapters: recognise a row's format and map it to the conversation view.

Built-in adapters are registered through the ``register_formats`` hook like a
plugin's, so a plugin adds a format by implementing the same hook. Detection
is per row: every adapter scores the row (a few key lookups) and the highest
score wins; ties go to the adapter registered first.
"""

from __future__ import annotations

import difflib
from typing import Any, Iterable, NamedTuple

from .. import schema
from ..findings import pointer
from ..text import show
from ..plugin import hookimpl
from ..view import Conversation
from .alpaca import Alpaca
from .base import Format, Reject
from .bedrock import BedrockClaude, BedrockNova
from .llamafactory import LlamaFactoryV1
from .openai import OpenAIChat, OpenAIDPO, PromptCompletion, chat_row
from .sharegpt import MessagesKTO, ShareGPT, ShareGPTKTO, ShareGPTPreference
from .trl import TRLPreference, TRLPromptCompletion, TRLPromptOnly, TRLStepwise, TRLText, TRLUnpaired, trl_row

__all__ = ["Format", "Reject", "Detector", "BUILTIN_FORMATS", "TRLWriter", "writers"]

BUILTIN_FORMATS: tuple[Format, ...] = (
    OpenAIChat(), OpenAIDPO(), PromptCompletion(), TRLText(), TRLPromptOnly(), TRLPromptCompletion(), TRLPreference(),
    TRLUnpaired(), TRLStepwise(), ShareGPT(), ShareGPTPreference(), ShareGPTKTO(), MessagesKTO(), Alpaca(), LlamaFactoryV1(),
    BedrockClaude(), BedrockNova(),
)


class TRLWriter(Format):
    """``--to trl``: the TRL dataset type that fits each conversation."""

    name = "trl"
    kind = ""
    keys = TRLText.keys  # every TRL type's
    description = "any TRL type, chosen per row (messages, prompt/completion, prompt/chosen/rejected, label, stepwise)"

    def detect(self, value: dict) -> int:
        return 0

    def write(self, conversation: Conversation) -> dict:
        return trl_row(conversation, self._pick)

    def _pick(self, conversation: Conversation) -> dict:
        if conversation.step_labels is not None:
            return TRLStepwise()._write(conversation)
        if conversation.label is not None:
            return TRLUnpaired()._write(conversation)
        if conversation.is_preference:
            return TRLPreference()._write(conversation)
        if conversation.completion_from is not None:
            return TRLPromptCompletion()._write(conversation)
        return chat_row(conversation, "a TRL messages row", "TRL messages")


# what the old ``--to`` names meant
ALIASES = {"chat": "openai-chat", "completion": "prompt-completion"}


def writers(formats: Iterable[Format]) -> dict[str, Format]:
    """Writable formats by name (and the old ``--to`` aliases)."""
    table = {f.name: f for f in formats if f.writable}
    table.setdefault("trl", TRLWriter())
    for alias, name in ALIASES.items():
        if name in table:
            table.setdefault(alias, table[name])
    return table


_NO_MATCH = 0  # a score of 0 never wins


class Detector:
    """Picks the adapter (and the kind) of each row among the registered ones.

    Rows of a dataset share a few key sets, so the work is planned once per
    key set: the adapters that could match at all (``triggers``), and among
    them those whose score the keys alone decide (``detect_reads``: none of
    the keys whose values they read is in the row), asked once; only the
    others are asked on every row (OpenAI chat rows: LLaMA-Factory v1's test
    of the messages). The plan also holds each candidate's kind when the keys
    decide it (``Format.kind_of_keys``), so ``classify`` asks ``kind_of`` only
    when they do not. The highest score wins; ties go to the adapter
    registered first, exactly as if every adapter were asked.
    """

    def __init__(self, formats: Iterable[Format]) -> None:
        self.formats = tuple(formats)
        # key tuple -> (fixed winner, its score, its position, its kind or None,
        #               ((position, adapter asked per row, its kind or None), ...))
        self._plans: dict[tuple, tuple] = {}
        self._chat_kind = schema.CHAT  # the chat kind the plans' kinds are for
        # (adapter, exception) when an adapter's detect() raised on the last row: that adapter
        # counted as not recognising the row, and the engine reports it (FT000) and goes on
        self.failure: tuple[Format, BaseException] | None = None
        self.by_kind: dict[str, Format] = {}
        for adapter in self.formats:
            self.by_kind.setdefault(adapter.kind, adapter)

    def detect(self, value: Any) -> Format | None:
        if not isinstance(value, dict):
            return None
        keys = tuple(value)
        return self._winner(value, self._plans.get(keys) or self._plan(keys, value))[0]

    def classify(self, value: Any, chat_kind: str, default_kind: str) -> tuple[Format | None, str]:
        """``(adapter, kind)`` of a parsed row: ``detect`` then the winner's ``kind_of``, in one
        call per row. A row no adapter recognises is judged as ``default_kind`` (a non-object
        as ``non-object``) and read by that kind's adapter."""
        if chat_kind != self._chat_kind:
            self._plans.clear()  # the kinds planned were for another target
            self._chat_kind = chat_kind
        if not isinstance(value, dict):
            return self.for_kind(schema.NON_OBJECT), schema.NON_OBJECT
        keys = tuple(value)
        best, kind = self._winner(value, self._plans.get(keys) or self._plan(keys, value))
        if kind is None:
            if best is None:
                return self.for_kind(default_kind), default_kind
            kind = best.kind_of(value, chat_kind)
        return best, kind

    def _winner(self, value: dict, plan: tuple) -> tuple[Format | None, str | None]:
        """The row's adapter and, when the keys decide it, its kind (None: ask ``kind_of``): the
        plan's fixed winner against the adapters asked per row, in registration order; the highest
        score wins, ties go to the first registered. ``_score``'s rule, inlined (a call per row)."""
        best, score, position, kind, asked = plan
        for index, adapter, its_kind in asked:
            try:
                found = adapter.detect(value)
            except Exception as exc:  # noqa: BLE001 - one plugin's bug must not stop the file
                self.failure = (adapter, exc)
                continue
            if found is _NO_MATCH:
                continue  # the usual answer, by identity (CPython keeps one 0): cheaper than the test below, which it does not change
            if isinstance(found, int) and (found > score or (found == score and found and index < position)):
                best, score, position, kind = adapter, found, index, its_kind
        return best, kind

    def _score(self, adapter: Format, value: dict) -> int:
        """The adapter's score for the row; a plugin adapter that raises scores 0 (and is reported)."""
        try:
            found = adapter.detect(value)
        except Exception as exc:  # noqa: BLE001 - one plugin's bug must not stop the file
            self.failure = (adapter, exc)
            return 0
        return found if isinstance(found, int) else 0

    def _plan(self, keys: tuple, value: dict) -> tuple:
        """The plan of a key set (see ``_plans``), made on its first row."""
        if len(self._plans) >= 4096:
            self._plans.clear()
        key_set = frozenset(keys)
        fixed, score, position, dynamic = None, 0, -1, []
        for index, adapter in enumerate(self.formats):
            if adapter.triggers is not None and adapter.triggers.isdisjoint(keys):
                continue  # it cannot match a row without its keys
            reads = adapter.detect_reads
            if reads is not None and reads.isdisjoint(keys):
                found = self._score(adapter, value)  # decided by the keys alone: the same for every row of this key set
                if found > score:
                    fixed, score, position = adapter, found, index
            else:
                dynamic.append((index, adapter, self._kind_of_keys(adapter, key_set)))
        kind = self._kind_of_keys(fixed, key_set) if fixed is not None else None
        plan = self._plans[keys] = (fixed, score, position, kind, tuple(dynamic))
        return plan

    def _kind_of_keys(self, adapter: Format, keys: frozenset[str]) -> str | None:
        """The adapter's kind for every row with these keys, or None (ask ``kind_of`` per row).

        The hint speaks for the ``kind_of`` of the class that declares it: a subclass that overrides
        ``kind_of`` (or an instance given its own) and inherits the hint is asked per row, and so is
        a plugin whose ``kind_of_keys`` raises (its ``kind_of`` is what counts)."""
        mro = type(adapter).__mro__
        if "kind_of" in getattr(adapter, "__dict__", ()) or not issubclass(_declarer(mro, "kind_of_keys"), _declarer(mro, "kind_of")):
            return None
        try:
            kind = adapter.kind_of_keys(keys, self._chat_kind)
        except Exception:  # noqa: BLE001 - a hint's bug costs speed, never an answer
            return None
        return kind if isinstance(kind, str) else None

    def null_cells(self, value: dict, nulls: Iterable[str]) -> dict:
        """``value`` with those of ``nulls`` put back as null that stand for a missing answer. ``nulls``: the keys
        whose cells a table held null and its reader left out of the row (Parquet: Arrow gives every row every
        column, null where a row had none, so a null cell reads as an absent key). That is right for an optional
        key (``tools``, ``system``) and for another format's column in a file of mixed rows (a chat row's
        ``prompt``), but a null answer read as absent turns the row into another format's: a prompt/completion
        row whose completion is null would be a TRL prompt-only row, converted with no answer. So a null is kept
        where a format reads the key as its answer (``Format.answers``) and the row holds a value for every
        other key that format requires beside it (the prompt beside the completion)."""
        kept = [key for key in nulls if key not in value and any(
            key in adapter.answers and any(key in needed and all(k == key or value.get(k) is not None for k in needed)
                                           for needed in adapter.required)
            for adapter in self.formats)]
        return {**value, **dict.fromkeys(kept)} if kept else value

    def for_kind(self, kind: str) -> Format | None:
        """The adapter that reads a row judged as ``kind`` though no format matched it."""
        return self.by_kind.get("chat" if kind == "rft" else kind)

    def resemblance(self, value: Any) -> str:
        """Which format an unrecognised row comes closest to, and what it lacks (``closest``'s note)."""
        found = self.closest(value)
        if found is None:
            return "it has none of the keys of a known format (messages, conversations, instruction, prompt, chosen, text...)"
        return found[1]

    def _rarity(self) -> dict[str, float]:
        rarity = self.__dict__.get("_rarity_table")
        if rarity is None:
            rarity = self._rarity_table = _rarity_of(self.formats)
        return rarity

    def closest(self, value: Any) -> Resemblance | None:
        """``(adapter, note, pointer, renames)`` for the format an unrecognised row comes closest to: the one whose
        required keys (``Format.required``) the row has most of, counting a key spelt in another case or
        nearly (``Instruction``, ``conversation``) as misnamed; ties go to the format that knows more of the
        row's keys, then to the one registered first. The note says what is misnamed or missing; the
        pointer is the misnamed key, or the row itself ("") when a key is missing; ``renames`` maps each
        misnamed key of the row to the key it stands for when renaming them is all the row lacks (else it is
        empty). None when the row has none of any format's keys."""
        if not isinstance(value, dict):
            return None
        keys = [k for k in value if isinstance(k, str)]
        rarity = self._rarity()
        best, rank = None, None
        for index, adapter in enumerate(self.formats):
            known = {k.lower() for k in adapter.keys}
            explained = sum(k.lower() in known for k in keys)
            for needed in adapter.required:
                present = [k for k in needed if k in value]
                misnamed = {k: _near(k, keys, adapter.keys) for k in needed if k not in value}
                misnamed = {k: v for k, v in misnamed.items() if v is not None}
                missing = [k for k in needed if k not in value and k not in misnamed]
                if not present and not misnamed:
                    continue
                # a format whose every key the row has yet did not take it is refused for another reason (a
                # key that contradicts it): one the row only lacks a key of comes first; among those, keys few
                # formats need (chosen) tell more than keys many need (prompt)
                telling = sum(rarity[k] for k in (*present, *misnamed))
                score = (bool(missing or misnamed), len(present) + len(misnamed) - len(missing), telling, explained, -index)
                if rank is None or score > rank:
                    best, rank = (adapter, present, misnamed, missing), score
        if best is None:
            return None
        adapter, present, misnamed, missing = best
        said = [f"{show(wrong)} should be \"{right}\"" for right, wrong in misnamed.items()]
        if missing:
            have = f"it has {', '.join(chr(34) + k + chr(34) for k in present)} but " if present else ""
            said.append(f"{have}no {' or '.join(chr(34) + k + chr(34) for k in missing)}")
        if not said:
            said.append(f"{adapter.name} needs {adapter.requires}")
        where = pointer(next(iter(misnamed.values()))) if misnamed and not missing else ""
        renames = {wrong: right for right, wrong in misnamed.items()} if not missing else {}
        return Resemblance(adapter, f"closest is {adapter.name}: {'; '.join(said)}", where, renames)


class Resemblance(NamedTuple):
    """What ``Detector.closest`` found: the format, what the row misnames or lacks, where, and the renames
    that would make it that format's row (a misspelt key is renamed, never removed: FT101's fix, FT110's restraint)."""

    adapter: Format
    note: str
    pointer: str
    renames: dict


def _rarity_of(formats) -> dict[str, float]:
    """1 / how many formats require each key: how much having it says about the format."""
    counts: dict[str, int] = {}
    for adapter in formats:
        for key in {k for needed in adapter.required for k in needed}:
            counts[key] = counts.get(key, 0) + 1
    return {key: 1 / count for key, count in counts.items()}


def _near(key: str, keys: list[str], known) -> str | None:
    """The row's key that looks like ``key`` misspelt (another case, or a close spelling) and is no key the
    format knows as it is."""
    candidates = [k for k in keys if k not in known]
    for k in candidates:
        if k.lower() == key:
            return k
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.8)
    return close[0] if close else None


def _declarer(mro: tuple, name: str) -> type:
    """The class of ``mro`` whose body defines ``name``."""
    return next(cls for cls in mro if name in vars(cls))


@hookimpl
def register_formats(register):
    for adapter in BUILTIN_FORMATS:
        register(adapter)
