"""What a format adapter is, and the helpers adapters share.

An adapter recognises rows of one format (``detect``), maps a row to the
conversation view (``view``), and writes a view back out in its format
(``write``) or raises ``Reject`` with the reason. Adapters never raise on bad
input: a field of the wrong type becomes a ``Problem`` in the view (reported
as a finding) and the element is left out of the turns.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Hashable

from ..findings import pointer as make_pointer
from ..key_names import meant_keys
from ..text import describe_type, show
from ..view import ASSISTANT, SYSTEM, TOOL, USER, Conversation, Part, Problem, ToolCall, Turn


class Reject(ValueError):
    """A view this writer cannot represent without losing data; the message says what."""


class Format:
    """Base class of format adapters.

    ``kind`` groups formats for rules and profiles (``chat``, ``preference``,
    ``sharegpt``...); ``keys`` are the top-level keys the format knows (used to
    say which formats an unrecognised row resembles); ``requires`` says in
    words what a row needs to be in this format.
    """

    name: ClassVar[str]
    kind: ClassVar[str]
    description: ClassVar[str]
    keys: ClassVar[frozenset[str]] = frozenset()
    # a row is scored by this adapter only when it has one of these keys (None: every row)
    triggers: ClassVar[frozenset[str] | None] = None
    # the top-level keys whose values detect() reads, beyond which keys the row has; None: it may
    # read any. A row holding none of them gets the score of the last row with its keys, unasked
    detect_reads: ClassVar[frozenset[str] | None] = None
    requires: ClassVar[str] = ""
    # the top-level keys a row of this format must have, as alternatives (Alpaca: instruction with output,
    # or instruction with chosen and rejected): an unrecognised row is told the closest format and the key
    # it lacks or misspells (``Detector.closest``)
    required: ClassVar[tuple[tuple[str, ...], ...]] = ()
    # the top-level keys that hold what a row of this format trains or is judged by (its answer, its label):
    # a null there is a missing answer, not an optional key left out, so a table's null cell there is kept
    # (``Detector.null_cells``): a Parquet row's null completion beside its prompt is a prompt/completion row
    # without its answer, not a TRL prompt-only row
    answers: ClassVar[frozenset[str]] = frozenset()
    writable: ClassVar[bool] = True
    # the writable format of this one's family that holds preference pairs, when this one holds one
    # answer per row: ``convert`` names it once when every row it refuses is a pair
    pair_target: ClassVar[str | None] = None

    def detect(self, value: dict) -> int:
        """0 when ``value`` is not in this format, else a score (higher wins)."""
        raise NotImplementedError

    def view(self, value: dict) -> Conversation:
        raise NotImplementedError

    def write(self, conversation: Conversation) -> dict:
        raise Reject(f"ftlint cannot write the {self.name} format")

    def unread(self, value: dict) -> tuple[Problem, ...]:
        """What ``view`` leaves out of the row without a problem of its own: a field of the wrong shape that a
        rule other than FT120 reports (OpenAI's formats: FT1xx, FT6xx). Linting needs no more; ``convert``
        does, since a view without the field would be written as if the row had none (a DPO answer that is a
        string written as ``[]``), so it refuses the row with these. Adapters whose view records every such
        problem (the default) have none to add."""
        return ()

    def rewrites(self, value: dict) -> bool:
        """True when a row this adapter reads is still to be written by ``write`` when converting to
        this same format (it is read in this format but is not its form); by default it is written as read."""
        return False

    def kind_of(self, value: dict, chat_kind: str) -> str:
        return self.kind

    def kind_of_keys(self, keys: frozenset[str], chat_kind: str) -> str | None:
        """The kind ``kind_of`` gives every row with exactly these top-level keys, or None when it
        must read the row. The detector asks it once per key set (and chat kind), so rows of a
        decided key set skip ``kind_of``; it trusts the answer only from the class that defines
        ``kind_of`` or a subclass of it, so an adapter that overrides ``kind_of`` is asked per
        row unless it overrides this too. The default ``kind_of`` answers ``kind``."""
        return self.kind if getattr(self.kind_of, "__func__", None) is Format.kind_of else None

    def structure(self, value: dict) -> Hashable | None:
        """What the view's structure depends on beyond the row's shape, or None when the adapter cannot say.

        The engine remembers the structural rules' verdicts per shape
        (``linter.shape.shape_of``: the kind, the top-level keys, each
        message's keys, role, content type and weight); the shape includes
        the adapter and this summary, so it must cover everything else the
        view's turns (roles, source roles, pointers, content states) and its
        problems depend on. Bedrock Claude's system turn exists only when the
        system string is not empty, say. None (the default, and so every
        plugin format's) puts the row out of the memo: every rule runs on it.
        """
        return None


def ptr(base: str, *parts) -> str:
    """``base`` extended by ``parts`` (RFC 6901 escaping only where a part needs it)."""
    for part in parts:
        if isinstance(part, int) or ("~" not in part and "/" not in part):
            base = f"{base}/{part}"
        else:
            base += make_pointer(part)
    return base


# --- reading ---------------------------------------------------------------

OPENAI_ROLES = {"system": SYSTEM, "developer": SYSTEM, "user": USER, "assistant": ASSISTANT, "tool": TOOL, "function": TOOL}
_MESSAGE_KEYS = frozenset({"role", "content", "tool_calls", "tool_call_id", "name", "weight", "function_call", "loss_weight"})
_MEDIA = {"image_url": "image", "image": "image", "input_image": "image", "video": "video", "video_url": "video",
          "audio": "audio", "input_audio": "audio", "audio_url": "audio"}
_TEXT_TYPES = (None, "text", "input_text", "output_text")
_REASONING_TYPES = ("reasoning", "thinking")


def read_part(part: Any, where: str) -> Part:
    """One content part of any of the known part shapes (OpenAI ``text``,
    LLaMA-Factory v1 ``value``, Bedrock Nova ``{"text": ...}``, media parts)."""
    if not isinstance(part, dict):
        return Part("other", where, None, part)
    kind = part.get("type")
    if kind in _TEXT_TYPES or kind in _REASONING_TYPES:
        for key in ("text", "value", "content"):
            if isinstance(part.get(key), str):
                return Part("reasoning" if kind in _REASONING_TYPES else "text", ptr(where, key), part[key], part)
        if kind is not None:
            return Part("text", where, None, part)
    if isinstance(kind, str) and kind in _MEDIA:
        return Part(_MEDIA[kind], where, None, part)
    for key, media in (("image", "image"), ("video", "video"), ("audio", "audio")):
        if key in part:
            return Part(media, where, None, part)
    return Part("other", where, None, part)


def read_content(content: Any, where: str, present: bool) -> tuple[str, tuple[Part, ...]]:
    """``(content_state, parts)`` for a message's content."""
    if not present:
        return "missing", ()
    if content is None:
        return "null", ()
    if isinstance(content, str):
        return "text", (Part("text", where, content, content),)
    if isinstance(content, list):
        return "parts", tuple(read_part(p, ptr(where, i)) for i, p in enumerate(content))
    return "invalid", ()


def read_calls(message: dict, where: str) -> tuple[ToolCall, ...]:
    calls = []
    tool_calls = message.get("tool_calls")
    if isinstance(tool_calls, list):
        for k, call in enumerate(tool_calls):
            if isinstance(call, dict):
                function = call.get("function") if isinstance(call.get("function"), dict) else call
                calls.append(ToolCall(ptr(where, "tool_calls", k), function.get("name"), function.get("arguments"), call.get("id")))
            else:
                calls.append(ToolCall(ptr(where, "tool_calls", k)))
    function_call = message.get("function_call")
    if isinstance(function_call, dict):
        calls.append(ToolCall(ptr(where, "function_call"), function_call.get("name"), function_call.get("arguments")))
    return tuple(calls)


def message_turns(messages: Any, base: str, problems: list | None = None, *, roles: dict = OPENAI_ROLES,
                  role_key: str = "role", content_key: str = "content", weight_key: str = "weight") -> tuple[Turn, ...]:
    """Turns of an OpenAI-style message list (also TRL's, Bedrock's, LLaMA-Factory v1's).

    Messages that are not objects are skipped; with ``problems`` they are reported.
    """
    if not isinstance(messages, list):
        if problems is not None and messages is not None:
            problems.append(Problem(f"expected a list of messages, got {describe_type(messages)}", base))
        return ()
    turns = []
    known = None
    pointers = _message_pointers(base, role_key, content_key, len(messages))
    for i, message in enumerate(messages):
        where, role_pointer, content_pointer = pointers[i] if i < _POINTED else _pointers_at(base, i, role_key, content_key)
        if not isinstance(message, dict):
            if problems is not None:
                problems.append(Problem(f"message is {describe_type(message)}, not an object", where))
            continue
        if len(message) == 2:
            # most messages are exactly a role and a string: the turn message_turn builds, without its tests
            source_role, content = message.get(role_key), message.get(content_key)
            if type(source_role) is str and type(content) is str:
                turns.append(tuple_new(Turn, (
                    roles.get(source_role, ""), source_role, where, role_pointer, content_pointer, "text",
                    (tuple_new(Part, ("text", content_pointer, content, content)),), (), None, None, None, "", ())))
                continue
        if known is None:
            known = _MESSAGE_KEYS | {role_key, content_key, weight_key}
        turns.append(message_turn(message, where, roles, role_key, content_key, weight_key, known))
    return tuple(turns)


tuple_new = tuple.__new__  # a named tuple's own __new__ is this call behind a Python frame and keyword handling
_POINTED = 64  # messages whose pointers are kept: most conversations are shorter
_POINTERS: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}


def _message_pointers(base: str, role_key: str, content_key: str, count: int) -> list[tuple[str, str, str]]:
    """``(message, role, content)`` pointers of the first messages under ``base``, made once per
    process: every row of a dataset points at the same few places."""
    key = (base, role_key, content_key)
    pointers = _POINTERS.get(key)
    if pointers is None:
        if len(_POINTERS) >= 256:  # bases come from the formats' fixed keys; a bound all the same
            _POINTERS.clear()
        pointers = _POINTERS[key] = []
    while len(pointers) < min(count, _POINTED):
        pointers.append(_pointers_at(base, len(pointers), role_key, content_key))
    return pointers


def _pointers_at(base: str, index: int, role_key: str, content_key: str) -> tuple[str, str, str]:
    where = f"{base}/{index}"
    return where, f"{where}/{role_key}", f"{where}/{content_key}"


def message_turn(message: dict, where: str, roles: dict = OPENAI_ROLES, role_key: str = "role",
                 content_key: str = "content", weight_key: str = "weight", known: frozenset | None = None) -> Turn:
    """One OpenAI-style message as a turn (the keys are constants without ``/`` or ``~``: pointers join plainly)."""
    source_role = message.get(role_key)
    role = roles.get(source_role, "") if isinstance(source_role, str) else ""
    content_pointer = f"{where}/{content_key}"
    state, parts = read_content(message.get(content_key), content_pointer, content_key in message)
    if known is None:
        known = _MESSAGE_KEYS | {role_key, content_key, weight_key}
    calls = read_calls(message, where) if "tool_calls" in message or "function_call" in message else ()
    return Turn(
        role, source_role, where, f"{where}/{role_key}" if role_key in message else "", content_pointer, state, parts, calls,
        message.get("tool_call_id"), message.get("name"), message.get(weight_key),
        f"{where}/{weight_key}" if weight_key in message else "",
        () if message.keys() <= known else tuple((k, v) for k, v in message.items() if k not in known),
    )


def unread_messages(holder: dict, key: str, where: str) -> list[Problem]:
    """Problems of the message list ``holder[key]`` that the OpenAI-style views read without recording them
    (``Format.unread``): the key absent, its value not a list, or items that are not objects (the view skips them)."""
    if key not in holder:
        return [Problem(f"{where.rsplit('/', 2)[-2] or 'row'} has no \"{key}\"", where)]
    messages = holder[key]
    if not isinstance(messages, list):
        return [Problem(f"{key} is {describe_type(messages)}, not a message list", where)]
    problems: list[Problem] = []
    message_turns(messages, where, problems)
    return problems


def text_turn(value: Any, where: str, role: str, problems: list, what: str) -> Turn | None:
    """A turn made of one string field (Alpaca ``output``, TRL standard ``completion``)."""
    if isinstance(value, str):
        return Turn(role, None, where, "", where, "text", (Part("text", where, value, value),))
    problems.append(Problem(f"{what} must be a string, got {describe_type(value)}", where))
    return None


def extras(value: dict, known: frozenset[str]) -> tuple[tuple[str, Any], ...]:
    return tuple((k, v) for k, v in value.items() if k not in known)


def missing_key(value: dict, where: str, key: str, known, what: str, why: str) -> Problem:
    """The problem of an object (``what``: a turn, a row) without the key ``key`` its format needs: at the key
    it holds in its place, in another case (``why`` says what that does) or misspelt (``key_names.meant_keys``
    among the format's ``known`` keys), with the rename it takes when that key alone stands for it
    (``Problem.rename``); else at the missing key."""
    others = [k for k, target in meant_keys(value, known).items() if target == key]
    if not others:
        return Problem(f"{what} has no \"{key}\"", ptr(where, key))
    said = " and ".join(show(k) for k in others)
    if len(others) > 1:
        return Problem(f"{what} has no \"{key}\" (it has {said}, both standing for it: keep one)", ptr(where, others[0]))
    other = others[0]
    how = why if other.lower() == key else "a misspelling?"
    return Problem(f"{what} has no \"{key}\" (it has {said}: {how})", ptr(where, other), (where, other, key))


def parse_json(text: Any, where: str, problems: list, what: str) -> Any:
    """``text`` decoded when it is a JSON string, itself when already decoded, None (and a problem) when invalid."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError as exc:
        problems.append(Problem(f"{what} is not valid JSON ({exc.msg} at character {exc.pos})", where))
        return None


def check_bool(value: Any, where: str, problems: list, what: str) -> None:
    if not isinstance(value, bool):
        problems.append(Problem(f"{what} must be true or false, got {show(value)}", where))


# --- writing ---------------------------------------------------------------


def call_id(turn_index: int, call_index: int) -> str:
    """A deterministic tool-call id for formats that have none: 9 letters and digits, so Mistral accepts it too."""
    return f"c{turn_index:05d}{call_index:03d}"[-9:]


def in_call_order(turns: tuple[Turn, ...], target: str) -> tuple[Turn, ...]:
    """``turns`` with each run of tool results put in the order of the calls they answer, for a target that
    pairs results with calls by position (LLaMA-Factory v1 keeps no ``tool_call_id``): results that answer
    parallel calls in another order, by their ids, would otherwise be written against the wrong call, and the
    model would learn Paris's weather as Rome's. Reject a run whose ids cannot be matched one to one with
    the calls before it (an unknown or repeated id, some results without one): that pairing is not positional."""
    out = list(turns)
    index = 0
    while index < len(out):
        turn = out[index]
        index += 1
        if turn.role != ASSISTANT or len(turn.tool_calls) < 2:
            continue
        end = index
        while end < len(out) and out[end].role == TOOL:
            end += 1
        run = out[index:end]
        if not any(result.tool_call_id is not None for result in run):
            continue
        order = {call.id: k for k, call in enumerate(turn.tool_calls) if isinstance(call.id, str)}
        ranks = [order.get(result.tool_call_id) for result in run]
        if None in ranks or len(set(ranks)) != len(ranks):
            raise Reject(f"the tool results after {turn.pointer} do not each answer one of its calls by tool_call_id: "
                         f"{target} pairs results with calls by position")
        out[index:end] = [result for _, result in sorted(zip(ranks, run), key=lambda ranked: ranked[0])]
        index = end
    return tuple(out)


def plain_text(turn: Turn, target: str, called: frozenset = frozenset()) -> str:
    """The turn's text, or Reject when it holds anything a text-only field cannot carry (its training weight,
    its name and other message keys included; ``called`` as ``require_held`` takes it)."""
    if turn.content_state == "invalid":
        raise Reject(f"content at {turn.content_pointer} is neither text nor parts")
    media = [p for p in turn.parts if p.kind != "text"]
    if media:
        raise Reject(f"{media[0].kind} content at {media[0].pointer} cannot be written in {target}")
    if turn.carries_call:
        raise Reject(f"the tool call at {turn.tool_calls[0].pointer} cannot be written in {target}")
    if turn.content_state in ("missing", "null"):
        raise Reject(no_text(turn, target))
    _require_no_weight(turn, target)
    require_held(turn, target, called)
    return turn.text


def require_held(turn: Turn, target: str, called: frozenset = frozenset()) -> None:
    """Reject a turn whose message keys beyond its role, content, calls and weight ``target`` has no place for:
    its ``name`` and the keys no format reads (``Turn.extra``). Writers that hold them (OpenAI-style messages)
    do not call this; the others would write ``{"from": "human", "value": "hi"}`` of a message that also said
    who spoke, unseen. A tool result's name that repeats the function name of a call it answers (``called``:
    ``called_names``) is held by its place after that call, in the targets that pair results by position."""
    lost = [key for key, _ in turn.extra]
    if turn.name is not None and not (turn.role == TOOL and turn.name in called):
        lost.insert(0, "name")
    if lost:
        said = ", ".join(show(key) for key in lost)
        raise Reject(f"the message at {turn.pointer} holds {said}, which {target} has no place for (written, it would lose them)")


def called_names(turns, index: int) -> frozenset:
    """The function names of the calls the turn at ``index`` answers when it is a tool result: those of the
    nearest turn before it with calls, past the results that answer them too."""
    for turn in reversed(turns[:index]):
        if turn.tool_calls:
            return frozenset(call.name for call in turn.tool_calls if isinstance(call.name, str))
        if turn.role != TOOL:
            break
    return frozenset()


def unknown_role(turn: Turn, target: str) -> str:
    """Why a turn whose role maps to none of the view's (``human`` in OpenAI chat, ``System``, none at all)
    is refused: said first, since every check of the turns' order reads their roles and would otherwise
    blame the order ("needs a user instruction") for what the role alone breaks."""
    if not turn.role_pointer:
        return f"the message at {turn.pointer} has no role, so {target} has no place for it"
    return f"role {show(turn.source_role)} at {turn.role_pointer} has no {target} equivalent"


def require_known_roles(turns, target: str) -> None:
    """Reject the first turn whose role the view could not map (``unknown_role``), before a writer judges the
    order of the turns."""
    for turn in turns:
        if not turn.role:
            raise Reject(unknown_role(turn, target))


def no_text(turn: Turn, target: str) -> str:
    """Why a turn with null or no content is refused: writing ``""`` in its place would turn a
    message ``check`` refuses (FT107) into an empty one it only warns about (FT200), unseen."""
    if turn.content_state == "null":
        return f"the content at {turn.content_pointer} is null, which {target} cannot hold (writing \"\" instead would change the row)"
    return f"the turn at {turn.pointer} has no content, which {target} cannot hold (writing \"\" instead would change the row)"


def call_name(call: ToolCall) -> str:
    """The call's function name, to write it; a call without one (FT503) is refused rather than written
    with ``"name": null``, which no trainer can render and no target format accepts."""
    if not isinstance(call.name, str):
        raise Reject(f"the tool call at {call.pointer} has no function name string")
    return call.name


def arguments_text(arguments: Any) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)


def arguments_object(arguments: Any) -> Any:
    if isinstance(arguments, str):
        try:
            return json.loads(arguments)
        except ValueError:
            return arguments
    return arguments


def decoded_tools(tools: Any) -> Any:
    """A tools list held as a JSON string (TRL's and axolotl's datasets) decoded, as their trainers decode
    it; anything else as it is (a string that is not such a list is written as it is, and check says so)."""
    if not isinstance(tools, str):
        return tools
    try:
        decoded = json.loads(tools)
    except ValueError:
        return tools
    return decoded if isinstance(decoded, list) else tools


def openai_tools(tools: Any) -> Any:
    """Tools as OpenAI lists them: bare function definitions (ShareGPT's) wrapped in ``{"type": "function", "function": ...}``."""
    tools = decoded_tools(tools)
    if not isinstance(tools, list):
        return tools
    return [{"type": "function", "function": t} if isinstance(t, dict) and "type" not in t and "name" in t else t for t in tools]


def bare_tools(tools: Any) -> Any:
    """Tools as ShareGPT lists them: the function definitions themselves."""
    tools = decoded_tools(tools)
    if not isinstance(tools, list):
        return tools
    return [t["function"] if isinstance(t, dict) and t.get("type") == "function" and isinstance(t.get("function"), dict) else t for t in tools]


def require_no_weights(turns, target: str) -> None:
    for turn in turns:
        _require_no_weight(turn, target)


def _require_no_weight(turn: Turn, target: str) -> None:
    if turn.weight is not None and not _default_weight(turn):
        raise Reject(f"the training weight at {turn.weight_pointer} cannot be written in {target}")


def _default_weight(turn: Turn) -> bool:
    """A weight that says what every trainer does anyway: train assistant turns, not the others."""
    trained = turn.weight not in (0, 0.0, False)
    return trained == (turn.role == ASSISTANT)


def same_turn(first: Turn, second: Turn) -> bool:
    """True when two turns say the same thing (wherever they sit in the row)."""
    return (first.source_role == second.source_role and first.content_state == second.content_state
            and [(p.kind, p.text, p.source) for p in first.parts] == [(p.kind, p.text, p.source) for p in second.parts]
            and [(c.name, c.arguments) for c in first.tool_calls] == [(c.name, c.arguments) for c in second.tool_calls])


def shared_prefix(chosen: tuple[Turn, ...], rejected: tuple[Turn, ...]) -> int:
    """How many leading turns two full conversations share (their implicit prompt); each keeps one answer turn at least."""
    shared = 0
    while shared < min(len(chosen), len(rejected)) - 1 and same_turn(chosen[shared], rejected[shared]):
        shared += 1
    return shared


def split_last_answer(turns: tuple[Turn, ...]) -> int:
    """Where the trailing assistant turns (the completion) start."""
    index = len(turns)
    while index > 0 and turns[index - 1].role == ASSISTANT:
        index -= 1
    return index
