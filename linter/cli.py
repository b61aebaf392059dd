"""The ``ftlint`` command: the click group, its error handling and ``main()``.

Each subcommand lives in its own module under linter/commands/ (``ftlint convert`` is
linter/commands/convert.py); this module registers them, and plugins add theirs through the
``register_commands`` hook. Exit codes follow ruff: 0 when no error-severity finding remains,
1 when one does, 2 for usage, configuration, plugin and internal errors (which print a one-line
reason, never a traceback; ``FTLINT_DEBUG=1`` shows it).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading

import click

from . import __version__, runner
from .baseline import BaselineError
from .commands.check import check
from .commands.common import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, UNREADABLE, Failure
from .commands.convert import convert
from .commands.fix import fix_command
from .commands.models import models
from .commands.plugins import plugins
from .commands.profiles import profiles
from .commands.rule import rule
from .commands.rules import rules
from .commands.stats import stats
from .config import ConfigError, Settings, load
from .engine import UsageError
from .plugin import host
from .plugin.host import PluginError
from .readers import MissingDependency
from .registry import get_registry
from .selection import SelectionError
from .text import one_line
from .tokens import TokenizerUnavailable


class FtlintGroup(click.Group):
    """Turns every expected failure into a clear message and exit code 2."""

    def invoke(self, ctx: click.Context):
        try:
            result = super().invoke(ctx)
        except SystemExit as exc:
            if UNREADABLE and exc.code in (None, EXIT_CLEAN, EXIT_FINDINGS):
                raise SystemExit(EXIT_ERROR) from None  # a folder could not be listed: the run is incomplete
            raise
        except (ConfigError, SelectionError, UsageError, PluginError, TokenizerUnavailable, BaselineError, runner.RunError,
                MissingDependency) as exc:
            raise Failure(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit, KeyboardInterrupt, BrokenPipeError):
            raise
        except OSError as exc:
            if os.environ.get("FTLINT_DEBUG"):
                raise
            raise Failure(runner.os_error_message(exc)) from None
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if os.environ.get("FTLINT_DEBUG"):
                raise
            raise Failure(f"internal error: {type(exc).__name__}: {exc} (set FTLINT_DEBUG=1 for a traceback)") from None
        if UNREADABLE:
            raise SystemExit(EXIT_ERROR)
        return result


@click.group(cls=FtlintGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="ftlint")
def cli() -> None:
    """Lint LLM fine-tuning datasets (JSONL chat, tools, DPO, RFT, prompt/completion)."""


for command in (check, fix_command, stats, convert, rules, rule, plugins, profiles, models):
    cli.add_command(command)


def _startup_settings(argv: list[str]) -> Settings:
    """The config whose local plugins load before the command runs: none with ``--isolated``
    (which ignores every configuration, its plugins too), ``--config FILE``'s, or the nearest."""
    options = argv[: argv.index("--")] if "--" in argv else argv
    if "--isolated" in options:
        return Settings()
    for index, arg in enumerate(options):
        if arg == "--config" and index + 1 < len(options):
            return load(options[index + 1])
        if arg.startswith("--config="):
            return load(arg.partition("=")[2])
    return load(None)


_HELP = ("--help", "-h", "--version", "-V")


def run() -> None:
    """The ``ftlint`` console script (and ``python -m linter``): ``main()``, then the process ends
    without tearing the interpreter down. ``main()`` alone ends in ``SystemExit``, for callers that go on."""
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:
        code = EXIT_CLEAN
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)  # a profiler, debugger or coverage tool reports as the interpreter ends: let it end
    _leave(code)


def _leave(code) -> None:
    """End the process as Python would (threads joined, ``atexit`` handlers run, output flushed, a
    failed write reported), but skip freeing every module and object one by one: that teardown cost
    0.05-0.1 s after the last output of a run over a big file (the vocabulary's 200,000 ranks, the
    rules' tables), time the system takes back at once when the process ends. Objects' finalizers
    (``__del__``) do not run: a plugin closes its own files (docs/plugin-hooks.md)."""
    if code is None:
        code = EXIT_CLEAN
    elif not isinstance(code, int):  # SystemExit("message"), reported as the interpreter would
        _tell(str(code))
        code = 1
    shutdown = getattr(threading, "_shutdown", None)
    try:
        if shutdown is not None:
            shutdown()  # waits for non-daemon threads and runs threading's own exit callbacks
    except KeyboardInterrupt:
        code = code or 130
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # closed by the caller (>&-), or never there (pythonw)
            continue
        try:
            stream.flush()
        except BrokenPipeError:
            code = code or EXIT_FINDINGS  # the reader went away, as main() says of it
        except ValueError:
            pass  # closed already: nothing left to write
        except OSError as exc:  # a full disk, a quota: the report is incomplete, and the exit code says so
            if stream is sys.stdout:
                if code != EXIT_ERROR:  # not said already (the run stopped on the same write error)
                    _tell(f"ftlint: error: {one_line(runner.os_error_message(exc))}")
                code = EXIT_ERROR
    os._exit(code & 0xFF)


def _tell(message: str) -> None:
    """One line on stderr, when there is one to write to."""
    try:
        if sys.stderr is not None:
            print(message, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def main() -> None:
    # ftlint does no linear algebra, yet numpy (the duplicate finder, tabular readers)
    # starts a spinning OpenBLAS thread per core on import: 0.07-0.14 s of CPU a run
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # help and the version need no configuration: a broken config or plugin is then a warning
    helping = not sys.argv[1:] or any(arg in _HELP for arg in sys.argv[1:])
    if sys.stdout is None:  # closed by the caller (>&-): say so before anything is done, not half of it
        _tell("ftlint: error: standard output is closed; redirect it to a file or /dev/null")
        sys.exit(EXIT_ERROR)
    try:
        # local plugins named in the nearest config take part in every command
        # ('rules', 'rule', 'plugins' too), not only in 'check'
        settings = _startup_settings(sys.argv[1:])
        if settings.plugins:
            host.load_local_plugins(settings.plugins, settings.root)
    except (ConfigError, PluginError) as exc:
        click.echo(f"ftlint: {'warning' if helping else 'error'}: {one_line(str(exc))}", err=True)
        if not helping:
            sys.exit(EXIT_ERROR)
    try:
        registry = get_registry()
    except PluginError as exc:
        # still let 'ftlint plugins' show what failed, and help be read
        if sys.argv[1:2] != ["plugins"] and not helping:
            click.echo(f"ftlint: error: {one_line(str(exc))}", err=True)
            sys.exit(EXIT_ERROR)
        if helping:
            click.echo(f"ftlint: warning: {one_line(str(exc))}", err=True)
        registry = None
    if registry is not None:
        host.call_each("register_commands", cli=cli)
    try:
        cli(prog_name="ftlint")
    except BrokenPipeError:
        # the reader (head, less) went away: stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_FINDINGS)
    except OSError as exc:  # what click wrote outside a command (--help, --version) to a full disk
        if os.environ.get("FTLINT_DEBUG"):
            raise
        _tell(f"ftlint: error: {one_line(runner.os_error_message(exc))}")
        sys.exit(EXIT_ERROR)


_MOVED = {"render_rule", "rules_markdown", "write_rule_docs"}  # to linter.rule_docs: scripts that import them here still work


def __getattr__(name: str):
    if name in _MOVED:  # imported on first use, so the CLI's start-up does not pay for the docs renderer
        from . import rule_docs

        return getattr(rule_docs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
