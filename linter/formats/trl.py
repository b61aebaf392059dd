"""TRL's dataset types (docs/source/dataset_formats.md): language modeling
(``text``), prompt-only, prompt-completion (conversational; the standard one
is ``prompt-completion``), preference with explicit or implicit prompt,
unpaired preference (``label``) and stepwise supervision.

Each type is recognised by its keys, in its standard (strings) or
conversational (message lists) form. A row mixing two types (``label`` next to
``chosen``) or both forms (a string prompt with a message-list completion)
is reported by the adapter.
"""

from __future__ import annotations

from typing import Any

from ..text import describe_type
from ..view import ASSISTANT, USER, Conversation, Problem, Turn
from .base import (Format, Reject, arguments_object, check_bool, openai_tools, extras, message_turns, plain_text, ptr, require_known_roles, same_turn,
                   shared_prefix, split_last_answer, text_turn)
from .media import IMAGE_PART, with_images
from .openai import reject_unpaired, write_continued
from .sharegpt import read_media

TRL_KEYS = frozenset({"text", "messages", "prompt", "completion", "chosen", "rejected", "label", "completions", "labels", "tools",
                      "images", "image", "chat_template_kwargs"})
_TYPE_KEYS = ("prompt", "completion", "chosen", "rejected", "label", "completions", "labels")
_MEDIA = (("images", "image"), ("image", "image"))  # TRL's columns: a list of images, or one


def _side(value: Any, where: str, role: str, problems: list, what: str) -> tuple[tuple[Turn, ...], str | None]:
    """Turns of one TRL column and its form: ``standard`` (a string) or ``conversational`` (messages); None
    for a column that is neither (null, a number: its own problem says so), which is in no form."""
    if isinstance(value, list):
        return message_turns(value, where, problems), "conversational"
    turn = text_turn(value, where, role, problems, f"{what} (a string or a list of messages)")
    return ((turn,) if turn else ()), ("standard" if turn else None)


def _mixed(forms: dict, problems: list) -> None:
    """A row whose columns are in both forms; a column in neither (``_side``) mixes nothing: a null completion
    beside a conversational prompt is a missing completion, said once, not a standard one."""
    forms = {k: v for k, v in forms.items() if v is not None}
    if len(set(forms.values())) > 1:
        described = ", ".join(f"{k} is {v}" for k, v in forms.items())
        problems.append(Problem(f"row mixes TRL's standard and conversational forms ({described}); TRL reads one column to decide", "/" + next(iter(forms))))


def _mixed_types(value: dict, allowed: frozenset, name: str, problems: list) -> None:
    other = [k for k in _TYPE_KEYS if k in value and k not in allowed]
    if other:
        problems.append(Problem(f"row mixes TRL types: {name} plus {', '.join(other)} (TRL's apply_chat_template raises KeyError)", "/" + other[0]))


class _TRL(Format):
    keys = TRL_KEYS
    detect_reads: frozenset[str] | None = frozenset()

    def _finish(self, value, turns, problems, **fields) -> Conversation:
        tools = value.get("tools")
        return Conversation(self.name, self.kind, tuple(turns), tools=tools, tools_pointer="/tools" if "tools" in value else "",
                            images=read_media(value, _MEDIA), extras=extras(value, TRL_KEYS), problems=tuple(problems), **fields)

    def write(self, conversation: Conversation) -> dict:
        return trl_row(conversation, self._write)

    def _write(self, conversation: Conversation) -> dict:
        raise NotImplementedError


def trl_row(conversation: Conversation, write) -> dict:
    """The row ``write`` makes of the conversation once its images are TRL's (each a ``{"type": "image"}``
    part at its place, the images themselves in the row's ``images``, in the same order; refused when an
    image would be in an answer), its calls' arguments objects."""
    return with_images(conversation, "TRL", lambda placed: _images_in_prompt(_arguments_as_objects(write(placed))))


_MESSAGE_COLUMNS = ("messages", "prompt", "completion", "chosen", "rejected")


def _arguments_as_objects(row: dict) -> dict:
    """TRL's tool-calling examples (and the chat templates that render them with ``tojson``)
    take a call's ``arguments`` as a JSON object, in every column of messages; OpenAI's format
    writes a JSON string. A string that is not a JSON object stays as it is (nothing is lost)."""
    for key in _MESSAGE_COLUMNS:
        side = row.get(key)
        for message in side if isinstance(side, list) else ():
            for call in message.get("tool_calls") or ():
                function = call.get("function") if isinstance(call, dict) else None
                if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                    parsed = arguments_object(function["arguments"])
                    if isinstance(parsed, dict):
                        function["arguments"] = parsed
    return row


