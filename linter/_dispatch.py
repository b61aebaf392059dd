"""Which rules run on a row: everything the engine derives from the rules' declarations.

Rule authors declare what a rule reads (``reads``, ``screen``, ``problem_kind``:
see ``linter.rules.reads``); this module turns those declarations, for one
file's enabled rules, into a dispatch plan, and runs it row by row:

* parse problems go to the rules that claim them; a problem no registered
  rule claims goes to the generic ``unreadable-row`` rule, so nothing is silent;
* record rules are grouped per row kind, in code order, by gate (the
  presence test their reads imply, and their screen), so a false gate skips
  its whole run of rules with one test;
* the shape memo skips shape-only rules (reads all structural) that were
  silent on an earlier row of the same shape;
* screens: a screened rule runs only on raw lines holding one of its
  triggers, or an escape that could hide one; every screen of the file's
  rules is tested in one scan of the line (``linter.screening``).

Every rule call is isolated: an exception becomes an ``internal-error``
finding naming the rule, and the row goes on to the next rule.

``FTLINT_NO_SCREENS=1`` turns screens off (tests and bench/ compare the two).
"""

from __future__ import annotations

import os
import re
import warnings
from typing import Callable, Iterable

import orjson

from .findings import Violation
from .rows import Row
from .rules.base import LINE, Rule, promised_by
from .rules.reads import UNPARSED, VIEWS
from .screening import Scanner, Screen
from .shape import shape_of
from .tokens import TokenizerUnavailable

MAX_SHAPES = 4096  # shapes remembered: a few hundred in a typical dataset, each about 150 bytes

INTERNAL_ERROR = "FT000"
# Errors no rule can be blamed for, which would fail every row alike: they stop the run
# with their own one-line message instead of becoming an internal-error finding per row.
FATAL = (TokenizerUnavailable,)
UNREADABLE_ROW = "FT019"

def screens_enabled() -> bool:
    return os.environ.get("FTLINT_NO_SCREENS", "") in ("", "0")


# ---------------------------------------------------------------- declarations


def presence_test(rule_class: type) -> Callable[[Row], bool] | None:
    """The gate a rule's reads imply: when every view it reads has a presence
    test, the rule is skipped on rows where none is present. A deprecated
    ``gate`` attribute is honoured when the rule declares no reads."""
    reads = rule_class.reads
    if reads:
        tests = []
        for name in reads:
            present = VIEWS[name].present
            if present is None:
                return None
            if present not in tests:
                tests.append(present)
        if len(tests) == 1:
            return tests[0]
        return lambda row: any(test(row) for test in tests)
    gate = rule_class.gate
    if gate is not None:
        _deprecated(rule_class, "gate", "declare reads = (...) instead; the engine derives the gate")
    return gate


def reads_nothing(rule_class: type) -> bool:
    """``reads = ()`` on a dataset rule: it judges the file (its name, say), never a row, so its
    ``update`` is not called per row. (A per-row rule declaring it still runs on every row, as
    before the declaration had this meaning: skipping it would hide what it finds.)"""
    return rule_class.reads == () and rule_class.code != INTERNAL_ERROR and hasattr(rule_class, "finish")


def is_shape_only(rule_class: type) -> bool:
    """Shape-only is derived: every view the rule reads is structural. A
    deprecated ``shape_only = True`` without reads that prove it is not trusted
    (a wrong claim would hide findings): such a rule runs on every row."""
    reads = rule_class.reads
    if reads:
        return all(VIEWS[name].structural for name in reads) and rule_class.gate is None
    if rule_class.shape_only:
        _deprecated(rule_class, "shape_only", "declare reads = ('shape',); until then the rule runs on every row")
    return False


def screen_of(rule_class: type) -> Screen | None:
    """A rule's screen as the raw line shows it: the JSON-escaped literals, the raw
    patterns, and whether a \\uXXXX escape could hide a trigger (non-ASCII ones)."""
    screen = rule_class.screen
    if not screen:
        return None
    literals = tuple(orjson.dumps(entry)[1:-1] for entry in screen if isinstance(entry, str))
    patterns = tuple(entry for entry in screen if not isinstance(entry, str))
    any_escape = any(isinstance(entry, str) and not entry.isascii() for entry in screen)
    return Screen(literals, patterns, any_escape, getattr(screen, "structural", None))


