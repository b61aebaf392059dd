"""Test cases for rules, in the spirit of sqlfluff's YAML rule tests.

A case file is TOML (stdlib ``tomllib``, no extra dependency)::

    rule = "EX001"

    [[cases]]
    name = "flags a banned phrase"
    input = '''
    {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "As an AI, no."}]}
    '''
    expect = [{line = 1, pointer = "/messages/1/content"}]  # optional per finding: message = "..." (exact)
    options = {phrases = ["as an ai"]}        # optional: [tool.ftlint.options.<rule>]
    profile = "llamafactory"                   # optional: the profile to lint under (default openai-sft)
    fixed = '''...'''                          # optional: the file after fixing
    unsafe = true                              # optional: apply unsafe fixes too
    also = ["FT401"]                           # optional: rules enabled beside it (their findings not compared)

Each case lints ``input`` (leading newline removed) with only that rule
selected, through the real engine, and compares the findings' lines and
pointers exactly (and the message, where an entry gives one); ``expect = []`` asserts a pass. With ``fixed``, it runs the
real fixer on a temporary file, compares the bytes, and checks that fixing
again changes nothing. In a plugin's tests::

    from linter.testing import load_cases, check_case
    import pytest

    @pytest.mark.parametrize("case", load_cases("tests/cases/*.toml"), ids=str)
    def test_rule_cases(case):
        check_case(case)
"""

from __future__ import annotations

import glob
import io
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from . import runner
from .config import Settings
from .config import load as load_config
from .engine import Linter


@dataclass
class Case:
    rule: str
    name: str
    input: str
    expect: list[dict[str, Any]]
    options: dict[str, Any] = field(default_factory=dict)
    fixed: str | None = None
    unsafe: bool = False
    source: str = ""
    also: list[str] = field(default_factory=list)  # rules enabled beside the one under test
    profile: str | None = None  # the profile to lint under (None: the default)

    def __str__(self) -> str:
        return f"{self.rule}-{self.name.replace(' ', '_')}"


def _text(value: str) -> str:
    return value[1:] if value.startswith("\n") else value


_CASE_KEYS = {"name", "input", "expect", "options", "fixed", "unsafe", "also", "profile"}
_EXPECT_KEYS = {"line", "pointer", "message"}


def _no_unknown_keys(path: str, raw: dict) -> None:
    """A misspelt key (``mesage``, ``profle``) would be ignored and the case pass unchecked: refuse it."""
    unknown = set(raw) - _CASE_KEYS
    for entry in raw.get("expect", []):
        unknown |= set(entry) - _EXPECT_KEYS if isinstance(entry, dict) else {repr(entry)}
    if unknown:
        raise ValueError(f"{path}: case {raw.get('name', '?')!r}: unknown key(s) {', '.join(sorted(unknown))} "
                         f"(a case takes {', '.join(sorted(_CASE_KEYS))}; an expect entry {', '.join(sorted(_EXPECT_KEYS))})")


def load_cases(*patterns: str | os.PathLike) -> list[Case]:
    """Every case in the TOML files matching the glob patterns, in file order."""
    cases: list[Case] = []
    for pattern in patterns:
        files = sorted(glob.glob(str(pattern)))
        if not files:
            raise FileNotFoundError(f"no case files match {pattern}")
        for path in files:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
            rule = data["rule"]
            for raw in data.get("cases", []):
                _no_unknown_keys(path, raw)
                cases.append(
                    Case(
                        rule=rule,
                        name=raw["name"],
                        input=_text(raw["input"]),
                        expect=list(raw.get("expect", [])),
                        options=dict(raw.get("options", {})),
                        fixed=_text(raw["fixed"]) if "fixed" in raw else None,
                        unsafe=bool(raw.get("unsafe", False)),
                        source=path,
                        also=list(raw.get("also", [])),
                        profile=raw.get("profile"),
                    )
                )
    return cases


def _linter(case: Case) -> Linter:
    # rules of local plugins (``plugins = [...]`` in the nearest config) are testable too
    configured = load_config(None)
    settings = Settings(select=[case.rule, *case.also], token_stats=False, plugins=configured.plugins, root=configured.root)
    if case.options:
        settings.options = {case.rule: case.options}
    if case.profile:
        settings.profile = case.profile
    return runner.make_linter(settings)


def check_case(case: Case) -> None:
    """Assert that the rule behaves as the case says (raises AssertionError otherwise)."""
    linter = _linter(case)
    sink = runner.Collect()
    runner.run(linter, [runner.Source("<case>", io.BytesIO(case.input.encode("utf-8")))], sink)
    found = [f for f in sink.findings if f.code == case.rule]
    # a message is compared where the case gives one: most cases pin where a finding is, some what it says
    got = [{"line": f.line, "pointer": f.pointer, **({"message": f.message} if "message" in e else {})}
           for f, e in zip(found, [*case.expect, *[{}] * len(found)])]
    want = [{"line": e["line"], "pointer": e.get("pointer", ""), **({"message": e["message"]} if "message" in e else {})}
            for e in case.expect]
    assert got == want, f"{case.source} [{case.name}]: expected {want}, got {got}"
    if case.fixed is None:
        return
    fd, path = tempfile.mkstemp(suffix=".jsonl")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(case.input.encode("utf-8"))
        mode = runner.FixMode(unsafe=case.unsafe)
        runner.run(linter, [path], fix=mode)
        result = Path(path).read_text(encoding="utf-8")
        assert result == case.fixed, f"{case.source} [{case.name}]: fixed output differs:\n{result}"
        again = runner.run(linter, [path], fix=mode).reports[0]
        assert not again.changed, f"{case.source} [{case.name}]: fixing twice changed the file"
    finally:
        os.unlink(path)
