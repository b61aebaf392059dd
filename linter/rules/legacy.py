"""FT9xx: legacy prompt/completion rows, with the checks of OpenAI's removed
``fine_tunes.prepare_data`` (separators, stop sequences, leading spaces,
common prefixes, case, classification).

Base models learn where the prompt ends and the completion stops only from
the data, so these conventions matter: a fixed separator at the end of every
prompt, a fixed stop sequence at the end of every completion, and a space at
the start of each completion (for tokenizers that merge the space into the
next word). Whole-file checks keep small, mergeable states.
"""

from __future__ import annotations

import copy
import os
from typing import Any, Iterable

from .. import patching
from ..findings import Applicability, Fix, Severity, Violation, pointer
from ..formats.base import missing_key
from ..key_names import meant_keys
from ..plugin import hookimpl
from ..rows import Row, located, place
from ..schema import COMPLETION
from ..text import describe_type, show
from .base import DatasetRule, Rule
from .chat import misnamed_key, problem_fix

KINDS = frozenset({COMPLETION})
KEYS = ("prompt", "completion")
_UNPAIRED = "unpaired-preference"  # TRL's KTO rows: prompt and completion with a boolean label


class _Legacy:
    """What every rule of this module shares: the rows it reads and the profile of its examples."""

    kinds = KINDS
    example_profile = "openai-legacy"


class _Convention(_Legacy):
    """prepare_data's advice for base models, which learned where a prompt ends and a completion stops only
    from the data: idle (never built, never called) under a profile whose trainer marks those boundaries
    itself (TRL, axolotl, Together take the same two strings); on under ``openai-legacy``."""

    requires = ("completion_conventions",)
SEPARATOR = "\n\n###\n\n"
# longest first where one ends another: FT905 takes the first a prompt ends with as its separator
KNOWN_SEPARATORS = ("\n\n###\n\n", "\n###\n", "###", " ->", "->", "\n\n")


def _rows(*pairs: tuple[str, str]) -> str:
    import json

    return "\n".join(json.dumps({"prompt": p, "completion": c}) for p, c in pairs)


GOOD = _rows(("Great service! ->", " positive\n"), ("Slow delivery. ->", " negative\n"), ("Arrived on time. ->", " positive\n"))


def _text(value: Any, key: str) -> str | None:
    item = value.get(key)
    return item if isinstance(item, str) else None


class CompletionKeys(_Legacy, Rule):
    """A legacy row is ``{"prompt": ..., "completion": ...}`` with both keys,
    lower case, both strings. ``Prompt``/``Completion`` are renamed by the fix
    (safe), as prepare_data did; a close spelling (``promt``) is renamed too
    (unsafe, it is a guess), never removed."""

    code = "FT900"
    name = "completion-keys"
    summary = "A prompt/completion row lacks a key, or holds it misnamed (another case, a misspelling)"
    fix = Applicability.SAFE
    bad = '{"Prompt": "Great service! ->", "completion": " positive\\n"}'
    good = '{"prompt": "Great service! ->", "completion": " positive\\n"}'

    def check(self, row: Row) -> Iterable[Violation]:
        value = row.value
        for key in KEYS:
            if key in value:
                if not isinstance(value[key], str):
                    yield Violation(f"{key} must be a string, got {describe_type(value[key])}", pointer(key))
                continue
            problem = missing_key(value, "", key, KEYS, "row", "keys are case-sensitive")
            yield Violation(problem.message, problem.pointer, problem_fix(problem))


