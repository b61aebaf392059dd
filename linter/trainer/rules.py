"""FT31x: what the trainer will make of each example (active with a tokenizer or trainer config).

Every rule reads the row's ``Analysis`` from the configured ``TrainerView``
(rendered once per row and shared with the statistics); with no tokenizer
configured they are silent. Their examples run as tests against a small
real tokenizer (tests/test_trainer_rules.py).
"""

from __future__ import annotations

import re
from typing import Iterable

from ..findings import Applicability, Severity, Violation, drop_row, pointer
from ..plugin import hookimpl
from ..rules.base import DatasetRule, Rule
from ..schema import COMPLETION, CONVERSATION_KINDS
from ..text import show
from ..view import ASSISTANT
from . import mistral
from .messages import messages_for_template
from .truncation import DROP, LLAMAFACTORY, WHOLE

ANY_KIND = CONVERSATION_KINDS | {COMPLETION}  # every format the view reads (linter.trainer.messages decides what renders)
MAX_QUOTE = 300  # characters of a template's message quoted in a finding


class _TrainerRule(Rule):
    kinds = ANY_KIND
    requires = ("trainer",)  # nothing to do without a tokenizer: the examples run in tests/test_trainer_rules.py

    def analysis(self, row):
        view = self.context.options.get("trainer")
        if view is None:
            return None, None
        found = view.analysis_of(row)
        return view, (found if found.renderable else None)


class TemplateError(_TrainerRule):
    """The chat template refuses the example: ``raise_exception`` ("Conversation
    roles must alternate user/assistant/...") or a Jinja error. The trainer
    stops with that message in the middle of tokenizing, after the GPUs are
    paid for. The message quoted is the template's own.

    With a Mistral tokenizer (``--model open-mistral-nemo``, a ``tekken*.json``
    file) the example is the request mistral-finetune builds: the keys it
    reads (``weight`` 0/1 on assistant messages included; others are ignored),
    validated by mistral-common in fine-tuning mode. Under an axolotl,
    LLaMA-Factory or TRL config or profile it is the OpenAI messages as
    axolotl hands them to mistral-common (``from_openai``: two system
    prompts merged, ``weight`` not read), and the finding says
    mistral-common refuses it, not mistral-finetune. The finding gives the
    first reason the row is refused, at the message or field it names, and
    says nothing another rule on for the file already reports on that row
    (FT105, FT106, FT107, FT108, FT113, FT117, FT503, FT504, FT511): it is
    left for what only mistral-common checks, such as the order of roles
    or a second system message.

    Fix: none automatic; reorder or merge the turns the template rejects, or
    train with a template that accepts them."""

    code = "FT310"
    name = "chat-template-error"
    summary = "The model's chat template raises an error on this example"
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "again"}, {"role": "assistant", "content": "ok"}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row) -> Iterable[Violation]:
        view, found = self.analysis(row)
        if found is not None and found.problems:
            yield from self._refusal(view, row, found.problems)
        elif found is not None and found.error is not None:
            # the template's words may quote the row: escaped, redacted and cut short like every quoted value
            message = show(found.error, MAX_QUOTE, quoted=False)
            yield Violation(f"the chat template of {view.encoding_name} fails on this example: {message}")


    def _refusal(self, view, row, problems) -> Iterable[Violation]:
        """The Mistral backend: one finding for the first reason the request is refused (by mistral-finetune,
        or by mistral-common as the trainer sends it) that no other rule reports on the row, at the message
        (and field) it concerns."""
        messages = _row_messages(view, row)
        kept = [p for p in problems if not restated(self, row, messages, p)]
        if not kept:
            return
        first = kept[0]
        where = pointer("messages", first.index, *first.field) if messages is not None and first.index is not None else None
        more = f" (and {len(kept) - 1} more)" if len(kept) > 1 else ""
        yield Violation(f"{mistral.refusal(view.backend.trainer, view.encoding_name)}: "
                        f"{show(first.text, MAX_QUOTE, quoted=False)}{more}", where)


