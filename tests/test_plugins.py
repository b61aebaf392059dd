"""Plugins: entry-point discovery, isolation of broken plugins, listing, hook docs."""

from __future__ import annotations

import inspect
import json
import textwrap
from pathlib import Path

import pytest

from linter.plugin import hookspecs

from .conftest import GOOD, ROOT, chat, cli_json, run_cli

PLUGIN_SOURCE = '''
from linter import Rule, Severity, Violation, hookimpl, pointer
from linter.rules.chat import messages_of


class NoPlease(Rule):
    """House style: assistants do not beg."""

    code = "ACME001"
    name = "no-please"
    summary = "Assistant says please"
    severity = Severity.ERROR
    bad = '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "Please wait"}]}'
    good = '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "One moment"}]}'

    def check(self, row):
        for index, message in messages_of(row):
            if message.get("role") == "assistant" and "please" in str(message.get("content")).lower():
                yield Violation("assistant says please", pointer("messages", index, "content"))


@hookimpl
def register_rules(register):
    register(NoPlease)


@hookimpl
def register_commands(cli):
    @cli.command(name="acme-hello")
    def hello():
        """Say hello from a plugin command."""
        print("hello from acme")
'''


def install_fake_distribution(site: Path, dist: str, version: str, module: str, source: str, entry: str) -> None:
    """A real installed distribution as importlib.metadata sees it: dist-info with entry points."""
    site.mkdir(exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[ftlint]\n{entry} = {module}\n")


@pytest.fixture
def site(tmp_path):
    site = tmp_path / "site"
    install_fake_distribution(site, "acme-rules", "1.2.3", "acme_rules", PLUGIN_SOURCE, "acme")
    return site


def test_hook_register_rules_through_an_entry_point(site, write_jsonl):
    path = write_jsonl([GOOD, chat(("user", "q"), ("assistant", "Please hold."))])
    report, proc = cli_json(path, env={"PYTHONPATH": str(site)})
    (finding,) = [f for f in report["findings"] if f["code"] == "ACME001"]
    assert finding["line"] == 2 and finding["pointer"] == "/messages/1/content" and proc.returncode == 1
    assert run_cli("rule", "no-please", env={"PYTHONPATH": str(site)}).stdout.startswith("## ACME001 no-please")


def test_hook_register_commands(site):
    proc = run_cli("acme-hello", env={"PYTHONPATH": str(site)})
    assert proc.returncode == 0 and proc.stdout.strip() == "hello from acme"
    assert "acme-hello" in run_cli("--help", env={"PYTHONPATH": str(site)}).stdout


def test_plugins_command_lists_versions_hooks_and_rules(site):
    proc = run_cli("plugins", "--output-format", "json", env={"PYTHONPATH": str(site)})
    plugins = {p["name"]: p for p in json.loads(proc.stdout)}
    assert plugins["acme"]["distribution"] == "acme-rules" and plugins["acme"]["version"] == "1.2.3"
    assert plugins["acme"]["hooks"] == ["register_commands", "register_rules"] and plugins["acme"]["rules"] == ["ACME001"]
    assert not plugins["acme"]["builtin"]
    # the core is made of plugins in the same group
    assert plugins["ftlint-chat"]["builtin"] and "FT101" in plugins["ftlint-chat"]["rules"]
    text = run_cli("plugins", env={"PYTHONPATH": str(site)}).stdout
    assert "acme: acme-rules 1.2.3" in text


def test_load_plugins_allow_list(site, write_jsonl):
    path = write_jsonl([chat(("user", "q"), ("assistant", "Please hold."))])
    env = {"PYTHONPATH": str(site), "FTLINT_LOAD_PLUGINS": ""}
    report, _ = cli_json(path, env=env)
    assert not [f for f in report["findings"] if f["code"] == "ACME001"]
    assert [f for f in report["findings"] if f["code"] == "FT115"]  # built-ins still load
    report, _ = cli_json(path, env={"PYTHONPATH": str(site), "FTLINT_LOAD_PLUGINS": "acme-rules"})
    assert [f for f in report["findings"] if f["code"] == "ACME001"]


def test_broken_plugin_is_named_without_traceback(tmp_path, write_jsonl):
    site = tmp_path / "site"
    install_fake_distribution(site, "broken-rules", "0.1", "broken_rules", "import not_a_module_anywhere\n", "broken")
    path = write_jsonl([GOOD])
    proc = run_cli("check", path, env={"PYTHONPATH": str(site)})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "plugin 'broken' (broken-rules) failed to load: ModuleNotFoundError" in proc.stderr
    listing = run_cli("plugins", env={"PYTHONPATH": str(site)})
    assert "failed to load" in listing.stdout
    assert run_cli("check", path, env={"PYTHONPATH": str(site), "FTLINT_LOAD_PLUGINS": ""}).returncode == 0


def test_duplicate_rule_code_is_refused(tmp_path, write_jsonl):
    site = tmp_path / "site"
    clash = PLUGIN_SOURCE.replace('code = "ACME001"', 'code = "FT101"')
    install_fake_distribution(site, "clash-rules", "0.1", "clash_rules", clash, "clash")
    proc = run_cli("check", write_jsonl([GOOD]), env={"PYTHONPATH": str(site)})
    assert proc.returncode == 2 and "FT101 is registered by both 'ftlint-chat' and 'clash'" in proc.stderr


def test_in_process_plugin_registration(monkeypatch):
    from linter import lint_text, registry
    from linter.plugin import host

    namespace: dict = {}
    exec(compile(PLUGIN_SOURCE, "acme_inline", "exec"), namespace)  # the test's own plugin source
    module = type("Plugin", (), {"register_rules": staticmethod(namespace["register_rules"])})
    registry.reset()
    try:
        host.register_local_plugin(module, "inline-acme")
        found = lint_text(json.dumps(chat(("user", "q"), ("assistant", "please"))) + "\n")
        assert [f.code for f in found if f.code == "ACME001"] == ["ACME001"]
    finally:
        registry.reset()


def test_every_hook_is_documented():
    docs = (ROOT / "docs" / "plugin-hooks.md").read_text()
    for name, func in inspect.getmembers(hookspecs, inspect.isfunction):
        if not name.startswith("register_"):
            continue
        signature = f"{name}({', '.join(inspect.signature(func).parameters)})"
        assert f"## {signature}" in docs, f"hook {signature} has no section in docs/plugin-hooks.md"


def test_every_hook_has_a_test():
    source = Path(__file__).read_text()
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction):
        if name.startswith("register_"):
            assert f"def test_hook_{name}" in source, f"hook {name} has no test_hook_{name}"


