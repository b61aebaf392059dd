"""Input readers: each turns a byte stream into ``Row``s with exact locations.

Readers are registered through the ``register_readers`` hook and chosen by
file extension; JSONL is the fallback for unknown extensions.
"""

from __future__ import annotations

import importlib
from typing import Any, BinaryIO, ClassVar, Iterator

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

    def check_available(self) -> None:
        """Raise :class:`MissingDependency` when an optional library this reader needs is missing.

        Called for every file before a run starts, so a missing library is one
        line naming it, not a finding on the first row of each file.
        """

    def claims(self, path: str) -> bool:
        lower = path.lower()
        return any(lower.endswith(ext) for ext in self.extensions)


class MissingDependency(ImportError):
    """An optional library is not installed; the message names it and ftlint's extra."""


def require(module: str, package: str, extra: str, needed_for: str) -> Any:
    """``import module``, or :class:`MissingDependency` saying what to install.

    ftlint is not on PyPI: the extra is named with the checkout's spelling too.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependency(f"{needed_for} needs {package}, which is not installed: pip install {package} "
                                f"(ftlint's '{extra}' extra; in a checkout: pip install -e '.[{extra}]')") from None