class CompletionExtraKeys(_Legacy, Rule):
    """Columns besides prompt and completion are rejected by OpenAI's legacy
    fine-tuning (prepare_data kept only those two) and by Together ("Found
    extra column"); they are often an id or a label that was meant to be part
    of the text. Under a profile whose trainer drops the columns it does not
    read (``trl``, ``axolotl``), a plain column is harmless and not reported.
    A key that looks like prompt or completion misspelt (``promt``) is
    reported under every profile, saying which one it means, and never
    removed: where the row lacks that key, FT900 reports it and renames it.
    Under a profile that trains KTO (``trl``), a misspelt or wrong-case
    ``label`` (``lable``, ``Label``) is that label, and is renamed to it.

    Fix (unsafe, it deletes data): remove the extra keys."""

    code = "FT901"
    name = "completion-extra-keys"
    summary = "A prompt/completion row has keys besides prompt and completion"
    severity = Severity.WARNING
    fix = Applicability.UNSAFE
    bad = '{"prompt": "Great service! ->", "completion": " positive\\n", "id": 17}'
    good = '{"prompt": "Great service! ->", "completion": " positive\\n"}'

    def check(self, row: Row) -> Iterable[Violation]:
        value = row.value
        # a target that trains KTO reads a boolean label beside them: 'lable' is that label misspelt, not a column
        known = KEYS + ("label",) if _UNPAIRED in self.context.profile.kinds else KEYS
        targets = meant_keys(value, known, present=True)
        for key, meant in targets.items():
            # a key that holds a missing prompt or completion is FT900's finding, with its rename
            if meant in value or meant not in KEYS or not self.context.reports("FT900"):
                yield misnamed_key(value, targets, key, "; this key is not read, so its text is not trained", "extra key")
        if self.context.profile.ignores_extra_columns:
            return  # a plain column: TRL's and axolotl's trainers read prompt and completion and drop the rest unread
        extra = [k for k in value if k not in known and k not in targets]
        formats = self.context.profile.exclusive_formats
        if formats and self.context.reports("FT408"):  # another format's keys ('messages'): FT408's root cause, not data to drop
            extra = [k for k in extra if not any(k in keys for keys in formats)]
        if extra:
            yield Violation(f"extra key(s) {', '.join(show(k) for k in extra)}", pointer(extra[0]), Fix("remove the extra keys", Applicability.UNSAFE, edits=tuple(patching.remove(patching.at(k)) for k in extra)))


class CompletionEmpty(_Legacy, Rule):
    """An empty completion teaches the model to stop immediately; prepare_data
    dropped such rows."""

    code = "FT902"
    name = "completion-empty"
    summary = "A completion is empty"
    bad = '{"prompt": "Great service! ->", "completion": ""}'
    good = '{"prompt": "Great service! ->", "completion": " positive\\n"}'

    def check(self, row: Row) -> Iterable[Violation]:
        completion = _text(row.value, "completion")
        if completion is not None and not completion.strip():
            yield Violation("completion is empty", pointer("completion"))


class PromptEmpty(_Legacy, Rule):
    """An empty prompt is legal for open-ended generation, but in a dataset of
    prompted examples it is usually a lost field."""

    code = "FT903"
    name = "prompt-empty"
    summary = "A prompt is empty"
    severity = Severity.WARNING
    bad = '{"prompt": "", "completion": " positive\\n"}'
    good = '{"prompt": "Great service! ->", "completion": " positive\\n"}'

    def check(self, row: Row) -> Iterable[Violation]:
        prompt = _text(row.value, "prompt")
        if prompt is not None and not prompt.strip():
            yield Violation("prompt is empty", pointer("prompt"))


def _common_suffix(a: str | None, b: str) -> str:
    if a is None:
        return b
    return os.path.commonprefix([a[::-1], b[::-1]])[::-1]


def _append(key: str, text: str):
    def apply(value: Any) -> Any:
        if not isinstance(value, dict) or not isinstance(value.get(key), str) or value[key].endswith(text):
            return value
        fixed = copy.deepcopy(value)
        fixed[key] = fixed[key] + text
        return fixed

    return apply


class _SuffixRule(DatasetRule):
    """Every ``key`` text should end with one shared ending; ``ending(state)`` says what to append when none is shared."""

    key = ""
    what = ""  # "prompts", "completions"
    advice = ""  # "a separator", "a stop sequence"

    def ending(self, state) -> str:
        raise NotImplementedError

    def start(self):
        return {"suffix": None, "count": 0, "newline_inside": False}

    def update(self, state, row: Row) -> None:
        text = _text(row.value, self.key)
        if text is None:
            return
        state["suffix"] = _common_suffix(state["suffix"], text)
        state["count"] += 1
        state["newline_inside"] = state["newline_inside"] or "\n" in text.rstrip("\n")

    def merge(self, first, second):
        if second["suffix"] is not None:
            first["suffix"] = _common_suffix(first["suffix"], second["suffix"])
        first["count"] += second["count"]
        first["newline_inside"] = first["newline_inside"] or second["newline_inside"]
        return first

    def finish(self, state) -> Iterable[Violation]:
        if state["count"] >= 2 and not state["suffix"]:
            ending = self.ending(state)
            yield Violation(f"{self.what} share no common ending; end each with {self.advice} such as {show(ending)}",
                            fix=Fix(f"append {show(ending)} to every {self.key}", Applicability.UNSAFE, _append(self.key, ending)))