def _row_messages(view, row) -> list | None:
    """The row's own ``messages`` when they are what the backend read (so its indices point into the row)."""
    messages = row.value.get("messages") if isinstance(row.value, dict) and view.mapping is None else None
    return messages if isinstance(messages, list) and messages_for_template(row) is messages else None


def restated(rule, row, messages: list | None, problem) -> bool:
    """Does another rule, on for this file, already report this problem on the row? Each kind is checked
    against the condition its rule reports (the profile's roles, last roles, call-id pattern)."""
    from ..rules.chat import carries_call, format_refused, spelt_otherwise

    if messages is None or problem.index is None or not 0 <= problem.index < len(messages):
        return False
    reports, profile = rule.context.reports, rule.context.profile
    message = messages[problem.index]
    kind = problem.kind
    if kind == mistral.ROLE_MISSING:
        return spelt_otherwise(rule, message, "role") or reports("FT105")
    if kind == mistral.ROLE_UNKNOWN:
        if format_refused(rule, row):
            return reports("FT401")
        return reports("FT106") and (not isinstance(problem.value, str) or problem.value not in profile.roles)
    if kind == mistral.CONTENT_MISSING:
        return spelt_otherwise(rule, message, "content") or (reports("FT107") and not carries_call(message))
    if kind == mistral.CONTENT_TYPE:
        return reports("FT108") and not isinstance(message.get("content"), (str, list, type(None)))
    if kind == mistral.LAST_ROLE:
        return reports("FT117") and profile.last_roles is not None and problem.value not in profile.last_roles
    if kind == mistral.CALL_ID:
        pattern = profile.tool_call_id_pattern
        return reports("FT511") and bool(pattern) and not re.match(pattern, str(problem.value))
    return kind in _RESTATED_BY and reports(_RESTATED_BY[kind])


# kinds whose rule reports every case mistral-finetune refuses: FT113 any weight but 0 or 1, FT503 a call
# without id or function name or arguments, FT504 arguments that are not a string
_RESTATED_BY = {mistral.WEIGHT: "FT113", mistral.CALL_SHAPE: "FT503", mistral.ARGUMENTS: "FT504"}


# the unsafe fix of FT311 and FT312: the example goes to the rejects file, whole, rather than be cut in training
OVER_LONG = drop_row("move the example over max-seq-length (the trainer's own count) to the rejects file")


class OverMaxSeqLength(_TrainerRule):
    """An example longer than the trainer's maximum sequence length is cut:
    on the right (TRL ``max_length``, axolotl ``sequence_len`` with
    ``excess_length_strategy: truncate``), or turn by turn (LLaMA-Factory
    ``cutoff_len``: each prompt and answer keeps its start, later turns are
    dropped). axolotl's default (``excess_length_strategy: drop``) removes the
    example whole, and ``raise`` stops the run: the finding says so, as it says
    how many samples axolotl's ``completion`` type splits a long text into. What is cut is never seen, usually the
    end of an answer. The count is exact: the rendered chat template,
    tokenized by the model's tokenizer. FT312 is the error when nothing
    trained is left.

    Fix (unsafe): move the example to the rejects file (``ftlint fix
    --unsafe-fixes --tokenizer ... --max-seq-length N``, or ``--trainer-config``);
    or shorten or split it, or raise the length. None for a text axolotl's
    completion type splits into samples (nothing is lost there)."""

    code = "FT311"
    name = "over-max-seq-length"
    summary = "Example is longer than the trainer's maximum sequence length and will be truncated"
    severity = Severity.WARNING
    fix = Applicability.UNSAFE
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "' + "The quick brown fox jumps over the lazy dog. " * 12 + '"}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row) -> Iterable[Violation]:
        view, found = self.analysis(row)
        if found is None or found.error is not None or not view.max_seq_length or found.tokens <= view.max_seq_length:
            return
        if found.pieces:  # axolotl's completion type: cut into samples, not truncated
            lost = found.trained - found.kept_trained
            yield Violation(f"example has {found.tokens:,} tokens ({view.encoding_name}), over max-seq-length "
                            f"{view.max_seq_length:,}; axolotl's completion type splits it into {found.pieces:,} samples "
                            f"trained apart, none seeing the text before it" + (f", and drops {lost:,} tokens" if lost else ""))
            return
        if view.truncation in WHOLE:  # axolotl removes the example (or stops the run): it is not cut at all
            what = "axolotl drops it" if view.truncation == DROP else "axolotl stops the run (ValueError)"
            yield Violation(f"example has {found.tokens:,} tokens ({view.encoding_name}), over max-seq-length "
                            f"{view.max_seq_length:,}; {what} ({view.truncation_from}): none of its "
                            f"{found.trained:,} trained tokens is seen", fix=OVER_LONG)
            return
        if found.trained and not found.kept_trained:
            return  # FT312 says it louder
        lost = found.trained - found.kept_trained
        cut = f"; truncation cuts {lost:,} of its {found.trained:,} trained tokens" if lost else "; no trained token is cut"
        yield Violation(f"example has {found.tokens:,} tokens ({view.encoding_name}), over max-seq-length "
                        f"{view.max_seq_length:,}{cut}", fix=OVER_LONG)


