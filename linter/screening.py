"""One scan of the raw line for every rule's screen at once.

Rules declare screens (``Rule.screen``: strings the rule cannot fire without,
or bytes patterns over the raw JSON line); ``linter._dispatch`` groups rules
by screen. Testing each trigger with its own substring search costs about
1 ns per byte per trigger: on a 2 KB line, a dozen triggers cost more than
parsing the line. So the engine compiles every trigger of a file's enabled
rules into one multi-pattern automaton (Hyperscan, when installed: it scans
all of them in one pass at several GB/s) and asks it once per row which
screens the line holds. Without Hyperscan (a platform without its wheels) the
same answers come from per-trigger searches: slower, never different.

Screens fail open: a line holding an escape that could hide a trigger
(``\\u00..``, ``\\/``), or ``\\u`` at all for a screen with non-ASCII strings,
or a non-ASCII letter Python folds onto ASCII for a case-insensitive pattern,
passes every screen concerned.
"""

from __future__ import annotations

import copy
import hashlib
import re
import threading
from typing import Sequence

from . import disk_cache

try:  # an accelerator, not a requirement: the fallback gives the same answers
    import hyperscan
except ImportError:  # pragma: no cover - exercised where hyperscan has no wheel
    hyperscan = None
    _HS_VERSION = None
else:
    from importlib.metadata import version as _version

    _HS_VERSION = _version("hyperscan")

CACHE_FORMAT = "ftlint-screens-2"  # a new layout never reads an old file

# Escapes that could hide an ASCII trigger from a byte search (\u0041 for "A",
# \/ for "/"). Case-insensitive raw patterns also fail open on the four
# non-ASCII letters Python folds onto ASCII ones (İ ı ſ K).
ESCAPES = (b"\\u00", b"\\/")
ANY_ESCAPE = b"\\u"
CASE_FOLDS = (b"\xc4\xb0", b"\xc4\xb1", b"\xc5\xbf", b"\xe2\x84\xaa")

_RE_FLAGS = {re.IGNORECASE: "CASELESS", re.DOTALL: "DOTALL", re.MULTILINE: "MULTILINE"}


class StructuralScreen(tuple):
    """A screen declaration (a tuple of strings and patterns, as any) that also names a property of the
    line's JSON structure which the compiled row scanner (``linter.rowscan``) reports as a flag.

    A line alone is screened by the patterns; a block of lines the row scanner proved plain
    (``BlockScanner``) by the flag, where ``rowscan.STRUCTURAL`` knows the name, and the patterns leave
    the block's one Hyperscan scan. The flag must hold wherever the rule could fire, as the patterns
    must: ``string-edges`` (some string empty, ``"type"``, or with whitespace at either end, or some
    list empty) is FT200 and FT201's, whose regex was the costliest pattern of a block scan.
    """

    structural: str

    def __new__(cls, structural: str, entries) -> "StructuralScreen":
        screen = super().__new__(cls, entries)
        screen.structural = structural
        return screen

    def __getnewargs__(self):
        return (self.structural, tuple(self))


class Screen:
    """What one rule's ``screen`` declaration means over the raw line."""

    __slots__ = ("literals", "patterns", "any_escape", "folds", "structural")

    def __init__(self, literals: tuple[bytes, ...], patterns: tuple[re.Pattern, ...], any_escape: bool,
                 structural: str | None = None) -> None:
        self.literals = literals  # JSON-escaped forms of the declared strings
        self.patterns = patterns  # compiled bytes patterns over the raw line
        self.any_escape = any_escape  # a non-ASCII string: any \\u escape could hide it
        self.folds = any(p.flags & re.IGNORECASE for p in patterns)
        self.structural = structural  # a StructuralScreen's name: a row scanner flag answers it for a block

    def key(self) -> tuple:
        return (self.literals, tuple((p.pattern, p.flags) for p in self.patterns), self.any_escape, self.structural)

    def holds(self, raw: bytes) -> bool:
        """The slow, obviously right answer for one line (the fallback, and what tests compare with)."""
        if any(literal in raw for literal in self.literals):
            return True
        if any(pattern.search(raw) is not None for pattern in self.patterns):
            return True
        if self.any_escape and ANY_ESCAPE in raw:
            return True
        if self.folds and any(fold in raw for fold in CASE_FOLDS):
            return True
        return ESCAPES[0] in raw or ESCAPES[1] in raw