IO_PLUGIN = '''
from linter import hookimpl
from linter.models import ModelSpec
from linter.output.machine import JsonLinesFormatter
from linter.profiles import OPENAI_SFT
from linter.readers.jsonl import JsonlReader
import dataclasses


class TxtReader(JsonlReader):
    name = "jsonl-txt"
    extensions = (".jsonl.txt",)


class CountFormatter(JsonLinesFormatter):
    name = "count"

    def close(self, run):
        self.stream.write(f"{run.total} findings\\n")


@hookimpl
def register_readers(register):
    register(TxtReader())


@hookimpl
def register_formatters(register):
    register("count", CountFormatter)


@hookimpl
def register_models(register):
    register(ModelSpec("acme-7b", "cl100k_base", 10))


@hookimpl
def register_profiles(register):
    register(dataclasses.replace(OPENAI_SFT, name="acme", roles=frozenset({"user", "assistant", "bot"})))
'''

BOT_ROW = {"messages": [{"role": "bot", "content": "x " * 40}, {"role": "assistant", "content": "y"}]}


@pytest.fixture
def io_env(tmp_path):
    install_fake_distribution(tmp_path / "site", "acme-io", "2.0", "acme_io", IO_PLUGIN, "acme-io")
    return {"PYTHONPATH": str(tmp_path / "site")}


def test_hook_register_readers(tmp_path, io_env):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.jsonl.txt").write_text(json.dumps(BOT_ROW) + "\n")
    (tmp_path / "data" / "notes.txt").write_text("no reader claims me")
    report, _ = cli_json(tmp_path / "data", "--select", "FT106", env=io_env)
    assert [(f["path"].rsplit("/", 1)[-1], f["code"]) for f in report["findings"]] == [("a.jsonl.txt", "FT106")]


