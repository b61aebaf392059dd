"""Benchmark ftlint against the floor, side by side in one run.

For each size, generates (once, seeded) a dataset under bench/data/, then
runs each command REPEAT times in a fresh process and reports the best wall
time and the peak RSS. Ratios are computed within the run, so a noisy machine
affects both sides alike.

    python bench/run.py --sizes 10000,100000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def measure(cmd: list[str], ok: tuple[int, ...]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command, measured from a fresh wrapper process."""
    wrapper = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
        "wall = time.perf_counter() - t\n"
        "if str(p.returncode) not in sys.argv[1].split(','): sys.stderr.write(p.stderr.decode()); sys.exit(3)\n"
        "print(json.dumps([wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, ",".join(map(str, ok)), *cmd], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"benchmark command failed: {' '.join(cmd)}\n{out.stderr}")
    wall, rss = json.loads(out.stdout)
    return wall, rss


def dataset(size: int) -> Path:
    DATA.mkdir(exist_ok=True)
    path = DATA / f"chat-{size}.jsonl"
    if not path.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(size), str(path)], check=True)
    return path


def main() -> None:
    shared = HERE.parent.parent / "shared" / "tiktoken-cache"
    if shared.is_dir():
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(shared))
    os.environ["FTLINT_LOAD_PLUGINS"] = ""  # the built-in rules only, whatever else is installed
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    commands = {
        "baseline (orjson + tiktoken every message)": lambda p: [sys.executable, str(HERE / "baseline.py"), str(p)],
        "baseline, one process": lambda p: [sys.executable, str(HERE / "baseline.py"), str(p), "--jobs", "1"],
        "ftlint check --jobs 1": lambda p: [sys.executable, "-m", "linter", "check", "-q", "--jobs", "1", str(p)],
        "ftlint check (every core)": lambda p: [sys.executable, "-m", "linter", "check", "-q", str(p)],
        "ftlint check --exact-stats (every core)": lambda p: [sys.executable, "-m", "linter", "check", "-q", "--exact-stats", str(p)],
        "ftlint stats (every core)": lambda p: [sys.executable, "-m", "linter", "stats", str(p)],
    }
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    for size in (int(s) for s in args.sizes.split(",")):
        path = dataset(size)
        mb = path.stat().st_size / 1e6
        print(f"\n{size:,} examples, {mb:,.1f} MB")
        results = {}
        for name, make in commands.items():
            ok = (0,) if name.startswith("baseline") else (0, 1)  # ftlint exits 1: the data has mistakes
            runs = [measure(make(path), ok) for _ in range(args.repeat)]
            wall = min(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            results[name] = wall
            print(f"  {name:<45} {wall:8.2f} s  {mb / wall:7.1f} MB/s  peak RSS {rss:6.0f} MB")
        base = results["baseline (orjson + tiktoken every message)"]  # on every core, as the scale targets are stated
        for name, wall in results.items():
            if not name.startswith("baseline"):
                print(f"  {name:<45} {base / wall:5.2f}x the baseline's speed")


if __name__ == "__main__":
    main()
