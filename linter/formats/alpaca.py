"""Alpaca (instruction, input, output, system, history), as LLaMA-Factory
reads it: the user turn is the instruction and the input joined by a newline,
``history`` holds earlier ``[prompt, response]`` pairs, and ``chosen`` /
``rejected`` strings replace ``output`` in preference (ranking) rows.

The view keeps ``instruction`` and ``input`` as two text parts of one user
turn, each with its own pointer, so findings name the field.
"""

from __future__ import annotations

from typing import Any

from ..text import describe_type
from ..view import ASSISTANT, SYSTEM, USER, Conversation, Part, Problem, Turn
from .base import Format, Reject, check_bool, extras, missing_key, plain_text, ptr, require_known_roles, require_no_weights, text_turn
from .openai import reject_unpaired
from .sharegpt import read_media

ALPACA_KEYS = frozenset({"instruction", "input", "output", "system", "history", "chosen", "rejected", "kto_tag", "images", "videos", "audios"})


class Alpaca(Format):
    name = "alpaca"
    kind = "alpaca"
    description = "Alpaca (instruction, input, output, system, history; chosen/rejected for ranking)"
    keys = ALPACA_KEYS
    requires = "an \"instruction\" string and an \"output\" string (or \"chosen\" and \"rejected\")"
    required = (("instruction", "output"), ("instruction", "chosen", "rejected"))
    answers = frozenset({"output", "chosen", "rejected"})

    triggers = frozenset({"instruction"})
    detect_reads = frozenset()

    def detect(self, value: dict) -> int:
        return 6 if "instruction" in value and "conversations" not in value and "messages" not in value else 0

    def view(self, value: dict) -> Conversation:
        problems: list = []
        turns: list[Turn] = []
        if "system" in value:
            turn = text_turn(value["system"], "/system", SYSTEM, problems, "system")
            if turn and turn.text:
                turns.append(turn)
        turns.extend(_history(value, problems))
        parts = []
        for key in ("instruction", "input"):
            if key not in value:
                continue
            text = value[key]
            if isinstance(text, str):
                if text or key == "instruction":
                    parts.append(Part("text", "/" + key, text, text))
            elif text is not None or key == "instruction":
                # a null input is an input left out (LLaMA-Factory skips it, as a table's empty column gives it); a null
                # instruction leaves the row with no question, where LLaMA-Factory trains an empty user turn
                problems.append(Problem(f"{key} must be a string, got {describe_type(text)}", "/" + key))
        turns.append(Turn(USER, None, "/instruction", "", "/instruction", "parts" if parts else "missing", tuple(parts)))
        fields: dict[str, Any] = {}
        if "chosen" in value or "rejected" in value:
            sides = []
            for k in ("chosen", "rejected"):
                if k in value:
                    sides.append(text_turn(value[k], "/" + k, ASSISTANT, problems, k))
                else:  # at the key that holds it misnamed ('Chosen'), with its rename, else at the key
                    problems.append(missing_key(value, "", k, ALPACA_KEYS, "row", "keys are case-sensitive"))
                    sides.append(None)
            fields.update(chosen=tuple(t for t in sides[:1] if t), rejected=tuple(t for t in sides[1:] if t))
        elif "output" in value:
            turn = text_turn(value["output"], "/output", ASSISTANT, problems, "output")
            if turn:
                turns.append(turn)
        else:
            problem = missing_key(value, "", "output", ALPACA_KEYS, "row", "keys are case-sensitive")
            if problem.pointer == "/output":  # no key holds it misnamed
                problem = Problem("row has no \"output\" (or \"chosen\" and \"rejected\")", "/output")
            problems.append(problem)
        if "kto_tag" in value:
            check_bool(value["kto_tag"], "/kto_tag", problems, "kto_tag")
            fields.update(label=value["kto_tag"], label_pointer="/kto_tag")
        return Conversation(self.name, self.kind, tuple(turns), images=read_media(value), extras=extras(value, ALPACA_KEYS),
                            problems=tuple(problems), **fields)

    def write(self, conversation: Conversation) -> dict:
        if conversation.step_labels is not None or conversation.images:
            reject_unpaired(conversation, "Alpaca")
        if conversation.tools is not None:
            raise Reject(f"the tools at {conversation.tools_pointer} cannot be written in Alpaca")
        turns = list(conversation.turns)
        every = turns + list(conversation.chosen or ()) + list(conversation.rejected or ())
        require_no_weights(every, "Alpaca")
        require_known_roles(every, "Alpaca")  # before the order of the roles is judged below
        row: dict[str, Any] = {}
        if turns and turns[0].role == SYSTEM:
            row["system"] = plain_text(turns.pop(0), "an Alpaca system prompt")
        answer = None
        if not conversation.is_preference:
            if not turns or turns[-1].role != ASSISTANT:
                raise Reject("Alpaca needs the conversation to end with an answer")
            answer = turns.pop()
        if not turns or turns[-1].role != USER:
            raise Reject("Alpaca needs a user instruction before the answer")
        last = turns.pop()
        if len(turns) % 2 or any(t.role != (USER, ASSISTANT)[i % 2] for i, t in enumerate(turns)):
            raise Reject("Alpaca history needs alternating user and assistant turns")
        if turns:
            row["history"] = [[plain_text(turns[i], "Alpaca"), plain_text(turns[i + 1], "Alpaca")] for i in range(0, len(turns), 2)]
        by_field = {p.pointer: p.text for p in last.parts if p.kind == "text"}
        if set(by_field) <= {"/instruction", "/input"} and "/instruction" in by_field:
            row["instruction"] = by_field["/instruction"]
            row["input"] = by_field.get("/input", "")
        else:
            row["instruction"], row["input"] = plain_text(last, "Alpaca"), ""
        if answer is not None:
            row["output"] = plain_text(answer, "Alpaca")
        else:
            for key, side in (("chosen", conversation.chosen or ()), ("rejected", conversation.rejected or ())):
                if len(side) != 1:
                    raise Reject(f"{key} has {len(side)} turns; Alpaca ranking holds one string")
                row[key] = plain_text(side[0], "Alpaca")
        if conversation.label is not None:
            row["kto_tag"] = conversation.label
        return {**row, **dict(conversation.extras)}


def _history(value: dict, problems: list) -> list[Turn]:
    history = value.get("history")
    if history is None:
        return []
    if not isinstance(history, list):
        problems.append(Problem(f"history must be a list of [prompt, response] pairs, got {describe_type(history)}", "/history"))
        return []
    turns = []
    for i, pair in enumerate(history):
        where = ptr("/history", i)
        if not (isinstance(pair, list) and len(pair) == 2):
            problems.append(Problem("a history entry must be a [prompt, response] pair", where))
            continue
        for j, role in ((0, USER), (1, ASSISTANT)):
            turn = text_turn(pair[j], ptr(where, j), role, problems, "a history entry")
            if turn:
                turns.append(turn)
    return turns
