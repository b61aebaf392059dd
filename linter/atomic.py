"""Replace a file atomically: the old content or the new, never a mix.

The new content is written to a temporary file in the target's folder (so
``os.replace`` is a rename on one file system), flushed and fsynced, given the
original's permission bits (and owner, where allowed), renamed over the target,
and the folder is fsynced so the rename survives a crash. Symlinks are
resolved first, so the link stays a link. A hard link to the old file keeps
the old content (a rename makes a new inode).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def temp_beside(target: str | Path) -> tuple[int, str]:
    """A new temporary file in the folder of ``target`` (after resolving symlinks)."""
    folder = os.path.dirname(os.path.realpath(target)) or "."
    return tempfile.mkstemp(dir=folder, prefix=".ftlint-", suffix=".tmp")


def replace(temp: str, target: str | Path) -> None:
    """Move the finished ``temp`` over ``target``, keeping the target's mode."""
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
    os.replace(temp, real)
    fd = os.open(os.path.dirname(real) or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
