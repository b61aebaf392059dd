"""One fix is one transaction: the rewritten data and its rejected rows land together or not at all.

Everything is prepared first, in the data target's folder: the rewritten data
(``data_temp``) and the rows moved aside (``rejected_temp``), both fsynced.
Then a journal, ``.ftlint-commit-<key>.json`` beside the target, is written
atomically (temp, fsync, rename): that rename is the commit point. It records
the rejects file and its size before the commit. Applying the commit then
truncates the rejects file to that size, appends the rejected rows, fsyncs,
renames the data over the target, and deletes the journal.

Every step of applying is safe to repeat, so a run that finds a journal
(its writer was killed) completes it: if ``data_temp`` still exists, the
commit is applied again from the start (the truncation undoes a partial
append); if it is gone, the data rename happened and only the clean-up is
left. Before the journal exists nothing has changed, and the temporaries are
removed as stale (``linter.tempfiles``). SIGINT and SIGTERM are held while a
commit is applied, so only SIGKILL or a crash can interrupt one.

A lock per resolved path (``filelock``, in the temp folder, so nothing is
left beside the data) makes a second fix of the same files wait up to
``FTLINT_LOCK_TIMEOUT`` seconds (default 10) and then refuse.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from . import atomic, tempfiles

JOURNAL_PREFIX = ".ftlint-commit-"
JOURNAL_SUFFIX = ".json"
COPY_BLOCK = 1 << 20


class Busy(RuntimeError):
    """Another ftlint fix holds the lock on one of the files."""


class BrokenJournal(RuntimeError):
    """A commit journal that cannot be read: a person has to look."""


def _key(path: str) -> str:
    return hashlib.sha256(os.path.realpath(path).encode("utf-8", "surrogateescape")).hexdigest()[:20]


def journal_path(target: str) -> str:
    real = os.path.realpath(target)
    return os.path.join(os.path.dirname(real), f"{JOURNAL_PREFIX}{_key(real)}{JOURNAL_SUFFIX}")


def lock_folder() -> Path:
    folder = Path(tempfile.gettempdir()) / f"ftlint-locks-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


@contextlib.contextmanager
def locked(paths: list[str]) -> Iterator[None]:
    """Hold the lock of every path (resolved, in one fixed order, so two runs never deadlock)."""
    timeout = float(os.environ.get("FTLINT_LOCK_TIMEOUT", "10"))
    with contextlib.ExitStack() as stack:
        for real in sorted({os.path.realpath(p) for p in paths}):
            lock = FileLock(str(lock_folder() / f"{_key(real)}.lock"), timeout=timeout)
            try:
                stack.enter_context(lock)
            except Timeout:
                raise Busy(
                    f"{real}: another ftlint fix is working on this file (waited {timeout:g} s); "
                    "try again when it has finished"
                ) from None
        yield


@dataclass
class Commit:
    """What one fix changes: the target gets ``data_temp``; ``rejects`` gets ``rejected_temp``'s rows."""

    target: str
    data_temp: str
    rejects: str | None = None
    rejected_temp: str | None = None
    rejects_base: int = 0  # the rejects file is truncated to this size before the rows are appended
    # why each rejected row left, line for line (``linter.fix_rejects.reason_line``), appended the same way
    reasons: str | None = None
    reasons_temp: str | None = None
    reasons_base: int = 0

    def temporaries(self) -> tuple[str, ...]:
        return tuple(temp for temp in (self.data_temp, self.rejected_temp, self.reasons_temp) if temp)

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, ensure_ascii=True).encode()


def commit(change: Commit) -> None:
    """Make ``change`` durable, then apply it; a kill at any point is completed by ``recover``.

    The temporaries are the commit's from the call on: removed here if it
    stops before its commit point, kept for ``recover`` after it.
    """
    journal = journal_path(change.target)
    try:
        atomic.prepare(change.data_temp, change.target)
        for temp in (change.rejected_temp, change.reasons_temp):
            if temp:
                atomic.prepare(temp, temp)
        tempfiles.pause("before-commit")
        with tempfiles.signals_deferred():
            _write_journal(change, journal)
    except BaseException:
        if not os.path.exists(journal):
            for temp in change.temporaries():
                tempfiles.unlink_quietly(temp)
        raise
    with tempfiles.signals_deferred():
        _apply(change, journal)


def _write_journal(change: Commit, journal: str) -> None:
    fd, temp = tempfiles.create(os.path.dirname(journal))
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(change.to_json())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, journal)  # the commit point
    finally:
        tempfiles.unlink_quietly(temp)
    atomic.sync_folder(journal)


def _apply(change: Commit, journal: str) -> None:
    """Apply a journalled commit; every step can be repeated after a kill."""
    if os.path.exists(change.data_temp):
        if change.rejects and change.rejected_temp:
            _append(change.rejects, change.rejected_temp, change.rejects_base)
            tempfiles.pause("after-rejects")
        if change.reasons and change.reasons_temp:
            _append(change.reasons, change.reasons_temp, change.reasons_base)
        tempfiles.pause("before-rename")
        atomic.rename(change.data_temp, change.target)
        tempfiles.pause("after-rename")
    for temp in (change.rejected_temp, change.reasons_temp):
        if temp:
            tempfiles.unlink_quietly(temp)
    os.unlink(journal)
    atomic.sync_folder(journal)


def _append(path: str, temp: str, base: int) -> None:
    """Append ``temp``'s bytes to ``path`` after truncating it to ``base`` (which undoes a partial append)."""
    with open(os.path.realpath(path), "ab") as out:
        out.truncate(base)
        out.seek(base)
        with open(temp, "rb") as rows:
            while block := rows.read(COPY_BLOCK):
                out.write(block)
        out.flush()
        os.fsync(out.fileno())


def recover(target: str) -> bool:
    """Complete the interrupted commit of ``target``, if there is one; True when there was."""
    journal = journal_path(target)
    try:
        data = Path(journal).read_bytes()
    except FileNotFoundError:
        return False
    try:
        change = Commit(**json.loads(data))
    except (ValueError, TypeError) as exc:
        raise BrokenJournal(f"{journal}: unreadable commit journal of an interrupted fix ({exc}); inspect it, then delete it") from None
    with tempfiles.signals_deferred():
        _apply(change, journal)
    return True


def kept_temporaries(folder: str) -> frozenset[str]:
    """Temporaries that journals in ``folder`` still need (never removed as stale)."""
    needed = set()
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder or "."):
            if entry.name.startswith(JOURNAL_PREFIX) and entry.name.endswith(JOURNAL_SUFFIX):
                with contextlib.suppress(OSError, ValueError, TypeError):
                    change = Commit(**json.loads(Path(entry.path).read_bytes()))
                    needed.update(os.path.realpath(p) for p in change.temporaries())
    return frozenset(needed)


def remove_stale(folder: str) -> list[str]:
    """Remove dead processes' temporaries in ``folder``, keeping those a journal needs."""
    return tempfiles.remove_stale(folder, kept_temporaries(folder))
