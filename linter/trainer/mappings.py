"""How a trainer config turns one file's rows into the OpenAI-style rows a chat template takes.

A ``RowMapping`` is called on a row's value and returns an OpenAI row, ``{}``
when the row cannot be rendered (the structure and format rules say why), or a
``Skip`` when the trainer, reading the row as its config says, drops it or
stops on it (FT315 reports the reason). It also carries what the rules need to
know about the mapping, so that they read declarations, never the config file:

- ``roles``: the role values the mapping reads (FT106 accepts exactly these for
  the file), and ``roles_from``, where they are declared;
- ``unread``: top-level keys the trainer does not read in this configuration,
  each with the reason (FT316 says so once per file).

axolotl's mappings (``axolotl_instruction_mapping``, ``completion_mapping``;
chat_template in ``linter.trainer.configs``) declare as unread every column
some format ftlint knows trains on (``DATA_COLUMNS``: an Alpaca ``system`` or
``history``, a ShareGPT ``conversations``...) that the strategy does not read.
Metadata (``id``, ``source``) is left alone, as FT110 leaves it under the
trainer profiles: every trainer drops it, and saying so on every file would be
noise.

LLaMA-Factory's mapping mirrors ``DatasetAttr`` and its ``join``
(``src/llamafactory/data/parser.py``) and the alpaca, sharegpt and openai
converters (``src/llamafactory/data/converter.py``):

- with a ``columns`` object present, every column it omits is None (not read),
  the alpaca defaults ``instruction``/``input``/``output`` and the sharegpt
  default ``conversations`` included; ``tags`` works the same way;
- ``system``, ``tools``, ``history``, media, ``chosen``/``rejected`` default to
  None: they are read only when ``columns`` names them;
- the sharegpt and openai formattings share the tag defaults (``from``,
  ``value``, ``human``, ``gpt``, ``observation``, ``function_call``, ``system``)
  and the ``conversations`` column;
- with ``ranking: true`` a row is a pair only when ``chosen`` and ``rejected``
  are both message objects (sharegpt) or both strings (alpaca), and both
  sharegpt answers carry the assistant or function tag; otherwise the
  pairwise processor drops it. A pair renders as prompt + chosen, as every
  preference row does (``linter.trainer.messages``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..formats.alpaca import ALPACA_KEYS
from ..formats.openai import CHAT_KEYS
from ..formats.sharegpt import SHAREGPT_KEYS
from ..formats.trl import TRL_KEYS
from ..text import describe_type, show
from .hf_tokenizer import TrainerSetupError

# the top-level columns some format ftlint knows trains on: FT316 names those an axolotl strategy leaves unread
DATA_COLUMNS = ALPACA_KEYS | SHAREGPT_KEYS | CHAT_KEYS | TRL_KEYS


@dataclass(frozen=True)
class Skip:
    """A row the trainer drops (or stops on) as its config reads it; ``reason`` completes
    "LLaMA-Factory ..." style sentences and quotes row values only through ``show``."""

    reason: str


@dataclass(frozen=True)
class PlainText:
    """A row the trainer tokenizes as plain text, without a chat template (axolotl ``type: completion``)."""

    text: str


@dataclass(eq=False)
class RowMapping:
    convert: Callable[[Any], Any]
    roles: frozenset[str] | None = None  # the role values the mapping reads; None: the profile's own
    roles_from: str = ""  # where they are declared ("the tags of dataset 'chat' in dataset_info.json"); "" for defaults
    first_roles: frozenset[str] | None = None  # the roles a conversation may open / end with (FT121, FT117); None: the profile's
    last_roles: frozenset[str] | None = None
    unread: dict[str, str] = field(default_factory=dict)  # top-level key -> why the trainer does not read it

    needs_template: bool = True  # False for a text-only mapping (axolotl completion): a base model without a template will do

    def __call__(self, value: Any) -> Any:
        return self.convert(value)


def axolotl_unread(reads: tuple[str, ...], why: str, hints: dict[str, str] | None = None) -> dict[str, str]:
    """FT316's reasons for an axolotl strategy that reads only ``reads``: every other data column, with
    ``why`` (the strategy and what it reads) and a column's own hint where one helps."""
    hints = hints or {}
    return {key: why + (f"; {hints[key]}" if key in hints else "") for key in sorted(DATA_COLUMNS - set(reads))}


