"""The fast path: most rows of a JSON Lines file proven clean a block at a time, without Python per row.

Most rows of a dataset are clean and share their structure with an earlier row:
the same keys, roles and types, other texts. The per-row Python of the engine
(parse, classify, screen, dispatch, fingerprint: about 20 µs a row) then finds
what it found on that earlier row. Here one compiled call per block
(``linter.rowscan``) proves each line is plain JSON (no ``\\u`` escape, no
float, no repeated key, valid UTF-8) and gives its skeleton (the line with the
text of every non-empty ``content`` string left out) and its fingerprints; one
Hyperscan scan of the block (``screening.BlockScanner``) tells which lines hold
a trigger of any rule's screen. A line is taken in bulk when:

* it is plain and holds no trigger; it is not the file's first line (FT008
  asks about that one), not a row the token statistics sample, not long enough
  to be counted exactly (``stats.LONG_ROW_BYTES``);
* an earlier row of the same skeleton was linted the slow way and its plan,
  read from the rules' declarations alone (``Dispatch.clean_plan``), runs no
  rule on a row of that shape and no trigger: every rule of the kind is
  screened out, proven idle by what the scan proves (``PROVEN_ABSENT``), a
  shape-only rule that was silent, a per-file rule replaying its finding, or a
  rule silent within the token limit (FT300) on a row whose bytes bound its
  tokens within it (``tokens.upper_bound``, the same bound FT300 uses) or,
  where they do not, whose tokens counted as FT300 counts them are;
* every dataset rule that takes the row either proves idle the same way or
  folds it in bulk (``DatasetRule.update_scanned``: the fingerprint rules
  FT403-FT405 and FT400), as it said on the earlier row (``takes_scanned``).

Everything else (a line with a trigger, a new skeleton, a plugin rule that
reads every row) goes the slow way, one row at a time, in line order, so the
findings, statistics and states are the ones the slow way gives every row:
``tests/test_fast_path.py`` compares the two on fuzzed files.
``FTLINT_NO_FAST_PATH=1`` turns it off.
"""

from __future__ import annotations

import os
from typing import Iterator

from orjson import loads

from . import rowscan, schema
from .formats.openai import OpenAIChat
from .readers.jsonl import JsonlReader, Lines
from .rows import _COLUMN_BITS, Row
from .rules.base import promised_by
from .rules.reads import BOM, LINE_ENDING, REPEATED_KEYS, UNPARSED
from .shape import shape_of
from .stats import LONG_ROW_BYTES, SAMPLE_HEAD, SAMPLE_STRIDE
from .tokens import upper_bound

# Views whose presence a plain line the scan proved (parsed, no BOM, no CR before its newline, no
# object repeating a key), past the file's first byte, never has: a rule reading only these is idle on it.
PROVEN_ABSENT = frozenset({UNPARSED, BOM, LINE_ENDING, REPEATED_KEYS})

FIRST_LINES = 256  # lines of the first block linted before the rest, to learn its skeletons from
SKELETONS_AT_MOST = 4096  # skeletons remembered per file: a typical dataset has hundreds


def enabled() -> bool:
    return rowscan.available and os.environ.get("FTLINT_NO_FAST_PATH", "") in ("", "0")


def proven_idle(rule_class: type) -> bool:
    """A rule that reads only what a plain line past the first byte lacks."""
    reads = rule_class.reads
    return bool(reads) and set(reads) <= PROVEN_ABSENT


class Scanned:
    """The rows of a run taken in bulk, as columns (numpy arrays, one entry per row):
    ``places`` (``rows.place``), ``exact``, ``normalised`` and ``prompt`` fingerprints as
    (n, 2) halves (``hashing.exact_of``, ``normalised_of``; FT405's prompt key), ``answer``
    (FT405's 64-bit answer digest) and ``kind`` (one for the run)."""

    __slots__ = ("places", "exact", "normalised", "prompt", "answer", "kind")

    def __init__(self, records, places, kind: str) -> None:
        self.places = places
        self.exact = records["exact"]
        self.normalised = records["flat"]
        self.prompt = records["prompt"]
        self.answer = records["answer"]
        self.kind = kind

    def __len__(self) -> int:
        return len(self.places)


_UNKNOWN = object()  # a skeleton's token layout before a row of it is counted


