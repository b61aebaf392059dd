"""ftlint's temporary files beside a dataset: named by process, removed when stale.

A fix writes its new content to ``.ftlint-<pid>-<random>.tmp`` in the
target's folder (a rename there is atomic). A process killed with SIGKILL
cannot remove its own temporaries, so the next run does: a temporary whose
pid is no longer alive is stale. A live process's temporaries are never
touched, so two runs in one folder do not disturb each other. (A recycled
pid only delays the cleanup to a later run.)

SIGTERM is turned into ``KeyboardInterrupt`` while a fix runs, so a ``kill``
cleans up exactly as Ctrl-C does.

``FTLINT_TEST_PAUSE`` is a test-only hook: ``NAME=SECONDS`` (or only
``NAME``, one second) makes ``pause("NAME")`` say so on stderr and sleep
there, so tests can deliver signals at a named point of the commit
(``before-commit``, ``after-rejects``, ``before-rename``, ``after-rename``).
Never set it outside tests.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

PREFIX = ".ftlint-"
SUFFIX = ".tmp"
_OWNED = re.compile(r"^\.ftlint-(\d+)-[^/]*\.tmp$")


def create(folder: str | Path) -> tuple[int, str]:
    """A new temporary file in ``folder`` whose name carries this process's pid."""
    return tempfile.mkstemp(dir=str(folder) or ".", prefix=f"{PREFIX}{os.getpid()}-", suffix=SUFFIX)


def owner(name: str) -> int | None:
    """The pid in a temporary's file name, or None when the name is not ftlint's."""
    match = _OWNED.match(name)
    return int(match.group(1)) if match else None


def alive(pid: int) -> bool:
    """Is a process with this pid running (or at least present)?"""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def remove_stale(folder: str | Path, keep: frozenset[str] = frozenset()) -> list[str]:
    """Delete the temporaries of dead ftlint processes in ``folder``; returns their paths.

    ``keep`` names files an unfinished commit still needs (see linter.transaction).
    """
    removed = []
    try:
        entries = list(os.scandir(folder or "."))
    except OSError:
        return removed
    for entry in entries:
        pid = owner(entry.name)
        if pid is None or alive(pid) or os.path.realpath(entry.path) in keep:
            continue
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            os.unlink(entry.path)
            removed.append(entry.path)
    return removed


def unlink_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM raises KeyboardInterrupt (so ``finally`` blocks clean up)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends: a commit runs to its end once begun.

    A signal that arrives inside is remembered and raised as
    KeyboardInterrupt at the end. (Handlers, not ``pthread_sigmask``: another
    thread of the process would still receive a masked signal.)
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, lambda signum, frame: arrived.append(signum)) for number in held}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if arrived:
        raise KeyboardInterrupt(f"signal {arrived[0]}")


def pause(point: str) -> None:
    """Test-only: sleep at a named point when FTLINT_TEST_PAUSE asks for it."""
    wanted = os.environ.get("FTLINT_TEST_PAUSE")
    if not wanted:
        return
    for item in wanted.split(","):
        name, _, seconds = item.partition("=")
        if name.strip() == point:
            sys.stderr.write(f"ftlint: test pause at {point}\n")  # tells the test when to send its signal
            sys.stderr.flush()
            time.sleep(float(seconds or 1))
