"""Replace a file atomically: the old content or the new, never a mix.

The new content is written to a temporary file in the target's folder (so
``os.replace`` is a rename on one file system), flushed and fsynced, given the
original's permission bits (and owner, where allowed), renamed over the target,
and the folder is fsynced so the rename survives a crash. Symlinks are
resolved first, so the link stays a link. A hard link to the old file keeps
the old content (a rename makes a new inode). Temporaries carry the pid of
their process (``linter.tempfiles``), so a later run can remove those of a
killed one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from . import tempfiles


def temp_beside(target: str | Path) -> tuple[int, str]:
    """A new temporary file in the folder of ``target`` (after resolving symlinks)."""
    return tempfiles.create(os.path.dirname(os.path.realpath(target)) or ".")


def prepare(temp: str, target: str | Path) -> None:
    """Make ``temp`` durable and give it the target's mode (and owner), ready to be renamed."""
    real = os.path.realpath(target)
    with open(temp, "rb+") as handle:
        handle.flush()
        os.fsync(handle.fileno())
    try:
        info = os.stat(real)
    except FileNotFoundError:
        info = None
    if info is not None:
        os.chmod(temp, stat.S_IMODE(info.st_mode))
        try:
            os.chown(temp, info.st_uid, info.st_gid)
        except (PermissionError, AttributeError):
            pass
    else:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)


def rename(temp: str, target: str | Path) -> None:
    """Rename a prepared ``temp`` over ``target`` and make the rename durable."""
    real = os.path.realpath(target)
    os.replace(temp, real)
    sync_folder(real)


def sync_folder(path: str) -> None:
    """fsync the folder holding ``path``, so a rename or unlink in it survives a crash."""
    fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace(temp: str, target: str | Path) -> None:
    """Move the finished ``temp`` over ``target``, keeping the target's mode."""
    prepare(temp, target)
    rename(temp, target)
