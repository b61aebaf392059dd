"""Everything a user can set is documented (as datasette checks its settings and hooks).

The lists come from the code itself: the config keys ``linter.config`` accepts,
each registered rule's ``options``, the hook specifications. A setting, option
or hook added without its documentation fails here.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

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
    assert re.search(rf"^- Option `{option}`( \(.+?\))?: ", page, flags=re.M), f"{code} option {option} is not on docs/rules/{code}.md"


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


def offline_table() -> dict[str, str]:
    """encoding -> cache file name, from docs/offline.md's table."""
    text = (DOCS / "offline.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `(\w+)` \| [^|]+ \| `([0-9a-f]{40})` \|", text, flags=re.M))


def test_offline_docs_name_the_files_tiktoken_looks_for():
    """The names are tiktoken's own cache keys (SHA-1 of its download URL), for every encoding a built-in model uses."""
    import hashlib

    import tiktoken_ext.openai_public as public

    from linter.models import BUILTIN_MODELS, DEFAULT_ENCODING

    urls = set(re.findall(r'"(https://[^"]+\.tiktoken)"', inspect.getsource(public)))
    keys = {url.rsplit("/", 1)[1].removesuffix(".tiktoken"): hashlib.sha1(url.encode()).hexdigest() for url in urls}
    table = offline_table()
    assert {spec.encoding for spec in BUILTIN_MODELS} | {DEFAULT_ENCODING} == set(table)
    for encoding, name in table.items():
        assert keys[encoding] == name, encoding


def test_a_cache_folder_laid_out_as_the_docs_say_works_offline(tmp_path, write_jsonl):
    """Only the documented files, copied from the cache in use, and no network: both encodings count."""
    import os
    import shutil

    from .conftest import GOOD, run_cli

    source = os.environ.get("TIKTOKEN_CACHE_DIR")
    if not source or not all((Path(source) / name).is_file() for name in offline_table().values()):
        pytest.skip("needs a filled TIKTOKEN_CACHE_DIR (docs/offline.md)")
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    for name in offline_table().values():
        shutil.copy(Path(source) / name, cache / name)
    path = write_jsonl([GOOD])
    closed = "http://127.0.0.1:9"
    env = {"TIKTOKEN_CACHE_DIR": str(cache), "HTTPS_PROXY": closed, "https_proxy": closed, "HTTP_PROXY": closed, "http_proxy": closed}
    for model in ("gpt-4o-mini", "gpt-3.5-turbo"):
        proc = run_cli("stats", path, "--output-format", "json", "--model", model, env=env)
        assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in cache.iterdir()) == sorted(offline_table().values())  # nothing else was needed


def _environment_variables() -> set[str]:
    """Every FTLINT_* variable the code reads (FTLINT_TEST_* hooks are for the suite only)."""
    found = set()
    for path in (ROOT / "linter").rglob("*.py"):
        found |= set(re.findall(r"FTLINT_[A-Z_]+[A-Z]", path.read_text(encoding="utf-8")))
    return {name for name in found if not name.startswith("FTLINT_TEST_")}


@pytest.mark.parametrize("variable", sorted(_environment_variables()))
def test_every_environment_variable_is_in_the_configuration_table(variable):
    table = (DOCS / "configuration.md").read_text(encoding="utf-8").split("## Environment variables", 1)[1]
    assert f"| `{variable}` |" in table