def _images_in_prompt(row: dict) -> dict:
    """The row, when none of its image parts is in an answer (TRL gives a row's images to its prompt only)."""
    for key in ("completion", "chosen", "rejected"):
        side = row.get(key)
        if isinstance(side, list) and any(part == IMAGE_PART for message in side if isinstance(message.get("content"), list)
                                          for part in message["content"]):
            raise Reject(f"an image would be in the {key}; TRL gives a row's images to its prompt only, so it would refuse the row")
    return row


def _write_sides(prompt, sides, standard: bool) -> tuple[Any, list]:
    """TRL's prompt column and each continuation's (completion; chosen and rejected): strings in the
    standard form, else messages written as one conversation with the prompt (``write_continued``)."""
    if standard:
        def text(turns):
            return "".join(plain_text(t, "a TRL standard column") for t in turns)
        return text(prompt), [text(side) for side in sides]
    return write_continued(prompt, sides, "TRL messages")


def _prompt_completion(conversation: Conversation, more: dict) -> dict:
    """``prompt`` and ``completion`` split where the completion starts (or before the trailing answer)."""
    turns = conversation.turns
    require_known_roles(turns, "TRL messages")  # before the split: a turn of no known role is no answer to split at
    split = conversation.completion_from if conversation.completion_from is not None else split_last_answer(turns)
    if split == len(turns) or split == 0:
        raise Reject("the conversation has no prompt and answer to split")
    prompt, (completion,) = _write_sides(turns[:split], (turns[split:],), _is_standard(turns))
    row = {"prompt": prompt, "completion": completion, **more}
    return {**row, **({"tools": openai_tools(conversation.tools)} if conversation.tools is not None else {}), **dict(conversation.extras)}


def _is_standard(turns) -> bool:
    return bool(turns) and all(t.source_role is None for t in turns)


class TRLText(_TRL):
    name = "trl-text"
    kind = "text"
    description = "TRL language modeling, standard: {\"text\": ...}"
    requires = "a \"text\" string"
    required = (("text",),)

    triggers = frozenset({"text"})

    def detect(self, value: dict) -> int:
        return 4 if "text" in value and not any(k in value for k in ("messages", "prompt", "conversations", "instruction")) else 0

    def view(self, value: dict) -> Conversation:
        problems: list = []
        turn = text_turn(value.get("text"), "/text", ASSISTANT, problems, "text")
        return self._finish(value, [turn] if turn else [], problems)

    def _write(self, conversation: Conversation) -> dict:
        reject_unpaired(conversation, "TRL text")
        if conversation.is_preference or len(conversation.turns) != 1 or conversation.tools is not None:
            raise Reject("only a single text becomes a TRL language-modeling row")
        return {"text": plain_text(conversation.turns[0], "TRL text"), **dict(conversation.extras)}


class TRLPromptOnly(_TRL):
    name = "trl-prompt-only"
    kind = "prompt-only"
    description = "TRL prompt-only (GRPO, RLOO, online DPO): {\"prompt\": ...}"
    requires = "a \"prompt\" (string or messages) and no completion"
    required = (("prompt",),)

    triggers = frozenset({"prompt"})

    def detect(self, value: dict) -> int:
        return 4 if "prompt" in value and not any(k in value for k in _TYPE_KEYS[1:]) and "messages" not in value else 0

    def view(self, value: dict) -> Conversation:
        problems: list = []
        turns, _ = _side(value.get("prompt"), "/prompt", USER, problems, "prompt")
        return self._finish(value, turns, problems)

    def _write(self, conversation: Conversation) -> dict:
        reject_unpaired(conversation, "TRL prompt-only")
        if conversation.is_preference or any(t.role == ASSISTANT for t in conversation.turns[-1:]):
            raise Reject("the conversation has an answer; a prompt-only row would drop it")
        prompt, _ = _write_sides(conversation.turns, (), _is_standard(conversation.turns))
        return {"prompt": prompt, **dict(conversation.extras)}


