"""How many processes ``--jobs`` uses by default: the cores this process may really use.

``os.cpu_count()`` counts the machine's cores. In a container with a CPU limit
(Kubernetes ``limits.cpu``, ``docker run --cpus 2``) on a 64-core node, or under
``taskset``, that forked 64 workers, each holding a copy of the tokenizer, into
a pod sized for two: slower than one process, and out of memory at worst. So the
default is the smallest of the CPU affinity mask and the cgroup CPU quota
(v2 ``cpu.max``, v1 ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``), rounded up,
as Rust's ``available_parallelism`` (ruff's default) and loky's ``cpu_count`` do.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
OWN_CGROUP = Path("/proc/self/cgroup")


def available_cpus(cgroup: Path = CGROUP, own: Path = OWN_CGROUP) -> int:
    """The cores this process may use: affinity and cgroup quota both counted; at least 1."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        count = os.cpu_count() or 1
    quota = cgroup_quota(cgroup, own)
    if quota is not None:
        count = min(count, max(1, math.ceil(quota)))
    return max(1, count)


def cgroup_quota(cgroup: Path = CGROUP, own: Path = OWN_CGROUP) -> float | None:
    """The CPU quota, in cores, of this process's cgroup and the cgroups above it (the smallest), or
    None when none has one. cgroup v2: ``cpu.max`` in the process's own folder (``0::/path`` in
    ``/proc/self/cgroup``; inside a container usually the root); v1: the ``cpu`` controller's files."""
    quotas = []
    for folder in _v2_folders(cgroup, own):
        line = _read(folder / "cpu.max")
        if line is not None:
            quota, _, period = line.partition(" ")
            quotas.append(None if quota == "max" else _ratio(quota, period or "100000"))
    if not quotas:
        quota, period = _read(cgroup / "cpu" / "cpu.cfs_quota_us"), _read(cgroup / "cpu" / "cpu.cfs_period_us")
        if quota is not None and period is not None and not quota.startswith("-"):
            quotas.append(_ratio(quota, period))
    known = [quota for quota in quotas if quota is not None]
    return min(known) if known else None


def _v2_folders(cgroup: Path, own: Path) -> list[Path]:
    """The process's cgroup v2 folder and every folder above it, up to the mount point."""
    folders = [cgroup]
    for line in (_read(own) or "").splitlines():
        if line.startswith("0::/"):
            parts = [part for part in line[4:].split("/") if part and part not in (".", "..")]
            folders += [cgroup.joinpath(*parts[:depth]) for depth in range(1, len(parts) + 1)]
    return folders


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None


def _ratio(quota: str, period: str) -> float | None:
    try:
        value = int(quota) / int(period)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None
