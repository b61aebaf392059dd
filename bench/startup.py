"""Start-up latency: the small-file commands a pre-commit hook or a CI gate runs.

Runs each command as a user does (``python -m linter ...`` in a fresh
process), round-robin across commands and checkouts so that the machine's
noise (other processes on two cores) falls on all of them alike, and prints
the median and the best wall time of each. ``--against DIR`` times a second
checkout in the same rounds (another commit: ``git worktree add DIR REV`` or
``git archive REV | tar -x -C DIR``); each runs from its own folder, so
``python -m linter`` imports that checkout's code.

    python bench/startup.py [--small FILE] [--big FILE] [--runs 10] [--against ../base] [--bytecode]

``--bytecode`` lets Python keep compiled modules (in a temporary
PYTHONPYCACHEPREFIX, filled by a first untimed run): where
PYTHONDONTWRITEBYTECODE is set, every start otherwise compiles ftlint's ~70
modules again (0.2 s), which an installed ftlint never does.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMALL_ROWS = [
    {"messages": [{"role": "user", "content": "Where is my order? It was due on Monday."},
                  {"role": "assistant", "content": "It left the warehouse today; you will have it by Thursday."}]},
    {"messages": [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Can I change the size?"},
                  {"role": "assistant", "content": "Yes: reply with the size you want and we will swap it."}]},
    {"messages": [{"role": "user", "content": "Thanks!"}, {"role": "assistant", "content": "You're welcome."}]},
]


def commands(small: str, big: str | None) -> dict[str, list[str]]:
    name = Path(small).name
    out = {
        "--version": ["--version"],
        f"check ({name})": ["check", small],
        f"check --format json ({name})": ["check", "--format", "json", small],
        f"check -q ({name})": ["check", "-q", small],
        f"fix --diff ({name})": ["fix", "--diff", small],
        f"stats ({name})": ["stats", small],
    }
    if big:
        out[f"check ({Path(big).name})"] = ["check", "-q", "--exit-zero", big]
        out[f"check --statistics ({Path(big).name})"] = ["check", "--statistics", "--exit-zero", big]
    return out


def run_once(checkout: Path, args: list[str], env: dict) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "linter", *args], cwd=checkout, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped above
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", help="a small JSONL file (default: three short chat rows written to a temporary file)")
    parser.add_argument("--big", help="a bigger file, e.g. bench/data/short-20000.jsonl")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--against", type=Path, help="another checkout, timed in the same rounds")
    parser.add_argument("--bytecode", action="store_true", help="keep compiled modules between runs (as an installed ftlint does)")
    parser.add_argument("--json", action="store_true", help="print the timings as JSON")
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="ftlint-startup-"))
    small = options.small
    if small is None:
        small = str(scratch / "three-rows.jsonl")
        Path(small).write_text("".join(json.dumps(row) + "\n" for row in SMALL_ROWS), encoding="utf-8")
    small, big = os.path.abspath(small), options.big and os.path.abspath(options.big)
    env = dict(os.environ)
    env.pop("FTLINT_LOAD_PLUGINS", None)
    if options.bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    checkouts = {"this": ROOT}
    if options.against:
        checkouts["against"] = options.against.resolve()
    table = commands(small, big)
    for checkout in checkouts.values():  # warm the file cache (and the bytecode and BPE caches)
        for args in table.values():
            run_once(checkout, args, env)
    times: dict[tuple[str, str], list[tuple[float, float]]] = {(c, n): [] for c in checkouts for n in table}
    for _ in range(options.runs):
        for name, args in table.items():
            for label, checkout in checkouts.items():
                times[label, name].append(run_once(checkout, args, env))
    if options.json:
        print(json.dumps({f"{label}: {name}": sorted(values) for (label, name), values in times.items()}, indent=2))
        return
    print(f"{'median (best) seconds':<40}" + "".join(f"{label + ' wall':>18}{label + ' CPU':>18}" for label in checkouts))
    for name in table:
        cells = ""
        for label in checkouts:
            for column in (0, 1):
                values = [run[column] for run in times[label, name]]
                cells += f"{statistics.median(values):>10.3f} ({min(values):.3f})"
        print(f"{name:<40}{cells}")


if __name__ == "__main__":
    main()