class Scanner:
    """Which of ``screens`` a raw line holds, computed once per row for all of them.

    ``mask(raw)`` returns an int whose bit ``i`` is set where the line holds one of
    ``screens[i]``'s triggers (or an escape that fails it open); ``passed(raw)``
    the same as a list of booleans.
    """

    def __init__(self, screens: Sequence[Screen], accelerate: bool = True) -> None:
        self.screens = list(screens)
        self.every = (1 << len(self.screens)) - 1  # the mask of a line that passes every screen
        self.database = None
        self.leftover: list[tuple[int, re.Pattern]] = []  # patterns the automaton cannot take: searched one by one
        self.confirm: list[tuple[int, re.Pattern]] = []  # patterns it takes loosely: searched where the loose one matched
        self._block: BlockScanner | None = None
        if accelerate and hyperscan is not None and self.screens:
            self._compile()

    # ------------------------------------------------------------ building

    def _compile(self) -> None:
        """Build the automaton, or load it from the user's cache: compiling the built-in
        screens takes about half a second, loading them a few microseconds."""
        n = len(self.screens)
        self.escape_id, self.any_escape_id, self.fold_id = n, n + 1, n + 2
        key = hashlib.sha256(repr((CACHE_FORMAT, _HS_VERSION, [screen.key() for screen in self.screens])).encode()).hexdigest()
        cached = disk_cache.read(f"screens-{key}", (CACHE_FORMAT, key))
        if cached is not None:
            ways, blob = cached
            try:
                self._arrange(ways)
                self.database = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
                hyperscan.Scratch(self.database)  # a copy built for another CPU (a shared home) fails here
            except Exception:  # noqa: BLE001 - a cache that does not load is rebuilt
                self.confirm, self.leftover, self.database = [], [], None
        if self.database is None:
            ways = [[_way(pattern) for pattern in screen.patterns] for screen in self.screens]
            expressions, ids, flags = self._arrange(ways)
            database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            database.compile(expressions=expressions, ids=ids, elements=len(expressions), flags=flags)
            self.database = database
            disk_cache.write(f"screens-{key}", (CACHE_FORMAT, key), (ways, hyperscan.dumpb(database)))
        self._fresh_state()

    def _fresh_state(self) -> None:
        """Scan state of this scanner's own: Hyperscan's scratch space and the hit set
        cannot be shared by two scans at once."""
        self.scratch = hyperscan.Scratch(self.database)
        self.hits: set[int] = set()
        hits = self.hits

        def on_match(ident, start, end, flags, context):
            hits.add(ident)

        self.on_match = on_match

    def clone(self) -> "Scanner":
        """The same compiled automaton with scan state of its own (for another file or thread)."""
        twin = copy.copy(self)
        if self.database is not None:
            twin._fresh_state()
            twin._block = None
        return twin

    def _arrange(self, ways: list[list[str]]) -> tuple[list[bytes], list[int], list[int]]:
        """The automaton's expressions, ids and flags, each pattern taken the way ``ways`` says
        (``exact``, ``loose``: Hyperscan's prefilter, confirmed by re; ``python``: re alone)."""
        n = len(self.screens)
        expressions: list[bytes] = []
        ids: list[int] = []
        flags: list[int] = []
        single = hyperscan.HS_FLAG_SINGLEMATCH

        def add(expression: bytes, ident: int, extra: int = 0) -> None:
            expressions.append(expression)
            ids.append(ident)
            flags.append(single | extra)

        self.confirm, self.leftover = [], []
        for index, (screen, taken) in enumerate(zip(self.screens, ways)):
            for literal in screen.literals:
                add(re.escape(literal), index)
            for pattern, way in zip(screen.patterns, taken):
                if way == "exact":
                    add(pattern.pattern, index, _hs_flags(pattern))
                elif way == "loose":
                    # lookarounds and the like: the automaton runs a looser pattern that matches
                    # wherever the real one could, and Python's re confirms only on those lines
                    self.confirm.append((index, pattern))
                    add(pattern.pattern, n + 3 + len(self.confirm) - 1, _hs_flags(pattern) | hyperscan.HS_FLAG_PREFILTER)
                else:
                    self.leftover.append((index, pattern))
        for escape in ESCAPES:
            add(re.escape(escape), self.escape_id)
        add(re.escape(ANY_ESCAPE), self.any_escape_id)
        for fold in CASE_FOLDS:
            add(re.escape(fold), self.fold_id)
        return expressions, ids, flags

    # ------------------------------------------------------------ many lines at once

    def block_scanner(self) -> "BlockScanner | None":
        """A scanner of whole blocks of lines for the same screens, or None where one cannot give
        answers as sure as ``mask``'s (no Hyperscan, or a pattern only Python's re runs)."""
        if self.database is None or self.leftover:
            return None
        if self._block is None:
            self._block = BlockScanner(self)
        return self._block if self._block.database is not None else None

    # ------------------------------------------------------------ per row

    def passed(self, raw: bytes) -> list[bool]:
        """One boolean per screen (tests and tools read this form; the engine reads ``mask``)."""
        mask = self.mask(raw)
        return [bool(mask >> index & 1) for index in range(len(self.screens))]

    def mask(self, raw: bytes) -> int:
        """The screens the line holds, as bits: bit ``i`` set when screen ``i`` passes.
        Most lines hold no trigger at all: that answer, 0, costs one scan and no Python per screen."""
        if self.database is None:
            return sum(1 << index for index, screen in enumerate(self.screens) if screen.holds(raw))
        hits = self.hits
        hits.clear()
        if raw:
            # the newline keeps every real match off the buffer's last byte: this Hyperscan
            # build can miss a match ending exactly there (seen with a two-pattern database on
            # 17-34 byte buffers); a pattern matching the newline itself only over-matches
            self.database.scan(raw + b"\n", match_event_handler=self.on_match, scratch=self.scratch)
        if not hits and not self.leftover:
            return 0
        if self.escape_id in hits:
            return self.every
        any_escape = self.any_escape_id in hits
        folds = self.fold_id in hits
        mask = 0
        for index, screen in enumerate(self.screens):
            if index in hits or (any_escape and screen.any_escape) or (folds and screen.folds):
                mask |= 1 << index
        first = self.fold_id + 1
        for offset, (index, pattern) in enumerate(self.confirm):
            if not mask >> index & 1 and first + offset in hits and pattern.search(raw) is not None:
                mask |= 1 << index
        for index, pattern in self.leftover:
            if not mask >> index & 1 and pattern.search(raw) is not None:
                mask |= 1 << index
        return mask


