"""Benchmark ftlint against its floors, side by side in one run.

For each size and corpus (short rows, text-heavy rows: bench/generate.py),
generates (once, seeded) a dataset under bench/data/, then runs each command
in a fresh process, REPEAT rounds of every command once, and reports the best
and the median wall time, the least CPU time and the peak RSS, then each command's time over its floor (bench/baseline.py): ``check``
over the verdict floor, ``stats`` over the tokenize floor. Ratios are computed
within the run, so a noisy machine affects both sides alike; the last, the median of each
round's ratio (a command runs right after its floor), is the steadiest on a shared machine.

    python bench/run.py --sizes 10000,100000 --corpora short,text --repeat 3

The ``dups`` corpus is text rows of which 90% are duplicates (``generate.py
--duplicates 0.9``): FT403 reports 90% of the rows, which measures that
findings stream without being held (issue 14: peak RSS flat, at most 150 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SCRATCH = DATA / "fixed"  # fix's output (the input is never rewritten)


def measure(cmd: list[str], ok: tuple[int, ...]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system, every process
    of the command) of one command, measured from a fresh wrapper process. On a
    shared machine the CPU seconds are the steadier measure of work."""
    wrapper = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
        "wall = time.perf_counter() - t\n"
        "if str(p.returncode) not in sys.argv[1].split(','): sys.stderr.write(p.stderr.decode()); sys.exit(3)\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps([wall, u.ru_maxrss / 1024, u.ru_utime + u.ru_stime]))\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, ",".join(map(str, ok)), *cmd], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"benchmark command failed: {' '.join(cmd)}\n{out.stderr}")
    wall, rss, cpu = json.loads(out.stdout)
    return wall, rss, cpu


# corpora made with extra generate.py options: name -> (its corpus, options)
DERIVED = {"dups": ("text", ["--duplicates", "0.9"])}


def dataset(size: int, corpus: str) -> Path:
    DATA.mkdir(exist_ok=True)
    path = DATA / f"{corpus}-{size}.jsonl"
    if not path.exists():
        base, options = DERIVED.get(corpus, (corpus, []))
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(size), str(path), "--corpus", base, *options], check=True)
    return path


FLOOR = [sys.executable, str(HERE / "baseline.py")]
LINT = [sys.executable, "-m", "linter"]
# each ftlint command with a target right after its floor: the two share a round's spell of the machine
# (paired ratios); the FT001-only run, which has none, is paired with a floor four commands before it
COMMANDS = {
    "parse floor (orjson, every core)": lambda p: [*FLOOR, str(p), "--verdict", "0", "--parse-only"],
    "verdict floor (every core)": lambda p: [*FLOOR, str(p), "--verdict", "4096"],
    "ftlint check (every core)": lambda p: [*LINT, "check", "-q", str(p)],
    "verdict floor, one process": lambda p: [*FLOOR, str(p), "--verdict", "4096", "--jobs", "1"],
    "ftlint check --jobs 1": lambda p: [*LINT, "check", "-q", "--jobs", "1", str(p)],
    "tokenize floor (every core)": lambda p: [*FLOOR, str(p)],
    "ftlint stats (every core)": lambda p: [*LINT, "stats", str(p)],
    # the memory target covers fix too: every fix the rules offer, written to a scratch file
    "ftlint fix --unsafe-fixes": lambda p: [*LINT, "fix", "-q", "--unsafe-fixes", "-o", str(SCRATCH / p.name), str(p)],
    # the engine's own row loop (read, parse, classify, count) with one rule that reads no row
    # (FT001 judges parse problems only): the part of check no rule can make cheaper
    "ftlint check --jobs 1, FT001 only": lambda p: [*LINT, "check", "-q", "--jobs", "1", "--select", "FT001", "--no-token-stats", str(p)],
}
# (command, its floor, the target ratio)
RATIOS = [
    ("ftlint check (every core)", "verdict floor (every core)", "2x at 100k, 1.5x at 1M"),
    ("ftlint check --jobs 1", "verdict floor, one process", "1.5x at 1M"),
    ("ftlint stats (every core)", "tokenize floor (every core)", "1.1x"),
    ("ftlint check --jobs 1, FT001 only", "verdict floor, one process", "none: the engine alone, before any rule"),
]