def test_hook_register_formatters(write_jsonl, io_env):
    proc = run_cli("check", write_jsonl([BOT_ROW]), "--format", "count", "--select", "FT106", env=io_env)
    lines = proc.stdout.splitlines()
    assert json.loads(lines[0])["code"] == "FT106" and lines[-1] == "1 findings"


def test_hook_register_models(write_jsonl, io_env):
    report, _ = cli_json(write_jsonl([BOT_ROW]), "--model", "acme-7b", "--select", "FT300", env=io_env)
    (finding,) = report["findings"]
    assert "10-token limit (model acme-7b)" in finding["message"]
    assert "acme-7b" in run_cli("models", env=io_env).stdout


def test_hook_register_profiles(write_jsonl, io_env):
    path = write_jsonl([BOT_ROW])
    report, _ = cli_json(path, "--select", "FT106", env=io_env)
    assert report["findings"]
    report, _ = cli_json(path, "--select", "FT106", "--profile", "acme", env=io_env)
    assert report["findings"] == []
    assert "acme:" in run_cli("profiles", env=io_env).stdout


FORMAT_PLUGIN = '''
from linter import hookimpl
from linter.formats import Format
from linter.view import ASSISTANT, USER, Conversation, Part, Turn


class Dialog(Format):
    """{"dialog": [{"speaker": "q"|"a", "text": ...}]}, read as ShareGPT-like rows."""

    name = "acme-dialog"
    kind = "sharegpt"
    description = "ACME's dialog export"
    keys = frozenset({"dialog"})
    requires = "a dialog list"

    def detect(self, value):
        return 20 if isinstance(value.get("dialog"), list) else 0

    def view(self, value):
        turns = []
        for i, item in enumerate(value["dialog"]):
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                where = f"/dialog/{i}/text"
                role = USER if item.get("speaker") == "q" else ASSISTANT
                turns.append(Turn(role, item.get("speaker"), f"/dialog/{i}", f"/dialog/{i}/speaker", where, "text",
                                  (Part("text", where, item["text"], item["text"]),)))
        return Conversation(self.name, self.kind, tuple(turns))


@hookimpl
def register_formats(register):
    register(Dialog())
'''


def test_hook_register_formats(tmp_path, write_jsonl):
    install_fake_distribution(tmp_path / "site", "acme-dialog", "1.0", "acme_dialog", FORMAT_PLUGIN, "acme-dialog")
    env = {"PYTHONPATH": str(tmp_path / "site")}
    path = write_jsonl([{"dialog": [{"speaker": "q", "text": "hi"}, {"speaker": "a", "text": " "}]}])
    report, _ = cli_json(path, "--profile", "llamafactory", "--select", "FT200", env=env)
    assert [(f["code"], f["pointer"]) for f in report["findings"]] == [("FT200", "/dialog/1/text")]
    out = tmp_path / "chat.jsonl"
    assert run_cli("convert", path, "-o", out, "--to", "openai-chat", env=env).returncode == 0
    assert json.loads(out.read_text())["messages"][0] == {"role": "user", "content": "hi"}


def test_help_is_shown_with_a_warning_when_a_local_plugin_is_broken(tmp_path):
    """Newcomer trial: 'ftlint --help' and 'ftlint submit --help' exited 2 because the project's plugin
    failed to import; help needs no configuration. A run still stops on it."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "x.py").write_text("import nosuchmod\n")
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["rules/x.py"]\n')
    (tmp_path / "d.jsonl").write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}\n')
    for args in (["--help"], ["check", "--help"], ["--version"]):
        proc = run_cli(*args, cwd=tmp_path)
        assert proc.returncode == 0 and "warning: local plugin 'rules/x.py' failed to load" in proc.stderr, args
        assert "Traceback" not in proc.stderr
    proc = run_cli("check", "d.jsonl", cwd=tmp_path)
    assert proc.returncode == 2 and "error: local plugin 'rules/x.py' failed to load" in proc.stderr
