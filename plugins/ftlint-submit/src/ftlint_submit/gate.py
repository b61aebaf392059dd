"""The lint gate: submit lints through ftlint's one runner, so it refuses what ``ftlint check`` reports.

Settings resolve as ``ftlint check`` resolves them (the nearest
``pyproject.toml``, its local plugins and option tables), with ``--profile``,
the model and the validation file on top as if given on the command line. The
profile is the one given or configured; only when none is does the method pick
OpenAI's (``supervised`` -> ``openai-sft``...). The jobs go to OpenAI's
fine-tuning API (or a compatible one: Azure OpenAI's v1 API), so a profile or
model of another provider is refused with one line, before any work. The files go through :func:`linter.runner.run` with a sink that prints
the error-severity findings. Any error refuses the upload (exit 1); a rule that
crashed (FT000) refuses it too (exit 2): the data was not fully checked.

The baseline ``[tool.ftlint]`` names is not applied. It is the debt a
repository accepts so that its checks fail only on new problems; an upload
is the file as it is, and the provider refuses an example with no reply
whatever the repository accepts. A refusal says how many of its errors that
baseline holds. ``--baseline FILE``, given to submit itself, hides what FILE
records, as in ``check --baseline``: a waiver for one upload, asked for by name.
"""

from __future__ import annotations

import sys

from linter import runner
from linter._dispatch import INTERNAL_ERROR
from linter.api import settings_from
from linter.baseline import Baseline, BaselineError, configured
from linter.findings import Finding, Severity
from linter.registry import get_registry
from linter.text import one_line

from .client import SubmitError

METHOD_PROFILE = {"supervised": "openai-sft", "dpo": "openai-dpo", "reinforcement": "openai-rft"}
SHOWN = 50  # error findings printed before the rest are only counted


class RefusalSink:
    """Prints the first error-severity findings as ``path:line: CODE [name] message (at pointer)``; counts all."""

    def __init__(self, echo, known=None) -> None:
        self.echo = echo
        self.errors = 0
        self.known = known  # whether the configured baseline, which is not applied, holds a finding
        self.errors_known = 0

    def finding(self, finding: Finding) -> None:
        if finding.severity is not Severity.ERROR:
            return
        self.errors += 1
        if self.known is not None and self.known(finding):
            self.errors_known += 1
        if self.errors <= SHOWN:
            self.echo(f"{one_line(finding.path)}:{finding.line}: {finding.code} [{finding.name}] {one_line(finding.message)}"
                      + (f" (at {one_line(finding.pointer)})" if finding.pointer else ""))

    def file_done(self, result) -> None:
        pass

    def close(self, run) -> None:
        pass


# the profiles of the APIs submit talks to, and the methods whose rows each lints
SUBMITTABLE = {"openai-sft": ("supervised",), "openai-dpo": ("dpo",), "openai-rft": ("reinforcement",),
               "azure-openai": ("supervised", "dpo")}


def gate_settings(method: str, model: str, validation_file: str | None, profile: str | None = None):
    """``ftlint check [--profile P] --model M [--validation-file V] --exact-stats`` in the current directory;
    with no profile given or configured, the method's OpenAI profile."""
    options = {"model": model, "exact_stats": True}
    if profile:
        options["profile"] = profile
    if validation_file:
        options["validation_file"] = validation_file
    settings = settings_from(options, config=True)
    if profile:
        settings.origins["profile"] = "--profile"
    elif "profile" not in settings.origins:
        settings.set("profile", METHOD_PROFILE[method], f"--method {method}")
    return settings


def check_profile(settings, method: str) -> None:
    """Refuse, in one line, a profile that is not the API's (the lint would judge the rows by another
    provider's rules, and the job would go to OpenAI's API or Azure's all the same) or not the method's."""
    name, where = settings.profile, settings.origins.get("profile", "")
    methods = SUBMITTABLE.get(name)
    if methods is None and not name.startswith("openai-"):
        raise SubmitError(
            f"profile {name!r} (from {where}) is not OpenAI's or Azure OpenAI's: ftlint submit starts jobs on OpenAI's "
            f"fine-tuning API or a compatible one (--base-url), which other providers' fine-tuning is not. Lint with "
            f"'ftlint check --profile {name}' and upload with that provider's tools, or pass --profile "
            f"{METHOD_PROFILE[method]}")
    if methods is not None and method not in methods:
        raise SubmitError(f"--method {method} trains on other rows than profile {name!r} (from {where}) lints: "
                          f"pass --profile {METHOD_PROFILE[method]}, or --method {methods[0]}")


def check_model(model_spec) -> None:
    """Refuse, in one line, a model the API does not train: another provider's, or ftlint's ``azure/`` name."""
    provider = model_spec.provider
    if provider == "azure":
        raise SubmitError(
            f"--model {model_spec.name} is ftlint's name for an Azure model's limits, not one a job takes: pass the base "
            f"model's own name (as Azure lists it, e.g. gpt-4o-mini-2024-07-18) with --profile azure-openai and "
            f"--base-url https://YOUR-RESOURCE.openai.azure.com/openai/v1/")
    if provider != "openai":
        raise SubmitError(f"--model {model_spec.name} is a {provider} model: ftlint submit starts jobs on OpenAI's "
                          "fine-tuning API (or Azure OpenAI's), not on that provider's")


def lint_gate(train: str, validation_file: str | None, method: str, model: str, echo, baseline_file: str | None = None,
              profile: str | None = None) -> dict:
    """Lint the files; refuse on errors or internal errors. Returns the training file's summary (the estimate's input)."""
    settings = gate_settings(method, model, validation_file, profile)
    # before any work; a profile a local plugin registers is known once make_linter loaded it (a misspelt
    # one is refused there as in check: unknown profile, and the known ones)
    known = settings.profile in get_registry().profiles
    if known:
        check_profile(settings, method)
    linter = runner.make_linter(settings)
    if not known:
        check_profile(settings, method)
    check_model(linter.model)
    if validation_file:
        linter.use_training_files([train])  # FT406: validation rows that leak from the training file
    baseline = Baseline(baseline_file) if baseline_file else None
    configured = _configured_baseline(settings) if baseline is None else None
    sink = RefusalSink(echo, configured.holder() if configured is not None else None)
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
        if sink.errors_known:
            name = one_line(configured.file)
            echo(f"ftlint: {sink.errors_known:,} of these errors are recorded in {name}, the baseline [tool.ftlint] names, which "
                 f"submit does not apply: it is the debt the repository accepts, while the upload is the file as it is and "
                 f"the provider refuses what it refuses. To upload them knowingly, pass --baseline {name}", err=True)
        sys.exit(1)
    return outcome.files[0].summary()


def _configured_baseline(settings) -> Baseline | None:
    """The baseline ``[tool.ftlint]`` names (relative to the config file's folder, as check reads it), to say
    how many of a refusal's errors it holds; None when none is named or it cannot be read (it is not applied)."""
    path = configured(settings)
    if path is None:
        return None
    try:
        return Baseline(path)
    except BaselineError:
        return None