class BlockScanner:
    """Which lines of a block hold no trigger of any screen: one Hyperscan scan of the block.

    ``Scanner.mask`` asks one line at a time for the first match of each pattern; here the
    same expressions run without that flag (every match is reported, with where it ends) and
    in multi-line mode (``^`` and ``$`` at each line's start and end, as on the line alone),
    and a line is clean when no match of any expression (escapes and prefilters included)
    ends in it. A match that a line holds alone ends in that line in the block too, so no
    line is called clean that ``mask`` would not answer 0 for; a match running over a line
    break only sends the later line the slow way.
    """

    MATCHES_AT_MOST = 4096  # per scan: past that the rest of the block is not proven clean (an escape on every line)

    def __init__(self, scanner: Scanner) -> None:
        from . import rowscan

        self.database = None
        # screens the row scanner's flags answer (StructuralScreen): left out of the automaton, read from
        # the records instead (``hit_lines``' flags)
        self.row_flags = 0
        screens = []
        for screen in scanner.screens:
            flag = rowscan.STRUCTURAL.get(screen.structural) if screen.structural else None
            if flag:
                self.row_flags |= flag
            else:
                screens.append(screen)
        patterns = [*(p for screen in screens for p in screen.patterns)]
        if any(_WHOLE_INPUT_ANCHOR.search(p.pattern) for p in patterns):
            return  # \A, \Z: anchored to the line alone, which a block has no equivalent of
        key = hashlib.sha256(repr((CACHE_FORMAT, "block", _HS_VERSION, [screen.key() for screen in screens])).encode()).hexdigest()
        blob = disk_cache.read(f"screens-block-{key}", (CACHE_FORMAT, key))
        if blob is not None:
            try:
                self.database = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
                hyperscan.Scratch(self.database)
            except Exception:  # noqa: BLE001 - a cache that does not load is rebuilt
                self.database = None
        if self.database is None:
            ways = [[_way(pattern) for pattern in screen.patterns] for screen in screens]
            twin = copy.copy(scanner)
            twin.screens = screens
            expressions, ids, flags = twin._arrange(ways)
            if twin.leftover:
                return
            single, multiline = hyperscan.HS_FLAG_SINGLEMATCH, hyperscan.HS_FLAG_MULTILINE
            flags = [(flag & ~single) | multiline for flag in flags]
            database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            try:
                database.compile(expressions=expressions, ids=ids, elements=len(expressions), flags=flags)
            except Exception:  # noqa: BLE001 - hyperscan.error: a pattern it takes only one match at a time
                return
            self.database = database
            disk_cache.write(f"screens-block-{key}", (CACHE_FORMAT, key), hyperscan.dumpb(database))
        self.scratch = hyperscan.Scratch(self.database)
        self.ends: list[int] = []
        ends = self.ends
        at_most = self.MATCHES_AT_MOST

        def on_match(ident, start, end, flags, context):
            ends.append(end)
            return len(ends) >= at_most  # True stops the scan

        self.on_match = on_match

    def hit_lines(self, data: bytes, starts, flags=None):
        """A boolean array, one per line of ``data`` (``starts``: the offset of each line's first byte,
        a numpy array): True where the line may hold a trigger. ``flags``: the lines' ``rowscan`` record
        flags, required when ``row_flags`` is not 0; the answer is then sure only for the lines the row
        scanner proved plain (OK), the only ones its flags speak for."""
        import numpy as np

        if self.row_flags and flags is None:
            raise ValueError("this block scanner leaves screens to the row scanner: pass the lines' record flags")

        ends = self.ends
        ends.clear()
        try:
            self.database.scan(data + b"\n", match_event_handler=self.on_match, scratch=self.scratch)
        except hyperscan.ScanTerminated:
            pass
        hit = np.zeros(len(starts), dtype=bool)
        if ends:
            lines = np.searchsorted(starts, np.asarray(ends, dtype=np.int64) - 1, side="right") - 1
            hit[lines] = True
            if len(ends) >= self.MATCHES_AT_MOST:
                hit[lines.max():] = True  # the scan stopped there: nothing after it is proven
        if self.row_flags:
            hit |= (flags & self.row_flags) != 0
        return hit


