"""bench/generate.py --duplicates: the corpus that measures duplicate detection's memory (issue 14)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

GENERATE = Path(__file__).resolve().parent.parent / "bench" / "generate.py"


def _generate(tmp_path, name: str, *args: str) -> list[str]:
    out = tmp_path / name
    proc = subprocess.run([sys.executable, str(GENERATE), *args[:1], str(out), *args[1:]], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out.read_text(encoding="utf-8").splitlines()


def test_a_fraction_of_duplicates_repeats_the_plain_corpus_block_after_block(tmp_path):
    plain = _generate(tmp_path, "plain.jsonl", "20", "--corpus", "short")
    dups = _generate(tmp_path, "dups.jsonl", "200", "--corpus", "short", "--duplicates", "0.9")
    assert dups == plain * 10  # the first 10% of the rows, each written ten times
    assert len(set(dups)) == len(set(plain)) == 20 and all(json.loads(line)["messages"] for line in dups)
    assert _generate(tmp_path, "none.jsonl", "20", "--corpus", "short", "--duplicates", "0") == plain


def test_the_duplicates_corpus_gives_ftlint_one_finding_per_repeat(tmp_path):
    from .conftest import cli_json

    _generate(tmp_path, "dups.jsonl", "150", "--corpus", "text", "--duplicates", "0.8")
    report, _ = cli_json(str(tmp_path / "dups.jsonl"), "--select", "FT403", env={"FTLINT_LOAD_PLUGINS": ""})
    assert Counter(f["code"] for f in report["findings"]) == {"FT403": 120}
    assert [f["line"] for f in report["findings"]] == list(range(31, 151))


@pytest.mark.parametrize("fraction", ["1", "-0.1", "1.5"])
def test_a_fraction_outside_zero_to_one_is_refused_in_one_line(tmp_path, fraction):
    proc = subprocess.run([sys.executable, str(GENERATE), "10", str(tmp_path / "x.jsonl"), "--duplicates", fraction],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "--duplicates takes a fraction in [0, 1)" in proc.stderr and "Traceback" not in proc.stderr
