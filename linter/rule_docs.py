"""What ftlint says about its rules: the Markdown page of one rule (``ftlint rule CODE``, each
docs/rules/CODE.md), every page in one document (``ftlint rule --all``), the docs/rules/ folder
(``ftlint rule --docs-dir``), the JSON form of a rule and the table ``ftlint rules`` lists.

Documentation generation, not command-line parsing: the ``rule`` and ``rules`` commands print
what these functions return, and tests/test_examples.py checks docs/rules/ against them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .registry import get_registry

FIX_SAFETY = {
    None: "No automatic fix.",
    "safe": ("Safe: `ftlint check --fix` applies it. It keeps every row and every message and what each one "
             "means; the text trained on can still change (whitespace, an encoding, a key's name), as the fix "
             "above says. Review it with `--diff` if those bytes matter to you."),
    "unsafe": "Unsafe: applied only with `--unsafe-fixes`, because it changes training data; review the `--diff` first.",
    "display-only": "Display only: the suggested change is shown, never applied.",
}


from .rules.base import requirements_text
from .rules.options import wanted


def enabling_profiles(rule) -> list[str]:
    """The registered profiles that turn this opt-in rule on (``Profile.enables``: FT205 under the hosted
    services' profiles, the default one included); empty for a rule on everywhere or opt-in everywhere."""
    if rule.default_enabled:
        return []
    return [name for name, profile in get_registry().profiles.items() if rule.code in profile.enables]


def _enabled_text(rule) -> str:
    if rule.default_enabled:
        return "yes"
    profiles = enabling_profiles(rule)
    if not profiles:
        return "no (opt-in)"
    return f"under profiles {', '.join(profiles)} (they turn it on); opt-in under the others"


def render_rule(rule, plugin: str) -> str:
    """The Markdown text ``ftlint rule`` prints and each docs/rules/CODE.md page holds."""
    lines = [f"## {rule.code} {rule.name}", "", rule.summary + ".", ""]
    lines.append(f"- Severity: {rule.severity.value}")
    lines.append(f"- Enabled by default: {_enabled_text(rule)}")
    lines.append(f"- Fix: {rule.fix.value if rule.fix else 'none'}")
    lines.append(f"- Plugin: {plugin}")
    if rule.url:  # a plugin's own page (ftlint's rules are documented here)
        lines.append(f"- Documentation: <{rule.url}>")
    if rule.requires:
        lines.append(f"- Runs only with: {requirements_text(rule.requires)}")
    if rule.per_file:
        lines.append("- Reported: once per file, at the first row it fires on, with how many rows it fired on")
    if rule.example_profile:
        lines.append(f"- Examples below use profile: {rule.example_profile}")
    for name, text in rule.options.items():
        expected = rule.option_types.get(name)
        lines.append(f"- Option `{name}`" + (f" ({wanted(expected)})" if expected is not None else "") + f": {text}")
    lines += ["", "### Why", "", _markdown_code(rule.rationale()), ""]
    lines += ["### Fix safety", "", FIX_SAFETY[rule.fix.value if rule.fix else None], ""]
    if rule.bad:
        lines += ["### Example", "", "```jsonl", _shown_example(rule.bad), "```", ""]
    if rule.good:
        lines += ["### Use instead", "", "```jsonl", _shown_example(rule.good), "```", ""]
    return "\n".join(lines)


_LONGEST_SHOWN = 160


def _shown_example(example: str) -> str:
    """An example as a reader can take it in: a string value longer than 160 characters (FT300's 20 KB
    row) is cut, saying how long it is. Lines with no such value, or that are not JSON, stay byte for byte."""
    shown = []
    for line in example.splitlines():
        try:
            value = json.loads(line) if len(line) > _LONGEST_SHOWN else None
        except ValueError:
            value = None
        shown.append(json.dumps(_elided(value), ensure_ascii=False) if value is not None and _has_long_text(value) else line)
    return "\n".join(shown)


def _has_long_text(value) -> bool:
    if isinstance(value, str):
        return len(value) > _LONGEST_SHOWN
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return any(_has_long_text(child) for child in children)


def _elided(value):
    if isinstance(value, str) and len(value) > _LONGEST_SHOWN:
        return f"{value[:60]}… ({len(value):,} characters in all)"
    if isinstance(value, dict):
        return {key: _elided(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_elided(child) for child in value]
    return value


def _markdown_code(text: str) -> str:
    """A docstring's reStructuredText literals (````x````) as Markdown code (```x```), for the rule pages."""
    return re.sub(r"``(.+?)``", r"`\1`", text)


def rules_markdown() -> str:
    """Every rule's page in one document (``ftlint rule --all``)."""
    registry = get_registry()
    parts = [
        "# Rules",
        "",
        "Every installed rule, from `ftlint rule --all`.",
        "",
    ]
    for code, found in registry.rules.items():
        parts.append(f"- [{code} {found.name}](#{code.lower()}-{found.name}): {found.summary}")
    parts.append("")
    for code, found in registry.rules.items():
        parts.append(render_rule(found, registry.rule_plugin[code]))
    return "\n".join(parts)


def write_rule_docs(folder: Path) -> list[Path]:
    """One Markdown page per rule plus an index (README.md), generated from the rules."""
    registry = get_registry()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    index = [
        "# Rules",
        "",
        "Generated by `FTLINT_LOAD_PLUGINS= ftlint rule --docs-dir docs/rules` from the rules themselves;",
        "do not edit by hand: a test checks the pages are current.",
        "",
        "| code | name | severity | fix | default | summary |",
        "|---|---|---|---|---|---|",
    ]
    for code, found in registry.rules.items():
        page = folder / f"{code}.md"
        page.write_text(render_rule(found, registry.rule_plugin[code]) + "\n", encoding="utf-8")
        written.append(page)
        fix = found.fix.value if found.fix else ""
        default = "on" if found.default_enabled else "by profile" if enabling_profiles(found) else "opt-in"
        index.append(f"| [{code}]({code}.md) | {found.name} | {found.severity.value} | {fix} | {default} | {found.summary} |")
    readme = folder / "README.md"
    readme.write_text("\n".join(index) + "\n", encoding="utf-8")
    written.append(readme)
    return written



def rule_json(found) -> dict:
    """What ``ftlint rule CODE --output-format json`` prints for one rule."""
    return {
        "code": found.code, "name": found.name, "summary": found.summary, "severity": found.severity.value,
        "fix": found.fix.value if found.fix else None, "default": found.default_enabled, "per_file": found.per_file,
        "explanation": found.rationale(), "bad": found.bad, "good": found.good, "options": found.options,
        "url": found.help_url(), "source": source_of(found),
    }


def source_of(rule_class) -> str | None:
    """``path:line`` of the rule's class (relative to the current folder when inside it), to read or copy."""
    import inspect

    try:
        path = inspect.getsourcefile(rule_class)
        line = inspect.getsourcelines(rule_class)[1]
    except (OSError, TypeError):
        return None
    if path is None:
        return None
    try:
        path = str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        pass
    return f"{path}:{line}"



def rule_table(show_all: bool, profile=None) -> list[dict]:
    """One row per rule, as ``ftlint rules`` lists them: those on under ``profile`` (every rule not opt-in,
    and the opt-in ones the profile turns on), the opt-in ones too with ``show_all``. ``on`` says whether
    the rule runs under ``profile`` when no select or ignore says otherwise."""
    registry = get_registry()
    rows = []
    for code, rule in registry.rules.items():
        on = rule.default_enabled or (profile is not None and code in profile.enables)
        if not on and not show_all:
            continue
        rows.append(
            {
                "code": code,
                "name": rule.name,
                "severity": rule.severity.value,
                "fix": rule.fix.value if rule.fix else None,
                "default": rule.default_enabled,
                "on": on,
                "profiles": enabling_profiles(rule),
                "plugin": registry.rule_plugin[code],
                "summary": rule.summary,
            }
        )
    return rows
