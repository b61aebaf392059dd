"""Input readers: each turns a byte stream into ``Row``s with exact locations.

Readers are registered through the ``register_readers`` hook and chosen by
file extension; JSONL is the fallback for unknown extensions.
"""

from __future__ import annotations

from typing import BinaryIO, ClassVar, Iterator

from ..rows import Row


class Reader:
    """Base class: ``name``, the ``extensions`` it claims, and ``rows``."""

    name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""
    # The ``row.problem.kind`` values this reader may report; each should be
    # claimed by a rule's ``problem_kind`` (an unclaimed one is FT019 unreadable-row).
    problems: ClassVar[tuple[str, ...]] = ()

    def rows(self, stream: BinaryIO, *, max_line_bytes: int) -> Iterator[Row]:
        raise NotImplementedError

    def claims(self, path: str) -> bool:
        lower = path.lower()
        return any(lower.endswith(ext) for ext in self.extensions)
