"""The Mistral backend: the request mistral-finetune builds, validated and counted by mistral-common.

mistral-finetune (``finetune/data/tokenize.py`` ``build_instruct_sample``)
reads a few keys of each message and ignores the rest: ``role``; ``content``
or ``text`` (not both); an assistant's ``tool_calls`` (each with ``id`` and a
``function`` whose ``arguments`` is a string) and ``weight``; a tool
message's ``tool_call_id`` and ``name``. It allows one system message. It
builds mistral-common's fine-tuning messages (``FinetuningAssistantMessage``
carries ``weight``) and validates them in fine-tuning mode; an assistant
message with ``weight`` 0 is in the tokens but not trained.

That request is mistral-finetune's, so it is built only when mistral-finetune
is the trainer: no trainer config and no other trainer's profile. axolotl
(``tokenizer_use_mistral_common``: transformers' ``MistralCommonBackend`` put
in fine-tuning mode by its ``HFMistralTokenizer``) sends the row's OpenAI
messages to mistral-common as they are (``ChatCompletionRequest.from_openai``):
there a second system message is merged, not refused, and ``weight`` is
ignored (every answer is trained). LLaMA-Factory does not use mistral-common,
and TRL reaches it only through that backend (in its default test mode): for
them the tokenizer given renders the rows as axolotl's does, and FT310 says
that mistral-common, not the trainer, refuses them (``refusal``).

What stops a row is kept as ``Problem``s (a message index, the field, a
readable line, and what kind of mistake it is) so that FT310 can point at it
and stay silent where another rule already says the same thing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

ROLES = ("system", "user", "assistant", "tool")

# kinds of problem another rule may already report on the row (FT310 decides, with the profile at hand)
ROLE_MISSING = "role-missing"
ROLE_UNKNOWN = "role-unknown"
CONTENT_MISSING = "content-missing"
CONTENT_TYPE = "content-type"
WEIGHT = "weight"
LAST_ROLE = "last-role"
CALL_ID = "call-id"
CALL_SHAPE = "call-shape"
ARGUMENTS = "arguments"
OTHER = ""


@dataclass(frozen=True)
class Problem:
    """One reason mistral-finetune (or mistral-common) refuses the example."""

    text: str  # one readable line, without pydantic's URL or the offending value
    index: int | None = None  # the message it concerns, when known
    field: tuple = ()  # the path inside that message: ("weight",), ("tool_calls", 0, "id")
    kind: str = OTHER
    value: Any = None  # what the kind's rule compares (a role, a call id)


class MistralRefusal(Exception):
    """The example as mistral-finetune refuses it: its problems, in message order."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].text)
        self.problems = tuple(problems)


def finetuning_messages(messages: list[dict]) -> list[dict]:
    """The messages mistral-finetune builds from a row's (only the keys it reads), or MistralRefusal."""
    problems: list[Problem] = []
    out: list[dict] = []
    system_at = None
    for index, message in enumerate(messages):
        found = _message_problems(index, message)
        if found:
            problems.extend(found)
            continue
        role = message["role"]
        content = message.get("content") if message.get("content") is not None else message.get("text")
        if role == "system":
            if system_at is not None:
                problems.append(Problem(f"a second system message (the first is message {system_at}); mistral-finetune "
                                        "allows only one", index, ("role",)))
                continue
            system_at = index
            out.append({"role": "system", "content": content})
        elif role == "user":
            out.append({"role": "user", "content": content})
        elif role == "assistant":
            calls = message.get("tool_calls")
            out.append({"role": "assistant", "content": content, "weight": message.get("weight"),
                        "tool_calls": [{"id": c["id"], "function": c["function"]} for c in calls] if calls is not None else None})
        else:
            out.append({"role": "tool", "content": content, "tool_call_id": message["tool_call_id"], "name": message.get("name")})
    if problems:
        raise MistralRefusal(problems)
    return out


