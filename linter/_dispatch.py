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
  triggers (substring tests in C, once per row and family, cached), or an
  escape that could hide one.

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
from .rules.base import LINE, Rule
from .rules.reads import VIEWS
from .shape import shape_of

MAX_SHAPES = 4096  # shapes remembered: a few hundred in a typical dataset, each about 150 bytes

INTERNAL_ERROR = "FT000"
UNREADABLE_ROW = "FT019"

# Escapes that could hide an ASCII trigger from a byte search (\u0041 for "A",
# \/ for "/"): a line holding one runs every screened rule. Case-insensitive
# raw patterns also fail open on the four non-ASCII letters Python folds onto
# ASCII ones (İ ı ſ K).
_ESCAPES = (b"\\u00", b"\\/")
# Both in one pass from the backslash (sre skips to a literal first byte in C): 0.75 µs on a 1.8 KB line
# against 3.7 µs for two substring searches, whose short needles the searcher cannot skip far with.
_ESCAPE = re.compile(rb"\\(?:u00|/)")
_CASE_FOLDS = (b"\xc4\xb0", b"\xc4\xb1", b"\xc5\xbf", b"\xe2\x84\xaa")


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


def screen_of(rule_class: type) -> tuple[tuple[bytes, ...], tuple[re.Pattern, ...], bool] | None:
    """A rule's screen as the raw line shows it: the JSON-escaped literals, the raw
    patterns, and whether a \\uXXXX escape could hide a trigger (non-ASCII ones)."""
    screen = rule_class.screen
    if not screen:
        return None
    literals = tuple(orjson.dumps(entry)[1:-1] for entry in screen if isinstance(entry, str))
    patterns = tuple(entry for entry in screen if not isinstance(entry, str))
    any_escape = any(isinstance(entry, str) and not entry.isascii() for entry in screen)
    return literals, patterns, any_escape


_warned: set = set()


def _deprecated(rule_class: type, attribute: str, advice: str) -> None:
    key = (rule_class, attribute)
    if key in _warned or getattr(rule_class, "__module__", "").startswith("linter."):
        return
    _warned.add(key)
    warnings.warn(f"rule {rule_class.code}: '{attribute}' is deprecated; {advice}", DeprecationWarning, stacklevel=3)


# ---------------------------------------------------------------- the plan


class Gate:
    """A cheap test shared by a run of rules, evaluated at most once per row."""

    __slots__ = ("test", "slot")

    def __init__(self, test: Callable[[Row], bool], slot: int) -> None:
        self.test = test
        self.slot = slot


class _Entry:
    __slots__ = ("rule", "check", "gate", "shaped", "screened")

    def __init__(self, rule: Rule, gate: Gate | None, shaped: bool, screened: bool) -> None:
        self.rule = rule
        self.check = rule.check
        self.gate = gate
        self.shaped = shaped
        self.screened = screened


Report = Callable[[Rule, Violation, Row], None]
Crash = Callable[[Rule, BaseException, Row], None]


