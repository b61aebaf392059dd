"""The engine: stream a file's rows through the enabled rules.

Per file: pick a reader, build each enabled rule once with its context,
route every row to the rules of its scope and format, fold rows into the
dataset rules' states, then finish them. Findings stream out in line order
(dataset-level findings after the rows); memory holds one row at a time plus
the dataset rules' bounded state.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Sequence

from . import schema
from .baseline import row_identity
from .config import Settings, options_table
from .findings import Finding, Severity
from .models import DEFAULT_MODEL, ModelSpec, resolve_model
from .prices import bills_like_openai
from .registry import Registry, get_registry
from .rows import Row, place
from .readers.tabular import cell_pointer
from .per_file import PerFileFold, folds_for
from .fast_path import FastPath
from .readers.jsonl import Lines
from .rules.base import LINE, DatasetRule, Rule, RuleContext, TallyRule, declared_counts, requirements_text
from .rules.options import type_problem
from .rules.tokens import COUNTED_ON_VIEW, dpo_lists, extra_billed, row_view_count
from .secrets import redact_message
from .selection import Layer, check_selectors, ignored_for_path, resolve, severities, unread_rows
from ._dispatch import FATAL, INTERNAL_ERROR, Dispatch, presence_test, reads_nothing, screens_enabled
from .stats import IN_NO_FORMAT, LONG_ROW_BYTES, MESSAGES_UNREAD, FileStats, in_sample
from .text import one_line, show
from .tokens import Tokenizer
from .trainer import view_for as trainer_view
from .trainer.setup import setting_origin


RowSink = Callable[[Row, list[Finding]], None]


class UsageError(ValueError):
    """Settings that cannot work (unknown model, profile or selector)."""


def _started(rule_class: type[Rule], context: RuleContext, settings: Settings, plugin: str) -> Rule:
    """The rule built with its context. A constructor that raises (a rule refusing its options with a
    ValueError, or a bug) stops the run with one line naming the rule and its options table, where it
    said 'internal error: ValueError: ...' and left the user to guess which rule and which setting."""
    try:
        return rule_class(context)
    except Exception as exc:  # noqa: BLE001 - whatever a plugin's constructor raises
        rule = f"{rule_class.code} {rule_class.name}"
        tables = [table for table in dict.fromkeys((rule_class.name, rule_class.code)) if table in settings.options]
        where = (f"{' and '.join(options_table(settings, table) for table in tables)}: {rule} could not start" if tables
                 else f"{rule} could not start with its default options (no [tool.ftlint.options.{rule_class.name}] table)")
        why = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc} (a bug in the rule: report it to plugin {plugin!r})"
        raise UsageError(one_line(f"{where}: {why}")) from None


@dataclass
class FileResult:
    """What linting one file produced besides its findings."""

    path: str
    stats: FileStats
    token_limit: int
    encoding: str
    model: str

    model_named: bool = False
    prices: dict | None = None
    limit_from: str = ""  # where token_limit came from (--max-tokens, --max-seq-length, a trainer config, the model)
    billing: bool = True  # the OpenAI billing estimate applies (linter.prices.bills_like_openai)
    trainer: dict | None = None  # linter.trainer's view: tokenizer, max_seq_length, where trained tokens come from
    # the model's own tokenizer that ``encoding`` stands in for (its family: "llama3"), "" when the counts are its own,
    # and whether that tokenizer is open (--tokenizer counts exactly) or proprietary
    approximates: str = ""
    open_tokenizer: bool = False
    pair_limit: int = 0  # preference pairs' own limit (the provider's DPO context), 0: token_limit


    def summary(self) -> dict:
        out = {
            "path": self.path,
            "model": self.model,
            **self.stats.summary(
                token_limit=self.token_limit,
                encoding=self.encoding,
                model=self.model if self.model_named else None,
                prices=self.prices,
            ),
        }
        if not self.billing and "tokens" in out:
            from .prices import BILLING_KEYS

            for key in BILLING_KEYS:
                out["tokens"].pop(key, None)
        if self.pair_limit and out.get("tokens", {}).get("pairs"):
            out["tokens"]["pair_limit"] = self.pair_limit
        if self.approximates and "tokens" in out:
            out["tokens"]["approximates"] = self.approximates
            out["tokens"]["open_tokenizer"] = self.open_tokenizer
        if self.trainer is not None:
            from .trainer.report import trainer_summary

            out["trainer"] = trainer_summary(self.stats, self.trainer)
        return out


def _limit_origin(settings: Settings, model: ModelSpec) -> str:
    """Where the token limit comes from, in the words the reports print."""
    if settings.max_tokens:
        return setting_origin(settings, "max-tokens")
    return f"model {model.name}" if settings.model else model.name


def _approximated(model: ModelSpec) -> str:
    """The tokenizer a tiktoken encoding stands in for: an open model's family (``llama3``), or its name;
    "" for OpenAI's models (their encoding is their tokenizer) and when no model is named."""
    if model is DEFAULT_MODEL or model.provider in ("openai", "azure"):
        return ""
    return model.family or model.name


