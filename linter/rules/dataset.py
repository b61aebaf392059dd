"""FT4xx: rules about the file as a whole: which formats its rows use."""

from __future__ import annotations

from typing import Iterable

from ..findings import Violation, pointer
from ..plugin import hookimpl
from ..rows import Row, located, place
from ..schema import CHAT, DESCRIPTIONS, KINDS, RFT
from .base import LINE, DatasetRule, Rule, TallyRule


# TRL kinds whose one adapter reads both forms, strings (standard) or message lists (conversational), and the
# columns that tell them apart (prompt/completion is two kinds already: completion and prompt-completion)
_TWO_FORMS = {
    "trl-preference": ("prompt", "chosen", "rejected"),
    "prompt-only": ("prompt",),
    "unpaired-preference": ("prompt", "completion"),
}
_FORM_DESCRIPTIONS = {
    "trl-preference": "TRL standard preference (prompt, chosen, rejected strings)",
    "trl-preference/conversational": "TRL conversational preference (prompt, chosen, rejected message lists)",
    "prompt-only": "TRL standard prompt-only (a prompt string)",
    "prompt-only/conversational": "TRL conversational prompt-only (a prompt message list)",
    "unpaired-preference": "standard unpaired preference (KTO: prompt and completion strings with a boolean label)",
    "unpaired-preference/conversational": "conversational unpaired preference (KTO: prompt and completion message lists with a boolean label)",
}


def _form(kind: str, value: dict) -> str:
    """The kind of a row of ``_TWO_FORMS``, told apart by form: a message list in any of its columns makes it
    conversational, as a list in prompt or completion makes a prompt/completion row a prompt-completion one."""
    if any(type(value.get(column)) is list for column in _TWO_FORMS[kind]):
        return kind + "/conversational"
    return kind


class MixedFormats(DatasetRule):
    """One file must use one format: providers pick the training method per
    job, and a DPO row in an SFT file (or the reverse) fails the whole job.
    Reported at the first row of each minority format, with its count.

    TRL's standard (string) and conversational (message list) forms of one
    type are two formats here: a Hugging Face ``datasets`` column holds one
    type, so a file with a string ``chosen`` in one row and a message list in
    another fails to load (Arrow's type error), and TRL decides the form of
    the whole dataset from its first row."""

    code = "FT400"
    name = "mixed-formats"
    summary = "Rows in one file use different formats (chat, DPO, RFT, prompt/completion)"
    scope = LINE
    bad = (
        '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}\n'
        '{"prompt": "hi ->", "completion": " Hello!"}\n'
        '{"messages": [{"role": "user", "content": "bye"}, {"role": "assistant", "content": "Goodbye!"}]}'
    )
    good = (
        '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}\n'
        '{"messages": [{"role": "user", "content": "bye"}, {"role": "assistant", "content": "Goodbye!"}]}'
    )

    def start(self) -> dict:
        return {}  # kind -> [count, first row's place]

    def update(self, state: dict, row: Row) -> None:
        kind = row.kind
        if row.parsed and kind in KINDS:
            if not row.recognised:
                return  # no format recognised the row (FT101 says which it comes closest to): it is in none
            if kind in _TWO_FORMS:
                kind = _form(kind, row.value)
            entry = state.get(kind)
            if entry is None:
                state[kind] = [1, place(row)]
            else:
                entry[0] += 1

    def takes_scanned(self, row: Row) -> bool | None:
        """Later rows of ``row``'s skeleton (the same keys, so the same kind and format) in bulk: counted
        under ``row``'s kind when ``update`` counts it; None where the kind's form depends on values."""
        if not row.parsed or row.kind not in KINDS or not row.recognised:
            return False
        return None if row.kind in _TWO_FORMS else True

    def update_scanned(self, state: dict, scanned) -> None:
        """``update`` of every row of ``scanned`` (all of its one kind) at once."""
        entry = state.get(scanned.kind)
        if entry is None:
            state[scanned.kind] = [len(scanned), int(scanned.places[0])]
        else:
            entry[0] += len(scanned)

    def merge(self, first: dict, second: dict) -> dict:
        merged = {k: list(v) for k, v in first.items()}
        for kind, (count, at) in second.items():
            if kind in merged:
                merged[kind][0] += count
            else:
                merged[kind] = [count, at]
        return merged

    def finish(self, state: dict) -> Iterable[Violation]:
        if len(state) < 2:
            return
        # the majority format wins; ties go to the format seen first
        major = max(state, key=lambda k: (state[k][0], -state[k][1]))
        for kind, (count, at) in sorted(state.items(), key=lambda kv: kv[1][1]):
            if kind != major:
                line, column = located(at)
                yield Violation(
                    f"{count:,} row(s) in {_describe(kind)} format, the first here, but {state[major][0]:,} "
                    f"in {_describe(major)} format; a file must use one format",
                    line=line, column=column,
                )


def _describe(kind: str) -> str:
    return _FORM_DESCRIPTIONS.get(kind) or DESCRIPTIONS[kind]


