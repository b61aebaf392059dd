"""A row as readers produce it and rules see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ParseProblem:
    """Why a line could not be parsed; ``kind`` names the rule that reports it."""

    kind: str
    message: str
    column: int | None = None
    pointer: str = ""  # where in the file it is, when a reader knows (a JSON array's element: "/3")
    # a syntax problem between rows (a trailing or missing comma in a JSON array): no row's data is in it,
    # so ``convert`` writes every row and only notes it, where a rejected row would count one row too many
    between_rows: bool = False
    # the file's rows were not read at all (a header naming a column twice): ``convert`` writes nothing and
    # says so, where a single rejected row would stand for every record the file holds
    whole_file: bool = False


class Row:
    """One physical JSONL line (or one record of another format) and what parsing made of it.

    ``parsed`` is False for blank, over-long and unparsable lines; then ``value``
    is None and ``problem`` (if any) says why. ``kind`` is the detected kind
    (``chat``, ``preference``, ``rft``, ``completion``, ``non-object``, ``sharegpt``...)
    once parsed, and ``format`` the adapter that recognised it (``linter.formats``).
    """

    __slots__ = ("number", "column", "offset", "raw", "length", "value", "parsed", "problem", "bom", "crlf", "kind", "tokens",
                 "token_parts", "_messages", "memo", "format", "_view")

    def __init__(self, number: int, offset: int, raw: bytes | None, length: int) -> None:
        self.number = number
        # where on its line the record starts, 1-based, when a line can hold several (a JSON array written on
        # one line, as json.dump does by default); 0 where the line is the record (JSONL, CSV)
        self.column = 0
        self.offset = offset
        self.raw = raw
        self.length = length
        self.value: Any = None
        self.parsed = False
        self.problem: ParseProblem | None = None
        self.bom = False
        self.crlf = False
        self.kind = ""
        self.tokens: int | None = None  # set once counted, shared by rules and stats
        self.token_parts: tuple[int, int] | None = None  # (assistant tokens, trained assistant tokens)
        self._messages: list | None = None
        self.memo: dict | None = None  # per-row derived views shared by rules (see ``derived``)
        self.format: Any = None  # the format adapter, set with ``kind``
        self._view: Any = None

    @property
    def recognised(self) -> bool:
        """Did a format recognise the row? A row none does is judged by the adapter of its kind (``format``
        is then set all the same) and holds none of that adapter's trigger keys: FT101 says which format it
        comes closest to, and the rules about a format's own keys leave it to that finding."""
        adapter = self.format
        return not (adapter is not None and adapter.triggers is not None and type(self.value) is dict
                    and adapter.triggers.isdisjoint(self.value))

    @property
    def view(self):
        """The row as a conversation (``linter.view.Conversation``), built once on first use.

        An adapter never raises on bad input; should one have a bug, the row
        gets a view holding only that problem rather than stopping the file.
        """
        view = self._view
        if view is None:
            adapter = self.format
            if adapter is not None and isinstance(self.value, dict):
                try:
                    view = self._view = adapter.view(self.value)
                except Exception as exc:  # noqa: BLE001 - one bad row must not stop the file
                    from .view import Conversation, Problem

                    view = self._view = Conversation(adapter.name, self.kind, problems=(Problem(f"the {adapter.name} adapter failed on this row: {type(exc).__name__}"),))
            else:
                from .view import Conversation

                view = self._view = Conversation("", self.kind)
        return view

    def derived(self, key, compute):
        """``compute(self)`` once per row, shared by every rule that asks for ``key``."""
        memo = self.memo
        if memo is None:
            memo = self.memo = {}
        if key not in memo:
            memo[key] = compute(self)
        return memo[key]

    def messages(self) -> list[tuple[int, dict]]:
        """``(index, message)`` for each message that is an object, when ``messages`` is a list.

        Computed once per row: most chat rules walk the messages, and this keeps
        that walk from being repeated by each of them.
        """
        if self._messages is None:
            messages = self.value.get("messages") if isinstance(self.value, dict) else None
            if isinstance(messages, list):
                self._messages = [(i, m) for i, m in enumerate(messages) if isinstance(m, dict)]
            else:
                self._messages = []
        return self._messages

    @property
    def blank(self) -> bool:
        return self.raw is not None and not self.raw.strip()

    def __repr__(self) -> str:
        return f"Row(line={self.number}, kind={self.kind!r}, parsed={self.parsed})"


# A row's place: its line and column as one int, ordered as the rows are. Rules that remember rows for the end
# of the file (duplicates, the first row of a format) keep it instead of the line number, so that the findings
# they give there can name the row's column too where rows share a line; a JSONL row's place is its line
# shifted, which costs no more to keep (the duplicate logs hold 64-bit integers) and reads back alike.
_COLUMN_BITS = 32
_COLUMNS = (1 << _COLUMN_BITS) - 1


def place(row: Row) -> int:
    """Where ``row`` is, as one int: its line, then its column (a column past 2**32 - 1 counts as none)."""
    column = row.column
    return row.number << _COLUMN_BITS | (column if column <= _COLUMNS else 0)


def place_at(line: int, column: int = 0) -> int:
    """The place of the row at ``line`` (and ``column``): what ``place`` gives for such a row."""
    return line << _COLUMN_BITS | (column if column <= _COLUMNS else 0)


def located(at: int) -> tuple[int, int]:
    """The line and the column (0: none) of a place."""
    return at >> _COLUMN_BITS, at & _COLUMNS


def where(at: int) -> str:
    """A place as a message names it: ``line 3``, or ``line 1, column 118`` where rows share the line. No
    thousands separator: a line number is an address to type into an editor (``file:12345``), not a count."""
    line, column = located(at)
    return f"line {line}, column {column}" if column else f"line {line}"