class TRLPromptCompletion(_TRL):
    """Conversational prompt-completion; the all-string form is ``prompt-completion``."""

    name = "trl-prompt-completion"
    kind = "prompt-completion"
    description = "TRL prompt-completion, conversational: {\"prompt\": [...], \"completion\": [...]}"
    requires = "\"prompt\" and \"completion\" message lists"
    required = (("prompt", "completion"),)
    answers = frozenset({"completion"})

    triggers = frozenset({"prompt", "completion"})
    detect_reads = frozenset({"prompt", "completion"})

    def detect(self, value: dict) -> int:
        if "prompt" in value and "completion" in value and "label" not in value and "chosen" not in value:
            return 7 if isinstance(value["prompt"], list) or isinstance(value["completion"], list) else 0
        return 0

    def view(self, value: dict) -> Conversation:
        problems: list = []
        prompt, prompt_form = _side(value.get("prompt"), "/prompt", USER, problems, "prompt")
        completion, completion_form = _side(value.get("completion"), "/completion", ASSISTANT, problems, "completion")
        _mixed({"prompt": prompt_form, "completion": completion_form}, problems)
        return self._finish(value, prompt + completion, problems, completion_from=len(prompt))

    def _write(self, conversation: Conversation) -> dict:
        reject_unpaired(conversation, "TRL prompt-completion")
        if conversation.is_preference:
            raise Reject("a preference pair cannot be written as prompt-completion")
        return _prompt_completion(conversation, {})


class TRLPreference(_TRL):
    name = "trl-preference"
    kind = "trl-preference"
    description = "TRL preference (DPO, ORPO, reward): prompt/chosen/rejected, or implicit-prompt chosen/rejected"
    requires = "\"chosen\" and \"rejected\" (strings or message lists), with an optional \"prompt\""
    required = (("chosen", "rejected"),)
    answers = frozenset({"chosen", "rejected"})

    triggers = frozenset({"chosen", "rejected"})

    def detect(self, value: dict) -> int:
        return 8 if "chosen" in value and "rejected" in value and "conversations" not in value and "instruction" not in value else 0

    def view(self, value: dict) -> Conversation:
        problems: list = []
        _mixed_types(value, frozenset({"prompt", "chosen", "rejected"}), "preference", problems)
        forms = {}
        prompt: tuple[Turn, ...] = ()
        if "prompt" in value:
            prompt, forms["prompt"] = _side(value["prompt"], "/prompt", USER, problems, "prompt")
        chosen, forms["chosen"] = _side(value.get("chosen"), "/chosen", ASSISTANT, problems, "chosen")
        rejected, forms["rejected"] = _side(value.get("rejected"), "/rejected", ASSISTANT, problems, "rejected")
        _mixed(forms, problems)
        if "prompt" not in value and forms["chosen"] == "conversational":
            # implicit prompt: the turns both conversations share are the prompt
            shared = shared_prefix(chosen, rejected)
            prompt, chosen, rejected = chosen[:shared], chosen[shared:], rejected[shared:]
            if chosen and rejected:
                _implicit_prompt_problems(prompt, chosen, rejected, problems)
        return self._finish(value, prompt, problems, chosen=chosen, rejected=rejected)

    def _write(self, conversation: Conversation) -> dict:
        reject_unpaired(conversation, "TRL preference")
        if not conversation.is_preference:
            raise Reject("not a preference pair: TRL preference needs chosen and rejected answers")
        turns = conversation.turns
        standard = _is_standard(turns + (conversation.chosen or ()) + (conversation.rejected or ()))
        prompt, (chosen, rejected) = _write_sides(turns, (conversation.chosen or (), conversation.rejected or ()), standard)
        row: dict[str, Any] = {"prompt": prompt} if turns else {}
        row["chosen"], row["rejected"] = chosen, rejected
        if conversation.tools is not None:
            row["tools"] = openai_tools(conversation.tools)
        return {**row, **dict(conversation.extras)}


def _implicit_prompt_problems(prompt: tuple[Turn, ...], chosen: tuple[Turn, ...], rejected: tuple[Turn, ...], problems: list) -> None:
    """What TRL's implicit prompt makes of a pair that is not one: the prompt is the turns both
    conversations open with, so two conversations opening differently have none (each "answer" then
    holds its own question), and a side left with no assistant turn has no answer to prefer."""
    if not prompt and same_turn(chosen[0], rejected[0]):  # the shorter side is only the turn both open with
        name, side = ("rejected", rejected) if len(rejected) < len(chosen) else ("chosen", chosen)
        problems.append(Problem(f"{name} holds only the turns both sides open with: no answer after them", side[-1].pointer))
        return
    if not prompt:
        problems.append(Problem("chosen and rejected open with different turns, so they share no prompt (TRL takes the turns "
                                "both begin with as the prompt): start both with the same conversation, or give a \"prompt\"",
                                rejected[0].pointer))
        return
    for side, name in ((chosen, "chosen"), (rejected, "rejected")):
        if not any(turn.role == ASSISTANT for turn in side):
            problems.append(Problem(f"{name} has no assistant turn after the prompt both share: no answer to compare", side[0].pointer))