class Linter:
    """Lints files with one set of settings."""

    def __init__(self, settings: Settings | None = None, registry: Registry | None = None) -> None:
        self.settings = settings or Settings()
        self.registry = registry or get_registry()
        rules = self.registry.rules
        s = self.settings
        for where, selectors in (
            ("select", s.select or []),
            ("extend-select", s.extend_select),
            ("ignore", s.ignore),
            ("--select", s.cli_select or []),
            ("--extend-select", s.cli_extend_select),
            ("--ignore", s.cli_ignore),
            ("severity", list(s.severity)),
            *((f"per-file-ignores[{k!r}]", v) for k, v in s.per_file_ignores.items()),
        ):
            check_selectors(selectors, rules, where)
        if s.profile not in self.registry.profiles:
            from .profiles import unknown_profile

            raise UsageError(unknown_profile(s.profile, self.registry.profiles))
        self.profile = self.registry.profiles[s.profile]
        # the opt-in rules the target turns on come first: the config's and the command line's select and
        # ignore still decide (a plugin's profile may name a rule that is not installed: skipped)
        enables = [code for code in self.profile.enables if code in rules]
        layers = [Layer(None, enables, []), Layer(s.select, s.extend_select, s.ignore), Layer(s.cli_select, s.cli_extend_select, s.cli_ignore)]
        self.enabled = resolve(rules, layers) | unread_rows(rules, layers)
        try:
            self.severity = severities(rules, s.severity)
        except ValueError as exc:
            raise UsageError(f"severity: {exc}") from None
        self.model = self._model()
        self.token_limit = s.max_tokens or self.model.token_limit
        self.tokenizer = Tokenizer(self.model.encoding)
        self.limit_from = _limit_origin(s, self.model)
        # the provider's lower limit for preference pairs (Together's DPO context), unless --max-tokens set one
        self.pair_limit = 0 if s.max_tokens else self.model.pair_limit
        self.trainer = trainer_view(s, self.model)  # linter.trainer: exact counts with an open model's tokenizer and template
        if self.trainer is not None:
            if not self.trainer.max_seq_length:
                self.trainer.max_seq_length, self.trainer.limit_from = self.token_limit, self.limit_from
            self.token_limit = self.trainer.max_seq_length
            self.limit_from = self.trainer.limit_from or self.limit_from
            self.tokenizer = self.trainer
            self.pair_limit = 0  # the trainer's max_seq_length judges every sequence
            self.enabled = self.enabled - {"FT300"}  # FT311/FT312 judge the length exactly
        self.train_fingerprints = None  # set by use_training_files for FT406
        # what the profile gives the rules that require it (None: the rule is not built in this run)
        self.profile_requirements = {
            # prepare_data's base-model conventions (FT904-FT909, FT911, FT912): openai-legacy's
            "completion_conventions": True if self.profile.completion_conventions else None,
            # the pattern a message's name must match (FT122): OpenAI's
            "message_name_pattern": re.compile(self.profile.message_name_pattern) if self.profile.message_name_pattern else None,
            # the key sets of the target's formats, of which a row may hold one (FT408): Together's
            "exclusive_formats": self.profile.exclusive_formats,
        }
        self.screens = screens_enabled()  # FTLINT_NO_SCREENS=1: tests and bench/ compare with and without
        if s.token_stats:
            # statistics always need the tokenizer: fail before any output is written
            # (its BPE file is read now; the encoder is built on the first count)
            getattr(self.tokenizer, "require", self.tokenizer.load)()

    def _model(self) -> ModelSpec:
        name = self.settings.model
        if not name:
            return DEFAULT_MODEL
        spec = resolve_model(name, self.registry.models)
        if spec is None:
            if not self.settings.tokenizer:
                from .runner import check_model

                check_model(name, self.registry.models, self.settings.profile)  # raises: unknown, with what to do instead
            # with its own tokenizer any model can be counted; its limit is not known, and the summary says so
            return dataclasses.replace(DEFAULT_MODEL, name=f"default; {name} is not in 'ftlint models'")
        return dataclasses.replace(spec, name=name)

    def use_training_files(self, paths: list[str]) -> None:
        """Fingerprint the training files so the validation file can be checked for leaks (FT406)."""
        from .leakage import fingerprint_files

        self.train_fingerprints = fingerprint_files(self, paths)

    def is_validation(self, path: str) -> bool:
        validation = self.settings.validation_file
        return bool(validation) and Path(path).resolve() == Path(validation).resolve()

    def idle_selected(self) -> list[tuple[str, str]]:
        """``(code, what it needs)`` of the rules a selection names by code or name that this run will
        not build (``requires`` unmet: FT904 under the trl profile), so the CLI can say so instead of
        a silent pass. Only requirements known before any file is read are judged."""
        s = self.settings
        met = {"trainer": self.trainer is not None, "train_fingerprints": bool(s.validation_file),
               **{name: value is not None for name, value in self.profile_requirements.items()}}
        named = {str(selector).strip().upper() for selector in
                 [*(s.select or []), *s.extend_select, *(s.cli_select or []), *s.cli_extend_select]}
        idle = []
        for code in sorted(self.enabled):
            rule_class = self.registry.rules[code]
            if code.upper() not in named and rule_class.name.upper() not in named:
                continue  # on by a prefix or by default: idleness is the expected case, not a surprise
            unmet = [name for name in rule_class.requires if met.get(name) is False]
            if unmet:
                idle.append((code, requirements_text(unmet)))
        return idle

    def rules_for(self, path: str) -> list[Rule]:
        """Instances of the rules enabled for this path, in code order."""
        codes = self.enabled - ignored_for_path(path, self.settings.per_file_ignores, self.registry.rules, self.settings.root)
        context = RuleContext(
            # a trainer config's mapping may declare the roles of this file (LLaMA-Factory tags, axolotl roles)
            profile=self.trainer.profile_for(path, self.profile) if self.trainer is not None else self.profile,
            model=self.model,
            token_limit=self.token_limit,
            tokenizer=self.tokenizer,
            options={
                "max_line_bytes": self.settings.max_line_bytes,
                "train_fingerprints": self.train_fingerprints if self.is_validation(path) else None,
                "validation": self.is_validation(path),
                "trainer": self.trainer.for_path(path) if self.trainer is not None else None,
                # FT401 reports rows whose format the profile refuses: the rules that would restate it wait
                "format_refusals": "FT401" in codes,
                **self.profile_requirements,
            },
            path=path,
            limit_from=self.limit_from,
            pair_limit=self.pair_limit,
            enabled=frozenset(codes),  # a rule may stay silent where an enabled one reports the root cause
        )
        rules = []
        for code in sorted(codes):
            rule_class = self.registry.rules[code]
            if any(context.options.get(setting) is None for setting in rule_class.requires):
                continue  # idle in this run (no tokenizer for a trainer rule): never called
            options = {**self.settings.options.get(rule_class.name, {}), **self.settings.options.get(code, {})}
            unknown = set(options) - set(rule_class.options)
            if unknown:
                raise UsageError(
                    f"options for {code} {rule_class.name}: unknown option(s) {', '.join(sorted(unknown))}; "
                    f"it takes: {', '.join(rule_class.options) or 'none'}"
                )
            problem = type_problem(rule_class, options)  # checked with the config too; a Linter made by hand is not
            if problem:
                raise UsageError(f"options for {code} {rule_class.name}: {problem}")
            rule_context = context if not options else dataclasses.replace(context, options={**context.options, **options})
            rules.append(_started(rule_class, rule_context, self.settings, self.registry.rule_plugin.get(code, "?")))
        return rules

    def lint_path(
        self, path: str | Path, row_sink: RowSink | None = None, display: str | None = None, progress=None,
        numbers: Sequence[int] | None = None,
    ) -> tuple[Iterator[Finding], FileResult]:
        """Open and lint a file: returns the finding stream and the result it fills.

        ``row_sink(row, findings)``, when given, is called after each row with
        that row's findings (the fixer rewrites rows through it). ``display``
        is the path findings report (the fixer lints temporary copies).
        ``numbers[i]``, when given, is the line number row ``i`` (from 0) is
        named by, in findings and in what rules see: the fixer lints a rewritten
        copy whose rows keep the numbers the input gave them.
        """
        handle = open(path, "rb")  # noqa: SIM115 - closed by the generator
        shown = display or str(path)
        result = self.new_result(shown)
        stream = handle
        if progress is not None:
            from .progress import CountingStream

            advance, rows = progress

            def moved(n: int) -> None:
                advance(n)
                rows(result.stats.lines)

            stream = CountingStream(handle, moved)

        def run() -> Iterator[Finding]:
            with handle:
                yield from self._lint(stream, shown, result, row_sink, numbers=numbers)

        return run(), result

    def lint_stream(self, stream: BinaryIO, path: str = "<stdin>") -> tuple[Iterator[Finding], FileResult]:
        result = self.new_result(path)
        return self._lint(stream, path, result, None), result

    def lint_range(self, stream: BinaryIO, path: str, *, first_line: int = 1, offset: int = 0) -> tuple[Iterator[Finding], FileResult, list]:
        """Lint one shard of a JSONL file: rows from ``stream``, the first of which
        is line ``first_line`` at byte ``offset`` of ``path``.

        Returns the per-row findings, the shard's result, and a list that holds
        the dataset rules' unfinished states once the findings are consumed:
        the caller merges the shards' states in file order (``DatasetRule.merge``
        of ``dataset_rules(path)``, one per state) and finishes them with ``finish_states``.
        """
        result = self.new_result(path)
        states: list = []
        findings = self._lint(stream, path, result, None, first_line=first_line, offset=offset, keep_states=states)
        return findings, result, states

    def dataset_rules(self, path: str) -> list[DatasetRule]:
        """The folds whose states ``lint_range`` returns, in the same order: the path's dataset
        rules, then one per ``per_file`` rule (``linter.per_file``)."""
        return folds_for(self.rules_for(path))

    def new_result(self, path: str) -> FileResult:
        """An empty result for ``path``, filled while its findings stream."""
        return FileResult(
            path, FileStats(), self.token_limit, self.tokenizer.encoding_name, self.model.name,
            model_named=bool(self.settings.model), prices=self.settings.prices, limit_from=self.limit_from,
            # the validation file is evaluated on, not trained on: its token stats stay, with no billing estimate
            billing=bills_like_openai(self.profile.name, self.model.provider, self.trainer is not None) and not self.is_validation(path),
            trainer=self.trainer.describe() if self.trainer is not None else None,
            approximates=_approximated(self.model) if self.trainer is None else "",
            open_tokenizer=bool(self.model.tokenizer), pair_limit=self.pair_limit,
        )

    _result = new_result  # the name plugins and scripts of the previous release used

    def _lint(
        self, stream: BinaryIO, path: str, result: FileResult, row_sink: RowSink | None, *,
        first_line: int = 1, offset: int = 0, keep_states: list | None = None, numbers: Sequence[int] | None = None,
    ) -> Iterator[Finding]:
        """Read rows, run the rules on each, fold the dataset rules, then finish them
        (or hand their states to ``keep_states``: a shard's part of a parallel run)."""
        rules = self.rules_for(path)
        found: list[Finding] = []
        per_file: dict[Rule, list] = {}  # a per_file rule -> its fold's state: its findings are counted there
        stats = result.stats
        report, crash = self._reporters(path, found, per_file, stats)
        dispatch = Dispatch(
            [r for r in rules if not isinstance(r, DatasetRule)], self.registry.rules.values(), report, crash,
            screens=self.screens,
        )
        folds = _Folds(folds_for(rules), crash)  # what dataset_rules(path) gives
        per_file.update((fold.rule, state) for fold, state in zip(folds.rules, folds.states) if isinstance(fold, PerFileFold))
        detector = self.registry.detector
        reader = self.registry.reader_for(path)
        placement = {"first_line": first_line, "offset": offset} if (first_line, offset) != (1, 0) else {}
        fast = FastPath.for_file(self, reader, dispatch, folds, stats, per_file, row_sink=row_sink, numbers=numbers)
        if fast is not None:  # most rows proven clean a block at a time; the rest come here one by one
            rows = _slow_rows(reader.batches(stream, max_line_bytes=self.settings.max_line_bytes, **placement), fast)
        else:
            rows = reader.rows(stream, max_line_bytes=self.settings.max_line_bytes, **placement)
        if numbers is not None:
            rows = _numbered(rows, numbers)
        if self.trainer is not None:  # rendered and tokenized in batches, on every core (classified there)
            rows = self.trainer.prefetch(rows, self._classify)
        for row in rows:
            stats.lines += 1
            stats.bytes += row.length + 1
            dispatch.problems(row)
            if row.parsed:
                kind = row.kind or self._classify(row)
                if detector.failure is not None:
                    found.append(format_error(path, row.number, *detector.failure, column=row.column))
                    detector.failure = None
                stats.examples += 1
                dispatch.records(row, kind)
                # the trainer counts every row it renders (an object: the rest is in no format, below)
                if kind in _COUNTED_KINDS or (self.trainer is not None and kind != schema.NON_OBJECT):
                    self._count(row, stats)
                elif kind in COUNTED_ON_VIEW:  # ShareGPT, Alpaca, TRL, OpenAI DPO...: counted on the conversation view
                    self._count(row, stats, on_view=True)
                elif _in_no_format(row):  # a row in no format is no example
                    stats.not_counted[IN_NO_FORMAT] += 1
            else:
                kind = None
            folds.row(row, kind)
            if found:
                if len(found) > 1:
                    found.sort(key=_by_code)  # a row's findings in code order, line rules (FT205) among the rest
                if row_sink is not None:
                    row_sink(row, list(found))
                yield from found
                found.clear()
            elif row_sink is not None:
                row_sink(row, [])
        folds.counted(stats)
        if keep_states is not None:
            keep_states.extend(folds.states)
            return
        yield from self.finish_states(path, folds.rules, folds.states)

    def _classify(self, row: Row) -> str:
        """Set ``row.kind``, the row's format, from its parsed value: the one place it is decided."""
        profile = self.profile
        row.format, row.kind = self.registry.detector.classify(row.value, profile.chat_kind, profile.default_kind)
        if row.kind == schema.RFT and not profile.rft_prompts:
            row.kind = schema.CHAT  # a target without RFT: an SFT row with extra columns and no answer yet (FT112 says so)
        return row.kind

    def _reporters(self, path: str, found: list[Finding], per_file: dict[Rule, list], stats: FileStats):
        """``report(rule, violation, row)`` and ``crash(rule, exception, row)``, appending findings to ``found``
        (a ``per_file`` rule's to its fold's state in ``per_file``: one finding for the file at the end)."""
        severity = self.severity
        digest = hashlib.blake2b
        add = PerFileFold.add

        def report(rule: Rule, violation, row: Row) -> None:
            where = violation.pointer
            if where and row.__class__ is not Row and getattr(row, "cells", None):
                where = cell_pointer(row, where)  # a record of role columns: the cell, not /messages/N/content
            if rule.per_file:
                if where != violation.pointer:
                    violation = dataclasses.replace(violation, pointer=where)
                add(per_file[rule], place(row), violation, stats.lines)  # stats.lines: the row's index in the shard
                return
            context = digest(row_identity(row), digest_size=8).hexdigest()
            found.append(Finding(
                path, row.number, rule.code, rule.name, severity[rule.code], redact_message(violation.message), where,
                violation.fix, context, True, row.column
            ))

        def crash(rule: Rule, exc: BaseException, row: Row | None) -> None:
            found.append(internal_error(path, 1, rule, exc) if row is None else internal_error(path, row.number, rule, exc, column=row.column))

        return report, crash

    def finish_states(self, path: str, dataset_rules: list, states: list, ahead: bool = False) -> Iterator[Finding]:
        """The dataset rules' findings from their (merged) states, streamed in line order.

        Rules that declare ``finish_in_line_order`` (FT403-FT405) are read as
        they yield, so a file of duplicates never holds its findings; the rest
        are sorted first (``linter.late_findings``). A rule that raises gets one
        internal error: at line 1 when its findings are sorted, else after the
        last finding it gave (the stream stays in order). ``ahead``: the rules finish at once, each in
        a thread (``late_findings``), for a parallel run whose workers they share.
        """
        from .late_findings import declares_line_order, merge_in_line_order

        def findings(rule, state, ordered: bool) -> Iterator[Finding]:
            severity, line, column = self.severity[rule.code], 1, 0
            try:
                for violation in rule.finish(state):
                    at, at_column = violation.line or 1, violation.column if violation.line else 0
                    if ordered and (at, at_column) < (line, column):
                        raise ValueError(f"finish() yielded line {at:,} after line {line:,}, though it declares finish_in_line_order")
                    line, column = (at, at_column) if ordered else (1, 0)
                    yield Finding(path, at, rule.code, rule.name, severity, redact_message(violation.message), violation.pointer,
                                  violation.fix, row=violation.line is not None, column=at_column)
            except FATAL:
                raise  # the run cannot go on (no tokenizer offline): one clear error, not one per row
            except Exception as exc:  # noqa: BLE001 - one rule's bug must not hide the others' findings
                yield internal_error(path, line, rule, exc, where="when it judged the whole file")

        if len(dataset_rules) != len(states):
            raise ValueError(f"finish_states got {len(dataset_rules)} rules for {len(states)} states; "
                             "take the rules from Linter.dataset_rules(path), which lint_range's states follow")
        ordered = [declares_line_order(rule) for rule in dataset_rules]
        return merge_in_line_order(
            ((findings(rule, state, in_order), in_order) for rule, state, in_order in zip(dataset_rules, states, ordered)),
            ahead=ahead,
        )

    def _count(self, row: Row, stats: FileStats, on_view: bool = False) -> None:
        """Add the row to the file's statistics. Rows of other formats than OpenAI's
        (``on_view``) are counted on their conversation view by the same cookbook
        formula FT300 judges them with (``stats.view_counted`` says how many).

        A row in no format (FT101), or a chat row whose ``messages`` is no list, is
        no example: its few tokens (the priming of an empty conversation) went into
        the distribution and the epoch and billing estimates. It is counted in
        ``stats.not_counted`` instead. A clean chat row pays nothing for it: the test
        is the one of the ``messages`` it is counted by anyway."""
        if on_view:  # never with a trainer, which counts every row it renders (below)
            if _in_no_format(row):
                stats.not_counted[IN_NO_FORMAT] += 1
                return
            stats.countable += 1
            stats.view_counted += 1
            lists = row.derived(dpo_lists, dpo_lists) if row.kind == schema.PREFERENCE else None
            if lists is not None:  # OpenAI DPO: the turns its view would have, without building it
                stats.messages[_objects(lists[0]) + _objects(lists[1])] += 1
                stats.pairs += 1
            else:
                view = row.view
                stats.messages[len(view.turns) + len(view.chosen or ())] += 1  # a pair as trained: its prompt and chosen answer
                stats.pairs += view.is_preference
        else:  # OpenAI chat, or with a trainer any format's object
            messages = row.value.get("messages")
            if not isinstance(messages, list):
                # a row in no format may be what a trainer config's mapping reads (axolotl's completion
                # type: a 'body' column): the trainer decides whether it renders
                mapped = self.trainer is not None and self.trainer.mapping is not None
                if not mapped and (row.kind in _COUNTED_KINDS or _in_no_format(row)):
                    stats.not_counted[MESSAGES_UNREAD if row.recognised else IN_NO_FORMAT] += 1
                    return
                messages = None  # another format's row, rendered by the trainer
            if self.trainer is not None and not self.trainer.tally(row, stats.trainer):
                return  # the trainer cannot render it (FT310): nothing to count
            stats.countable += 1
            if messages is not None:
                stats.messages[len(messages)] += 1
        if not self.settings.token_stats:
            return
        exact = self.settings.exact_stats or self.trainer is not None or row.length >= LONG_ROW_BYTES
        if not exact:
            stats.short_countable += 1
        limit = self.token_limit
        if exact or in_sample(row.number):
            extra = 0
            if on_view:
                counted = row_view_count(self.tokenizer, row)  # FT300's count when it tokenized the row
                if counted.pair and self.pair_limit:
                    limit = self.pair_limit
                # a pair bills its other answer besides its counted sequence: kept apart, so that a row of one
                # sequence adds nothing to the billing estimate's bookkeeping
                extra = extra_billed(counted, limit)
            else:
                self.tokenizer.count_row(row)
            stats.add_tokens(row.tokens, *row.token_parts, sampled=not exact, extra_billed=extra)
        if row.tokens is not None:
            stats.note_counted(row.tokens, row.number, limit)