class PromptSeparator(_Convention, _SuffixRule):
    """Every prompt should end with the same separator (prepare_data suggested
    ``\\n\\n###\\n\\n``) so the model knows where the completion begins; at
    inference you append the same separator.

    Fix (unsafe, it changes every prompt): append ``\\n\\n###\\n\\n``."""

    code = "FT904"
    name = "prompt-separator"
    summary = "Prompts do not end with a common separator"
    severity = Severity.WARNING
    fix = Applicability.UNSAFE
    key = "prompt"
    what = "prompts"
    advice = "a separator"
    bad = _rows(("Great service!", " positive\n"), ("Slow delivery.", " negative\n"))
    good = GOOD

    def ending(self, state) -> str:
        return SEPARATOR


class SeparatorInPrompt(_Convention, Rule):
    """When the separator also appears inside a prompt, the model cannot tell
    where the prompt ends.

    The separator is the longest known one the prompt ends with, and only it is
    looked for in the prompt's body: a prompt ending with ``\\n\\n###\\n\\n``
    also ends with ``\\n\\n``, but that blank line belongs to its separator,
    so ``Review: good\\n\\n###\\n\\n`` is a correct prompt."""

    code = "FT905"
    name = "separator-in-prompt"
    summary = "The prompt separator also appears inside the prompt"
    severity = Severity.WARNING
    bad = '{"prompt": "Rate: fast -> cheap ->", "completion": " positive\\n"}'
    good = '{"prompt": "Rate: fast and cheap ->", "completion": " positive\\n"}'

    def check(self, row: Row) -> Iterable[Violation]:
        prompt = _text(row.value, "prompt")
        if not prompt:
            return
        separator = next((s for s in KNOWN_SEPARATORS if prompt.endswith(s)), None)
        if separator is not None and separator in prompt[: -len(separator)]:
            yield Violation(f"the separator {show(separator)} also appears inside the prompt", pointer("prompt"))


class StopSequence(_Convention, _SuffixRule):
    """Every completion should end with the same stop sequence (``\\n``, or
    `` END`` when completions contain newlines) so generation stops there.

    Fix (unsafe, it changes every completion): append the stop sequence."""

    code = "FT906"
    name = "stop-sequence"
    summary = "Completions do not end with a common stop sequence"
    severity = Severity.WARNING
    fix = Applicability.UNSAFE
    key = "completion"
    what = "completions"
    advice = "a stop sequence"
    bad = _rows(("Great service! ->", " yes"), ("Slow delivery. ->", " no"))
    good = GOOD

    def ending(self, state) -> str:
        return " END" if state["newline_inside"] else "\n"


