"""A progress bar for long runs: bytes and rows done, rate, time left.

Shown on standard error only when it is a terminal (rich decides, honouring
TERM=dumb and friends), never with --quiet and never in machine formats'
way: it is transient and goes to stderr, so stdout stays clean.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Any, BinaryIO, Callable, Iterator


class CountingStream:
    """A binary stream that reports how many bytes were read."""

    def __init__(self, stream: BinaryIO, advance: Callable[[int], None]) -> None:
        self.stream = stream
        self.advance = advance

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.advance(len(data))
        return data

    def __getattr__(self, name):
        return getattr(self.stream, name)


def _surely_no_terminal() -> bool:
    """Standard error is no terminal by every test rich applies (a pipe or file, and neither
    TTY_COMPATIBLE nor FORCE_COLOR says otherwise): no need to import rich (11 ms) to hear it."""
    if "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ:
        return False
    try:
        return not sys.stderr.isatty()
    except (AttributeError, ValueError):  # no stderr, or a closed one
        return True


@contextmanager
def bar(enabled: bool) -> Iterator["Bar"]:
    if not enabled or _surely_no_terminal():
        yield Bar(None)
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield Bar(None)
        return
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]} rows"),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    with progress:
        yield Bar(progress)


class Bar:
    def __init__(self, progress: Any | None) -> None:  # a rich Progress, or None: no bar
        self.progress = progress

    def file(self, path: str):
        """A task for one file: returns ``(advance_bytes, set_rows)``; no-ops without a terminal."""
        if self.progress is None:
            return (lambda n: None), (lambda n: None)
        try:
            total = os.path.getsize(path)
        except OSError:
            total = None
        task = self.progress.add_task(os.path.basename(path)[:40], total=total, rows="0")

        def advance(n: int) -> None:
            self.progress.advance(task, n)

        def rows(n: int) -> None:
            self.progress.update(task, rows=f"{n:,}")

        return advance, rows
