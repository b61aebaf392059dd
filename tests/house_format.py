"""A plugin format with a bug in one method, checked through the real CLI: the file is still linted."""

from __future__ import annotations

import json

from .conftest import dump, run_cli

TALK = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]


def lint_with_house_format(tmp_path, methods: str, rows: list, select: str) -> list[dict]:
    """Findings of ``rows`` linted with a plugin format 'house' (rows with a ``house`` key) whose
    class body adds ``methods``; fails on a traceback."""
    (tmp_path / "house.py").write_text(
        "from linter import hookimpl\n"
        "from linter.formats import Format\n"
        "from linter.formats.base import message_turns\n"
        "from linter.view import Conversation\n\n\n"
        "class House(Format):\n"
        "    name, kind, description = 'house', 'chat', 'messages plus a house key'\n"
        "    triggers = frozenset({'house'})\n\n"
        "    def detect(self, value):\n        return 50 if 'house' in value else 0\n\n"
        "    def view(self, value):\n"
        "        return Conversation(self.name, self.kind, message_turns(value.get('messages'), '/messages'))\n\n"
        + methods +
        "\n\n@hookimpl\ndef register_formats(register):\n    register(House())\n"
    )
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["house.py"]\n')
    (tmp_path / "data.jsonl").write_text(dump(rows))
    proc = run_cli("check", "data.jsonl", "--select", select, "--format", "json", cwd=tmp_path, env={"FTLINT_LOAD_PLUGINS": ""})
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)["findings"]