def main() -> None:
    shared = HERE.parent.parent / "shared" / "tiktoken-cache"
    if shared.is_dir():
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(shared))
    os.environ["FTLINT_LOAD_PLUGINS"] = ""  # the built-in rules only, whatever else is installed
    # an installed ftlint has its bytecode (pip compiles it); an editable one in a shell that sets
    # PYTHONDONTWRITEBYTECODE compiled its ~200 modules on every start (0.2-0.3 s of each ftlint run here,
    # none of the floors'): one bytecode cache outside the tree, filled by the first run, as users have
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) and not os.environ.get("PYTHONPYCACHEPREFIX"):
        os.environ["PYTHONPYCACHEPREFIX"] = str(DATA / "pycache")
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--corpora", default="short,text", help="from bench/generate.py: chat, short, text; dups (text, 90%% duplicates)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip", default="", help="commands to leave out, comma-separated words of their names (stats,fix)")
    args = parser.parse_args()
    skipped = [word for word in args.skip.split(",") if word]
    commands = {name: make for name, make in COMMANDS.items() if not any(word in name for word in skipped)}
    SCRATCH.mkdir(parents=True, exist_ok=True)
    warm = dataset(1000, "text")  # each command once on a small file: the bytecode every one of them imports
    for name, make in commands.items():
        if name.startswith("ftlint"):
            subprocess.run(make(warm), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; best wall time of {args.repeat} rounds, side by side")
    for size in (int(s) for s in args.sizes.split(",")):
        for corpus in args.corpora.split(","):
            path = dataset(size, corpus)
            with open(path, "rb") as handle:  # into the page cache first: the first command timed paid the disk read
                while handle.read(16 << 20):  # alone (a 1M-row floor read 13-19 s instead of 2-8 s after a larger file)
                    pass
            mb = path.stat().st_size / 1e6
            print(f"\n{corpus}, {size:,} examples, {mb:,.1f} MB")
            runs: dict[str, list] = {name: [] for name in commands}
            for _ in range(args.repeat):  # in rounds, every command once a round: a slow spell of a shared
                for name, make in commands.items():  # machine then slows each command's run alike, not one's all
                    ok = (0, 1) if name.startswith("ftlint") else (0,)  # ftlint exits 1 when the data has mistakes
                    runs[name].append(measure(make(path), ok))
            results, cpus, medians = {}, {}, {}
            for name, measured in runs.items():
                wall = results[name] = min(r[0] for r in measured)
                medians[name] = statistics.median(r[0] for r in measured)
                rss = max(r[1] for r in measured)
                cpus[name] = min(r[2] for r in measured)
                print(f"  {name:<36} {wall:8.2f} s wall {cpus[name]:8.2f} s CPU  {mb / wall:7.1f} MB/s  peak RSS {rss:6.0f} MB"
                      f"  (median wall {medians[name]:.2f} s)")
            for command, floor, target in RATIOS:
                if command not in results or floor not in results:
                    continue
                # each round's own ratio, then their median: a command and its floor run in one round share
                # that round's spell of the machine, which the best of each (taken in different rounds) do not
                paired = statistics.median(a[0] / b[0] for a, b in zip(runs[command], runs[floor]))
                print(f"  {command:<36} {results[command] / results[floor]:5.2f}x {floor} by wall, "
                      f"{cpus[command] / cpus[floor]:5.2f}x by CPU, {medians[command] / medians[floor]:5.2f}x by median wall, "
                      f"{paired:5.2f}x median of rounds (target {target})")


if __name__ == "__main__":
    main()