class NothingTrainedAfterTruncation(_TrainerRule):
    """Truncation at the maximum sequence length removes every trained token:
    the example costs compute and teaches nothing (TRL drops such rows
    silently as "fully masked"; others train on an empty loss). Under
    LLaMA-Factory's per-turn truncation a short answer keeps its place even
    after a long prompt, so this is rarer there than with right truncation.

    Fix (unsafe): move the example to the rejects file; or shorten the
    prompt, or raise the maximum length."""

    code = "FT312"
    name = "truncation-removes-all-trained-tokens"
    summary = "Truncation at max-seq-length leaves the example no trained token"
    fix = Applicability.UNSAFE
    bad = '{"messages": [{"role": "user", "content": "' + "The quick brown fox jumps over the lazy dog. " * 12 + '"}, {"role": "assistant", "content": "Paris."}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row) -> Iterable[Violation]:
        view, found = self.analysis(row)
        if found is None or found.error is not None or not view.max_seq_length:
            return
        if view.truncation in WHOLE or found.pieces:
            return  # nothing is cut: FT311 says the example is dropped (or stops the run, or is split)
        if found.tokens > view.max_seq_length and found.trained and not found.kept_trained:
            how = "LLaMA-Factory's per-turn truncation" if view.truncation == LLAMAFACTORY else "truncation"
            yield Violation(f"example has {found.tokens:,} tokens ({view.encoding_name}); {how} at max-seq-length "
                            f"{view.max_seq_length:,} removes all {found.trained:,} trained tokens", fix=OVER_LONG)


class NoTrainedTokens(_TrainerRule):
    """The example has no token under the assistant mask at all (no assistant
    message, or the template renders none in its generation blocks). With
    assistant-only loss TRL stops: "at least one example has no assistant
    tokens". A row with no assistant message at all is FT112's finding while
    FT112 is on: this rule does not restate it.

    Fix: none automatic; add the assistant's answer or drop the example."""

    code = "FT313"
    name = "no-trained-tokens"
    summary = "The template's assistant mask covers no token of this example"
    bad = '{"messages": [{"role": "user", "content": "hi"}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row) -> Iterable[Violation]:
        view, found = self.analysis(row)
        if found is not None and found.error is None and found.tokens and not found.trained:
            if self.context.reports("FT112") and not any(t.role == ASSISTANT for _, t in row.view.all_turns()):
                return  # no assistant message at all: FT112 says so, this would restate it
            yield Violation(f"no token of this example is trained ({view.mask_source})")