class TRLUnpaired(_TRL):
    name = "trl-unpaired-preference"
    kind = "unpaired-preference"
    description = "TRL unpaired preference (KTO, BCO): prompt/completion with a boolean label"
    requires = "\"prompt\", \"completion\" and a boolean \"label\""
    required = (("prompt", "completion", "label"),)
    answers = frozenset({"completion", "label"})

    triggers = frozenset({"label"})

    def detect(self, value: dict) -> int:
        return 8 if "label" in value and "prompt" in value and "completion" in value else 0

    def view(self, value: dict) -> Conversation:
        problems: list = []
        _mixed_types(value, frozenset({"prompt", "completion", "label"}), "unpaired preference", problems)
        check_bool(value.get("label"), "/label", problems, "label")
        prompt, prompt_form = _side(value.get("prompt"), "/prompt", USER, problems, "prompt")
        completion, completion_form = _side(value.get("completion"), "/completion", ASSISTANT, problems, "completion")
        _mixed({"prompt": prompt_form, "completion": completion_form}, problems)
        return self._finish(value, prompt + completion, problems, completion_from=len(prompt), label=value.get("label"), label_pointer="/label")

    def _write(self, conversation: Conversation) -> dict:
        if conversation.label is None or conversation.is_preference or conversation.step_labels is not None:
            raise Reject("not an unpaired-preference row: it needs one answer and a label")
        return _prompt_completion(conversation, {"label": conversation.label})


class TRLStepwise(_TRL):
    name = "trl-stepwise"
    kind = "stepwise"
    description = "TRL stepwise supervision (PRM): prompt, completions (list of steps), labels (one boolean per step)"
    requires = "a \"prompt\" string, a \"completions\" list of strings and a \"labels\" list of booleans of the same length"
    required = (("prompt", "completions", "labels"),)
    answers = frozenset({"completions", "labels"})

    triggers = frozenset({"completions", "labels"})

    def detect(self, value: dict) -> int:
        return 9 if "completions" in value and "labels" in value else 0

    def view(self, value: dict) -> Conversation:
        problems: list = []
        _mixed_types(value, frozenset({"prompt", "completions", "labels"}), "stepwise supervision", problems)
        turns = []
        prompt = text_turn(value.get("prompt"), "/prompt", USER, problems, "prompt")
        if prompt:
            turns.append(prompt)
        steps, labels = value.get("completions"), value.get("labels")
        step_labels = []
        if not isinstance(steps, list):
            problems.append(Problem(f"completions must be a list of strings, got {describe_type(steps)}", "/completions"))
            steps = []
        if not isinstance(labels, list):
            problems.append(Problem(f"labels must be a list of booleans, got {describe_type(labels)}", "/labels"))
            labels = []
        elif len(labels) != len(steps):
            problems.append(Problem(f"{len(labels)} label(s) for {len(steps)} step(s); TRL needs one per step", "/labels"))
        for i, step in enumerate(steps):
            turn = text_turn(step, ptr("/completions", i), ASSISTANT, problems, "a step")
            if turn:
                turns.append(turn)
        for i, label in enumerate(labels):
            check_bool(label, ptr("/labels", i), problems, "a step label")
            step_labels.append((label, ptr("/labels", i)))
        return self._finish(value, turns, problems, step_labels=tuple(step_labels), completion_from=1 if prompt else 0)

    def _write(self, conversation: Conversation) -> dict:
        if conversation.step_labels is None:
            raise Reject("not a stepwise-supervision row: it has no step labels")
        turns = conversation.turns
        if not turns or turns[0].role != USER or any(t.role != ASSISTANT for t in turns[1:]):
            raise Reject("stepwise supervision needs one prompt and assistant steps")
        return {"prompt": plain_text(turns[0], "TRL stepwise"), "completions": [plain_text(t, "TRL stepwise") for t in turns[1:]],
                "labels": [label for label, _ in conversation.step_labels], **dict(conversation.extras)}
