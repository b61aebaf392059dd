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

    from linter.testing import check_case, check_examples, load_cases
    import pytest

    @pytest.mark.parametrize("case", load_cases("cases/*.toml"), ids=str)  # from this test file's folder
    def test_rule_cases(case):
        check_case(case)

    @pytest.mark.parametrize("rule", ["EX001", "EX002"])
    def test_rule_examples(rule):
        check_examples(rule)  # its ``bad`` example fires it, its ``good`` one does not
"""

from __future__ import annotations

import glob
import io
import os
import sys
import tempfile
import warnings
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
from .rules.base import requirements_text
from .text import show


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


def _caller_folder(depth: int = 2) -> Path:
    """The folder of the file whose code called the harness function (the test module), or the current
    folder when there is none (an interactive session)."""
    caller = sys._getframe(depth).f_globals.get("__file__")
    return Path(caller).resolve().parent if caller else Path.cwd()


def _case_files(pattern: str | os.PathLike, base: Path) -> list[str]:
    """The files a pattern matches: an absolute one as it is, a relative one from ``base`` (the calling
    test file's folder), so pytest collects the same cases from whatever folder it runs in."""
    text = str(pattern)
    if os.path.isabs(text):
        files = sorted(glob.glob(text))
    else:
        files = sorted(glob.glob(str(base / text)))
        if not files and glob.glob(text):  # the previous release read it from the current folder
            warnings.warn(f"load_cases({text!r}) matches from the current folder only; a relative pattern is now read from "
                          f"the test file's folder ({base}): write it from there", DeprecationWarning, stacklevel=3)
            files = sorted(glob.glob(text))
    if not files:
        where = "" if os.path.isabs(text) else f" (relative patterns are read from the folder of the test file that calls load_cases: {base})"
        raise FileNotFoundError(f"no case files match {text}{where}")
    return files


def load_cases(*patterns: str | os.PathLike) -> list[Case]:
    """Every case in the TOML files matching the glob patterns, in file order. A relative pattern is
    read from the folder of the file that calls this (``load_cases("cases/*.toml")`` in tests/test_house.py
    reads tests/cases/), so running pytest from another folder finds the same cases."""
    cases: list[Case] = []
    base = _caller_folder()
    for pattern in patterns:
        for path in _case_files(pattern, base):
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
    # rules of local plugins (``plugins = [...]`` in the config nearest the case, not the current folder) are testable too
    configured = load_config(None, start=Path(case.source).parent if case.source else None)
    settings = Settings(select=[case.rule, *case.also], token_stats=False, plugins=configured.plugins, root=configured.root)
    if case.options:
        settings.options = {case.rule: case.options}
    if case.profile:
        settings.profile = case.profile
    return runner.make_linter(settings)


def _findings(linter: Linter, case: Case) -> list:
    """Every finding of the case's input, linted through the real engine as a file would be."""
    sink = runner.Collect()
    runner.run(linter, [runner.Source("<case>", io.BytesIO(case.input.encode("utf-8")))], sink)
    return sink.findings


def check_examples(rule: str) -> None:
    """Assert that the rule's ``bad`` example fires it and its ``good`` example does not: the promise
    docs/plugin-hooks.md asks of every rule, and what ``ftlint rule CODE`` shows its users. Each example
    is linted as a case is, with only the rule selected and under its ``example_profile``; ftlint's own
    rules are held to it the same way (tests/test_rules.py)."""
    source = str(Path(sys._getframe(1).f_globals.get("__file__") or "<examples>").resolve())
    linter = _linter(Case(rule, "examples", "", [], source=source))
    found = linter.registry.rule(rule)
    if found is None:
        raise AssertionError(f"no rule {rule!r} is registered: is its plugin installed, or named in plugins = [...]?")
    if found.requires:
        raise AssertionError(f"{found.code} runs only with {requirements_text(found.requires)}: check its examples with a case that sets them")
    for kind, fires in (("bad", True), ("good", False)):
        example = getattr(found, kind)
        if not example:
            raise AssertionError(f"{found.code} has no {kind} example (docs/plugin-hooks.md: bad must fire, good must not)")
        case = Case(found.code, f"{kind} example", example + "\n", [], source=source, profile=found.example_profile)
        findings = _findings(_linter(case) if found.example_profile else linter, case)
        if any(f.code == found.code for f in findings) != fires:
            seen = [(f.line, f.code, f.message) for f in findings]
            raise AssertionError(f"{found.code}'s {kind} example {'does not fire it' if fires else 'fires it'} "
                                 f"(profile {case.profile or 'default'}; findings: {seen}): {show(example, 200)}")


def check_case(case: Case) -> None:
    """Assert that the rule behaves as the case says (raises AssertionError otherwise)."""
    linter = _linter(case)
    found = [f for f in _findings(linter, case) if f.code == case.rule]
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