class StopInCompletion(_Convention, DatasetRule):
    """When the common stop sequence also appears inside a completion,
    generation stops early there. Reported on up to 100 rows."""

    code = "FT907"
    name = "stop-in-completion"
    summary = "The common stop sequence also appears inside a completion"
    severity = Severity.WARNING
    bad = _rows(("Describe ->", " Line one\nLine two\n"), ("Describe more ->", " Short\n"))
    good = GOOD
    candidates = ("\n", " END", "###", "\n\n###\n\n")
    limit = 100

    def start(self):
        return {"suffix": None, "inside": {c: [] for c in self.candidates}, "counts": {c: 0 for c in self.candidates}}

    def update(self, state, row: Row) -> None:
        text = _text(row.value, "completion")
        if text is None:
            return
        state["suffix"] = _common_suffix(state["suffix"], text)
        for candidate in self.candidates:
            if candidate in text[: -len(candidate)] if text.endswith(candidate) else candidate in text:
                state["counts"][candidate] += 1
                if len(state["inside"][candidate]) < self.limit:
                    state["inside"][candidate].append(place(row))

    def merge(self, first, second):
        if second["suffix"] is not None:
            first["suffix"] = _common_suffix(first["suffix"], second["suffix"])
        for candidate in self.candidates:
            first["counts"][candidate] += second["counts"][candidate]
            first["inside"][candidate] = (first["inside"][candidate] + second["inside"][candidate])[: self.limit]
        return first

    def finish(self, state) -> Iterable[Violation]:
        suffix = state["suffix"] or ""
        stop = next((c for c in self.candidates if suffix.endswith(c)), None)
        if stop is None:
            return
        for at in state["inside"][stop]:
            line, column = located(at)
            yield Violation(f"the stop sequence {show(stop)} also appears inside this completion", line=line, column=column)


def _leading_space(value: Any) -> Any:
    completion = value.get("completion") if isinstance(value, dict) else None
    if not isinstance(completion, str) or not completion or completion[0].isspace():
        return value
    fixed = copy.deepcopy(value)
    fixed["completion"] = " " + completion
    return fixed


class CompletionLeadingSpace(_Convention, DatasetRule):
    """With GPT-style tokenizers a word and its leading space are one token, so
    completions should start with a space (prepare_data's advice). Reported
    once, with the number of completions that do not.

    Fix (unsafe, it changes every such completion): prepend a space."""

    code = "FT908"
    name = "completion-leading-space"
    summary = "Completions do not start with a space"
    severity = Severity.INFO
    fix = Applicability.UNSAFE
    bad = _rows(("Great service! ->", "positive\n"), ("Slow delivery. ->", "negative\n"))
    good = GOOD

    def start(self):
        return [0, None]

    def update(self, state, row: Row) -> None:
        text = _text(row.value, "completion")
        if text and not text[0].isspace():
            state[0] += 1
            state[1] = state[1] or place(row)

    def merge(self, first, second):
        return [first[0] + second[0], first[1] or second[1]]

    def finish(self, state) -> Iterable[Violation]:
        if state[0]:
            line, column = located(state[1])
            yield Violation(f"{state[0]:,} completion(s) do not start with a space, the first here", line=line, column=column,
                            fix=Fix("prepend a space to each completion", Applicability.UNSAFE, _leading_space))


class _PrefixState(DatasetRule):
    def start(self):
        return {"prompt": None, "completion": None, "count": 0, "distinct": {}, "upper": 0, "alpha": 0}

    def update(self, state, row: Row) -> None:
        prompt, completion = _text(row.value, "prompt"), _text(row.value, "completion")
        if prompt is None or completion is None:
            return
        state["count"] += 1
        state["prompt"] = prompt if state["prompt"] is None else os.path.commonprefix([state["prompt"], prompt])
        state["completion"] = completion if state["completion"] is None else os.path.commonprefix([state["completion"], completion])
        distinct = state["distinct"]
        if distinct is not None:
            distinct[completion] = distinct.get(completion, 0) + 1
            if len(distinct) > 1000:
                state["distinct"] = None
        state["upper"] += sum(1 for c in completion if c.isupper())
        state["alpha"] += sum(1 for c in completion if c.isalpha())

    def merge(self, first, second):
        for key in ("prompt", "completion"):
            if second[key] is not None:
                first[key] = second[key] if first[key] is None else os.path.commonprefix([first[key], second[key]])
        first["count"] += second["count"]
        if first["distinct"] is None or second["distinct"] is None:
            first["distinct"] = None
        else:
            for text, n in second["distinct"].items():
                first["distinct"][text] = first["distinct"].get(text, 0) + n
            if len(first["distinct"]) > 1000:
                first["distinct"] = None
        first["upper"] += second["upper"]
        first["alpha"] += second["alpha"]
        return first


