"""CPU instructions per row, counted by valgrind: the one figure this noisy machine cannot blur.

Wall and CPU seconds here swing by a third from one minute to the next (other
processes share two cores); an instruction count does not. This runs the engine
in process over the first ROWS and the first 3 x ROWS rows of each FILE under
``valgrind --tool=callgrind`` and divides the difference by 2 x ROWS, so start-up
(imports, the tokenizer, the automaton) cancels out. ``--against DIR`` counts a
second checkout the same way (another commit: ``git worktree add DIR REV``), for
a before/after in one run. Slow (valgrind runs Python about 50 times slower):
use a few hundred rows.

    python bench/instructions.py bench/data/short-100000.jsonl bench/data/text-100000.jsonl --rows 500 [--against ../base]

Instructions are not time (a cache miss costs hundreds of cycles and counts
one), but a change that removes Python work shows up here however busy the
machine is.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# the engine over the first N rows of a file: what bench/rules.py times, without its timers
PROGRAM = """
import io, itertools, sys
from linter.config import Settings
from linter.engine import Linter
path, rows = sys.argv[1], int(sys.argv[2])
with open(path, "rb") as handle:
    data = b"".join(itertools.islice(handle, rows))
linter = Linter(Settings(token_stats=False))
linter.tokenizer.load()
for _ in linter.lint_stream(io.BytesIO(data), path)[0]:
    pass
"""


def instructions(checkout: Path, path: str, rows: int) -> int:
    """Instructions valgrind counts for linting the first ``rows`` rows of ``path`` with ``checkout``'s engine."""
    env = dict(os.environ, PYTHONPATH=str(checkout), PYTHONHASHSEED="0", FTLINT_LOAD_PLUGINS="")
    done = subprocess.run(  # run from the checkout: "python -c" puts the working directory first on sys.path
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", PROGRAM, os.path.abspath(path), str(rows)],
        env=env, capture_output=True, text=True, check=True, cwd=checkout,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"valgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_row(checkout: Path, path: str, rows: int) -> float:
    return (instructions(checkout, path, 3 * rows) - instructions(checkout, path, rows)) / (2 * rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--against", type=Path, help="another checkout of ftlint to count the same way")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt install valgrind)")
    shared = ROOT.parent / "shared" / "tiktoken-cache"
    if shared.is_dir():
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(shared))
    for path in args.paths:
        here = per_row(ROOT, path, args.rows)
        line = f"{path}: {here:,.0f} instructions a row"
        if args.against is not None:
            there = per_row(args.against.resolve(), path, args.rows)
            line += f"; {args.against}: {there:,.0f} ({here / there - 1:+.1%})"
        print(line, flush=True)


if __name__ == "__main__":
    main()
