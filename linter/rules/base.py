"""The rule API.

A rule is a small class with a stable code (``FT101``), a kebab-case name, a
default severity and a one-line summary. Its docstring is the rationale, and
``bad``/``good`` hold JSONL examples: ``ftlint rule CODE`` prints them and the
test suite runs them, so documentation cannot drift from behaviour.

Two shapes:

* ``Rule.check(row)`` looks at one row and yields ``Violation``s.
* ``DatasetRule`` keeps a state per shard (``start``/``update``), states of
  consecutive shards are combined with ``merge``, and ``finish`` yields the
  violations. Run on one process or many, the result is the same.
"""

from __future__ import annotations

import re
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterable

from ..findings import Applicability, Severity, Violation
from ..plugin import PROJECT_URL
from ..rows import Row
from .options import check_declaration as check_options
from .reads import check_reads

LINE = "line"  # scope: every physical line, parsed or not
RECORD = "record"  # scope: parsed rows whose kind is in ``kinds``

CODE_RE = re.compile(r"^[A-Z]{1,6}[0-9]{1,4}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass
class RuleContext:
    """What a rule may consult: the resolved settings for the file being linted."""

    profile: Any
    model: Any
    token_limit: int
    tokenizer: Any
    options: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    limit_from: str = ""  # where token_limit comes from, in the reports' words ("--max-tokens", "model gpt-4o"...)
    # a preference pair's limit when the model's provider publishes a lower one for DPO (0: token_limit)
    pair_limit: int = 0
    enabled: frozenset[str] | None = None  # the codes on for this path (None: not known, as in a hand-made context)

    def reports(self, code: str) -> bool:
        """Is rule ``code`` on for this file? A rule that would only restate its finding (FT105 beside
        FT111's 'Role' should be 'role') then stays silent; unknown (None) counts as off, so it reports."""
        return self.enabled is not None and code in self.enabled


class Rule:
    """Base class for per-row rules."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    scope: ClassVar[str] = RECORD
    kinds: ClassVar[frozenset[str]] = frozenset({"chat"})
    fix: ClassVar[Applicability | None] = None
    default_enabled: ClassVar[bool] = True
    bad: ClassVar[str] = ""
    good: ClassVar[str] = ""
    options: ClassVar[dict[str, str]] = {}
    # option -> the type TOML must give it (``list[str]``, ``int``...; linter.rules.options), checked
    # once with the config: a wrong type is a one-line error there, not an FT000 on every row
    option_types: ClassVar[dict[str, Any]] = {}
    # option -> the values it accepts, for options that take one of a few words (checked with the config)
    option_choices: ClassVar[dict[str, tuple]] = {}
    # where the rule is documented (SARIF's helpUri, its page's link): a plugin's own docs. ftlint's rules
    # need none (help_url: their docs/rules page); a plugin rule without one gets no link at all
    url: ClassVar[str | None] = None
    example_profile: ClassVar[str | None] = None  # profile the bad/good examples are meant for
    # What the verdict depends on, from the vocabulary of linter.rules.reads
    # (``reads = ("tools", "tool_calls")``). The engine derives from it which
    # rows the rule can be skipped on (rows without tools; rows of a shape it
    # was silent on when it reads only ``"shape"``). None: it may read anything.
    reads: ClassVar[tuple[str, ...] | None] = None
    # Text without which the rule cannot fire (``screen = ("{{", "${")``): the
    # engine skips the rule on raw lines that hold none of it. See reads.py.
    screen: ClassVar[tuple] = ()
    # For ``scope = LINE`` rules: the reader's problem kind (``row.problem.kind``)
    # the rule reports; it then runs only on rows with that problem. A problem
    # no registered rule claims is reported by FT019 unreadable-row.
    problem_kind: ClassVar[str] = ""
    # Settings the rule has nothing to do without (``requires = ("trainer",)``: a
    # tokenizer and chat template given with --tokenizer). The engine neither
    # builds nor calls the rule in a run where one of them is unset, so an idle
    # rule costs nothing per row.
    requires: ClassVar[tuple[str, ...]] = ()
    # True: the engine reports the rule once per file, at the first row it fires on, with how
    # many rows it fired on (``linter.per_file``): for advice true of most rows of a dataset
    # (FT115), which would bury every other finding. The rule itself stays per-row. No fix.
    per_file: ClassVar[bool] = False
    # True: the rule never fires on a row whose tokens are within the context's ``token_limit``
    # (FT300). The engine may then skip it on rows whose bytes bound their tokens within it
    # (``linter.tokens.upper_bound``) and that it proves clean otherwise (``linter.fast_path``).
    silent_within_token_limit: ClassVar[bool] = False
    # Deprecated (one release): ``gate`` is honoured only on rules without
    # ``reads``; ``shape_only`` is never trusted without ``reads`` that prove it.
    gate: ClassVar[Callable[[Row], bool] | None] = None
    shape_only: ClassVar[bool] = False

    def __init__(self, context: RuleContext) -> None:
        self.context = context

    def check(self, row: Row) -> Iterable[Violation]:
        """Yield the violations of one row."""
        raise NotImplementedError

    @classmethod
    def rationale(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def help_url(cls) -> str | None:
        """Where the rule is documented: its ``url``; for ftlint's own rules, their docs/rules page.
        None for a plugin rule that declares no ``url``: ftlint's docs have no page for it."""
        if cls.url:
            return cls.url
        return f"{PROJECT_URL}/blob/main/docs/rules/{cls.code}.md" if cls.__module__.split(".")[0] == "linter" else None

    @classmethod
    def validate_class(cls) -> None:
        """Raise ValueError when the class is not a well-formed rule."""
        for attr in ("code", "name", "summary"):
            if not isinstance(getattr(cls, attr, None), str):
                raise ValueError(f"rule {cls.__qualname__} has no {attr}")
        if not CODE_RE.match(cls.code):
            raise ValueError(f"rule code {cls.code!r} must be 1-6 capitals then 1-4 digits, like FT101")
        if not NAME_RE.match(cls.name):
            raise ValueError(f"rule name {cls.name!r} must be kebab-case, like messages-missing")
        if cls.scope not in (LINE, RECORD):
            raise ValueError(f"rule {cls.code} has unknown scope {cls.scope!r}")
        check_reads(cls)
        check_options(cls)
        if cls.url is not None and not (isinstance(cls.url, str) and cls.url.startswith(("https://", "http://"))):
            raise ValueError(f"rule {cls.code}: url must be an http(s) address of the rule's documentation, not {cls.url!r}")
        if cls.per_file and (cls.fix is not None or hasattr(cls, "finish")):
            raise ValueError(f"rule {cls.code}: per_file is for per-row rules without a fix (a fix edits one row)")
        counts = getattr(cls, "counts", None)
        if counts is not None and (counts not in ENGINE_COUNTS or not issubclass(cls, DatasetRule)):
            raise ValueError(f"rule {cls.code}: counts must name one of the engine's counters ({', '.join(ENGINE_COUNTS)}) on a dataset rule, not {counts!r}")
        if isinstance(cls.requires, str) or not all(isinstance(name, str) and name for name in cls.requires):
            raise ValueError(f"rule {cls.code}: requires must be a tuple of setting names, like requires = ('trainer',)")


# what a rule's ``requires`` names mean to a user (its page; the warning for a selected rule idle in a run)
REQUIREMENTS = {
    "trainer": "a tokenizer and chat template (--tokenizer or --trainer-config)",
    "train_fingerprints": "a training file to compare with (--validation-file)",
    "completion_conventions": "a profile that follows prepare_data's conventions for base models (openai-legacy)",
    "message_name_pattern": "a profile that checks message names (OpenAI's, Azure's)",
    "exclusive_formats": "a profile that refuses rows matching two of its formats (Together's)",
}


def requirements_text(names) -> str:
    """What a rule's ``requires`` names mean to a user, joined: for its page and the idle-rule warning."""
    return "; ".join(REQUIREMENTS.get(name, name) for name in names)


class DatasetRule(Rule):
    """Base class for rules that need the whole file: state per shard, merge, finish."""

    # True when finish() yields in ascending line order: its findings then stream out
    # without being held and sorted (linter.late_findings); a broken promise is an FT000
    finish_in_line_order = False

    def start(self) -> Any:
        """A fresh, empty state for one shard."""
        raise NotImplementedError

    def update(self, state: Any, row: Row) -> None:
        """Fold one row into the state, in place (a list, a dict, an object: the engine keeps
        the state ``start`` made and ignores what this returns)."""
        raise NotImplementedError

    def merge(self, first: Any, second: Any) -> Any:
        """Combine the states of two consecutive shards (``first`` comes earlier in the file)."""
        raise NotImplementedError

    def finish(self, state: Any) -> Iterable[Violation]:
        """Yield violations for the whole file; each must set ``line``."""
        raise NotImplementedError

    def check(self, row: Row) -> Iterable[Violation]:  # pragma: no cover - not used for dataset rules
        return ()


class TallyRule(DatasetRule):
    """A dataset rule that only adds up a number per row (rows, bytes...):
    ``tally(row)`` says how much a row adds, ``verdict(total)`` judges the sum."""

    # When ``tally`` adds up exactly a counter the engine keeps for every file
    # and shard anyway (one of ``ENGINE_COUNTS``: ``"lines"``, ``"bytes"`` as
    # ``row.length + 1`` per line, ``"examples"`` as parsed rows), name it here:
    # the engine then calls neither ``update`` nor ``tally`` per row and hands
    # the counter to ``finish``. A call per rule and row was what these rules
    # cost; tests/test_tallies.py proves each declaration against ``tally``.
    # Any other dataset rule whose state is a list may declare ``counts`` too:
    # the engine sets ``state[0]`` to the counter before ``merge`` and ``finish``,
    # and still calls ``update`` on the rows its ``reads`` let through (FT011
    # reads only the lines that are not examples, and takes the example count).
    counts: str | None = None

    def tally(self, row: Row) -> int:
        raise NotImplementedError

    def verdict(self, total: int) -> Iterable[Violation]:
        raise NotImplementedError

    def start(self) -> list:
        return [0]

    def update(self, state: list, row: Row) -> None:
        state[0] += self.tally(row)

    def merge(self, first: list, second: list) -> list:
        return [first[0] + second[0]]

    def finish(self, state: list) -> Iterable[Violation]:
        return self.verdict(state[0])


ENGINE_COUNTS = ("lines", "bytes", "examples")  # the FileStats counters a dataset rule may declare it ``counts``


def promised_by(rule_class: type, promise: str, *methods: str) -> object:
    """``promise`` (a class attribute or method), as the class nearest in the MRO that defines it or one of
    ``methods`` says: None when a subclass overrides one of ``methods`` without making the promise again
    (it describes the parent's method, not the one this class runs), as ``declared_counts`` has it for
    ``counts`` and ``finish_in_line_order`` for ``finish``. ``silent_within_token_limit`` promises
    something of ``check``; ``takes_scanned`` and ``update_scanned`` of ``update``."""
    for klass in rule_class.__mro__:
        own = vars(klass)
        if promise in own:
            return own[promise]
        if any(method in own for method in methods):
            return None
    return None


def declared_counts(rule_class: type) -> str | None:
    """The engine counter a tally rule adds up (``TallyRule.counts``), as promised by the class
    that defines its ``tally``: a subclass that overrides ``tally`` or ``update`` without saying
    ``counts`` again adds up something else, so it does not inherit the promise (as
    ``finish_in_line_order`` is not inherited by an overriding ``finish``)."""
    for klass in rule_class.__mro__:
        own = vars(klass)
        if "counts" in own or "tally" in own or "update" in own:
            return own.get("counts")
    return None
