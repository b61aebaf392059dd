"""One run loop for every front end.

``ftlint check``, ``ftlint fix``, ``ftlint stats``, the Python API and the rule
test harness all lint through :func:`run`: it picks how each file is read
(standard input, a stream in memory, one process, local shards, a Dask
cluster), optionally fixes it, passes the findings through a filter (the
baseline) to a sink (a formatter), and returns what happened. The front ends
only parse their options and choose the sink, so a change to how files are
linted is made once.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterable, Iterator, Protocol

from .engine import FileResult, Linter
from .findings import Applicability, Finding
from .output import RunSummary
from .registry import get_registry
from .readers import MissingDependency
from .text import one_line


class RunError(ValueError):
    """A file could not be read or fixed; the message names it (the CLI exits 2)."""


@dataclass
class Source:
    """A named byte stream linted instead of a file: standard input, text or rows held in memory."""

    name: str
    stream: BinaryIO


STDIN = "-"


class Sink(Protocol):
    """Where findings go as they stream: the formatters' interface."""

    def finding(self, finding: Finding) -> None: ...

    def file_done(self, result: FileResult) -> None: ...

    def close(self, run: RunSummary) -> None: ...


class Collect:
    """A sink that keeps every finding in memory (the Python API, tests)."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def finding(self, finding: Finding) -> None:
        self.findings.append(finding)

    def file_done(self, result: FileResult) -> None:
        pass

    def close(self, run: RunSummary) -> None:
        pass


@dataclass
class FixMode:
    """Fix the files instead of only linting them (``--fix``, ``--diff``, ``-o``)."""

    unsafe: bool = False
    diff: bool = False
    output: str | None = None
    rejects: str | None = None
    # called with each file's FixReport before its findings stream (the CLI prints what was fixed)
    on_report: Callable | None = None
    baseline: object | None = None  # a linter.baseline.Baseline: the findings it holds are left unfixed


@dataclass
class Outcome:
    """What a run produced: the summary the formatters close with, each file's result and fix report."""

    summary: RunSummary
    reports: list = field(default_factory=list)  # FixReport per file, in fix mode

    @property
    def files(self) -> list[FileResult]:
        return self.summary.files

    @property
    def any_diff(self) -> bool:
        return any(report.diff for report in self.reports)


def lint_one(linter: Linter, source: str | Source, *, jobs: int = 1, engine: str = "local",
             scheduler: str | None = None, progress=None) -> tuple[Iterator[Finding], FileResult]:
    """Lint one file or stream the way its size and the options call for."""
    from .parallel import lint_dask, lint_parallel, usable

    if isinstance(source, Source):
        return linter.lint_stream(source.stream, source.name)
    if source == STDIN:
        return linter.lint_stream(sys.stdin.buffer, "<stdin>")
    if engine == "dask" and linter.registry.reader_for(source).name == "jsonl":
        return lint_dask(linter, source, scheduler, jobs, progress)
    expect_size(linter, source)
    if usable(linter, source, jobs):
        return lint_parallel(linter, source, jobs, progress)
    return linter.lint_path(source, progress=progress)


def expect_size(linter: Linter, path: str) -> None:
    """Tell the tokenizer how big the file it is about to count is (``Tokenizer.expect``):
    a small file is counted without building the full encoder, a big one builds it at once."""
    expect = getattr(linter.tokenizer, "expect", None)  # the trainer's view counts its own way
    if expect is not None:
        try:
            size = os.path.getsize(path)
        except OSError:
            size = None
        expect(size, path)


