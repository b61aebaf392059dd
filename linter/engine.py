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
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from . import schema
from .config import Settings
from .findings import Finding
from .models import DEFAULT_MODEL, ModelSpec, resolve_model
from .registry import Registry, get_registry
from .rows import Row
from .rules.base import LINE, DatasetRule, Rule, RuleContext
from .selection import Layer, check_selectors, ignored_for_path, resolve, severities
from .shape import shape_of
from .stats import LONG_ROW_BYTES, FileStats, in_sample
from .tokens import Tokenizer
from .trainer import view_for as trainer_view


MAX_SHAPES = 4096  # shapes remembered: a few hundred in a typical dataset, each about 150 bytes

RowSink = Callable[[Row, list[Finding]], None]


class UsageError(ValueError):
    """Settings that cannot work (unknown model, profile or selector)."""


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
    trainer: dict | None = None  # linter.trainer's view: tokenizer, max_seq_length, where trained tokens come from

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
        if self.trainer is not None:
            from .trainer.report import trainer_summary

            out["trainer"] = trainer_summary(self.stats, self.trainer)
        return out


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
        self.enabled = resolve(
            rules,
            [Layer(s.select, s.extend_select, s.ignore), Layer(s.cli_select, s.cli_extend_select, s.cli_ignore)],
        )
        try:
            self.severity = severities(rules, s.severity)
        except ValueError as exc:
            raise UsageError(f"severity: {exc}") from None
        if s.profile not in self.registry.profiles:
            raise UsageError(f"unknown profile {s.profile!r}; known: {', '.join(sorted(self.registry.profiles))}")
        self.profile = self.registry.profiles[s.profile]
        self.model = self._model()
        self.token_limit = s.max_tokens or self.model.token_limit
        self.tokenizer = Tokenizer(self.model.encoding)
        self.trainer = trainer_view(s, self.model)  # linter.trainer: exact counts with an open model's tokenizer and template
        if self.trainer is not None:
            self.trainer.max_seq_length = self.trainer.max_seq_length or self.token_limit
            self.token_limit = self.trainer.max_seq_length
            self.tokenizer = self.trainer
            self.enabled = self.enabled - {"FT300"}  # FT311/FT312 judge the length exactly
        self.train_fingerprints = None  # set by use_training_files for FT406
        if s.token_stats:
            # statistics always need the tokenizer: fail before any output is written
            self.tokenizer.load()

    def _model(self) -> ModelSpec:
        name = self.settings.model
        if not name:
            return DEFAULT_MODEL
        spec = resolve_model(name, self.registry.models)
        if spec is None:
            known = ", ".join(sorted(m.name for m in self.registry.models))
            raise UsageError(f"unknown model {name!r}; known model families: {known} (or set max-tokens)")
        return dataclasses.replace(spec, name=name)

    def use_training_files(self, paths: list[str]) -> None:
        """Fingerprint the training files so the validation file can be checked for leaks (FT406)."""
        from .leakage import fingerprint_files

        self.train_fingerprints = fingerprint_files(self, paths)

    def is_validation(self, path: str) -> bool:
        validation = self.settings.validation_file
        return bool(validation) and Path(path).resolve() == Path(validation).resolve()

    def rules_for(self, path: str) -> list[Rule]:
        """Instances of the rules enabled for this path, in code order."""
        codes = self.enabled - ignored_for_path(path, self.settings.per_file_ignores, self.registry.rules)
        context = RuleContext(
            profile=self.profile,
            model=self.model,
            token_limit=self.token_limit,
            tokenizer=self.tokenizer,
            options={
                "max_line_bytes": self.settings.max_line_bytes,
                "train_fingerprints": self.train_fingerprints if self.is_validation(path) else None,
                "validation": self.is_validation(path),
                "trainer": self.trainer.for_path(path) if self.trainer is not None else None,
            },
            path=path,
        )
        rules = []
        for code in sorted(codes):
            rule_class = self.registry.rules[code]
            options = {**self.settings.options.get(rule_class.name, {}), **self.settings.options.get(code, {})}
            unknown = set(options) - set(rule_class.options)
            if unknown:
                raise UsageError(
                    f"options for {code} {rule_class.name}: unknown option(s) {', '.join(sorted(unknown))}; "
                    f"it takes: {', '.join(rule_class.options) or 'none'}"
                )
            rule_context = context if not options else dataclasses.replace(context, options={**context.options, **options})
            rules.append(rule_class(rule_context))
        return rules

    def lint_path(
        self, path: str | Path, row_sink: RowSink | None = None, display: str | None = None, progress=None
    ) -> tuple[Iterator[Finding], FileResult]:
        """Open and lint a file: returns the finding stream and the result it fills.

        ``row_sink(row, findings)``, when given, is called after each row with
        that row's findings (the fixer rewrites rows through it). ``display``
        is the path findings report (the fixer lints temporary copies).
        """
        handle = open(path, "rb")  # noqa: SIM115 - closed by the generator
        shown = display or str(path)
        result = self._result(shown)
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
                yield from self._lint(stream, shown, result, row_sink)

        return run(), result

    def lint_stream(self, stream: BinaryIO, path: str = "<stdin>") -> tuple[Iterator[Finding], FileResult]:
        result = self._result(path)
        return self._lint(stream, path, result, None), result

    def _result(self, path: str) -> FileResult:
        return FileResult(
            path, FileStats(), self.token_limit, self.tokenizer.encoding_name, self.model.name,
            model_named=bool(self.settings.model), prices=self.settings.prices,
            trainer=self.trainer.describe() if self.trainer is not None else None,
        )

    def _lint(
        self,
        stream: BinaryIO,
        path: str,
        result: FileResult,
        row_sink: RowSink | None,
        first_line: int = 1,
        offset: int = 0,
        keep_states: list | None = None,
    ) -> Iterator[Finding]:
        """Lint rows from ``stream``; ``first_line``/``offset`` place a shard of a JSONL file.

        With ``keep_states`` (a list), the dataset rules' states are appended
        to it instead of being finished: a shard's part of a parallel run.
        """
        rules = self.rules_for(path)
        plain = [r for r in rules if not isinstance(r, DatasetRule)]
        # Rules that report one parse problem run only on rows with that problem;
        # the hot loop binds ``check`` methods once instead of per row.
        by_problem: dict[str, list] = {}
        line_checks = []
        for rule in plain:
            if rule.scope != LINE:
                continue
            kind = getattr(rule, "problem_kind", "")
            if kind:
                by_problem.setdefault(kind, []).append((rule, rule.check))
            else:
                line_checks.append((rule, rule.check))
        by_kind, memo = _record_dispatch([r for r in plain if r.scope != LINE])
        dataset_rules = [r for r in rules if isinstance(r, DatasetRule)]
        states = [r.start() for r in dataset_rules]
        line_updates = [(r.update, s) for r, s in zip(dataset_rules, states) if r.scope == LINE]
        record_updates = [(r.kinds, r.update, s) for r, s in zip(dataset_rules, states) if r.scope != LINE]
        severity = self.severity
        stats = result.stats
        default_kind = self.profile.default_kind
        chat_kind = self.profile.chat_kind
        detector = self.registry.detector
        counted_kinds = (schema.CHAT, schema.RFT)
        reader = self.registry.reader_for(path)

        def finding(rule: Rule, violation, line: int, row: Row | None = None) -> Finding:
            context = ""
            if row is not None:
                context = hashlib.blake2b(row.raw if row.raw is not None else b"%d" % row.length, digest_size=8).hexdigest()
            return Finding(
                path, line, rule.code, rule.name, severity[rule.code], violation.message, violation.pointer, violation.fix, context
            )

        row: Row
        placement = {"first_line": first_line, "offset": offset} if (first_line, offset) != (1, 0) else {}
        for row in reader.rows(stream, max_line_bytes=self.settings.max_line_bytes, **placement):
            found: list[Finding] = []
            stats.lines += 1
            stats.bytes += row.length + 1
            for rule, check in line_checks:
                for violation in check(row):
                    found.append(finding(rule, violation, row.number, row))
            if row.problem is not None:
                for rule, check in by_problem.get(row.problem.kind, ()):
                    for violation in check(row):
                        found.append(finding(rule, violation, row.number, row))
            if row.parsed:
                row.format, row.kind = schema.classify(row.value, chat_kind, default_kind, detector)
                kind = row.kind
                stats.examples += 1
                # a row of a known shape skips the shape-only rules that were silent on it
                shape = shape_of(row) if kind in memo.entries else None
                entries = memo.plan(kind, shape) if shape is not None else None
                learning = shape is not None and entries is None
                if entries is None:
                    entries = by_kind.get(kind, ())
                fired: set | None = set() if learning else None  # only the first row of a shape records
                for gate, group in entries:
                    if gate is not None and not row.derived(gate, gate):
                        continue
                    for rule, check, shaped in group:
                        for violation in check(row):
                            found.append(finding(rule, violation, row.number, row))
                            if shaped and fired is not None:
                                fired.add(rule)
                if fired is not None:
                    memo.learn(kind, shape, frozenset(fired))
                if kind in counted_kinds:
                    self._count(row, stats)
                for kinds, update, state in record_updates:
                    if kind in kinds:
                        update(state, row)
            for update, state in line_updates:
                update(state, row)
            if row_sink is not None:
                row_sink(row, found)
            if found:
                yield from found
        if keep_states is not None:
            keep_states.extend(states)
            return
        yield from self.finish_states(path, dataset_rules, states)

    def finish_states(self, path: str, dataset_rules: list, states: list) -> list[Finding]:
        """The dataset rules' findings from their (merged) states, in line order."""
        late = []
        for rule, state in zip(dataset_rules, states):
            for violation in rule.finish(state):
                late.append(
                    Finding(path, violation.line or 1, rule.code, rule.name, self.severity[rule.code],
                            violation.message, violation.pointer, violation.fix)
                )
        late.sort(key=lambda f: (f.line, f.code))
        return late

    def _count(self, row: Row, stats: FileStats) -> None:
        if self.trainer is not None and not self.trainer.tally(row, stats.trainer):
            return  # the trainer cannot render it (FT310): nothing to count
        stats.countable += 1
        messages = row.value.get("messages")
        if isinstance(messages, list):
            stats.messages[len(messages)] += 1
        if not self.settings.token_stats:
            return
        exact = self.settings.exact_stats or self.trainer is not None or row.length >= LONG_ROW_BYTES
        if not exact:
            stats.short_countable += 1
        if exact or in_sample(row.number):
            stats.add_tokens(self.tokenizer.count_row(row), *row.token_parts, sampled=not exact)
        if row.tokens is not None:
            stats.max_tokens_seen = max(stats.max_tokens_seen, row.tokens)
            stats.note_length(row.tokens, row.number)
            if row.tokens > self.token_limit:
                stats.over_limit += 1


