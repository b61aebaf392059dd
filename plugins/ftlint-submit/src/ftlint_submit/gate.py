"""The lint gate: submit lints through ftlint's one runner, so it refuses what ``ftlint check`` reports.

Settings resolve as ``ftlint check`` resolves them (the nearest
``pyproject.toml``, its local plugins and option tables), with the method's
profile, the model and the validation file on top as if given on the command
line. The files go through :func:`linter.runner.run` with a sink that prints
the error-severity findings; a baseline hides what it records, as in
``check --baseline``. Any error refuses the upload (exit 1); a rule that
crashed (FT000) refuses it too (exit 2): the data was not fully checked.
"""

from __future__ import annotations

import sys

from linter import runner
from linter._dispatch import INTERNAL_ERROR
from linter.api import settings_from
from linter.baseline import Baseline
from linter.findings import Finding, Severity
from linter.text import one_line

from .client import SubmitError

METHOD_PROFILE = {"supervised": "openai-sft", "dpo": "openai-dpo", "reinforcement": "openai-rft"}
SHOWN = 50  # error findings printed before the rest are only counted


class RefusalSink:
    """Prints the first error-severity findings as ``path:line: CODE [name] message (at pointer)``; counts all."""

    def __init__(self, echo) -> None:
        self.echo = echo
        self.errors = 0

    def finding(self, finding: Finding) -> None:
        if finding.severity is not Severity.ERROR:
            return
        self.errors += 1
        if self.errors <= SHOWN:
            self.echo(f"{one_line(finding.path)}:{finding.line}: {finding.code} [{finding.name}] {one_line(finding.message)}"
                      + (f" (at {one_line(finding.pointer)})" if finding.pointer else ""))

    def file_done(self, result) -> None:
        pass

    def close(self, run) -> None:
        pass


def gate_settings(method: str, model: str, validation_file: str | None):
    """``ftlint check --profile P --model M [--validation-file V] --exact-stats`` in the current directory."""
    options = {"profile": METHOD_PROFILE[method], "model": model, "exact_stats": True}
    if validation_file:
        options["validation_file"] = validation_file
    return settings_from(options, config=True)


def lint_gate(train: str, validation_file: str | None, method: str, model: str, echo, baseline_file: str | None = None) -> dict:
    """Lint the files; refuse on errors or internal errors. Returns the training file's summary (the estimate's input)."""
    linter = runner.make_linter(gate_settings(method, model, validation_file))
    if validation_file:
        linter.use_training_files([train])  # FT406: validation rows that leak from the training file
    baseline = Baseline(baseline_file) if baseline_file else None
    sink = RefusalSink(echo)
    paths = [train] + ([validation_file] if validation_file else [])
    outcome = runner.run(linter, paths, sink, keep=baseline.filter if baseline is not None else None)
    if baseline is not None and baseline.suppressed:
        echo(f"ftlint: {baseline.suppressed:,} finding(s) hidden by the baseline", err=True)
    internal = outcome.summary.by_rule.get(INTERNAL_ERROR)
    if internal:
        raise SubmitError(f"{internal:,} internal error(s) (FT000): a rule failed on some rows, so the data was not fully "
                          "checked; nothing was uploaded. The findings above name the rule and line.")
    if sink.errors:
        more = f" ({sink.errors - SHOWN:,} more not shown)" if sink.errors > SHOWN else ""
        echo(f"ftlint: {sink.errors:,} error(s){more}; nothing was uploaded. Fix them ('ftlint check --fix' helps) and re-run.", err=True)
        sys.exit(1)
    return outcome.files[0].summary()
