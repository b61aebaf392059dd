"""A progress bar for long runs: bytes and rows done, rate, time left.

Shown on standard error only when it is a terminal (rich decides, honouring
TERM=dumb and friends), never with --quiet and never in machine formats'
way: it is transient and goes to stderr, so stdout stays clean.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import BinaryIO, Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn


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


@contextmanager
def bar(enabled: bool) -> Iterator["Bar"]:
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
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
    def __init__(self, progress: Progress | None) -> None:
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