def _message_problems(index: int, message: dict) -> list[Problem]:
    """build_instruct_sample's checks of one message, in its order."""
    if "role" not in message:
        return [Problem("message has no \"role\"", index, ("role",), ROLE_MISSING)]
    role = message["role"]
    if "content" in message and "text" in message:
        return [Problem("message has both \"content\" and \"text\"; mistral-finetune takes one of them", index, ("text",))]
    calls = message.get("tool_calls")
    if calls is None and message.get("content") is None and message.get("text") is None:
        return [Problem("message has no \"content\" (nor \"text\") and no tool_calls", index, ("content",), CONTENT_MISSING)]
    if not isinstance(role, str) or role not in ROLES:
        return [Problem(f"mistral-finetune does not know the role ({', '.join(ROLES)} only)", index, ("role",), ROLE_UNKNOWN, role)]
    if role == "assistant" and calls is not None:
        return _call_problems(index, calls)
    if role == "tool" and "tool_call_id" not in message:
        return [Problem("tool message has no \"tool_call_id\"", index, ("tool_call_id",))]
    return []


def _call_problems(index: int, calls: Any) -> list[Problem]:
    if not isinstance(calls, list):
        return [Problem("tool_calls is not a list", index, ("tool_calls",), CALL_SHAPE)]
    for number, call in enumerate(calls):
        where = ("tool_calls", number)
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or "id" not in call or "name" not in function or "arguments" not in function:
            return [Problem("tool call needs \"id\" and a \"function\" with \"name\" and \"arguments\"", index, where, CALL_SHAPE)]
        if not isinstance(function["arguments"], str):
            return [Problem("tool call arguments must be a JSON string", index, (*where, "function", "arguments"), ARGUMENTS)]
    return []


def validation_problems(exc: Any, index: int | None = None) -> list[Problem]:
    """pydantic's errors as Problems: ``messages.1.assistant.weight`` -> message 1, field ("weight",); with
    ``index``, the errors of that one message's model (``content`` -> field ("content",))."""
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = error.get("loc", ())
        at, field = index, ()
        if index is not None:
            field = _field(loc)
        elif len(loc) >= 2 and loc[0] == "messages" and isinstance(loc[1], int):
            at, field = loc[1], _field(loc[3:])
        text = " ".join(str(error.get("msg", "")).split())
        kind = CONTENT_TYPE if field[:1] == ("content",) else WEIGHT if field[:1] == ("weight",) else OTHER
        problems.append(Problem(text, at, field, kind))
    return problems or [Problem(_one_line(exc), index)]


def _field(loc: Any) -> tuple:
    """The keys of the row in a pydantic location inside one message (its model's tags left out)."""
    field = tuple(part for part in loc if isinstance(part, int) or re.fullmatch(r"[a-z_]+", str(part)))
    if field and field[0] == "content" and len(field) > 1 and not isinstance(field[1], int):
        return ("content",)  # pydantic's union members ("str", "list[...]") are not keys of the row
    return field


def openai_problems(messages: list[dict]) -> list[Problem]:
    """Why ``ChatCompletionRequest.from_openai`` (what axolotl and transformers send mistral-common)
    cannot convert the messages, one message at a time so that each reason has its place: an unknown or
    missing role, a key its message class indexes unguarded (a user's ``content``, a tool message's
    ``tool_call_id``), a value its model refuses."""
    from mistral_common.protocol.instruct.converters import convert_openai_messages
    from pydantic import ValidationError

    problems: list[Problem] = []
    for index, message in enumerate(messages):
        role = message.get("role")
        try:
            convert_openai_messages([message])
        except KeyError as exc:
            key = str(exc.args[0]) if exc.args else "?"
            kind = CONTENT_MISSING if key == "content" else OTHER
            problems.append(Problem(f"{role} message has no {json.dumps(key)}", index, (key,), kind))
        except ValidationError as exc:
            if message.get("content") is None and role != "assistant":  # a null content is a missing one
                problems.append(Problem(f"{role} message has no \"content\"", index, ("content",), CONTENT_MISSING))
            else:
                problems.extend(validation_problems(exc, index))
        except Exception as exc:  # noqa: BLE001 - ValueError on a role or tool_calls, and whatever else a value provokes
            if role is None or not (isinstance(role, str) and role in ROLES + ("developer",)):
                kind = ROLE_MISSING if "role" not in message else ROLE_UNKNOWN
                problems.append(Problem(f"mistral-common does not know the role ({', '.join(ROLES)} only)", index, ("role",),
                                        kind, role))
            elif role == "assistant" and "tool_calls" in str(exc):  # "tool_calls must be a list": FT503's
                problems.append(Problem(_one_line(exc), index, ("tool_calls",), CALL_SHAPE))
            else:
                problems.append(Problem(_one_line(exc), index))
    return problems