# anchors to the whole input, which a line scanned alone and a block of lines do not share
_WHOLE_INPUT_ANCHOR = re.compile(rb"\\[AZz]")


def _hs_flags(pattern: re.Pattern) -> int | None:
    """Hyperscan flags for a Python bytes pattern's flags, or None when one has no equivalent."""
    extra = 0
    rest = pattern.flags & ~re.ASCII  # bytes patterns are ASCII-only in Python already
    for flag, name in _RE_FLAGS.items():
        if rest & flag:
            extra |= getattr(hyperscan, f"HS_FLAG_{name}")
            rest &= ~flag
    return extra if rest == 0 else None


# Python syntax Hyperscan reads otherwise, so a pattern it compiles could still under-match:
# "{,n}" (Python: 0 to n; PCRE: the literal text) and POSIX classes "[:digit:]" (Python: a set).
_DIFFERENT_SYNTAX = re.compile(rb"\{,|\[[:.=]")


def _way(pattern: re.Pattern) -> str:
    """How the automaton can take a pattern: exactly, loosely (a prefilter), or not at all."""
    extra = _hs_flags(pattern)
    if extra is None or _DIFFERENT_SYNTAX.search(pattern.pattern):
        return "python"
    single = hyperscan.HS_FLAG_SINGLEMATCH
    if _compiles(pattern.pattern, single | extra):
        return "exact"
    if _compiles(pattern.pattern, single | extra | hyperscan.HS_FLAG_PREFILTER):
        return "loose"
    return "python"


def _compiles(expression: bytes, flags: int) -> bool:
    """Can Hyperscan take this pattern (no back-references, lookarounds...)?"""
    try:
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(expressions=[expression], ids=[0], elements=1, flags=[flags])
    except Exception:  # noqa: BLE001 - hyperscan.error: fall back to Python's re for this one
        return False
    return True


class AnyOf:
    """Does a line match any of these bytes patterns (``re`` syntax, no lookarounds)?
    One automaton pass (Hyperscan) instead of one search per pattern: a substring
    search costs about 1 ns a byte, a Python regex alternation 5-10."""

    def __init__(self, patterns: Sequence[bytes]) -> None:
        self.patterns = tuple(re.compile(pattern) for pattern in patterns)
        self.database = None
        if hyperscan is not None and self.patterns:
            database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            count = len(self.patterns)
            database.compile(expressions=[p.pattern for p in self.patterns], ids=[0] * count,
                             elements=count, flags=[hyperscan.HS_FLAG_SINGLEMATCH] * count)
            self.database = database
        self._local = threading.local()  # one scratch space per thread

    def __call__(self, raw: bytes) -> bool:
        if self.database is None:
            return any(pattern.search(raw) is not None for pattern in self.patterns)
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self.database)
        try:
            self.database.scan(raw + b"\n", match_event_handler=_stop, scratch=scratch)  # see Scanner.passed
        except hyperscan.ScanTerminated:  # the handler stops the scan at the first hit
            return True
        return False


def _stop(*match) -> bool:
    return True