def _record_dispatch(rules: list[Rule]) -> tuple[dict[str, list], "_ShapeMemo"]:
    """Per row kind, the record rules grouped by gate; and the memo that trims
    the shape-only ones on rows of a known shape."""
    entries: dict[str, list] = {}
    for rule in rules:
        gate = type(rule).gate
        # a gated rule may be skipped on one row of a shape and not another: never shape-only
        shape_only = rule.shape_only and gate is None
        for kind in rule.kinds:
            entries.setdefault(kind, []).append((rule, rule.check, gate, shape_only))
    return {kind: _by_gate(kind_entries) for kind, kind_entries in entries.items()}, _ShapeMemo(entries)


class _ShapeMemo:
    """Which shape-only rules a row of a known shape still has to run (see linter.shape).

    The first row of a shape runs every rule. Shape-only rules give the same
    verdict on every row of that shape, so the ones that stayed silent are
    skipped on its later rows, and the ones that fired keep running there (to
    report each row): FT115 on a dataset without system messages fires on
    every row without costing the other eighteen their skip.
    """

    def __init__(self, entries: dict[str, list]) -> None:
        # kinds that have shape-only rules -> their (rule, check, gate, shape_only) entries
        self.entries = {kind: found for kind, found in entries.items() if any(entry[3] for entry in found)}
        self.fired: dict[tuple, frozenset] = {}  # shape -> the shape-only rules that fired on it
        self.plans: dict[tuple, list] = {}  # (kind, fired) -> the entries left, grouped by gate

    def plan(self, kind: str, shape: tuple) -> list | None:
        fired = self.fired.get(shape)
        return None if fired is None else self.plans[kind, fired]

    def learn(self, kind: str, shape: tuple, fired: frozenset) -> None:
        if len(self.fired) >= MAX_SHAPES or len(self.plans) >= MAX_SHAPES:
            self.fired.clear()  # bounded memory on files with endless shapes
            self.plans.clear()
        self.fired[shape] = fired
        if (kind, fired) not in self.plans:
            self.plans[kind, fired] = _by_gate([entry for entry in self.entries[kind] if not entry[3] or entry[0] in fired])


def _by_gate(entries: list) -> list[tuple]:
    """``(gate, [(rule, check, shape_only)...])`` for runs of consecutive rules
    (code order) that share a gate: a false gate skips its whole run with one test."""
    groups: list[tuple] = []
    for rule, check, gate, shaped in entries:
        if groups and groups[-1][0] is gate:
            groups[-1][1].append((rule, check, shaped))
        else:
            groups.append((gate, [(rule, check, shaped)]))
    return groups