_warned: set = set()


def _deprecated(rule_class: type, attribute: str, advice: str) -> None:
    key = (rule_class, attribute)
    if key in _warned or getattr(rule_class, "__module__", "").startswith("linter."):
        return
    _warned.add(key)
    warnings.warn(f"rule {rule_class.code}: '{attribute}' is deprecated; {advice}", DeprecationWarning, stacklevel=3)


# ---------------------------------------------------------------- the plan


class Gate:
    """What must hold of a row for a run of rules to be called: its rules' screen (a
    slot of the file's scan) and the presence tests their reads imply, each of those
    either a test alone or a raw-line screen (a slot) confirmed by a test.

    A gate is resolved per scan answer (``resolve``): most lines hold no trigger,
    and then most gates are known false (or true) without a call."""

    __slots__ = ("slot", "presence", "resolved")

    def __init__(self, slot: int | None, presence: tuple | None) -> None:
        self.slot = slot  # the rules' own screen, or None
        self.presence = presence  # ((screen slot or None, test), ...), or None: no presence test
        self.resolved: dict[int, object] = {}  # scan mask -> False, None (always true) or a _Test

    def resolve(self, mask: int, tests: dict) -> object:
        answer = self.resolved.get(mask, _UNKNOWN)
        if answer is _UNKNOWN:
            if len(self.resolved) >= 256:
                self.resolved.clear()  # bounded, like the plans' tables (a few masks in practice)
            answer = self.resolved[mask] = self._resolve(mask, tests)
        return answer

    def _resolve(self, mask: int, tests: dict) -> object:
        if self.slot is not None and not mask >> self.slot & 1:
            return False  # the line lacks every trigger of these rules' screen
        if self.presence is None:
            return None
        left = tuple(test for slot, test in self.presence if slot is None or mask >> slot & 1)
        if not left:
            return False  # the line lacks what every view these rules read needs
        test = tests.get(left)
        if test is None:
            test = tests[left] = _Test(left, len(tests))
        return test


_UNKNOWN = object()


class _Test:
    """The part of a gate the scan cannot answer: called at most once per row (``cache[slot]``)."""

    __slots__ = ("test", "slot")

    def __init__(self, tests: tuple, slot: int) -> None:
        self.test = tests[0] if len(tests) == 1 else (lambda row: any(test(row) for test in tests))
        self.slot = slot


class _Entry:
    __slots__ = ("rule", "check", "gate", "shaped")

    def __init__(self, rule: Rule, gate: Gate | None, shaped: bool) -> None:
        self.rule = rule
        self.check = rule.check
        self.gate = gate
        self.shaped = shaped  # shape-only: its findings are learnt per shape and replayed


class _Plan:
    """The rules of one kind (or one shape of it), in code order, grouped by gate; and
    per scan mask the same groups with each gate resolved (false gates left out)."""

    __slots__ = ("groups", "by_mask", "scans")

    def __init__(self, entries) -> None:
        self.groups = _grouped(entries)
        self.by_mask: dict[int, list] = {}
        self.scans = any(gate is not None and (gate.slot is not None or _screened(gate.presence)) for gate, _ in self.groups)

    def for_mask(self, mask: int, tests: dict) -> list:
        groups = self.by_mask.get(mask)
        if groups is None:
            groups = []
            for gate, group in self.groups:
                resolved = gate.resolve(mask, tests) if gate is not None else None
                if resolved is not False:
                    groups.append((resolved, group))
            if len(self.by_mask) >= 256:
                self.by_mask.clear()
            self.by_mask[mask] = groups
        return groups


def _screened(presence: tuple | None) -> bool:
    return presence is not None and any(slot is not None for slot, _ in presence)


Report = Callable[[Rule, Violation, Row], None]
Crash = Callable[[Rule, BaseException, Row], None]


