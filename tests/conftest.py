"""Shared helpers: real files on disk and the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_CACHE = ROOT.parent / "shared" / "tiktoken-cache"

# Offline tokenizer: use the shared BPE cache when it exists (CI and dev machines here).
if SHARED_CACHE.is_dir() and not os.environ.get("TIKTOKEN_CACHE_DIR"):
    os.environ["TIKTOKEN_CACHE_DIR"] = str(SHARED_CACHE)


def _share_bytecode() -> None:
    """Let the hundreds of CLI subprocesses share compiled bytecode.

    Where PYTHONDONTWRITEBYTECODE keeps source trees free of ``__pycache__``
    (CI images, some dev shells), every ``python -m linter`` compiled each
    ftlint module again, 0.15-0.3 s of every start. An installed ftlint has its
    bytecode (pip compiles it), so this is closer to what users run: one cache
    outside every tree (PYTHONPYCACHEPREFIX), filled by the first subprocess,
    private to this user. The test process itself is left as it started.
    """
    if not os.environ.get("PYTHONDONTWRITEBYTECODE") or os.environ.get("PYTHONPYCACHEPREFIX"):
        return
    prefix = Path(tempfile.gettempdir()) / f"ftlint-test-pycache-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    try:
        prefix.mkdir(mode=0o700, exist_ok=True)
        if hasattr(os, "getuid") and prefix.stat().st_uid != os.getuid():
            return  # someone else's folder: never run their bytecode
    except OSError:
        return
    del os.environ["PYTHONDONTWRITEBYTECODE"]
    os.environ["PYTHONPYCACHEPREFIX"] = str(prefix)


_share_bytecode()
# the workers (and what they start) share the cores with each other: no BLAS thread pools
# spinning beside them (numpy's OpenBLAS starts one thread per core on import)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def dump(rows) -> str:
    """JSONL text from rows (dicts are serialised, strings taken as raw lines)."""
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows)


@pytest.fixture
def write_jsonl(tmp_path):
    def write(rows, name="data.jsonl") -> Path:
        path = tmp_path / name
        path.write_text(dump(rows), encoding="utf-8")
        return path

    return write


# A plugin rule as a local plugin file holds it: tests write it beside a pyproject.toml naming it in plugins = [...]
NO_PLEASE_PLUGIN = '''
from linter import Rule, Violation, hookimpl


class NoPlease(Rule):
    """Assistants do not beg."""

    code, name, summary, word = "ACME001", "no-please", "Assistant says please", "please"
    bad = '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "Please wait"}]}'
    good = '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "Please hold"}]}'

    def check(self, row):
        for _, turn in row.view.all_turns():
            if turn.role == "assistant" and self.word in turn.text.lower():
                yield Violation(f"assistant says {self.word}", turn.content_pointer)


@hookimpl
def register_rules(register):
    register(NoPlease)
'''


# Test files are tiny, so FT402 (a provider's minimum example count, 10 for
# OpenAI) would fire everywhere; tests that are not about it leave it out.
SMALL_FILE_IGNORE = ["--ignore", "FT402"]


def lint_text(text, **options):
    """``linter.lint_text`` for tiny test files: FT402 is ignored unless selected or ignored explicitly."""
    from linter import lint_text as real

    if "select" not in options and "ignore" not in options:
        options["ignore"] = ["FT402"]
    return real(text, **options)


def run_cli(*args, cwd=None, env=None, input=None, small=True) -> subprocess.CompletedProcess:
    """Run ``ftlint`` as a user would, in a subprocess.

    For ``check`` and ``fix`` on tiny test files FT402 is ignored (see above)
    unless the test passes ``small=False`` or selects rules itself.
    """
    args = tuple(args)
    if small and args and args[0] in ("check", "fix") and "--select" not in args and "--isolated" not in args:
        args = (args[0], *SMALL_FILE_IGNORE, *args[1:])
    full_env = dict(os.environ)
    full_env.pop("FTLINT_LOAD_PLUGINS", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "linter", *map(str, args)],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=300,
    )


def cli_json(*args, **kwargs) -> tuple[dict, subprocess.CompletedProcess]:
    proc = run_cli("check", "--format", "json", *args, **kwargs)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout), proc


def chat(*turns, **extra) -> dict:
    """A chat row from (role, content) pairs."""
    row = {"messages": [{"role": r, "content": c} for r, c in turns]}
    row.update(extra)
    return row


GOOD = chat(("system", "Be brief."), ("user", "hi"), ("assistant", "Hello!"))


# The modules that take longest (``--durations`` on 2 cores), started first: a
# long test left for the end keeps one core busy while the others idle. The
# pre-commit hook environment comes first, as building it mostly waits on the
# network. A renamed module only loses its place in the queue.
SLOW_MODULES = (
    "tests/test_precommit.py",
    "tests/test_fix_integrity.py",
    "tests/test_parallel.py",
    "tests/test_hostile.py",
    "plugins/ftlint-submit/tests/test_submit.py",
    "tests/test_fuzz.py",
    "tests/test_text_rules_formats.py",
    "tests/test_shape.py",
    "tests/test_output.py",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Slow modules first, each module's tests kept together and in order (module fixtures stay shared)."""
    rank = {name: place for place, name in enumerate(SLOW_MODULES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