def refusal(trainer: str, name: str) -> str:
    """Who refuses the example, as FT310 says it: mistral-finetune, which builds the request, when it is the
    trainer (``trainer`` ""); else mistral-common's own validation, axolotl's as it sends the row."""
    if not trainer:
        return f"mistral-finetune refuses this example ({name}, fine-tuning validation)"
    if trainer == "axolotl":
        return f"mistral-common refuses this example as axolotl sends it ({name}, fine-tuning validation, tokenizer_use_mistral_common)"
    return f"mistral-common refuses this example ({name}, fine-tuning validation)"


def located(exc: Exception, messages: list[dict]) -> Problem:
    """A mistral-common exception (no location of its own) placed on the message it is about, when it says."""
    text = _one_line(exc)
    roles = [m.get("role") for m in messages]
    if text.startswith("Expected last role"):
        return Problem(text, len(messages) - 1, ("role",), LAST_ROLE, roles[-1] if roles else None)
    if "weight must be" in text:
        for index, message in enumerate(messages):
            if message.get("role") == "assistant" and message.get("weight") not in (None, 0, 1):
                return Problem(text, index, ("weight",), WEIGHT)
    found = re.match(r"Tool call id was (.*) but must be", text)
    if found:
        return _call_id_problem(text, found.group(1), messages)
    found = re.match(r"Unexpected role '(\w+)' after role '(\w+)'", text)
    if found:
        for index in range(1, len(roles)):
            if (roles[index - 1], roles[index]) == (found.group(2), found.group(1)):
                return Problem(text, index, ("role",))
    if text.startswith("Assistant message must have either content or tool_calls"):
        for index, message in enumerate(messages):
            if message.get("role") == "assistant" and bool(message.get("content")) == bool(message.get("tool_calls")):
                return Problem(text, index)
    return Problem(text)


def _call_id_problem(text: str, call_id: str, messages: list[dict]) -> Problem:
    for index, message in enumerate(messages):
        if message.get("role") == "tool" and message.get("tool_call_id") == call_id:
            return Problem(text, index, ("tool_call_id",), CALL_ID, call_id)
        for number, call in enumerate(message.get("tool_calls") or ()):
            if call.get("id") == call_id:
                return Problem(text, index, ("tool_calls", number, "id"), CALL_ID, call_id)
    return Problem(text, kind=CALL_ID, value=call_id)


def assistant_weights(messages: list[Any]) -> list[Any]:
    """The weight of each assistant message mistral-common's normalizer leaves: it merges consecutive
    messages of one role and one weight (``_aggregate_messages``), and its merged message drops the weight."""
    weights = []
    previous = None
    for message in messages:
        key = (message.role, getattr(message, "weight", None))
        if key != previous and message.role == "assistant":
            weights.append(key[1])
        previous = key
    return weights


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return (text[:300] + "...") if len(text) > 300 else text or type(exc).__name__