class _Skeleton:
    """What the first row of a skeleton showed: what a later row of it adds, and where."""

    __slots__ = ("index", "extra_tokens", "takes", "replays", "layout")

    def __init__(self, index: int, extra_tokens: int | None, takes: int, replays: list, layout: object) -> None:
        self.index = index
        self.layout = layout  # its tokens but its contents' (``Tokenizer.plain_layout``), None: count each row whole
        self.extra_tokens = extra_tokens  # upper_bound - length on this skeleton; None: no rule needs the bound
        self.takes = takes  # bit i: the i-th bulk fold takes these rows
        self.replays = replays  # [(per-file state, violations)]


def _line_at(lines: Lines, starts, lengths, at: int) -> bytes:
    """The bytes of the run's line ``at``, cut from the block's data (no list of every line's)."""
    start = int(starts[at])
    return lines.data[start:start + int(lengths[at])]


class FastPath:
    """One file's fast path (``for_file``); ``rows(lines)`` yields the rows of a ``Lines`` run that
    must go the slow way, having folded the others in bulk before each."""

    def __init__(self, linter, dispatch, folds, stats, per_file: dict, reader: JsonlReader) -> None:
        import numpy as np

        self.np = np
        self.record = rowscan.dtype()  # one record per line of ``rowscan.scan``
        self.linter = linter
        self.dispatch = dispatch
        self.stats = stats
        self.per_file = per_file
        self.reader = reader
        self.limit = linter.token_limit
        self.token_stats = linter.settings.token_stats
        # every example counted exactly (``stats``): each row is counted as it is taken, as ``Linter._count`` would
        self.exact = self.token_stats and linter.settings.exact_stats
        self.block = dispatch.scanner.block_scanner() if dispatch.scanner is not None else None
        self.skeletons: dict[bytes, _Skeleton | None] = {}
        self.extra = np.zeros(0, dtype=np.int64)  # per skeleton index: extra tokens (-1: unbounded)
        tokenizer = linter.tokenizer  # counts a row of a known skeleton from its contents alone, where it can
        self.plain_layout = getattr(tokenizer, "plain_layout", None)
        self.count_plain_many = getattr(tokenizer, "count_plain_many", None)
        self.kind_folds = self._folds(folds, schema.CHAT)  # None: a fold of chat rows that cannot take them in bulk

    @classmethod
    def for_file(cls, linter, reader, dispatch, folds, stats, per_file: dict, *, row_sink, numbers) -> "FastPath | None":
        """The file's fast path, or None where it cannot prove what the slow way would find."""
        if not enabled() or row_sink is not None or numbers is not None or linter.trainer is not None:
            return None
        if type(reader) is not JsonlReader or not linter.screens:
            return None
        if any(not type(adapter).__module__.startswith("linter.") for adapter in linter.registry.detector.formats):
            return None  # a plugin's format may read the texts a skeleton leaves out
        if dispatch.scanner is not None and dispatch.scanner.block_scanner() is None:
            return None  # a screen only Python's re can run: no proof for a block
        fast = cls(linter, dispatch, folds, stats, per_file, reader)
        return fast if fast.kind_folds is not None else None

    @staticmethod
    def _folds(folds, kind: str) -> list | None:
        """The dataset rules that take rows of ``kind`` in bulk, ``(rule, state)``; None when one takes
        them and can neither take them in bulk nor is proven idle on them."""
        bulk = []
        for rule, _update, state, present in folds._for_kind(kind):
            cls = type(rule)
            if promised_by(cls, "update_scanned", "update") is not None and promised_by(cls, "takes_scanned", "update") is not None:
                bulk.append((rule, state))  # its update_scanned is the bulk form of the update it runs
            elif present is None or not proven_idle(type(rule)):
                return None
        return bulk

    # ------------------------------------------------------------ per block

    def rows(self, lines: Lines) -> Iterator[Row]:
        if not self.skeletons and lines.count > FIRST_LINES:
            # nothing learnt yet (a file's or a --jobs shard's first block): a block's rows whose skeleton was
            # not known when it began go the slow way, so the first few lines teach the rest of the block
            head, rest = lines.split(FIRST_LINES)
            yield from self._rows(head)
            yield from self._rows(rest)
        else:
            yield from self._rows(lines)

    def _rows(self, lines: Lines) -> Iterator[Row]:
        np = self.np
        # no bytes object per line; the duplicate rules' digests only where a fold takes them
        scanned, sizes = rowscan.scan_block(lines.data, bool(self.kind_folds))
        records = np.frombuffer(scanned, dtype=self.record)
        count = len(records)
        lengths = np.frombuffer(sizes, dtype=np.int64)  # every line's (a record not OK holds no length)
        starts = np.zeros(count, dtype=np.int64)
        np.cumsum(lengths[:-1] + 1, out=starts[1:])
        plain = (records["flags"] & 1).astype(bool)
        numbers = np.arange(lines.number, lines.number + count, dtype=np.int64)
        fast = plain.copy()
        if lines.offset == 0:
            fast[0] = False  # the file's first line: FT008 asks whether it opens with a BOM
        if self.token_stats and not self.exact:  # sampled and long rows are counted: the slow way
            fast &= (numbers > SAMPLE_HEAD) & (numbers % SAMPLE_STRIDE != 0) & (lengths < LONG_ROW_BYTES)
        keys = np.ascontiguousarray(records["skeleton"]).view("V16").ravel()
        unique, inverse = np.unique(keys, return_inverse=True)
        skeletons = self.skeletons
        found = [skeletons.get(key.tobytes()) for key in unique]
        index = np.array([-1 if s is None else s.index for s in found], dtype=np.int64)[inverse]
        fast &= index >= 0
        by_index = {s.index: s for s in found if s is not None}
        counted = {}  # rows counted that go the slow way, their counts kept on them
        if fast.any() and self.block is not None:
            fast &= ~self.block.hit_lines(lines.data, starts, records["flags"])
        if fast.any():
            extra = self.extra[np.maximum(index, 0)]
            bounded = extra >= 0
            # rows whose bytes do not bound their tokens within the limit (every row, for exact statistics):
            # counted as FT300 counts them before they are taken, and taken unless their count is over it
            over = fast.copy() if self.exact else fast & bounded & (lengths + extra > self.limit)
            if over.any():
                counted = self._count_block(lines, np.flatnonzero(over), index, by_index, starts, lengths, bounded, fast)
        for at in np.flatnonzero(~fast).tolist():
            row = counted.get(at)
            if row is None:
                row = self._row_at(lines, starts, lengths, at)
            yield row
            if plain[at] and index[at] < 0:
                key = keys[at].tobytes()
                if key not in skeletons and len(skeletons) < SKELETONS_AT_MOST:
                    skeletons[key] = self._learn(row)
        # the block's other rows, folded at once after its slow ones: counts and fingerprint logs do not
        # depend on the order rows come in, and every state a fold adds to was made by an earlier block's row
        if fast.all():
            self._fold(records, numbers, lengths, index, by_index)
        elif fast.any():
            self._fold(records[fast], numbers[fast], lengths[fast], index[fast], by_index)

    def _row_at(self, lines: Lines, starts, lengths, at: int) -> Row:
        """The row of the run's line ``at``, read the slow way."""
        start = int(starts[at])
        piece = _line_at(lines, starts, lengths, at)
        return self.reader._row(lines.number + at, lines.offset + start, piece, len(piece))

    def _count_block(self, lines: Lines, ats, index, by_index: dict, starts, lengths, bounded, fast) -> dict[int, Row]:
        """Count the rows at ``ats`` (taken in bulk so far) as FT300 counts them, a skeleton at a time; fold
        those within the limit (or whose bytes bound nothing) into the statistics at once and unmark the
        others in ``fast``. Returns their rows, by place in the run, their counts on them: they go the slow way."""
        np = self.np
        groups = index[ats]
        order = np.argsort(groups, kind="stable")
        ats = ats[order]  # by skeleton, in line order within each
        columns = ([], [], [])  # totals, assistant's, trained
        made = {}  # rows of a skeleton counted whole
        for part in np.split(ats, np.flatnonzero(np.diff(groups[order])) + 1):
            where = part.tolist()
            skeleton = by_index[int(index[where[0]])]
            layout = skeleton.layout
            if layout is _UNKNOWN:  # worked out on the first row that needs it: it builds the encoder
                layout = skeleton.layout = self.plain_layout(loads(_line_at(lines, starts, lengths, where[0]))) if self.plain_layout is not None else None
            if layout is not None:
                # each row parsed from a slice of the block, the slices made in C: a Python call and two numpy
                # scalars per row (``_line_at``) cost 2.4 us of a short row's ~12 in ``stats``
                begins = starts[part]
                cuts = map(slice, begins.tolist(), (begins + lengths[part]).tolist())
                counts = self.count_plain_many(layout, map(loads, map(lines.data.__getitem__, cuts)))
            else:  # counted whole, on the row the slow way gets if it goes on
                counts = [], [], []
                for at in where:
                    row = made[at] = self._row_at(lines, starts, lengths, at)
                    counts[0].append(self.linter.tokenizer.count_row(row))
                    counts[1].append(row.token_parts[0])
                    counts[2].append(row.token_parts[1])
            for column, more in zip(columns, counts):
                column += more
        totals, assistants, trained = (np.array(column, dtype=np.int64) for column in columns)
        slow = (totals > self.limit) & bounded[ats]
        taken = ~slow
        fast[ats[slow]] = False
        if self.token_stats:  # what the statistics take from a counted row (Linter._count)
            if self.exact:
                self.stats.add_counted_block(totals[taken], assistants[taken], trained[taken], lines.number + ats[taken], self.limit)
            else:
                self.stats.note_counted_block(totals[taken], lines.number + ats[taken], self.limit)
        counted = {}
        for k in np.flatnonzero(slow).tolist():  # over the limit, where FT300 would say so: the slow way, counted
            at = int(ats[k])
            row = made.get(at)
            row = counted[at] = self._row_at(lines, starts, lengths, at) if row is None else row
            row.tokens, row.token_parts = int(totals[k]), (int(assistants[k]), int(trained[k]))
        return counted

    def _fold(self, records, numbers, lengths, index, by_index: dict) -> None:
        """Count and fold rows taken in bulk, as the slow way would one by one (in another order: what a row
        adds to a count or a fingerprint log does not depend on it)."""
        np = self.np
        stats = self.stats
        n = len(records)
        first_index = stats.lines + 1
        stats.lines += n
        stats.bytes += int(lengths.sum()) + n
        stats.examples += n
        stats.countable += n
        if self.token_stats and not self.exact:
            stats.short_countable += n
        values, counts = np.unique(records["messages"], return_counts=True)
        for value, times in zip(values.tolist(), counts.tolist()):
            stats.messages[value] += times
        places = numbers.astype(np.uint64) << np.uint64(_COLUMN_BITS)
        skeletons, last = np.unique(index[::-1], return_index=True)
        last = n - 1 - last  # each skeleton's last row in the run
        takes = np.array([by_index[i].takes for i in skeletons.tolist()], dtype=np.int64)
        row_takes = takes[np.searchsorted(skeletons, index)]
        for bit, (rule, state) in enumerate(self.kind_folds):
            chosen = (row_takes >> bit & 1).astype(bool)
            if chosen.all():
                rule.update_scanned(state, Scanned(records, places, schema.CHAT))
            elif chosen.any():
                rule.update_scanned(state, Scanned(records[chosen], places[chosen], schema.CHAT))
        for skeleton, at in zip(skeletons.tolist(), last.tolist()):
            found = by_index[skeleton]
            if found.replays:
                times = int((index == skeleton).sum())
                for state, violations in found.replays:
                    for message in {violation.message for violation in violations}:
                        entry = state[message]  # the skeleton's first row made it
                        entry[0] += times
                        entry[3] = first_index + at

    # ------------------------------------------------------------ per skeleton

    def _learn(self, row: Row) -> _Skeleton | None:
        """What later rows of this row's skeleton do, from the rules' declarations and this row; None:
        they go the slow way."""
        value = row.value
        if not row.parsed or row.problem is not None or row.kind != schema.CHAT or type(row.format) is not OpenAIChat:
            return None
        if type(value) is not dict or len(value) != 1 or type(value.get("messages")) is not list:
            return None
        if any(type(m) is not dict or type(m.get("content")) is not str for m in value["messages"]):
            return None  # content parts or tools: FT300's bound would depend on more than the skeleton
        plan = self.dispatch.clean_plan(row, row.kind, proven_idle)
        if plan is None:
            return None
        replays, bounded = plan
        takes = 0
        for bit, (rule, _state) in enumerate(self.kind_folds):
            taken = rule.takes_scanned(row)
            if taken is None:
                return None
            takes |= bool(taken) << bit
        try:
            states = [(self.per_file[rule], violations) for rule, violations in replays]
        except KeyError:
            return None
        extra = upper_bound(value, row.length, row.raw) - row.length if bounded else None
        found = _Skeleton(len(self.extra), extra, takes, states, _UNKNOWN)
        self.extra = self.np.append(self.extra, -1 if extra is None else extra)
        return found