_COUNTED_KINDS = (schema.CHAT, schema.RFT)


def _in_no_format(row: Row) -> bool:
    """A parsed row no format recognised (FT101), or one that is no JSON object: no example to count."""
    return row.kind == schema.NON_OBJECT or not row.recognised


def _objects(items: list | None) -> int:
    """How many turns ``message_turns`` makes of a message list: its objects."""
    return 0 if items is None else sum(type(item) is dict for item in items)


def _slow_rows(items: Iterator, fast: FastPath) -> Iterator[Row]:
    """The rows of a JSON Lines file that the fast path leaves to the engine, in line order."""
    for item in items:
        if item.__class__ is Lines:
            yield from fast.rows(item)
        else:
            yield item


def _numbered(rows: Iterator[Row], numbers: Sequence[int]) -> Iterator[Row]:
    """``rows`` named by ``numbers`` (one per row, ascending); rows past its end go on counting from its last."""
    number = 0
    for index, row in enumerate(rows):
        number = numbers[index] if index < len(numbers) else number + 1
        row.number = number
        yield row


def _by_code(finding: Finding) -> str:
    return finding.code


def internal_error(path: str, line: int, rule: Rule, exc: BaseException, where: str = "on this row", column: int = 0) -> Finding:
    """The finding that stands for a rule that raised: it names the rule, the file
    and the line (and the row's column), so a user can report it, and the run goes on (exit code 2)."""
    return _plugin_failure(path, line, f"rule {rule.code} {rule.name} failed {where}", exc, "the other rules ran", "rule's", column)