def run(linter: Linter, sources: Iterable[str | Source], sink: Sink | None = None, *, jobs: int = 1,
        engine: str = "local", scheduler: str | None = None, progress_bar=None, fix: FixMode | None = None,
        keep: Callable[[Iterable[Finding]], Iterable[Finding]] | None = None, close: bool = True,
        unsafe_fixes: bool = False) -> Outcome:
    """Lint (or fix) every source in order, streaming findings to ``sink``.

    ``keep`` filters the findings before they are counted (the baseline);
    ``progress_bar`` is a :mod:`linter.progress` bar; ``close=False`` leaves
    ``sink.close`` to the caller (``--diff`` prints no report); ``unsafe_fixes`` says the summary's
    fixable counts are what ``--fix --unsafe-fixes`` would apply (implied by ``fix.unsafe``).
    """
    sink = sink if sink is not None else Collect()
    sources = list(sources)
    for source in sources:  # a missing optional library is one error before any output, not a finding per file
        if not isinstance(source, Source) and source != STDIN:
            try:
                getattr(linter.registry.reader_for(str(source)), "check_available", lambda: None)()
            except MissingDependency as exc:
                raise MissingDependency(f"{one_line(_name(source))}: {exc}") from None
    unsafe_fixes = unsafe_fixes or (fix is not None and fix.unsafe)
    outcome = Outcome(RunSummary(rules=dict(get_registry().rules), unsafe_fixes=unsafe_fixes))
    fixer = _fixer(linter, fix) if fix is not None else None
    untouched: dict[str, str] = {}  # files among others that are no dataset: linted as check lints them
    if fixer is not None:
        sources, untouched = _precheck(fixer, list(sources), fix)  # every file refused before any is written
    for source in sources:
        left = untouched.get(source) if untouched else None
        if left is not None:
            if fix.on_report is not None:
                from .fix import FixReport

                fix.on_report(FixReport(source, untouched=left))
            if fix.diff:
                continue
        if fixer is not None and left is None:
            report = _fix_one(fixer, source, fix)
            outcome.reports.append(report)
            if fix.on_report is not None:
                fix.on_report(report)
            if fix.diff:
                continue
            findings, result = report.remaining, report.result
        else:
            try:
                progress = progress_bar.file(source) if progress_bar is not None and not isinstance(source, Source) and source != STDIN else None
                findings, result = lint_one(linter, source, jobs=jobs, engine=engine, scheduler=scheduler, progress=progress)
            except OSError as exc:
                raise RunError(f"cannot read {_name(source)}: {exc.strerror or exc}") from None
            if not _fixable_file(linter, source):
                findings = map(_display_only, findings)
        for finding in _read(keep(findings) if keep is not None else findings, source):
            outcome.summary.add(finding)
            _write(sink.finding, finding)
        outcome.summary.files.append(result)
        _write(sink.file_done, result)
    if close and not (fix is not None and fix.diff):
        sink.close(outcome.summary)
    return outcome


def os_error_message(exc: OSError) -> str:
    """``path: reason`` for a file that could not be opened, naming a missing folder; without a path (the
    runner reports its inputs' read errors itself), output that could not be written: a full disk."""
    if exc.filename is None:
        return f"could not write the output: {exc.strerror or exc}"
    name = os.fsdecode(exc.filename)
    folder = os.path.dirname(name)
    if isinstance(exc, FileNotFoundError) and folder and not os.path.isdir(folder):
        written = "" if os.path.basename(name).startswith(".ftlint-") else f"{name}: "  # not our temporary file's name
        return f"{written}the folder {folder} does not exist"
    return f"{name}: {exc.strerror or exc}"


def _read(findings: Iterable[Finding], source: str | Source) -> Iterator[Finding]:
    """The findings, a read error of the file they come from reported as that file's (one line)."""
    try:
        yield from findings
    except OSError as exc:
        raise RunError(f"cannot read {_name(source)}: {exc.strerror or exc}") from None


def _write(say: Callable, item) -> None:
    """``say(item)`` to the report: a write that fails (a full disk) is the output's error, not the input's."""
    try:
        say(item)
    except BrokenPipeError:
        raise  # the reader of our output went away (| head): the CLI stops quietly
    except OSError as exc:
        raise RunError(os_error_message(OSError(exc.errno, exc.strerror))) from None


def _fixable_file(linter: Linter, source: str | Source) -> bool:
    """Whether ``--fix`` would rewrite this file: the fixer takes JSON Lines files only (not standard
    input), and refuses one whose content is not a dataset (binary, or mostly not JSON;
    ``linter.fix_guard``). Asking the same guard keeps check from offering fixes that fix then refuses
    (a PNG renamed ``.jsonl`` was "83 fixable")."""
    if isinstance(source, Source):
        return True  # an API caller's stream: the caller applies the patches itself
    if source == STDIN or linter.registry.reader_for(source).name != "jsonl":  # fix needs a file
        return False
    from .fix_guard import Refused, check_jsonl

    try:
        check_jsonl(source)
    except (Refused, OSError):
        return False
    return True


def _display_only(finding: Finding) -> Finding:
    """A fix ``--fix`` would refuse is still shown, but not offered: no file format says "fixable" falsely."""
    if finding.fix is None or finding.fix.applicability is Applicability.DISPLAY_ONLY:
        return finding
    return dataclasses.replace(finding, fix=dataclasses.replace(finding.fix, applicability=Applicability.DISPLAY_ONLY))


def _name(source: str | Source) -> str:
    return source.name if isinstance(source, Source) else source


def _fixer(linter: Linter, fix: FixMode):
    from .fix import Fixer

    return Fixer(linter, unsafe=fix.unsafe, rejects=fix.rejects, baseline=fix.baseline)