class Dispatch:
    """The dispatch plan of one file's enabled per-row rules; ``run(row)`` calls the right ones."""

    def __init__(self, rules: list[Rule], registered: Iterable[type], report: Report, crash: Crash, screens: bool = True) -> None:
        self.report = report
        self.crash = crash
        self.line_checks: list[tuple[Rule, Callable, Callable | None]] = []
        self.by_problem: dict[str, list[tuple[Rule, Callable]]] = {}
        self.claimed = frozenset(c.problem_kind for c in registered if c.problem_kind)
        self.unreadable: list[tuple[Rule, Callable]] = []
        self.screened_lines: set[Rule] = set()  # line rules with a screen of their own
        gates: dict = {}
        entries: dict[str, list[_Entry]] = {}
        distinct: dict[tuple, tuple[int, Screen]] = {}  # the distinct screens, numbered for the scanner

        def slot_of(screen: Screen) -> int:
            return distinct.setdefault(screen.key(), (len(distinct), screen))[0]

        for rule in rules:
            cls = type(rule)
            if cls.code == INTERNAL_ERROR:
                continue  # the engine reports internal errors itself
            if reads_nothing(cls):
                continue  # it judges the file, not its rows
            if cls.scope == LINE:
                if cls.code == UNREADABLE_ROW:
                    self.unreadable.append((rule, rule.check))
                elif cls.problem_kind:
                    self.by_problem.setdefault(cls.problem_kind, []).append((rule, rule.check))
                else:  # screened like a record rule: the row's one scan answers every screen
                    screen = screen_of(cls) if screens else None
                    present = presence_test(cls)
                    if screen is not None:
                        present = self._screened_line(slot_of(screen), present)
                        self.screened_lines.add(rule)
                    self.line_checks.append((rule, rule.check, present))
                continue
            presence = _presence(cls, slot_of if screens else None)
            screen = screen_of(cls) if screens else None
            slot = slot_of(screen) if screen is not None else None
            gate = None
            if presence is not None or slot is not None:
                key = (presence, slot)
                gate = gates.get(key)
                if gate is None:
                    gate = gates[key] = Gate(slot, presence)
            entry = _Entry(rule, gate, is_shape_only(cls) and presence is None)
            for kind in cls.kinds:
                entries.setdefault(kind, []).append(entry)
        self.scanner = _scanner([screen for _, screen in sorted(distinct.values(), key=lambda pair: pair[0])]) if distinct else None
        self._scanned: Row | None = None  # the row self._mask answers for
        self.shaped: tuple = (None, None)  # the last row ``records`` took, and its shape
        self._mask = 0
        self.tests: dict[tuple, _Test] = {}  # the gates' unscreened parts, each with a slot in ``cache``
        self.cache: list = []  # per row: the tests' answers, None until asked
        self.fresh: list = []
        self.entries = entries
        self.shaped_kinds = frozenset(kind for kind, found in entries.items() if any(e.shaped for e in found))
        self.full: dict[str, _Plan] = {}  # kind -> every entry of that kind
        # shape -> its plan: the shape-only rules silent on it left out, those that fired
        # replaying what they said (when that holds nothing of the row but its shape)
        self.by_shape: dict[tuple, _Plan] = {}
        # The line rules a record (a parsed row) can need, and those a line that is not one
        # can: a rule that reads only ``unparsed`` lines is known idle on every record, and
        # known to run on every other line, without a call of its presence test per line.
        unparsed = VIEWS[UNPARSED].present
        self.record_checks = [(rule, check, present) for rule, check, present in self.line_checks if present is not unparsed]
        self.other_checks = [(rule, check, None if present is unparsed else present) for rule, check, present in self.line_checks]

    # ------------------------------------------------------------ per row

    def problems(self, row: Row) -> None:
        """Line rules, and the rules of the row's parse problem (if any)."""
        for rule, check, present in self.record_checks if row.parsed else self.other_checks:
            if present is None or present(row):
                self._call(rule, check, row)
        problem = row.problem
        if problem is not None:
            if problem.kind in self.claimed:
                for rule, check in self.by_problem.get(problem.kind, ()):
                    self._call(rule, check, row)
            else:
                for rule, check in self.unreadable:
                    self._call(rule, check, row)

    def records(self, row: Row, kind: str) -> None:
        """The record rules of the row's kind that its gates, screens and shape leave."""
        shape = shape_of(row) if kind in self.shaped_kinds else None
        self.shaped = row, shape  # for clean_plan, asked about this row next
        plan = self.by_shape.get(shape) if shape is not None else None
        learning: dict | None = None
        if plan is None:
            plan = self.full.get(kind)
            if plan is None:
                plan = self.full[kind] = _Plan(self.entries.get(kind, ()))
            if shape is not None:
                learning = {}  # shape-only rule -> what it said on this row (None: not to be replayed)
        mask = self.mask_of(row) if plan.scans else 0
        tests = self.tests
        groups = plan.for_mask(mask, tests)
        cache = self.cache
        if len(cache) != len(tests):  # a gate resolved to a test no row needed before
            self.fresh = [None] * len(tests)
        cache[:] = self.fresh
        report = self.report
        for test, group in groups:
            if test is not None:
                ok = cache[test.slot]
                if ok is None:
                    ok = cache[test.slot] = test.test(row)
                if not ok:
                    continue
            for entry in group:
                rule = entry.rule
                said: list | None = [] if learning is not None and entry.shaped else None
                try:
                    for violation in entry.check(row):
                        report(rule, violation, row)
                        if said is not None:
                            said.append(violation)
                except FATAL:
                    raise  # the run cannot go on (no tokenizer offline): one clear error, not one per row
                except Exception as exc:  # noqa: BLE001 - one rule's bug must not stop the file
                    self.crash(rule, exc, row)
                    said = None
                    if learning is not None and entry.shaped:
                        learning[rule] = None
                if said is not None:
                    learning[rule] = said if all(map(_replayable, said)) else None
        if learning is not None:
            self._learn(shape, plan.groups, learning)

    def clean_plan(self, row: Row, kind: str, proven_idle: Callable[[type], bool]) -> tuple[list, bool] | None:
        """What the rules do on a row of ``row``'s kind and shape whose raw line holds no trigger of
        any screen, known without running them (``linter.fast_path``): ``(replays, bounded)``, the
        per-file findings the shape's plan says again (``[(rule, violations)]``) and whether a rule
        silent within the token limit runs (FT300); None when a rule would run whose verdict only
        running it tells, or when the shape's plan is not learnt yet.

        Line rules: screened ones are off on such a line, ``proven_idle`` ones (reading only what
        the caller proved the line lacks) are idle; record rules: the plan for scan mask 0, where
        a gate a test must still answer, or a rule that is neither a per-file replay nor silent
        within the token limit, makes the answer None."""
        for rule, _check, _present in self.record_checks:
            if rule not in self.screened_lines and not proven_idle(type(rule)):
                return None
        shaped, shape = self.shaped
        if shaped is not row:
            shape = shape_of(row) if kind in self.shaped_kinds else None
        plan = self.by_shape.get(shape) if shape is not None else self.full.get(kind)
        if plan is None:
            return None
        replays: list = []
        bounded = False
        for test, group in plan.for_mask(0, self.tests):
            if test is not None:
                return None
            for entry in group:
                rule = entry.rule
                if entry.__class__ is _Replay:
                    if not rule.per_file:
                        return None
                    replays.append((rule, entry.said))
                elif promised_by(type(rule), "silent_within_token_limit", "check"):
                    bounded = True
                else:
                    return None
        return replays, bounded

    def mask_of(self, row: Row) -> int:
        """Which of the file's screens the row's raw line holds (bits), scanned once per row."""
        if row is not self._scanned:
            raw = row.raw
            self._mask = self.scanner.mask(raw) if raw is not None else -1  # no raw line: every screen passes
            self._scanned = row
        return self._mask

    def _screened_line(self, slot: int, present: Callable[[Row], bool] | None) -> Callable[[Row], bool]:
        """A line rule's gate: its screen (from the row's one scan), then its presence test if any."""
        mask_of = self.mask_of
        if present is None:
            return lambda row: bool(mask_of(row) >> slot & 1)
        return lambda row: bool(mask_of(row) >> slot & 1) and present(row)

    def _call(self, rule: Rule, check: Callable, row: Row) -> None:
        try:
            for violation in check(row):
                self.report(rule, violation, row)
        except FATAL:
            raise  # the run cannot go on (no tokenizer offline): one clear error, not one per row
        except Exception as exc:  # noqa: BLE001
            self.crash(rule, exc, row)

    # ------------------------------------------------------------ plans

    def _learn(self, shape: tuple, groups: list, learned: dict) -> None:
        """The plan for later rows of ``shape``, from what its shape-only rules did on this one."""
        entries = []
        for _, group in groups:
            for entry in group:
                if not entry.shaped or entry.rule not in learned:
                    entries.append(entry)  # not shape-only, or its gate kept it from running here
                    continue
                said = learned[entry.rule]
                if said is None:
                    entries.append(entry)  # it crashed, or its findings hold more than the shape: run it each time
                elif said:
                    entries.append(_Replay(entry, tuple(said)))
        if len(self.by_shape) >= MAX_SHAPES:
            self.by_shape.clear()  # bounded memory on files with endless shapes
        self.by_shape[shape] = _Plan(entries)


