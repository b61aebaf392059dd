"""What the screens cost: each rule's screen, timed alone over the raw lines of each FILE.

bench/rules.py times the rules' checks; a rule its screen skipped costs
nothing there, and what the screen itself costs is part of the engine's
total. This prints, per screen of the default rules (and any selected with
--select), the µs per row (best of five) of the gate test the engine builds from it
(the escape fail-open included), how many rows pass it, and what each
pattern of it costs alone. Shared-machine noise is large: compare numbers
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
    total = 0.0
    for screen, codes in by_screen.items():
        memo = _dispatch._EscapeMemo()
        gate = _dispatch._gate_test(None, screen, memo)

        def test(row, gate=gate, memo=memo):
            memo.row = None  # each gate pays the escape test here; the engine pays it once a row
            return gate(row)

        cost = cpu_per_row(test, rows)
        total += cost
        passed = sum(1 for row in rows if test(row))
        print(f"  {'/'.join(codes):24s} {cost:6.2f} µs a row, {passed:,} rows pass")
        literals, patterns, _ = screen
        for entry in (*literals, *patterns):
            alone = cpu_per_row((lambda row, e=entry: e in row.raw) if isinstance(entry, bytes) else (lambda row, e=entry: e.search(row.raw)), rows)
            shown = entry if isinstance(entry, bytes) else entry.pattern
            print(f"      {alone:6.2f}  {shown[:60]!r}")
    escape = _dispatch._EscapeMemo()
    once = cpu_per_row(lambda row: (setattr(escape, "row", None), escape(row)), rows)
    print(f"  all screens {total:.2f} µs a row, of which the escape test {once:.2f} µs a screen (once a row in the engine)")


if __name__ == "__main__":
    main()