def _listed(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def completion_mapping(text_field: str) -> RowMapping:
    """axolotl ``type: completion`` (prompt_strategies/completion.py): the ``field`` column (``text`` by
    default) tokenized as it is, every token trained."""

    def to_text(value: Any) -> Any:
        unread = _unreadable(value, text_field, "axolotl reads the text", "the dataset's field")
        if unread is not None:
            return unread
        text = value[text_field]
        return PlainText(text) if isinstance(text, str) and text else {}  # not a text: the format rules say so

    why = f"axolotl's type completion reads only the {text_field!r} column (prompt_strategies/completion.py)"
    return RowMapping(to_text, needs_template=False, unread=axolotl_unread((text_field,), why))


@dataclass(frozen=True)
class InstructionStrategy:
    """One of axolotl's instruction strategies (``parse_instruction_fields``): the instruction, the input
    (when present) and the output, and with ``system`` the system column too."""

    system: bool
    reader: str  # the class that reads the row, for FT316's reason

    @property
    def reads(self) -> tuple[str, ...]:
        return ("instruction", "input", "output") + (("system",) if self.system else ())


# prompt_tokenizers.py AlpacaPromptTokenizingStrategy: instruction, input (when present) and output, nothing else
_ALPACA = InstructionStrategy(False, "AlpacaPromptTokenizingStrategy")
# prompt_strategies/alpaca_w_system.py InstructionWSystemPromptTokenizingStrategy: the same and the system column
_ALPACA_SYSTEM = InstructionStrategy(True, "InstructionWSystemPromptTokenizingStrategy")
# each ``type`` axolotl resolves to one of these: ``alpaca`` (and ``alpaca:<style>``) through
# utils/data/wrappers.py DATASET_HANDLERS, the others as prompt_strategies modules and their load_* functions.
# Not here: alpaca_chat.load_qa (question/answer), load_camel_ai (message_1/message_2) and alpaca_w_system's
# load_open_orca* (question/response/system_prompt), whose rows the format rules would read as broken Alpaca
AXOLOTL_INSTRUCTION_TYPES = {
    "alpaca": _ALPACA,
    "alpaca_chat": _ALPACA, "alpaca_chat.load": _ALPACA, "alpaca_chat.load_concise": _ALPACA,
    "alpaca_chat.load_no_prompt": _ALPACA,
    "alpaca_instruct": _ALPACA, "alpaca_instruct.load": _ALPACA, "alpaca_instruct.load_no_prompt": _ALPACA,
    "alpaca_w_system": _ALPACA_SYSTEM, "alpaca_w_system.load": _ALPACA_SYSTEM,
    "alpaca_w_system.load_chat": _ALPACA_SYSTEM, "alpaca_w_system.load_instruct": _ALPACA_SYSTEM,
}
_INSTRUCTION_HINTS = {
    "system": "type alpaca_w_system (load_chat or load_instruct) reads a system column",
    "history": "axolotl's instruction types read no earlier turns: write them as messages for type chat_template",
}


def axolotl_instruction_strategy(kind: str) -> InstructionStrategy | None:
    """The strategy of an axolotl ``type``, or None when it is none of the instruction types ftlint mirrors.
    A prompt style after a colon (``alpaca:chatml``) changes the wording, not the columns; axolotl takes
    one only on ``alpaca`` itself (``_parse_dataset_type``)."""
    base, _, style = kind.partition(":")
    return AXOLOTL_INSTRUCTION_TYPES.get(base) if not style or base == "alpaca" else None


def axolotl_instruction_mapping(kind: str, strategy: InstructionStrategy) -> RowMapping:
    """axolotl's instruction rows as a chat: the system prompt (when the strategy reads one and the row
    has it), a user turn (the instruction, then a newline and the input when not empty), the output as the
    assistant's answer. Every other data column is unread (FT316)."""

    def to_openai(value: Any) -> Any:
        if not isinstance(value, dict):
            return {}
        user, answer = value.get("instruction"), value.get("output")
        if not isinstance(user, str) or not isinstance(answer, str):
            return {}  # the format rules say what is missing
        extra = value.get("input")
        if isinstance(extra, str) and extra:
            user = f"{user}\n{extra}"
        system = value.get("system") if strategy.system else None
        messages = [{"role": "system", "content": system}] if isinstance(system, str) and system else []
        return {"messages": messages + [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]}

    why = f"axolotl's type {kind} reads only {_listed(strategy.reads)} ({strategy.reader})"
    hints = {k: v for k, v in _INSTRUCTION_HINTS.items() if k != "system" or not strategy.system}
    return RowMapping(to_openai, unread=axolotl_unread(strategy.reads, why, hints))


LF_COLUMN_DEFAULTS = {"prompt": "instruction", "query": "input", "response": "output", "messages": "conversations"}
LF_TAG_DEFAULTS = {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                   "observation_tag": "observation", "function_tag": "function_call", "system_tag": "system"}
_LF_COMMON = ("system", "tools", "images", "videos", "audios", "chosen", "rejected", "kto_tag")
_LF_READS = {"alpaca": ("prompt", "query", "response", "history") + _LF_COMMON, "sharegpt": ("messages",) + _LF_COMMON}
# the usual name of each column in a file -> the DatasetAttr attribute that would read it
_LF_USUAL = {"instruction": "prompt", "input": "query", "output": "response", "history": "history",
             "conversations": "messages", "messages": "messages", "system": "system", "tools": "tools",
             "images": "images", "videos": "videos", "audios": "audios", "chosen": "chosen", "rejected": "rejected",
             "kto_tag": "kto_tag"}
# the role a LLaMA-Factory tag stands for, as a chat template names it
_LF_ROLE_OF_TAG = {"user_tag": "user", "assistant_tag": "assistant", "observation_tag": "tool", "function_tag": "assistant",
                   "system_tag": "system"}


def _unreadable(value: Any, column: str, reads: str, setting: str) -> Any:
    """``{}`` for a row that is no object (the structure rules say why), a ``Skip`` for one without
    ``column``, which the trainer indexes unguarded (a KeyError), else None."""
    if not isinstance(value, dict):
        return {}
    if column not in value:
        return Skip(f"{reads} from column {column!r} ({setting}), which this row lacks: it stops with a KeyError")
    return None


def _lf_attrs(entry: dict, key: str, defaults: dict) -> dict:
    """DatasetAttr.join: without ``key`` the defaults; with it, exactly what it names (the rest None)."""
    if key not in entry:
        return dict(defaults)
    return {name: entry[key].get(name) for name in defaults}


def llamafactory_mapping(entry: dict, name: str, where: str, info_name: str) -> RowMapping:
    """The mapping of one ``dataset_info.json`` entry (``where`` prefixes the one-line setup errors)."""
    formatting = entry.get("formatting", "alpaca")
    if formatting not in ("alpaca", "sharegpt", "openai"):
        raise TrainerSetupError(f"{where}: formatting {formatting!r} is not alpaca, sharegpt or openai")
    kind = "alpaca" if formatting == "alpaca" else "sharegpt"
    names = _LF_READS["alpaca"] + ("messages",)
    columns = _lf_attrs(entry, "columns", {n: LF_COLUMN_DEFAULTS.get(n) for n in names})
    ranking = bool(entry.get("ranking", False))
    given = "columns" in entry
    if ranking and not (columns["chosen"] and columns["rejected"]):
        raise TrainerSetupError(f"{where}: ranking: true needs columns naming \"chosen\" and \"rejected\" "
                                "(LLaMA-Factory reads the pair from them; they have no default)")
    needed = "messages" if kind == "sharegpt" else (None if ranking else "response")
    if given and needed and not columns[needed]:
        raise TrainerSetupError(f"{where}: columns names no {needed!r}; once columns is given LLaMA-Factory reads no column "
                                f"it leaves out (not even the default {LF_COLUMN_DEFAULTS[needed]!r}), so no row has "
                                f"{'turns' if needed == 'messages' else 'an answer'}")
    label = f"dataset {name!r} of {info_name}"
    unread = _lf_unread(columns, kind, ranking, given)
    if kind == "alpaca":
        return RowMapping(_lf_alpaca(columns, ranking), unread=unread)
    tags = _lf_attrs(entry, "tags", LF_TAG_DEFAULTS)
    for tag in ("role_tag", "content_tag"):
        if not tags[tag]:
            raise TrainerSetupError(f"{where}: tags names no {tag!r}; once tags is given LLaMA-Factory reads no tag it leaves "
                                    f"out (not even the default {LF_TAG_DEFAULTS[tag]!r}), so no message can be read")
    role_of = {tags[tag]: role for tag, role in _LF_ROLE_OF_TAG.items() if tags[tag]}
    # converter.py: turns alternate user or observation tag, then assistant or function tag
    first, last = ({tags[t] for t in names} - {None} for names in (("user_tag", "observation_tag"), ("assistant_tag", "function_tag")))
    return RowMapping(_lf_sharegpt(columns, tags, role_of, ranking), roles=frozenset(role_of),
                      roles_from=f"the tags of {label}" if "tags" in entry else "", unread=unread,
                      first_roles=frozenset(first), last_roles=frozenset(last))


def _lf_unread(columns: dict, kind: str, ranking: bool, given: bool) -> dict[str, str]:
    """The usual column names this configuration leaves unread, with the reason (FT316)."""
    attributes = _LF_READS[kind]
    read = {columns[a] for a in attributes if columns.get(a) and (ranking or a not in ("chosen", "rejected"))}
    unread = {}
    for key, attribute in _LF_USUAL.items():
        if attribute not in attributes or key in read:
            continue
        if attribute in ("chosen", "rejected") and not ranking:
            unread[key] = "LLaMA-Factory reads chosen and rejected answers only for a dataset with \"ranking\": true"
        elif given and LF_COLUMN_DEFAULTS.get(attribute) == key:
            unread[key] = (f"its columns object names no {attribute!r}, and once columns is given LLaMA-Factory reads no "
                           f"column it leaves out (add \"{attribute}\": \"{key}\")")
        else:
            unread[key] = f"LLaMA-Factory reads it only when columns names it (\"{attribute}\": \"{key}\")"
    return unread


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _not_a_pair(first: str, second: str, value: dict, want: type, what: str) -> Skip | None:
    """A ranking row whose answers are not both ``want``: LLaMA-Factory reads it as a plain example,
    and its pairwise processor drops it (fewer than two responses)."""
    for column in (first, second):
        if not isinstance(value.get(column), want):
            held = "nothing" if column not in value else describe_type(value[column])
            return Skip(f"with \"ranking\": true LLaMA-Factory reads a pair only when {first!r} and {second!r} are each "
                        f"{what}, and {column!r} holds {held}: it drops the row (fewer than two responses)")
    return None


def _lf_alpaca(columns: dict, ranking: bool) -> Callable[[Any], Any]:
    prompt, query, response, history = columns["prompt"], columns["query"], columns["response"], columns["history"]
    system, tools = columns["system"], columns["tools"]

    def to_openai(value: Any) -> Any:
        if not isinstance(value, dict):
            return {}
        messages = []
        if system and _text(value.get(system)):
            messages.append({"role": "system", "content": value[system]})
        turns = value.get(history) if history else None
        if isinstance(turns, list):
            for pair in turns:
                if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
                    return {}  # the format rules report the history
                messages += [{"role": "user", "content": pair[0]}, {"role": "assistant", "content": pair[1]}]
        parts = [column for column in (prompt, query) if column and value.get(column)]
        if any(not isinstance(value[column], str) for column in parts):
            return {}
        messages.append({"role": "user", "content": "\n".join(value[column] for column in parts)})
        if ranking:
            skipped = _not_a_pair(columns["chosen"], columns["rejected"], value, str, "a string")
            if skipped:
                return skipped
            answer = value[columns["chosen"]]
        else:
            answer = value.get(response)
            if not isinstance(answer, str):
                return {}  # no answer: the format rules report the missing output
        messages.append({"role": "assistant", "content": answer})
        return _with_tools({"messages": messages}, value, tools)

    return to_openai


def _lf_sharegpt(columns: dict, tags: dict, role_of: dict, ranking: bool) -> Callable[[Any], Any]:
    field_messages, system_column, tools = columns["messages"], columns["system"], columns["tools"]
    role_tag, content_tag, system_tag = tags["role_tag"], tags["content_tag"], tags["system_tag"]
    answer_tags = {tags["assistant_tag"], tags["function_tag"]} - {None}

    def to_openai(value: Any) -> Any:
        unread = _unreadable(value, field_messages, "LLaMA-Factory reads the turns", "columns \"messages\"")
        if unread is not None:
            return unread
        turns = value[field_messages]
        if not isinstance(turns, list) or not all(isinstance(t, dict) for t in turns):
            return {}  # the structure rules say why
        for index, turn in enumerate(turns):
            for tag, key in (("role_tag", role_tag), ("content_tag", content_tag)):
                if key not in turn:
                    return Skip(f"message {index} has no {key!r} key, where LLaMA-Factory reads its {tag[:-4]} ({tag}): "
                                "it stops with a KeyError")
        messages = []
        if system_tag and turns and turns[0][role_tag] == system_tag:
            messages.append({"role": "system", "content": turns[0][content_tag]})
            turns = turns[1:]
        elif system_column and _text(value.get(system_column)):
            messages.append({"role": "system", "content": value[system_column]})
        for turn in turns:
            role = role_of.get(turn[role_tag]) if isinstance(turn[role_tag], str) else None
            if role is None:
                return {}  # a tag the config does not map: FT106 reports it
            messages.append({"role": role, "content": turn[content_tag]})
        if ranking:
            chosen, rejected = columns["chosen"], columns["rejected"]
            skipped = _not_a_pair(chosen, rejected, value, dict, "one message object")
            if skipped:
                return skipped
            for column in (chosen, rejected):
                tag = value[column].get(role_tag)
                if not isinstance(tag, str) or tag not in answer_tags:
                    return Skip(f"{column!r} has role tag {show(tag) if isinstance(tag, str) else describe_type(tag)}, not the "
                                f"assistant or function tag ({', '.join(sorted(answer_tags))}): LLaMA-Factory logs "
                                "'Invalid role tag' and drops the row")
            messages.append({"role": role_of[value[chosen][role_tag]], "content": value[chosen].get(content_tag)})
        return _with_tools({"messages": messages}, value, tools)

    return to_openai


def _with_tools(out: dict, value: dict, tools: str | None) -> dict:
    if tools and value.get(tools):
        out["tools"] = value[tools]  # a JSON string or a list: tools_for_template reads both
    return out