def _presence(rule_class: type, slot_of: Callable[[Screen], int] | None) -> tuple | None:
    """The presence tests a rule's reads imply, for its gate: ``((slot, test), ...)``.
    With screens on, a view that declares a raw-line screen is tested by the file's one
    scan (its slot) and confirmed by its ``confirm`` test; without, by ``present`` alone."""
    if not rule_class.reads:
        present = presence_test(rule_class)  # the deprecated ``gate`` attribute, if any
        return None if present is None else ((None, present),)
    parts = []
    for name in rule_class.reads:
        view = VIEWS[name]
        if view.present is None:
            return None  # a view with no presence test: the rule runs on every row of its kinds
        if slot_of is not None and view.screen and view.confirm is not None:
            screen = Screen((), tuple(re.compile(p) for p in view.screen), True, getattr(view.screen, "structural", None))
            part = (slot_of(screen), view.confirm)
        else:
            part = (None, view.present)
        if part not in parts:
            parts.append(part)
    return tuple(parts)


def _grouped(entries) -> list[tuple]:
    """Entries in code order, consecutive ones sharing a gate grouped under it."""
    groups: list[tuple] = []
    for entry in entries:
        if groups and groups[-1][0] is entry.gate:
            groups[-1][1].append(entry)
        else:
            groups.append((entry.gate, [entry]))
    return groups