def _precheck(fixer, sources: list, fix: FixMode) -> tuple[list[str], dict[str, str]]:
    """Refuse stdin, a run of no JSON Lines dataset and colliding input/output/rejects paths before anything
    is written; the files to lint, in order, and those of them left untouched, with why (``Fixer.precheck_all``)."""
    from .fix import NotFixable

    if any(isinstance(source, Source) or source == STDIN for source in sources):
        raise RunError("fixing needs a file, not standard input")
    try:
        return fixer.precheck_all(sources, fix.output)
    except NotFixable as exc:
        raise RunError(one_line(str(exc))) from None


def _fix_one(fixer, source: str, fix: FixMode):
    from .fix import NotFixable
    from .transaction import BrokenJournal, Busy

    expect_size(fixer.linter, source)
    try:
        return fixer.fix_file(source, output=fix.output, diff=fix.diff)
    except (NotFixable, Busy, BrokenJournal) as exc:
        raise RunError(one_line(str(exc))) from None
    except OSError as exc:  # named by the file it failed on: the rejects or output file, not always the input
        said = os_error_message(exc) if exc.filename is not None else exc.strerror or str(exc)
        raise RunError(f"cannot fix {source}: {said}") from None


def with_validation_file(linter: Linter, files: list[str], configured: Callable[[], list[str]] = list) -> list[str]:
    """The files to lint when the settings name a validation file: it is linted too (added when the
    paths did not name it), and the other files are its training files, whose examples it must not
    repeat (FT406). A run of the validation file alone (what a pre-commit hook passes when only it is
    staged) compares it with ``configured()``, the training files the config's ``files`` name; with
    none, FT406 cannot run (``linter.train_fingerprints`` stays None: the caller says so). Without a
    validation file, ``files`` as they are."""
    validation = linter.settings.validation_file
    if not validation:
        return files
    if not os.path.isfile(validation):
        raise RunError(f"{validation}: no such validation file")
    training = [f for f in files if not linter.is_validation(f)]
    linted = files if len(training) < len(files) or not training else [*files, validation]
    if "FT406" not in linter.enabled:
        return linted  # no leak to look for: the training files need not be found or read
    if not training:  # the validation file alone: its training files are the configured ones, read, not linted
        training = [f for f in configured() if not linter.is_validation(f) and f != STDIN]
    if training:
        linter.use_training_files(training)
    return linted


def make_linter(settings) -> Linter:
    """The Linter for resolved settings, as every front end builds it: the local
    plugins the settings name are loaded first, and every option table is checked
    against the rules (a misspelt rule or option is an error, not a silent default)."""
    from . import registry
    from .config import check_rule_options
    from .plugin import host

    new = [spec for spec in settings.plugins if not host.get_plugin_manager().has_plugin(f"local:{spec}")]
    if new:
        host.load_local_plugins(new, settings.root)
        registry.refresh()
    check_rule_options(settings, get_registry().rules)
    if not getattr(settings, "tokenizer", None):  # a named tokenizer makes any model name usable
        check_model(settings.model, get_registry().models, settings.profile)
    return Linter(settings)


def check_model(name: str | None, models: list, profile: str | None = None) -> None:
    """An unknown model name fails with the closest known name (the profile's provider's first, matched on
    the name's last part too: Fireworks ids are 'accounts/fireworks/models/NAME'), or with the way to count
    for any model (its own tokenizer): the tokenizer cannot be guessed, so a token limit would not help."""
    import difflib

    from .engine import UsageError
    from .models import base_model_name, resolve_model

    if not name or resolve_model(name, models) is not None:
        return
    names = sorted({spec.name for spec in models})
    provider = (profile or "").split("-")[0]
    wanted = base_model_name(name).rsplit("/", 1)[-1].lower()
    close = None
    for pool in ([spec.name for spec in models if spec.provider == provider], names):
        by_tail = {candidate.rsplit("/", 1)[-1].lower(): candidate for candidate in pool}
        found = difflib.get_close_matches(wanted, list(by_tail), n=1, cutoff=0.6)
        if found:
            close = [by_tail[found[0]]]
            break
    hint = f"did you mean {close[0]!r}? " if close else ""
    fine_tuned = " (a fine-tuned id such as 'ft:gpt-4o-mini-2024-07-18:org::id' resolves to its base model)" if name.startswith("ft:") else ""
    raise UsageError(f"unknown model {name!r}: {hint}'ftlint models' lists the {len(names)} it knows{fine_tuned}; "
                     f"for another model, count with its own tokenizer: --tokenizer PATH (its local folder with tokenizer.json)")