class Dispatch:
    """The dispatch plan of one file's enabled per-row rules; ``run(row)`` calls the right ones."""

    def __init__(self, rules: list[Rule], registered: Iterable[type], report: Report, crash: Crash, screens: bool = True) -> None:
        self.report = report
        self.crash = crash
        self.line_checks: list[tuple[Rule, Callable]] = []
        self.by_problem: dict[str, list[tuple[Rule, Callable]]] = {}
        self.claimed = frozenset(c.problem_kind for c in registered if c.problem_kind)
        self.unreadable: list[tuple[Rule, Callable]] = []
        gates: dict = {}
        entries: dict[str, list[_Entry]] = {}
        escaped = _EscapeMemo()
        for rule in rules:
            cls = type(rule)
            if cls.code == INTERNAL_ERROR:
                continue  # the engine reports internal errors itself
            if cls.scope == LINE:
                if cls.code == UNREADABLE_ROW:
                    self.unreadable.append((rule, rule.check))
                elif cls.problem_kind:
                    self.by_problem.setdefault(cls.problem_kind, []).append((rule, rule.check))
                else:
                    self.line_checks.append((rule, rule.check))
                continue
            present = presence_test(cls)
            screen = screen_of(cls) if screens else None
            gate = None
            if present is not None or screen is not None:
                key = (present, screen)
                gate = gates.get(key)
                if gate is None:
                    gate = gates[key] = Gate(_gate_test(present, screen, escaped), len(gates))
            entry = _Entry(rule, gate, is_shape_only(cls) and present is None, screen is not None)
            for kind in cls.kinds:
                entries.setdefault(kind, []).append(entry)
        self.cache: list = [None] * len(gates)
        self.fresh: list = [None] * len(gates)
        self.entries = entries
        self.shaped_kinds = frozenset(kind for kind, found in entries.items() if any(e.shaped for e in found))
        self.fired: dict[tuple, frozenset] = {}  # shape -> the shape-only rules that fired on rows of it
        # plans[kind][fired]: the entries left, grouped by gate; fired None = no memo for this row
        self.plans: dict[str, dict] = {}

    # ------------------------------------------------------------ per row

    def problems(self, row: Row) -> None:
        """Line rules, and the rules of the row's parse problem (if any)."""
        for rule, check in self.line_checks:
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
        fired = self.fired.get(shape) if shape is not None else None
        by_fired = self.plans.get(kind)
        groups = by_fired.get(fired) if by_fired is not None else None
        if groups is None:
            groups = self._plan(kind, fired)
        learning: set | None = set() if shape is not None and fired is None else None
        cache = self.cache
        cache[:] = self.fresh
        report = self.report
        for gate, group in groups:
            if gate is not None:
                ok = cache[gate.slot]
                if ok is None:
                    ok = cache[gate.slot] = gate.test(row)
                if not ok:
                    continue
            for entry in group:
                rule = entry.rule
                try:
                    for violation in entry.check(row):
                        report(rule, violation, row)
                        if learning is not None and entry.shaped:
                            learning.add(rule)
                except Exception as exc:  # noqa: BLE001 - one rule's bug must not stop the file
                    self.crash(rule, exc, row)
                    if learning is not None and entry.shaped:
                        learning.add(rule)
        if learning is not None:
            self._learn(shape, frozenset(learning))

    def _call(self, rule: Rule, check: Callable, row: Row) -> None:
        try:
            for violation in check(row):
                self.report(rule, violation, row)
        except Exception as exc:  # noqa: BLE001
            self.crash(rule, exc, row)

    # ------------------------------------------------------------ plans

    def _plan(self, kind: str, fired: frozenset | None) -> list:
        kept = [e for e in self.entries.get(kind, ()) if not (fired is not None and e.shaped and e.rule not in fired)]
        groups: list[tuple] = []
        for entry in kept:
            if groups and groups[-1][0] is entry.gate:
                groups[-1][1].append(entry)
            else:
                groups.append((entry.gate, [entry]))
        by_fired = self.plans.setdefault(kind, {})
        if len(by_fired) >= MAX_SHAPES:
            by_fired.clear()
        by_fired[fired] = groups
        return groups

    def _learn(self, shape: tuple, fired: frozenset) -> None:
        if len(self.fired) >= MAX_SHAPES:
            self.fired.clear()  # bounded memory on files with endless shapes
        self.fired[shape] = fired


class _EscapeMemo:
    """Does the raw line hold an escape that could hide a trigger? Once per row, shared by every screen."""

    __slots__ = ("row", "answer")

    def __init__(self) -> None:
        self.row = None
        self.answer = False

    def __call__(self, row: Row) -> bool:
        if row is not self.row:
            raw = row.raw
            self.answer = _ESCAPE.search(raw) is not None
            self.row = row
        return self.answer


def _gate_test(present: Callable[[Row], bool] | None, screen: tuple | None, escaped: _EscapeMemo) -> Callable[[Row], bool]:
    if screen is None:
        return present  # type: ignore[return-value]
    literals, patterns, any_escape = screen
    folds = any(p.flags & re.IGNORECASE for p in patterns)

    def screened(row: Row) -> bool:
        """False only when the raw line proves the rule silent: none of its triggers, no escape that could hide one."""
        raw = row.raw
        if raw is None:
            return True
        for literal in literals:
            if literal in raw:
                return True
        for pattern in patterns:
            if pattern.search(raw) is not None:
                return True
        if any_escape and b"\\u" in raw:
            return True
        if folds and any(fold in raw for fold in _CASE_FOLDS):
            return True
        return escaped(row)

    if present is None:
        return screened
    return lambda row: present(row) and screened(row)