class _Replay:
    """A shape-only rule that fired on an earlier row of this shape: says the same again, without running."""

    __slots__ = ("rule", "gate", "shaped", "said")

    def __init__(self, entry: _Entry, said: tuple) -> None:
        self.rule, self.gate = entry.rule, entry.gate
        self.shaped = False
        self.said = said

    def check(self, row: Row) -> tuple:
        return self.said


_VALUE_FREE = frozenset({"remove", "move", "copy"})


def _replayable(violation: Violation) -> bool:
    """Can this finding be said again on another row of the same shape? Its message
    and pointer can (the property test in tests/test_shape.py holds shape-only rules
    to that); its fix only when it carries no value taken from the row: no callable,
    and JSON Patch edits that move or remove, or set a number, boolean or null."""
    fix = violation.fix
    if fix is None:
        return True
    if fix.apply is not None or fix.raw is not None:
        return False
    for edit in fix.edits:
        if edit.get("op") not in _VALUE_FREE and not (edit.get("value") is None or type(edit.get("value")) in (int, float, bool)):
            return False
    return True


_SCANNERS: dict[tuple, Scanner] = {}


def _scanner(screens: list[Screen]) -> Scanner:
    """A scanner for these screens: compiled once per process (a run lints many files alike),
    with scan state of its own (one Dispatch lints one file in one thread; API users may run
    several threads)."""
    key = tuple(screen.key() for screen in screens)
    scanner = _SCANNERS.get(key)
    if scanner is None:
        scanner = _SCANNERS[key] = Scanner(screens)
    return scanner.clone()
