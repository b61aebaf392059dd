"""FT403-FT407: duplicates, contradictions, leakage and untrained examples.

Duplicate and conflict detection keeps a 128-bit fingerprint and the place
(``rows.place``: the line, and the column where rows share a line) per row (and 64 bits to tell matched rows
apart; FT404 64 more, for the columns it left out), not the rows, in a ``FingerprintLog`` that spills to a
temporary file past a small buffer: memory stays flat however long the file.
Shard states concatenate; ``finish`` groups equal fingerprints one
partition at a time and streams its findings in line order (``_repeats``).
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence


from xxhash import xxh3_64_intdigest, xxh3_128_digest

from .. import hashing
from ..hashing import HALVES, exact_of, flat_of
from ..key_names import meant_keys
from ..findings import Applicability, Severity, Violation, drop_row, pointer
from ..plugin import hookimpl
from ..rows import Row, located, place, where
from ..schema import ADAPTED_KINDS, CHAT, PREFERENCE, RFT
from ..spill import FingerprintLog, LineOrder
from ..text import one_line, show
from .base import DatasetRule, Rule
from .reads import MEDIA_COLUMNS
from .chat import CHAT_LIKE, dialogue_pointer
from ..view import ASSISTANT

ALL_KINDS = frozenset({CHAT, RFT, PREFERENCE, "completion"}) | ADAPTED_KINDS  # whole-row fingerprints serve every format
ROW = '{"messages": [{"role": "user", "content": "Do you ship to Canada?"}, {"role": "assistant", "content": "Yes, in 5-8 days."}]}'
OTHER = '{"messages": [{"role": "user", "content": "Do you ship to Mexico?"}, {"role": "assistant", "content": "Yes, in 7-10 days."}]}'


KEEP_FIRST = drop_row("remove the duplicate, keeping the first")


class _FingerprintRule(DatasetRule):
    """Shared state: a log of ``columns`` values per row, concatenated by merge.

    A row's record is (first half of its 128-bit fingerprint, place,
    second half, ...): the log groups by its first column and sorts by its
    second; ``_matches`` splits a group by the second half.
    """

    columns = 3

    def start(self) -> FingerprintLog:
        return FingerprintLog(self.columns)

    def merge(self, first: FingerprintLog, second: FingerprintLog) -> FingerprintLog:
        return first.absorb(second)


def _matches(state: FingerprintLog) -> Iterator[list]:
    """Records sharing their whole 128-bit fingerprint (columns 0 and 2), two or more, in line order."""
    for records in state.groups():
        low = records[0][2]
        if all(record[2] == low for record in records):
            yield records
            continue
        by_low: dict[int, list] = {}
        for record in records:
            by_low.setdefault(record[2], []).append(record)
        yield from (group for group in by_low.values() if len(group) > 1)


_PAIRS_AT_ONCE = 256  # pairs made Python ints at once: a partition's worth would take 5x its array


def _repeats(state: FingerprintLog, differing: bool, carry: int = 0) -> Iterator[Sequence[int]]:
    """(place, first place) of every row whose whole fingerprint an earlier row has, in row order;
    with ``differing``, only those whose fourth column differs from that first row's; with ``carry``
    (a column's index), followed by that column of the row and of the first row.

    Grouping goes by fingerprint, a partition at a time; the pairs it finds are
    spilled again by line range (``LineOrder``) and read back sorted, so that
    a file of a million duplicates streams its findings without holding them.
    """
    if state.is_small():  # a few thousand rows: in Python, without importing numpy
        pairs = [(record[1], records[0][1]) + ((record[carry], records[0][carry]) if carry else ())
                 for records in _matches(state) for record in records[1:] if not differing or record[3] != records[0][3]]
        yield from sorted(pairs)
        return
    in_order = LineOrder(4 if carry else 2, state.largest_line())
    try:
        for found in state.map_partitions(_partition_repeats, differing, carry):  # on idle workers, when lent
            if len(found):
                in_order.add(found)
        del found  # the last partition's pairs: not held while the findings stream
        for pairs in in_order:
            for start in range(0, len(pairs), _PAIRS_AT_ONCE):
                yield from pairs[start:start + _PAIRS_AT_ONCE].tolist()
    finally:
        in_order.discard()


def _partition_repeats(records, differing: bool, carry: int = 0):
    """``_repeats`` within one partition, vectorised: an (n, 2) array of (place, first place), in no order
    ((n, 4) with ``carry``: then that column of the row and of the first row)."""
    import numpy as np

    if len(records) < 2:
        return records[:0, :4 if carry else 2]
    # only records whose first half another record shares can repeat one: nearly always a few, found with
    # one sort of that column, where sorting every record by its three keys cost three
    high = records[:, 0]
    order = np.argsort(high)
    shared = high[order[1:]] == high[order[:-1]]
    if not shared.any():
        return records[:0, :4 if carry else 2]
    keep = np.zeros(len(records), dtype=bool)
    keep[order[1:][shared]] = True
    keep[order[:-1][shared]] = True
    records = records[keep]
    records = records[np.lexsort((records[:, 1], records[:, 2], records[:, 0]))]  # by fingerprint, then line
    high, low = records[:, 0], records[:, 2]
    starts = np.r_[True, (high[1:] != high[:-1]) | (low[1:] != low[:-1])]
    first = np.flatnonzero(starts)[np.cumsum(starts) - 1]  # each record's group's first record
    repeat = ~starts
    if differing:
        repeat &= records[:, 3] != records[first, 3]
    columns = [records[repeat, 1], records[first[repeat], 1]]
    if carry:
        columns += [records[repeat, carry], records[first[repeat], carry]]
    return np.column_stack(columns)


def _differing_repeats(state: FingerprintLog, message: str) -> Iterator[Violation]:
    """Rows sharing the fingerprint of an earlier row but not its fourth column, in row order."""
    for at, first in _repeats(state, differing=True):
        line, column = located(at)
        yield Violation(message.format(first=where(first)), line=line, column=column)


class DuplicateExample(_FingerprintRule):
    """An exact duplicate trains the same example twice, overweighting it, and
    often means a merge or export ran twice. Reported on every repeat, pointing
    at the first occurrence.

    Fix (unsafe): remove the repeats, keeping the first; removed rows go to the
    rejects file."""

    code = "FT403"
    name = "duplicate-example"
    summary = "Row is an exact duplicate of an earlier row"
    severity = Severity.WARNING
    fix = Applicability.UNSAFE
    kinds = ALL_KINDS
    bad = ROW + "\n" + OTHER + "\n" + ROW
    good = ROW + "\n" + OTHER

    def update(self, state, row: Row) -> None:
        first, second = hashing.exact_of(row)
        state.append(first, place(row), second)

    def takes_scanned(self, row: Row) -> bool:
        """Rows the engine proved clean in bulk (``linter.fast_path``) are fingerprinted there: every one counts."""
        return True

    def update_scanned(self, state, scanned) -> None:
        """``update`` of every row of ``scanned`` at once, from the fingerprints the scan computed."""
        _extend(state, scanned.exact[:, 0], scanned.places, scanned.exact[:, 1])

    finish_in_line_order = True  # said beside finish(): Linter.finish_states streams its findings, held by none

    def finish(self, state) -> Iterable[Violation]:
        for at, first in _repeats(state, differing=False):
            line, column = located(at)
            yield Violation(f"duplicate of {where(first)}", line=line, column=column, fix=KEEP_FIRST)


class DuplicateNormalised(_FingerprintRule):
    """Rows that differ only in key order or whitespace (``"Hello  world"`` vs
    ``"Hello world "``), or only in a column the trainer does not read, are the
    same example to the model: it trains on it twice, overweighting it, and a
    validation split can hold it on both sides. Exact duplicates are left to
    FT403.

    Which columns count is the profile's: TRL, axolotl and LLaMA-Factory read
    their formats' keys and drop every other column (``id``, ``source``,
    ``meta``), so two rows with the same ``messages`` and another ``id`` (a
    CSV with an id column, say) are one example; the message names the column.
    A strict target (OpenAI, Together, Bedrock) refuses such a column outright
    (FT110), and the rows are still one example once it is removed, so FT404
    sees through it there too. Every column of an RFT row counts (the grader
    reads any of them), as does every column of a row no format recognises
    (FT101), of a row with a key that misnames one its format reads
    (``Chosen``, ``chosne``: FT120, FT110 or FT901 report it; it holds part of
    the example), and of a file a trainer config maps (``--trainer-config``: it
    may read any column). Media columns (``images``...) always count."""

    code = "FT404"
    name = "duplicate-normalised"
    summary = "Row duplicates an earlier row once key order, whitespace and columns the trainer does not read are ignored"
    severity = Severity.WARNING
    kinds = ALL_KINDS
    bad = (ROW + "\n" + '{"messages": [{"content": "Do you ship  to Canada?", "role": "user"}, {"role": "assistant", "content": "Yes, in 5-8 days. "}]}'
           + "\n" + '{"id": "a3", "messages": [{"role": "user", "content": "Do you ship to Canada?"}, {"role": "assistant", "content": "Yes, in 5-8 days."}]}')
    good = ROW + "\n" + OTHER
    example_profile = "trl"

    # normalised fingerprint (first half), place, normalised fingerprint (second half), 64 bits of the exact one,
    # and what the fingerprint left out (0: nothing; see update)
    columns = 5

    def __init__(self, context) -> None:
        super().__init__(context)
        profile = context.profile
        trainer = context.options.get("trainer")
        # the top-level keys the target may read whatever the row's format (None: every key counts)
        self._known = (None if profile is None or profile.extra_keys_allowed or getattr(trainer, "mapping", None) is not None
                       else frozenset(profile.top_level_keys).union(MEDIA_COLUMNS))
        self._decided: dict = {}  # (kind, adapter, keys in order) -> what ``_left_out`` says of such a row
        self._unread = ("drops unread" if getattr(profile, "ignores_extra_columns", False) else "does not accept",
                        one_line(getattr(profile, "name", "the target")))

    def start(self) -> "_LeftOutLog":
        return _LeftOutLog(self.columns)

    def update(self, state, row: Row) -> None:
        """The hot path first: a row of one key (its format's, or no format's: FT101) has no column to leave
        out, nor has one whose keys the target all knows. ``normalised_of`` is inline there: its call cost
        what the one-key test does, so a plain chat row costs what it did before columns were left out."""
        if len(row.value) > 1 and self._known is not None and not row.value.keys() <= self._known:
            left_out = self._left_out(row)
            if left_out is not None:
                keys, names = left_out
                first, second = hashing.normalised_without(row, keys)
                # the fifth column: which columns were left out, and (low half) their values, which tell two rows
                # that differ in those columns from two that differ only in whitespace
                state.append(first, place(row), second, exact_of(row)[0], names | hashing.values_digest(row, keys) & _LOW_HALF)
                if names not in state.names:
                    state.keep_names(names, keys)
                return
        first, second = HALVES(xxh3_128_digest(flat_of(row)))
        state.append(first, place(row), second, exact_of(row)[0], 0)

    def takes_scanned(self, row: Row) -> bool | None:
        """Later rows of ``row``'s skeleton (the same keys, kind and format) in bulk: those ``update``
        fingerprints whole; None (the slow way) for rows it fingerprints without some columns."""
        if len(row.value) > 1 and self._known is not None and not row.value.keys() <= self._known and self._left_out(row) is not None:
            return None
        return True

    def update_scanned(self, state, scanned) -> None:
        """``update`` of every row of ``scanned`` (none leaves a column out: ``takes_scanned``)."""
        normalised = scanned.normalised
        _extend(state, normalised[:, 0], scanned.places, normalised[:, 1], scanned.exact[:, 0], 0)

    def _left_out(self, row: Row) -> tuple | None:
        """``_decide`` of the row, decided once per kind, format and keys (in their order)."""
        decided = self._decided
        key = (row.kind, row.format, tuple(row.value))
        found = decided.get(key, _UNDECIDED)
        if found is _UNDECIDED:
            found = self._decide(row)
            if len(decided) < _DECIDED_AT_MOST:  # a file of ever new keys: decided again on each row
                decided[key] = found
        return found

    def _decide(self, row: Row) -> tuple[tuple[str, ...], int] | None:
        """The top-level keys neither the target nor the row's format reads, sorted, with their names' digest
        (the high half of the fifth column); None when every key counts: in an RFT row (the grader reads
        them), a row no format recognises (FT101: a misspelt key is no metadata column) and a row holding
        nothing the target reads."""
        if row.kind == RFT or not row.recognised:
            return None
        read = self._known.union(getattr(row.format, "keys", ()))
        left_out = tuple(sorted(key for key in row.value if key not in read))
        if not left_out or len(left_out) == len(row.value):
            return None
        if meant_keys(row.value, read, present=True):  # 'Chosen', 'chosne': a misnamed key the row means (FT120,
            return None  # FT110, FT901 say so), not a metadata column: two rows differing there are two examples
        return left_out, (xxh3_64_intdigest("\0".join(left_out).encode("utf-8", "surrogatepass")) & _HIGH_HALF) or 1 << 32

    finish_in_line_order = True  # said beside finish(): Linter.finish_states streams its findings, held by none

    def finish(self, state) -> Iterable[Violation]:
        names = state.names
        for at, first, left_out, its_left_out in _repeats(state, differing=True, carry=4):
            line, column = located(at)
            said = f"same example as {where(first)} up to whitespace and key order"
            if left_out != its_left_out:  # they differ in columns left out (else in whitespace and key order only)
                said = f"same example as {where(first)} up to whitespace, key order and {self._columns(names, left_out, its_left_out)}"
            yield Violation(said, line=line, column=column)

    def _columns(self, names: dict, *fifth: int) -> str:
        """The columns two rows left out, from their fifth columns, in the words of a message:
        "'id' (a column trl drops unread)"."""
        shown, more = set(), False
        for value in fifth:
            if value:
                found = names.get(value & _HIGH_HALF)
                more |= found is None or found[1] > len(found[0])
                shown.update(found[0] if found is not None else ())
        how, profile = self._unread
        if not shown:
            return f"columns {profile} {how}"
        listed = ", ".join(show(name) for name in sorted(shown)) + (" and others" if more else "")
        return f"{listed} (a column {profile} {how})" if len(shown) == 1 and not more else f"{listed} (columns {profile} {how})"


_UNDECIDED = object()
_HIGH_HALF, _LOW_HALF = 0xFFFF_FFFF_0000_0000, 0xFFFF_FFFF
_DECIDED_AT_MOST = 1024  # key sets whose verdict FT404 keeps: a file has a few
_NAMED_KEY_SETS = 64  # sets of left-out columns whose names a log keeps: a file has one or two (id; id and source)
_NAMES_SHOWN = 3


class _LeftOutLog(FingerprintLog):
    """FT404's log, with the names of the columns its rows' fingerprints left out: ``names`` maps the high
    half of a record's fifth column (a digest of the names) to the first few names and their count. It keeps the first
    ``_NAMED_KEY_SETS`` sets in line order, whether one process reads the file or several (``absorb``
    takes a later shard's in its order), so its memory stays bounded however many sets a file has."""

    def __init__(self, columns: int) -> None:
        super().__init__(columns)
        self.names: dict[int, tuple[tuple[str, ...], int]] = {}

    def keep_names(self, names: int, keys: tuple[str, ...]) -> None:
        """Name ``keys`` by ``names`` (the high half of a record's fifth column), when there is room."""
        if len(self.names) < _NAMED_KEY_SETS:
            self.names[names] = (keys[:_NAMES_SHOWN], len(keys))

    def absorb(self, other: FingerprintLog) -> FingerprintLog:
        for name, keys in getattr(other, "names", {}).items():
            if len(self.names) >= _NAMED_KEY_SETS:
                break
            self.names.setdefault(name, keys)
        return super().absorb(other)


def _prompt_document(value: dict) -> dict:
    """What the prompt is: every message but the last, the tools, and the media a vision row shows with
    them (TRL's images column: the same question about another picture is another prompt)."""
    tools = value.get("tools")
    document = {"messages": value["messages"][:-1]}
    if tools is not None:
        document["tools"] = tools
    for column in MEDIA_COLUMNS:
        if column in value:
            document[column] = value[column]
    return document


_MESSAGES_OPEN = b'{"messages":['
_AFTER_A_STRING = b",}]:"  # what follows a closing quote in compact JSON
_COMMA = ord(",")


def _prompt_and_answer_flat(row: Row) -> tuple[bytes, bytes]:
    """The prompt's key and ``hashing.flat`` of the last message (of two or more).

    The prompt's key is ``hashing.flat`` of the prompt document, without its
    closing ``]}`` when it has no tools (no copy of the row is made for it).
    That is one-to-one: a key without tools is ``{"messages":[`` and whole
    JSON values, so it never holds the unopened ``]`` that a key with tools
    has after its messages.

    A row that is nothing but its messages has the form
    ``{"messages":[<m1>,...,<mn>]}`` (``hashing.flat_of``, memoised): both are
    cut out of it. When ``mn`` and ``mn-1`` are objects, ``mn`` starts after
    the ``},{"`` between them. A later ``},{"``, inside ``mn``, is either
    structural (between objects of a list, and then that list's ``]``
    follows it inside ``mn``) or its ``"`` closes a string ending in ``},{``
    (and then one of ``,}]:`` follows that quote). So the text after the last
    ``},{"`` is ``mn`` when it has neither; else ``mn`` is serialised on its
    own and checked against the row's tail. Other rows serialise the prompt
    document.
    """
    value = row.value
    messages = value["messages"]
    last = messages[-1]
    if len(value) == 1:
        whole = hashing.flat_of(row)
        if whole.startswith(_MESSAGES_OPEN):  # not the stand-in of a row too deep to serialise
            end = len(whole) - 2  # before the closing ]}
            if last and type(messages[-2]) is dict and type(last) is dict:
                at = whole.rfind(b'},{"', 0, end) + 2
                if at > 1 and whole[at + 2] not in _AFTER_A_STRING and whole.find(b"]", at, end) < 0:
                    return whole[: at - 1], whole[at:end]
            answer = hashing.flat(last)
            at = end - len(answer)
            if whole[at - 1] == _COMMA and whole.startswith(answer, at):
                return whole[: at - 1], answer
    document = hashing.flat(_prompt_document(value))
    return (document if value.get("tools") is not None else document[:-2]), hashing.flat(last)


class ConflictingAnswers(_FingerprintRule):
    """The same conversation with different final answers teaches the model
    that both are right; with labels (classification, extraction) it is
    usually a labelling error. Sampling-style datasets with several good
    answers can ignore this rule. Every format's rows are compared through
    the conversation view (ShareGPT, Alpaca, TRL, Bedrock, LLaMA-Factory);
    preference pairs and KTO rows, which hold several answers on purpose,
    are not. A vision row's images column is part of its prompt: the same
    question about another picture may well have another answer."""

    code = "FT405"
    name = "conflicting-answers"
    summary = "Same prompt as an earlier row, with a different answer"
    severity = Severity.WARNING
    kinds = CHAT_LIKE | ADAPTED_KINDS  # OpenAI chat read from the row (the hot path), every other format from its view
    bad = ROW + "\n" + '{"messages": [{"role": "user", "content": "Do you ship to Canada?"}, {"role": "assistant", "content": "No, sorry."}]}'
    good = ROW + "\n" + OTHER

    columns = 4  # prompt fingerprint (first half), place, prompt fingerprint (second half), answer fingerprint

    def update(self, state, row: Row) -> None:
        """Fingerprint the prompt's key (tools and every message but the last) and the final answer's form,
        when the last of two or more messages is the assistant's (the checks and hashes inline: a Python
        call costs about what a hash of the row does). Rows of other formats are read from their view."""
        if row.kind not in CHAT_LIKE or row.format is None or row.format.name != "openai-chat":
            found = _view_prompt_and_answer(row)
            if found is not None:
                first, second = HALVES(xxh3_128_digest(found[0]))
                state.append(first, place(row), second, xxh3_64_intdigest(found[1]))
            return
        messages = row.value.get("messages")
        if not isinstance(messages, list) or len(messages) < 2:
            return
        last = messages[-1]
        if not isinstance(last, dict) or last.get("role") != "assistant":
            return
        try:
            prompt, answer = _prompt_and_answer_flat(row)
        except RecursionError:  # nested about a thousand deep: no comparison for this row
            return
        first, second = HALVES(xxh3_128_digest(prompt))
        state.append(first, place(row), second, xxh3_64_intdigest(answer))

    def takes_scanned(self, row: Row) -> bool | None:
        """Later rows of ``row``'s skeleton in bulk: OpenAI chat rows of nothing but their messages, the
        last of two or more an assistant's (their prompt and answer keys are cut from the normalised
        form: ``_prompt_and_answer_flat``); None for rows read from their view or with other keys."""
        if row.kind not in CHAT_LIKE or row.format is None or row.format.name != "openai-chat" or len(row.value) != 1:
            return None
        messages = row.value.get("messages")
        if not isinstance(messages, list) or len(messages) < 2:
            return False
        last = messages[-1]
        return isinstance(last, dict) and last.get("role") == "assistant"

    def update_scanned(self, state, scanned) -> None:
        """``update`` of every row of ``scanned`` at once, from the prompt and answer digests the scan computed."""
        prompt = scanned.prompt
        _extend(state, prompt[:, 0], scanned.places, prompt[:, 1], scanned.answer)

    finish_in_line_order = True  # said beside finish(): Linter.finish_states streams its findings, held by none

    def finish(self, state) -> Iterable[Violation]:
        return _differing_repeats(state, "same prompt as {first} but a different answer")


def _extend(state, *columns) -> None:
    """Append one record per row from ``columns`` (numpy arrays of one value per row, or a constant)."""
    import numpy as np

    rows = len(columns[1])
    state.extend(np.column_stack([np.broadcast_to(np.asarray(c, dtype=np.uint64), (rows,)) for c in columns]))


def _view_prompt_and_answer(row: Row) -> tuple[bytes, bytes] | None:
    """``hashing.flat`` of the prompt (tools and every turn but the last) and of the final answer, read from
    the conversation view, so ShareGPT, Alpaca, TRL, Bedrock and LLaMA-Factory rows are compared as OpenAI
    chat rows are; None when the row is not one conversation ending with an assistant turn. Preference
    pairs and labelled rows (KTO) are left out: several answers to one prompt is what they hold."""
    view = row.view
    turns = view.turns
    if len(turns) < 2 or turns[-1].role != ASSISTANT or view.is_preference or view.label is not None or view.step_labels is not None:
        return None
    try:
        prompt = [view.tools, [_turn_key(turn) for turn in turns[:-1]]]
        if view.images:  # the pictures a vision prompt shows are part of it (ShareGPT's and Alpaca's images column)
            prompt.append([part.source for part in view.images])
        return hashing.flat(prompt), hashing.flat(_turn_key(turns[-1]))
    except RecursionError:  # nested about a thousand deep: no comparison for this row
        return None


def _turn_key(turn) -> list:
    """What a turn says, wherever the format keeps it: its role, its parts' kinds and texts (media parts by
    their source object) and its calls."""
    return [turn.role or turn.source_role, [[p.kind, p.text if p.text is not None else p.source] for p in turn.parts],
            [[c.name, c.arguments] for c in turn.tool_calls], turn.tool_call_id]


class ValidationLeak(Rule):
    """An example in the validation file that is also in the training file
    (up to whitespace and key order) makes validation loss meaningless.
    Active when a validation file is given (``--validation-file`` or
    ``validation-file`` in config); reported on the validation file's rows,
    naming the training file and line that hold the example. The training
    files are the other files of the run; a run of the validation file
    alone (a pre-commit hook when only it is staged) reads them from
    ``files`` in config; with none known, a note on stderr says FT406 did
    not run."""

    code = "FT406"
    name = "validation-leak"
    summary = "A validation example also appears in the training data"
    kinds = ALL_KINDS
    requires = ("train_fingerprints",)  # the validation file's run only: never built (nor called per row) otherwise

    def __init__(self, context) -> None:
        super().__init__(context)
        self._train = context.options.get("train_fingerprints")

    def check(self, row: Row) -> Iterable[Violation]:
        train = self._train
        found = train.find(hashing.normalised_of(row)) if train is not None else None
        if found is None:
            return ()
        path, at = found
        return (Violation(f"this validation example is also in the training data: {where(at)} of {one_line(path)}"),)


class WeightsAllZero(Rule):
    """With ``weight: 0`` on every assistant message nothing in the example is
    trained: it only costs tokens. Usually a bug in the weighting script."""

    reads = ("shape",)
    code = "FT407"
    name = "weights-all-zero"
    summary = "Every assistant message of the example has weight 0"
    kinds = CHAT_LIKE | ADAPTED_KINDS  # OpenAI ``weight`` and LLaMA-Factory v1 ``loss_weight``, through the view
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!", "weight": 0}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!", "weight": 1}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        turns = [turn for _, turn in row.view.all_turns()]
        assistants = [turn for turn in turns if turn.role == ASSISTANT]
        if assistants and all(_zero(turn.weight) for turn in assistants):
            key = assistants[0].weight_pointer.rsplit("/", 1)[-1] or "weight"
            yield Violation(f"every assistant message has {key} 0, so nothing is trained", dialogue_pointer(row, tuple(turns)))


def _zero(weight) -> bool:
    """A training weight of 0 (not False: a boolean is FT113's finding, and no weight means trained)."""
    return weight is not None and not isinstance(weight, bool) and weight == 0


RULES = (DuplicateExample, DuplicateNormalised, ConflictingAnswers, ValidationLeak, WeightsAllZero)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
