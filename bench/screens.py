"""What the screens cost: each rule's screen, timed alone over the raw lines of each FILE.

bench/rules.py times the rules' checks; a rule its screen skipped costs
nothing there, and what the screen itself costs is part of the engine's
total. This prints the µs per row (best of five) of the one scan the engine
makes for every screen of the default rules (and any selected with --select),
then per screen: its scan alone (the escape fail-open included), how many
rows pass it, and what each of its literals and patterns costs alone (a
Python ``in`` or ``re.search``). Shared-machine noise is large: compare numbers
from one sitting.

    python bench/screens.py bench/data/short-20000.jsonl bench/data/text-20000.jsonl [--rows 5000] [--select FT205]
"""

from __future__ import annotations

import argparse
import os

from code_spans import per_text as cpu_per_row  # best of five, µs per item (run as bench/screens.py)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--rows", type=int, default=5000, help="the first ROWS rows of each file")
    parser.add_argument("--select", default="", help="rule codes to enable besides the defaults (comma-separated)")
    args = parser.parse_args()
    os.environ["FTLINT_LOAD_PLUGINS"] = ""  # the built-in rules and their screens only
    for path in args.paths:
        report(path, args.rows, [code for code in args.select.split(",") if code])


def report(path: str, limit: int, extra: list[str]) -> None:
    from linter import _dispatch
    from linter.config import Settings
    from linter.engine import Linter
    from linter.rows import Row
    from linter.screening import Scanner

    with open(path, "rb") as handle:
        lines = [line.rstrip(b"\n") for line, _ in zip(handle, range(limit))]
    rows = [Row(number, 0, line, len(line)) for number, line in enumerate(lines, 1)]
    rules = Linter(Settings(token_stats=False, extend_select=extra)).rules_for(path)
    by_screen: dict = {}
    for rule in rules:
        screen = _dispatch.screen_of(type(rule))
        if screen is not None:
            by_screen.setdefault(screen, []).append(rule.code)
    print(f"{path}: {len(rows):,} rows, {sum(map(len, lines)) / len(rows):,.0f} bytes a row")
    screens = list(by_screen)
    every = Scanner(screens)  # what the engine pays: one scan of the line for every screen (Hyperscan)
    once = cpu_per_row(lambda row: every.mask(row.raw), rows)
    print(f"  all {len(screens)} screens in one scan: {once:.2f} µs a row, {sum(1 for row in rows if every.mask(row.raw)):,} rows pass one")
    for screen, codes in by_screen.items():
        alone = Scanner([screen])  # the scan of this screen alone, the escape fail-open included
        cost = cpu_per_row(lambda row, alone=alone: alone.mask(row.raw), rows)
        passed = sum(1 for row in rows if alone.mask(row.raw))
        print(f"  {'/'.join(codes):24s} {cost:6.2f} µs a row alone, {passed:,} rows pass")
        for entry in (*screen.literals, *screen.patterns):
            each = cpu_per_row((lambda row, e=entry: e in row.raw) if isinstance(entry, bytes) else (lambda row, e=entry: e.search(row.raw)), rows)
            shown = entry if isinstance(entry, bytes) else entry.pattern
            print(f"      {each:6.2f}  {shown[:60]!r}")


if __name__ == "__main__":
    main()