class CommonPrefix(_Convention, _PrefixState):
    """A long prefix shared by every prompt (a fixed instruction), or every
    completion, is paid for on every example and teaches nothing; prepare_data
    suggested removing it (prompts: 30 characters or more here; completions: 5,
    past a leading space)."""

    code = "FT909"
    name = "common-prefix"
    summary = "Every prompt (or completion) starts with the same long text"
    severity = Severity.INFO
    bad = _rows(("Classify the sentiment of this customer review: Great service! ->", " positive\n"), ("Classify the sentiment of this customer review: Slow. ->", " negative\n"))
    good = GOOD
    min_length = 30

    def finish(self, state) -> Iterable[Violation]:
        prefix = state["prompt"] or ""
        if state["count"] >= 2 and len(prefix) >= self.min_length:
            yield Violation(f"all prompts start with the same {len(prefix):,} characters ({show(prefix, 40)}); consider removing them")
        completion = (state["completion"] or "").lstrip(" ")
        if state["count"] >= 2 and len(completion) >= 5:
            yield Violation(f"all completions start with the same {len(completion):,} characters ({show(completion, 40)}); consider removing them")


class AllIdentical(_Legacy, DatasetRule):
    """When every prompt (or every completion) is the same, the data carries no
    signal; usually a column mapping went wrong."""

    code = "FT910"
    name = "all-identical"
    summary = "Every prompt, or every completion, is identical"
    bad = _rows(("Great service! ->", " positive\n"), ("Great service! ->", " negative\n"))
    good = GOOD

    def start(self):
        # per key: [first value, all equal so far]; and the row count
        return {"prompt": [None, True], "completion": [None, True], "count": 0}

    def update(self, state, row: Row) -> None:
        state["count"] += 1
        for key in ("prompt", "completion"):
            text = _text(row.value, key)
            first = state[key]
            if first[0] is None:
                first[0] = text
            elif text != first[0]:
                first[1] = False

    def merge(self, first, second):
        for key in ("prompt", "completion"):
            a, b = first[key], second[key]
            same = a[1] and b[1] and (a[0] is None or b[0] is None or a[0] == b[0])
            first[key] = [a[0] if a[0] is not None else b[0], same]
        first["count"] += second["count"]
        return first

    def finish(self, state) -> Iterable[Violation]:
        if state["count"] < 2:
            return
        for key in ("prompt", "completion"):
            value, same = state[key]
            if same and value is not None:
                yield Violation(f"all {state['count']:,} {key}s are identical")


class UppercaseShare(_Convention, _PrefixState):
    """When more than a third of the completions' letters are upper case,
    prepare_data suggested lower-casing: upper-case text takes more tokens and
    is harder to learn for base models. Advice only."""

    code = "FT911"
    name = "uppercase-share"
    summary = "Completions are mostly upper case"
    severity = Severity.INFO
    bad = _rows(("Great service! ->", " POSITIVE\n"), ("Slow delivery. ->", " NEGATIVE\n"))
    good = GOOD

    def finish(self, state) -> Iterable[Violation]:
        if state["alpha"] and state["upper"] / state["alpha"] > 1 / 3:
            yield Violation(f"{state['upper'] / state['alpha']:.0%} of the completions' letters are upper case")


class ClassificationDetected(_Convention, _PrefixState):
    """Few distinct completions over many examples is a classification task:
    prepare_data then advised single-token class names (`` positive``) and a
    validation split. Advice only."""

    code = "FT912"
    name = "classification-detected"
    summary = "The dataset looks like classification"
    severity = Severity.INFO
    bad = "\n".join([_rows(("Great service! ->", " positive\n"), ("Slow delivery. ->", " negative\n"))] * 5).replace("!", "!!")
    good = GOOD

    def finish(self, state) -> Iterable[Violation]:
        distinct = state["distinct"]
        if distinct is None or state["count"] < 5:
            return
        classes = len(distinct)
        if 2 <= classes <= 20 and state["count"] >= 5 * classes:
            yield Violation(f"{classes} distinct completions over {state['count']:,} examples: a classification task; keep class names to one token")


RULES = (CompletionKeys, CompletionExtraKeys, CompletionEmpty, PromptEmpty, PromptSeparator, SeparatorInPrompt, StopSequence,
         StopInCompletion, CompletionLeadingSpace, CommonPrefix, AllIdentical, UppercaseShare, ClassificationDetected)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