class TrainerSkipsRow(_TrainerRule):
    """The trainer config reads this row as one the trainer drops or fails on.
    LLaMA-Factory with ``ranking: true`` takes a row as a preference pair only
    when ``chosen`` and ``rejected`` are each one message object (sharegpt)
    or each a string (alpaca), both answers carrying the assistant or
    function tag; any other row is dropped by its pairwise processor, with no
    more than a log line. A row without the column or the role and content
    keys the config names stops the run with a KeyError.

    Fix: none automatic; write the row as the config reads it, or change the
    config (``columns``, ``tags``) to read the row as it is."""

    code = "FT315"
    name = "trainer-skips-row"
    summary = "The trainer, reading this row as its config says, drops it or fails on it"

    def check(self, row) -> Iterable[Violation]:
        view = self.context.options.get("trainer")
        found = view.analysis_of(row) if view is not None else None
        if found is not None and found.skipped is not None:
            yield Violation(found.skipped)


class TrainerIgnoresColumn(_TrainerRule):
    """The file has a column the trainer config does not read, so the
    trainer never sees it. In LLaMA-Factory a ``columns`` object replaces
    every default: ``{"prompt": "instruction", "response": "output"}`` leaves
    ``input`` unread (the query becomes None), and ``system``, ``tools``,
    ``history`` and media columns are read only when ``columns`` names them.
    axolotl's ``type: alpaca`` reads only ``instruction``, ``input`` and
    ``output``: a ``system`` or ``history`` column is never trained on
    (``alpaca_w_system`` reads ``system``); ``chat_template`` reads its
    ``field_messages`` and the ``system``, ``tools`` and ``images`` columns;
    ``completion`` its ``field``. Metadata such as ``id`` or ``source`` is
    not reported: every trainer drops it. The rendered counts leave the
    column out too, as the trainer does. Reported once per file and column.

    Fix: none automatic; name the column in ``columns`` (``"query": "input"``),
    pick the axolotl type that reads it, or drop it from the file."""

    code = "FT316"
    name = "trainer-ignores-column"
    summary = "The trainer config does not read a column this file holds"
    severity = Severity.WARNING
    per_file = True

    def check(self, row) -> Iterable[Violation]:
        view = self.context.options.get("trainer")
        unread = getattr(view.mapping, "unread", None) if view is not None else None
        if not unread or not isinstance(row.value, dict):
            return
        for key, why in unread.items():
            if row.value.get(key) not in (None, "", [], {}):
                yield Violation(f"column {key!r} is not read by the trainer config: {why}", pointer(key))


class NoGenerationBlocks(DatasetRule):
    """The run asks for assistant-only loss (TRL ``assistant_only_loss``) but
    the chat template has no ``{% generation %}`` blocks: TRL refuses the run
    (or swaps in its own training template), and users hit it with stock
    templates. ftlint then takes trained tokens from the assistant messages'
    text. axolotl and LLaMA-Factory find the assistant's turns without such
    blocks, so their configs never get this warning.

    Fix: none automatic; use a template with generation blocks
    (TRL ships training templates for common families)."""

    code = "FT314"
    name = "template-without-generation-blocks"
    summary = "Assistant-only loss is asked for but the chat template has no generation blocks"
    severity = Severity.WARNING
    kinds = ANY_KIND
    requires = ("trainer",)

    def start(self):
        return [False]

    def update(self, state, row):
        state[0] = True

    def merge(self, first, second):
        return [first[0] or second[0]]

    def finish(self, state) -> Iterable[Violation]:
        view = self.context.options.get("trainer")
        if not state[0] or view is None or view.template is None or view.template.has_generation:
            return
        if view.assistant_only_loss and view.framework == "trl":  # the others mask turns without generation blocks
            yield Violation(f"the run trains on assistant tokens only, but the chat template of {view.encoding_name} has no "
                            "{% generation %} blocks (TRL refuses it); trained tokens are counted from the assistant messages")


@hookimpl
def register_rules(register):
    for rule in (TemplateError, OverMaxSeqLength, NothingTrainedAfterTruncation, NoTrainedTokens, TrainerSkipsRow,
                 TrainerIgnoresColumn, NoGenerationBlocks):
        register(rule)