class MistralBackend:
    """mistral-common in fine-tuning validation mode: the counts the trainer trains on. ``trainer`` is
    the trainer config's framework or the trainer profile's name; "" (mistral-finetune) builds
    mistral-finetune's request, any other sends the OpenAI messages as they are."""

    def __init__(self, path: str, trainer: str = "") -> None:
        self.trainer = trainer
        from mistral_common.protocol.instruct.validator import ValidationMode
        from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

        from .hf_tokenizer import TrainerSetupError

        try:
            self.tokenizer = MistralTokenizer.from_file(path, mode=ValidationMode.finetuning)
        except ImportError as exc:
            raise TrainerSetupError(f"--tokenizer {path}: {str(exc).splitlines()[0]}") from None
        except Exception as exc:  # a corrupt file: mistral-common raises many types
            raise TrainerSetupError(f"--tokenizer {path}: mistral-common cannot load it ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})") from None

    def encode(self, messages: list[dict], tools: list | None):
        """``encode_chat_completion`` of the fine-tuning request, in its three steps (validate, normalize,
        tokenize), keeping the normalized request: (tokens, its messages, each assistant message's weight)."""
        request = self._request(messages, tools)
        try:
            validated = self.tokenizer._chat_completion_request_validator.validate_request(request)
            instruct = self.tokenizer._instruct_request_normalizer.from_chat_completion_request(validated)
            tokens = self.tokenizer.instruct_tokenizer.encode_instruct(instruct).tokens
        except Exception as exc:  # noqa: BLE001 - mistral-common's own exceptions (and asserts) on a row it refuses
            raise MistralRefusal([located(exc, messages)]) from None
        return tokens, instruct.messages, assistant_weights(validated.messages)

    def _request(self, messages: list[dict], tools: list | None):
        """The request the trainer hands mistral-common (mistral-finetune's own, or ``from_openai``'s),
        or MistralRefusal with every reason it cannot be built."""
        from mistral_common.protocol.instruct.messages import FinetuningMessage
        from mistral_common.protocol.instruct.request import ChatCompletionRequest
        from pydantic import ValidationError

        if self.trainer:
            problems = openai_problems(messages)
            if problems:
                raise MistralRefusal(problems)
        try:
            if self.trainer:
                return ChatCompletionRequest.from_openai(messages=messages, tools=tools)
            return ChatCompletionRequest[FinetuningMessage](messages=finetuning_messages(messages), tools=tools)
        except ValidationError as exc:
            raise MistralRefusal(validation_problems(exc)) from None
        except (KeyError, TypeError, ValueError) as exc:  # from_openai's tools: no place in the messages
            raise MistralRefusal([Problem(_one_line(exc))]) from None

    def analyse(self, messages: list[dict], tools: list | None, limit: int | None):
        from .view import Analysis

        try:
            tokens, normalized, weights = self.encode(messages, tools)
        except MistralRefusal as exc:
            return Analysis(error=f"mistral-common: {exc.problems[0].text}", problems=exc.problems)
        last_user = max((i for i, m in enumerate(normalized) if m.role == "user"), default=-1)
        instruct = self.tokenizer.instruct_tokenizer
        trained = kept = 0
        position = 0
        answers = [(i, m) for i, m in enumerate(normalized) if m.role == "assistant"]
        if len(weights) != len(answers):  # a normalizer that merges otherwise: every answer counts as trained
            weights = [None] * len(answers)
        for (index, message), weight in zip(answers, weights):
            piece = instruct.encode_assistant_message(message, index < last_user)
            start = _find(tokens, piece, position)
            if start < 0:
                continue
            position = start + len(piece)
            if weight == 0:
                continue  # in the tokens, not in the loss
            trained += len(piece)
            kept += max(0, min(position, limit or position) - start)
        return Analysis(len(tokens), trained, kept)

    def count_text(self, text: str) -> int:
        return len(self.tokenizer.instruct_tokenizer.tokenizer.encode(text, bos=False, eos=False))


def _find(tokens: list[int], piece: list[int], start: int) -> int:
    if not piece:
        return -1
    first = piece[0]
    n = len(piece)
    for i in range(start, len(tokens) - n + 1):
        if tokens[i] == first and tokens[i:i + n] == piece:
            return i
    return -1