def test_the_plugin_hooks_rule_examples_run_on_every_format(tmp_path):
    """docs/plugin-hooks.md's two rule examples, as written, loaded as a local plugin by the real CLI: they
    fire on a ShareGPT row and a chat row alike, pointing into each row as written."""
    import json

    from .conftest import run_cli

    blocks = re.findall(r"```python\n(.*?)```", (DOCS / "plugin-hooks.md").read_text(encoding="utf-8"), re.S)
    no_please, no_todo = blocks[0], blocks[1]
    assert "class NoPlease" in no_please and "class NoTodo" in no_todo
    registration = "@hookimpl\ndef register_rules(register):\n    register(NoPlease)\n"
    (tmp_path / "house.py").write_text(no_please.replace(registration, "") + "\n" + no_todo + "\n\n"
                                       + registration + "    register(NoTodo)\n")
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["house.py"]\nselect = ["ACME"]\n')
    rows = [{"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Please wait. TODO"}]},
            {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "please TODO"}]}]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    proc = run_cli("check", "d.jsonl", "--profile", "axolotl", "--format", "json", cwd=tmp_path, env={"FTLINT_LOAD_PLUGINS": ""})
    found = sorted((f["line"], f["code"], f["pointer"]) for f in json.loads(proc.stdout)["findings"])
    assert found == [(1, "ACME001", "/conversations/1/value"), (1, "ACME002", "/conversations/1/value"),
                     (2, "ACME001", "/messages/1/content"), (2, "ACME002", "/messages/1/content")], proc.stderr


def test_every_rule_attribute_is_in_the_plugin_docs_table():
    """datasette's rule: a class attribute a plugin rule may set is documented where plugin authors look."""
    from linter.rules.base import Rule

    section = (ROOT / "docs" / "plugin-hooks.md").read_text().split("### Rule attributes", 1)[1]
    table = section[section.index("| attribute |"):].split("\n\n", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)`(?:, `(\w+)`)?", table, flags=re.M))
    names = {name for pair in documented for name in pair if name}
    declared = set(Rule.__annotations__) | {name for name in vars(Rule) if not callable(getattr(Rule, name))}
    attributes = {name for name in declared if not name.startswith("_")}
    assert attributes and attributes == names, attributes ^ names


def test_the_readme_counts_the_built_in_rules():
    """Newcomer trial: the README said 97 rules (95 on) when 'ftlint rules' listed 98 (96)."""
    built_in = [cls for code, cls in get_registry().rules.items() if code.startswith("FT")]
    said = re.search(r"(\d+) built-in rules \((\d+) on by default; `ftlint rules --all` lists the (\d+) opt-in",
                     (ROOT / "README.md").read_text())
    assert said, "the README's rule count sentence changed: update this test"
    on = sum(cls.default_enabled for cls in built_in)
    assert tuple(map(int, said.groups())) == (len(built_in), on, len(built_in) - on)


def _rule_view_section() -> str:
    text = (DOCS / "plugin-hooks.md").read_text(encoding="utf-8")
    return text.split("### What a rule sees: the row and its view", 1)[1].split("\n### ", 1)[0]


def _public_names(cls) -> set[str]:
    """A view class's fields, properties and methods a rule may use (named tuple fields, slots, the rest)."""
    names = set(getattr(cls, "_fields", ())) | {name for name in getattr(cls, "__slots__", ()) if not name.startswith("_")}
    return names | {name for name, value in vars(cls).items()
                    if not name.startswith("_") and (isinstance(value, property) or inspect.isfunction(value))}


@pytest.mark.parametrize("name", ["Row", "Conversation", "Turn", "Part", "ToolCall"])
def test_every_field_a_rule_reads_is_documented(name):
    """Newcomer trial: row.view.system, Turn.content_pointer, content_state and text were nowhere in the docs,
    so a team writing its first rule read linter/view.py to find them."""
    from linter import rows, view

    cls = getattr(rows if name == "Row" else view, name)
    section = _rule_view_section().split(f"#### `{name}`", 1)[1].split("\n#### ", 1)[0]
    missing = sorted(field for field in _public_names(cls) if not re.search(rf"`{field}[`(]", section))
    assert not missing, f"{name} fields missing from docs/plugin-hooks.md's 'What a rule sees': {missing}"


def test_the_kinds_a_rule_runs_on_are_documented_as_the_code_has_them():
    """The default ('OpenAI chat rows only') and every kind a rule may name."""
    from linter import schema
    from linter.rules.base import Rule

    section = _rule_view_section()
    assert Rule.kinds == frozenset({"chat"}) and 'default is OpenAI chat rows only** (`frozenset({"chat"})`' in section
    assert "`CONVERSATION_KINDS`" in section and "`frozenset(KINDS)`" in section
    assert not [kind for kind in schema.KINDS if f"`{kind}`" not in section]
