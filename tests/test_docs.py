"""Everything a user can set is documented (as datasette checks its settings and hooks).

The lists come from the code itself: the config keys ``linter.config`` accepts,
each registered rule's ``options``, the hook specifications. A setting, option
or hook added without its documentation fails here.
"""

from __future__ import annotations

import inspect
import re

import pytest

from linter import config
from linter.plugin import hookspecs
from linter.registry import get_registry

from .conftest import ROOT

DOCS = ROOT / "docs"


def documented_keys() -> set[str]:
    """The keys in the first column of docs/configuration.md's table."""
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z-]+)` \|", text, flags=re.M))


@pytest.mark.parametrize("key", sorted(config._KEYS))
def test_every_setting_is_in_the_configuration_table(key):
    assert key in documented_keys(), f"[tool.ftlint] {key} is not documented in docs/configuration.md"


def test_the_configuration_table_names_only_real_settings():
    assert documented_keys() <= config._KEYS


def builtin_rule_options():
    registry = get_registry()
    return [(code, name) for code, rule in registry.rules.items() if code.startswith("FT") for name in rule.options]


@pytest.mark.parametrize(("code", "option"), builtin_rule_options())
def test_every_rule_option_is_on_the_rules_page(code, option):
    page = (DOCS / "rules" / f"{code}.md").read_text(encoding="utf-8")
    assert f"- Option `{option}`:" in page, f"{code} option {option} is not on docs/rules/{code}.md"


def test_there_are_rule_options_to_check():
    assert builtin_rule_options(), "no rule has options: the check above checked nothing"


def hooks() -> list[str]:
    return [name for name, func in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(func, "ftlint_spec")]


@pytest.mark.parametrize("hook", hooks())
def test_every_hook_has_a_section(hook):
    text = (DOCS / "plugin-hooks.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {hook}\(", text, flags=re.M), f"hook {hook} has no section in docs/plugin-hooks.md"


def test_hooks_are_found():
    assert "register_rules" in hooks() and "register_readers" in hooks()