def format_error(path: str, line: int, adapter, exc: BaseException, column: int = 0) -> Finding:
    """The finding that stands for a format adapter whose detect() raised: the row
    was judged as if that format did not recognise it, and the run goes on (exit 2)."""
    return _plugin_failure(path, line, f"format {show(adapter.name, 60)} failed to read this row", exc,
                           "the row was judged without it", "format's", column)


def _plugin_failure(path: str, line: int, what: str, exc: BaseException, outcome: str, owner: str, column: int) -> Finding:
    detail = show(f"{type(exc).__name__}: {exc}", 200)  # the exception may quote the row: escaped and redacted
    return Finding(
        path, line, INTERNAL_ERROR, "internal-error", Severity.ERROR,
        f"{what} ({detail}); {outcome}. Please report it to the {owner} plugin with this line", column=column,
    )


class _Folds:
    """The dataset rules' states for one file or shard, each update isolated like a rule call."""

    def __init__(self, rules: list[DatasetRule], crash) -> None:
        self.rules = rules
        self.crash = crash
        self.states = [r.start() for r in rules]
        # tally rules that add up one of the engine's own counters: filled from it at the end (``counted``)
        counted = [declared_counts(type(r)) for r in rules]
        self.engine_counted = [(s, name) for s, name in zip(self.states, counted) if name]
        # a tally's declared counter is all its update would do; another dataset rule's fills its state[0]
        per_row = [(r, s) for r, s, name in zip(rules, self.states, counted)
                   if not reads_nothing(type(r)) and not (name and isinstance(r, TallyRule))]
        # (rule, update, state, kinds it folds or None: every line, presence test or None): the
        # record rules first, then the line rules, so that crashes are reported in that order
        self.folds = [(r, r.update, s, r.kinds, None) for r, s in per_row if r.scope != LINE] + [
            (r, r.update, s, None, presence_test(type(r))) for r, s in per_row if r.scope == LINE
        ]
        self.by_kind: dict[str | None, list] = {}  # row kind (None: not a record) -> the folds that take it

    def _for_kind(self, kind: str | None) -> list:
        """``(rule, update, state, presence test or None)`` of the folds that take rows of ``kind``, in order."""
        return [(rule, update, state, present) for rule, update, state, kinds, present in self.folds
                if kinds is None or (kind is not None and kind in kinds)]

    def row(self, row: Row, kind: str | None) -> None:
        """Fold one row (``kind`` None: not a record) into every state that takes it."""
        folds = self.by_kind.get(kind)
        if folds is None:  # a few kinds per file: the kind tests run once per kind, not per row and fold
            folds = self.by_kind[kind] = self._for_kind(kind)
        for rule, update, state, present in folds:
            if present is not None and not present(row):
                continue
            try:  # inline, not a helper: a call per rule and row was a tenth of the loop's cost
                update(state, row)
            except FATAL:
                raise  # the run cannot go on (no tokenizer offline): one clear error, not one per row
            except Exception as exc:  # noqa: BLE001 - one rule's bug is an FT000 on this row
                self.crash(rule, exc, row)

    def counted(self, stats: FileStats) -> None:
        """Give the tally rules that declare ``counts`` the engine's counter for this file or shard."""
        for state, name in self.engine_counted:
            state[0] = getattr(stats, name)
