"""Counterexamples to the fast path's promise (``linter.fast_path``: the same output with and without it,
for every plugin set), found by review: a plugin rule that subclasses a built-in rule and overrides what
the rule does per row inherits the declarations that let the fast path skip it (``silent_within_token_limit``)
or fold its rows in bulk (``takes_scanned`` / ``update_scanned``), which describe the parent's ``check`` and
``update``, not the subclass's. (``declared_counts`` and ``finish_in_line_order`` refuse that inheritance.)

Each test writes a local plugin (``[tool.ftlint] plugins``), a JSON Lines file of more than one 1 MiB block
(rows of the second block are the ones taken in bulk) and compares the real CLI's output both ways."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest

from linter import rowscan

pytestmark = pytest.mark.skipif(not rowscan.available and not os.environ.get("CI"), reason="linter._rowscan did not build")

WORDS = ["refund", "shipping", "the", "order", "size", "boots", "warranty", "color"]


def dataset(rows: int = 9000) -> str:
    """System, user, assistant rows of one skeleton (about 1.9 MB: two blocks), the answers from a few dozen."""
    rng = random.Random(5)
    answers = [f"Yes, in {i} days." for i in range(40)]
    lines = []
    for i in range(rows):
        question = " ".join(rng.choice(WORDS) for _ in range(8)) + f" {i}?"
        lines.append(json.dumps({"messages": [{"role": "system", "content": "You are helpful."},
                                              {"role": "user", "content": question},
                                              {"role": "assistant", "content": rng.choice(answers)}]}))
    return "\n".join(lines) + "\n"


def run(folder, *args: str, fast: bool) -> subprocess.CompletedProcess:
    env = {**os.environ, "FTLINT_LOAD_PLUGINS": ""}  # installed plugins off; the local one (config) loads
    env.pop("FTLINT_NO_FAST_PATH", None)
    if not fast:
        env["FTLINT_NO_FAST_PATH"] = "1"
    return subprocess.run([sys.executable, "-m", "linter", "check", "--output-format", "json", "--no-token-stats", *args, "data.jsonl"],
                          capture_output=True, text=True, env=env, cwd=folder)


def project(tmp_path, plugin: str):
    (tmp_path / "house.py").write_text(plugin, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["house.py"]\n', encoding="utf-8")
    (tmp_path / "data.jsonl").write_text(dataset(), encoding="utf-8")
    return tmp_path


def codes_at(output: str, code: str) -> list[int]:
    return [finding["line"] for finding in json.loads(output)["findings"] if finding["code"] == code]


DUPLICATE_ANSWER = '''
import orjson

from linter import hashing
from linter.plugin import hookimpl
from linter.rows import place
from linter.rules.duplicates import DuplicateExample


class DuplicateAnswer(DuplicateExample):
    """The same final answer as an earlier row: FT403's log, merge and finish, another fingerprint."""

    code = "HOUSE1"
    name = "duplicate-answer"
    summary = "Final answer repeats an earlier row's"

    def update(self, state, row) -> None:
        messages = row.value.get("messages") if isinstance(row.value, dict) else None
        if not isinstance(messages, list) or not messages:
            return
        first, second = hashing.fingerprint(orjson.dumps(messages[-1]))
        state.append(first, place(row), second)


@hookimpl
def register_rules(register):
    register(DuplicateAnswer)
'''


def test_a_subclass_overriding_update_is_not_folded_with_its_parents_bulk_fold(tmp_path):
    """HOUSE1 overrides FT403's ``update`` but inherits ``takes_scanned``/``update_scanned``: the fast path
    logs the rows it takes in bulk under their whole line's fingerprint, so every repeated answer in the
    second block goes unreported (slow: about 4,000 findings there; fast: only the exact duplicates)."""
    folder = project(tmp_path, DUPLICATE_ANSWER)
    slow = run(folder, fast=False)
    fast = run(folder, fast=True)
    assert slow.returncode in (0, 1), slow.stderr
    assert codes_at(slow.stdout, "HOUSE1"), "the house rule did not load"
    assert codes_at(fast.stdout, "HOUSE1") == codes_at(slow.stdout, "HOUSE1")
    assert (fast.returncode, fast.stdout) == (slow.returncode, slow.stdout)


OVER_BUDGET = '''
from linter import Violation
from linter.plugin import hookimpl
from linter.rules.tokens import TokenLimit


class OverBudget(TokenLimit):
    """Examples over the team's budget of 37 tokens, far below the model's limit."""

    code = "HOUSE2"
    name = "over-budget"
    summary = "Example is over the team's token budget"
    fix = None
    options = {}
    option_types = {}
    option_choices = {}

    def check(self, row):
        tokens = self.context.tokenizer.count_row(row)
        if tokens > 37:
            yield Violation(f"example has {tokens} tokens, over the budget of 37")


@hookimpl
def register_rules(register):
    register(OverBudget)
'''


def test_a_subclass_overriding_check_does_not_inherit_silent_within_token_limit(tmp_path):
    """HOUSE2 overrides FT300's ``check`` but inherits ``silent_within_token_limit = True``: the fast path
    skips it on every row whose bytes bound its tokens within the 4,096-token limit, so the second block's
    rows over the budget go unreported (slow: findings on lines past 5,000; fast: none there)."""
    folder = project(tmp_path, OVER_BUDGET)
    slow = run(folder, fast=False)
    fast = run(folder, fast=True)
    assert slow.returncode in (0, 1), slow.stderr
    assert [line for line in codes_at(slow.stdout, "HOUSE2") if line > 5100], "the house rule did not fire in the second block"
    assert codes_at(fast.stdout, "HOUSE2") == codes_at(slow.stdout, "HOUSE2")
    assert (fast.returncode, fast.stdout) == (slow.returncode, slow.stdout)
