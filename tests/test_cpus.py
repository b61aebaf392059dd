"""The default ``--jobs``: the cores this process may use (affinity, cgroup quota), not the machine's.

The cgroup files are written as the kernel lays them out, in a folder of the test's; the
affinity test pins a real subprocess with ``sched_setaffinity``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from linter.cpus import available_cpus, cgroup_quota


def tree(tmp_path, files: dict[str, str], own: str = "0::/\n"):
    for name, text in files.items():
        path = tmp_path / "cg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "self").write_text(own)
    return tmp_path / "cg", tmp_path / "self"


@pytest.mark.parametrize(("files", "own", "quota"), [
    ({"cpu.max": "max 100000\n"}, "0::/\n", None),                            # v2, no limit
    ({"cpu.max": "150000 100000\n"}, "0::/\n", 1.5),                          # docker --cpus 1.5
    ({"cpu.max": "max 100000\n", "kubepods/pod1/cpu.max": "50000 100000\n"}, "0::/kubepods/pod1\n", 0.5),
    ({"cpu.max": "400000 100000\n", "a/cpu.max": "max 100000\n", "a/b/cpu.max": "200000 100000\n"}, "0::/a/b\n", 2.0),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, "1:cpu:/\n", None),  # v1, no limit
    ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, "1:cpu:/\n", 3.0),
    ({"cpu.max": "garbage\n"}, "0::/\n", None),                               # unreadable: no limit assumed
    ({}, "", None),                                                             # no cgroup filesystem
])
def test_the_cgroup_quota_is_read_as_the_kernel_writes_it(tmp_path, files, own, quota):
    cgroup, own_file = tree(tmp_path, files, own)
    assert cgroup_quota(cgroup, own_file) == quota


def test_a_fractional_quota_rounds_up_and_never_exceeds_the_cores(tmp_path):
    cores = len(os.sched_getaffinity(0))
    assert available_cpus(*tree(tmp_path / "half", {"cpu.max": "50000 100000\n"})) == 1
    assert available_cpus(*tree(tmp_path / "big", {"cpu.max": f"{(cores + 8) * 100000} 100000\n"})) == cores


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux's")
def test_the_default_jobs_follow_the_affinity_mask():
    """A process pinned to one core (as `taskset -c 0` does) gets one job, whatever the machine has."""
    code = "import os, sys; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); from linter.cpus import available_cpus; print(available_cpus())"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "1"
