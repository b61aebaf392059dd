"""No row that FT401 reports also gets a finding that only restates it, under any profile.

FT401 is the one finding for a row in a format the profile refuses; the rules that judge a row
against what the profile demands of its own format (roles, keys, turn order, the system-prompt
advice, a preference input's roles) wait. This walks every built-in profile over the real-world
fixture files of every format (tests/data), in process through the real engine, so a rule that
starts reading the profile without ``format_refused`` shows up here (FT600 did, under
openai-legacy and bedrock).
"""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest

from linter import lint_text
from linter.registry import get_registry
from linter.schema import CHAT, DESCRIPTIONS, RFT

DATA = Path(__file__).parent / "data"
# rules that judge a row against the profile's own format (FT401's docstring, and FT600's input roles)
RESTATING = {"FT106", "FT110", "FT111", "FT115", "FT117", "FT118", "FT121", "FT600"}
# FT110/FT111 still name the keys of an OpenAI messages row judged SFT under an RFT profile or the reverse
KEY_CLUE = {"FT110", "FT111"}
MESSAGES_ROWS = {DESCRIPTIONS[CHAT], DESCRIPTIONS[RFT]}


def _fixtures() -> list[tuple[str, str]]:
    texts = []
    for path in sorted(glob.glob(str(DATA / "formats" / "*.json*")) + glob.glob(str(DATA / "real" / "*.jsonl"))):
        raw = Path(path).read_text(encoding="utf-8")
        if path.endswith(".json"):
            raw = "".join(json.dumps(row) + "\n" for row in json.loads(raw)[:25])
        texts.append((Path(path).name, "".join(raw.splitlines(True)[:25])))
    return texts


FIXTURES = _fixtures()


def test_the_fixtures_cover_many_formats():
    kinds = {f.message for _, text in FIXTURES for f in lint_text(text, profile="openai-legacy", select=["FT401"], token_stats=False)}
    assert len(kinds) >= 8, kinds


@pytest.mark.parametrize("profile", sorted(get_registry().profiles))
def test_no_finding_restates_ft401(profile):
    restated = []
    for name, text in FIXTURES:
        findings = lint_text(text, profile=profile, ignore=["FT402", "FT300"], token_stats=False)
        refused = {f.line: f.message for f in findings if f.code == "FT401"}
        for f in findings:
            if f.line not in refused or f.code not in RESTATING:
                continue
            if f.code in KEY_CLUE and any(f" {kind} format" in refused[f.line] for kind in MESSAGES_ROWS):
                continue
            restated.append((name, f.line, f.code, f.message))
    assert not restated, restated[:10]