class FormatUnsupported(Rule):
    """The row's format is not one the profile's target trains on, for example
    legacy prompt/completion rows for OpenAI chat fine-tuning. Convert the
    rows or choose the profile of the intended method. This is the one
    finding for the mismatch: the rules that judge a row against what the
    profile demands of its format (FT106 roles, FT110 and FT111 keys, FT117,
    FT118 and FT121 turn order, FT115 advice, FT600's roles of a preference
    row's input) stay silent on the row until it
    is converted, while findings about what it holds (text, encoding, tool
    calls, the format's own validity) remain. With FT401 not enabled
    (``--ignore FT401``) nothing reports the mismatch, so those rules judge
    the row as before; and FT110/FT111 still name the keys of an OpenAI
    ``messages`` row judged SFT under an RFT profile or the reverse (an extra
    key is what makes an SFT row look like an RFT prompt)."""

    reads = ("shape",)  # the verdict is the row's kind's, and the shape starts with the kind
    per_file = True  # one finding per refused format, with its count: a ShareGPT file said the same on every row
    code = "FT401"
    name = "format-unsupported"
    summary = "Row is in a format the profile does not accept"
    kinds = frozenset(KINDS)
    bad = '{"prompt": "hi ->", "completion": " Hello!"}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def __init__(self, context) -> None:
        super().__init__(context)
        self._hints: dict[str, str] = {}

    def check(self, row: Row) -> Iterable[Violation]:
        profile = self.context.profile
        if row.kind not in profile.kinds:
            hint = self._hints.get(row.kind)
            if hint is None:
                hint = self._hints[row.kind] = _profiles_taking(row.kind, profile)
            yield Violation(f"row is in {DESCRIPTIONS[row.kind]} format, which profile {profile.name} does not accept{hint}")


class FormatAmbiguous(Rule):
    """A row holding the keys of two formats the target reads (``messages`` and
    ``text``, ``messages`` and ``prompt``/``completion``) is one the target
    cannot place: Together rejects the file ("a file that could match two
    formats is rejected"), where other readers pick one format and silently
    ignore the other keys. Driven by the profile's ``exclusive_formats``.

    Fix: none automatic; keep the keys of the format meant, or move the other
    text into it."""

    requires = ("exclusive_formats",)  # idle (never built) under a profile that does not refuse them
    reads = ("shape",)
    code = "FT408"
    name = "format-ambiguous"
    summary = "Row holds the keys of two formats the target reads"
    kinds = frozenset(KINDS)
    example_profile = "together"
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}], "text": "hi Hello!"}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        held = [sorted(keys & row.value.keys()) for keys in self.context.options["exclusive_formats"] if not keys.isdisjoint(row.value)]
        if len(held) > 1:
            named = " and ".join("/".join(keys) for keys in held)
            yield Violation(f"row holds the keys of {len(held)} formats ({named}); profile {self.context.profile.name} "
                            "refuses a file whose rows could match two", pointer(held[1][0]))


def _profiles_taking(kind: str, profile) -> str:
    """``; lint it with --profile axolotl or llamafactory, ...``: where a refused row would be read, so a
    ShareGPT file linted under the default profile points at the profile it was meant for."""
    from ..registry import get_registry

    takers = sorted(name for name, p in get_registry().profiles.items() if kind in p.kinds and name != profile.name)
    # the open-weight trainers first: a ShareGPT or Alpaca file is usually meant for them
    takers.sort(key=lambda name: name not in ("llamafactory", "axolotl", "trl"))
    takers = takers[:3]
    hints = [f"lint it with --profile {' or '.join(takers) if len(takers) < 3 else f'{takers[0]}, {takers[1]} or {takers[2]}'}"] if takers else []
    if kind == RFT:  # the same messages as an SFT example: what would make it one is an answer, not a conversion
        hints.append("if it is an SFT example, it has no assistant message yet")
    elif CHAT in profile.kinds and kind not in _PAIRED:
        hints.append("convert it (ftlint convert FILE --to openai-chat)")
    return "; " + ", or ".join(hints) if hints else ""


# kinds whose rows are no single conversation: ``ftlint convert --to openai-chat`` rejects them
_PAIRED = frozenset({"preference", "trl-preference", "sharegpt-preference", "unpaired-preference", "sharegpt-kto", "stepwise", "prompt-only"})


class ExampleCount(TallyRule):
    """Providers refuse files with too few or too many examples: OpenAI needs
    at least 10, Bedrock 8 to 20,000, Fireworks 3 to 3,000,000. The limits
    come from the profile. A file given as the validation file is not held to
    the minimum."""

    code = "FT402"
    name = "example-count"
    summary = "The file has fewer or more examples than the profile allows"
    scope = LINE
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'
    good = "\n".join(['{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'] * 10)

    counts = "examples"  # the engine's own count of parsed rows: no call per row

    def tally(self, row: Row) -> int:
        return row.parsed

    def verdict(self, count: int) -> Iterable[Violation]:
        profile = self.context.profile
        if self.context.options.get("validation"):
            return  # the minimum is the training file's; a validation file may be small
        if count and profile.min_examples and count < profile.min_examples:
            yield Violation(f"{count:,} example(s); profile {profile.name} needs at least {profile.min_examples:,}")
        if profile.max_examples and count > profile.max_examples:
            yield Violation(f"{count:,} examples; profile {profile.name} accepts at most {profile.max_examples:,}")


@hookimpl
def register_rules(register):
    register(MixedFormats)
    register(FormatUnsupported)
    register(FormatAmbiguous)
    register(ExampleCount)
