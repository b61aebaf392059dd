"""Which files ``ftlint check PATH...`` lints: ruff's file discovery, for datasets.

A folder in a dataset repository also holds what is not a dataset: a virtualenv,
``node_modules``, ``package.json``, a model folder's ``config.json`` and
``tokenizer.json``, and ftlint's own outputs (the baseline, rejects files).
Linting them buried the real findings under false ones, and broke the baseline
workflow (the next run reported the baseline file itself). So, as ruff does:

* folders and files matching ``exclude`` (by default :data:`DEFAULT_EXCLUDE`:
  VCS folders, virtualenvs, caches, build output, well-known non-dataset JSON)
  or ``extend-exclude`` are skipped, and so is any folder holding a
  ``pyvenv.cfg`` (a virtualenv, whatever its name);
* ``.gitignore`` files are honoured (the repository's, from its root down, and
  nested ones), plus ``.git/info/exclude``; ``respect-gitignore = false`` stops that;
* ftlint's own outputs (:data:`OWN_OUTPUTS`, and the files this run writes) are
  never picked up from a folder;
* a path named on the command line (or in ``files``) is linted even when it
  matches, unless ``force-exclude`` is set: then only ``.gitignore`` is not
  applied to it (pre-commit passes tracked files by name, as it does to ruff).

Patterns use ``.gitignore`` syntax (pathspec, as git implements it): a pattern
with no ``/`` matches a name at any depth, one with a ``/`` is anchored at the
folder of the config file that sets it (the current folder for flags).
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import click

from .config import COMMAND_LINE, split_codes
from .fix_rejects import REASONS_SUFFIX

# as ruff's default ``exclude``, plus caches and the files of a Hugging Face model
# or tokenizer folder (``--tokenizer ./model`` often lives beside the data) and
# JavaScript / editor configuration: JSON that is never a fine-tuning dataset
DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".svn", ".jj", ".pants.d", ".nox", ".tox",
    ".venv", "venv", ".pyenv", "__pypackages__", "site-packages", ".ipynb_checkpoints", ".mypy_cache",
    ".pytest_cache", ".pytype", ".ruff_cache", "__pycache__", ".cache", ".vscode", ".idea", "node_modules",
    "_build", "buck-out", "build", "dist", "wandb",
    "package.json", "package-lock.json", "tsconfig.json", "jsconfig.json", "composer.json", ".eslintrc.json",
    "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
    "added_tokens.json", "vocab.json", "preprocessor_config.json", "chat_template.json", "tekken.json",
    "adapter_config.json", "trainer_state.json", "*.safetensors.index.json", "*.bin.index.json",
    "dataset_info.json", "dataset_dict.json", "state.json",
)

# what ftlint itself writes beside datasets: the baseline (.ftlint-baseline.json, the
# documented name), temporaries and commit journals (.ftlint-*), rejects files and their
# reasons. Never picked up from a folder; with force-exclude, not even when named.
OWN_OUTPUTS = (".ftlint-*", "*.rejects.jsonl", "*.rejects.jsonl.reasons", "*.reasons")

# the options whose files a run writes: a folder walk never lints them
_RUN_OUTPUTS = ("baseline_file", "write_baseline", "output_file", "summary_file", "rejects", "fix_output", "html_file")

KEY = "ftlint.discovery"


class Patterns:
    """``.gitignore``-syntax patterns anchored at one folder."""

    def __init__(self, lines: Iterable[str], base: str) -> None:
        self.base = os.path.abspath(base)
        self.lines = list(lines)
        self._spec = None

    def verdict(self, path: str, is_dir: bool) -> bool | None:
        """True (excluded), False (re-included by a ``!`` pattern) or None (no pattern matched)."""
        if not self.lines:
            return None
        if self._spec is None:
            import pathspec  # here: 40-60 ms to import, paid only when a folder is walked

            # the plain-regex backend: pathspec picks Hyperscan when installed (as it is for
            # ftlint's screens), which takes 0.36 s to compile the default list, for a walk
            # that matches a few hundred paths
            self._spec = _compile(pathspec, self.lines)
        rel = os.path.relpath(path, self.base)
        if rel == "." or rel.startswith(".." + os.sep) or rel == "..":
            rel = os.path.basename(path)  # outside the base: only unanchored patterns can match
        rel = rel.replace(os.sep, "/")
        return self._spec.check_file(rel + "/" if is_dir else rel).include

    def matches(self, path: str, is_dir: bool) -> bool:
        return bool(self.verdict(path, is_dir))


def _compile(pathspec, lines: list[str]):
    """The spec of ``lines``; a line pathspec cannot compile (``[z-a].tmp``, a trailing backslash, a
    lone ``!``) is left out, as git ignores a pattern it cannot match, instead of stopping the walk."""
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines, backend="simple")
    except (ValueError, re.error):
        usable = []
        for line in lines:
            try:
                pathspec.GitIgnoreSpec.from_lines([line], backend="simple")
            except (ValueError, re.error):
                continue
            usable.append(line)
        return pathspec.GitIgnoreSpec.from_lines(usable, backend="simple")


@dataclass
class Discovery:
    """The exclusion rules of one run, built from its settings (:func:`from_settings`)."""

    exclude: list[Patterns]
    respect_gitignore: bool = True
    force_exclude: bool = False
    outputs: set[str] = field(default_factory=set)  # absolute paths this run writes

    def excluded(self, path: str, is_dir: bool) -> bool:
        """Matched by ``exclude``/``extend-exclude`` or one of ftlint's own outputs."""
        absolute = os.path.abspath(path)
        if not is_dir and (absolute in self.outputs or _OWN.matches(absolute, False)):
            return True
        return any(p.matches(absolute, is_dir) for p in self.exclude)

    def force_excluded(self, path: str) -> bool:
        """``force-exclude``: is a path named on the command line excluded (itself or a folder above it)?"""
        if not self.force_exclude or path == "-":
            return False
        absolute = os.path.abspath(path)
        if self.excluded(absolute, os.path.isdir(absolute)):
            return True
        for patterns in self.exclude:
            # the folders between the pattern's base and the path: a project inside ~/build/ is not excluded
            parent = os.path.dirname(absolute)
            while parent.startswith(patterns.base.rstrip(os.sep) + os.sep):
                if patterns.matches(parent, True):
                    return True
                parent = os.path.dirname(parent)
        return False

    def walk(self, folder: str, claims: Callable[[str], bool], on_error: Callable[[OSError], None]) -> list[str]:
        """The dataset files under ``folder`` that are not excluded, sorted."""
        found: list[str] = []
        # folder -> the .gitignore files that apply in it, outermost first
        inherited = {os.path.abspath(folder): _named_folder_gitignores(folder) if self.respect_gitignore else []}
        for root, dirs, names in os.walk(folder, onerror=on_error):
            absolute = os.path.abspath(root)
            specs = inherited.pop(absolute, [])
            if self.respect_gitignore and ".gitignore" in names:
                specs = [*specs, _read_ignore(os.path.join(absolute, ".gitignore"), absolute)]
            kept = []
            for name in dirs:
                path = os.path.join(absolute, name)
                if self.excluded(path, True) or _ignored(specs, path, True) or os.path.isfile(os.path.join(path, "pyvenv.cfg")):
                    continue  # pruned: nothing below it is visited (git cannot re-include it either)
                kept.append(name)
                inherited[path] = specs
            dirs[:] = kept
            present = set(names)
            for name in names:
                if name + REASONS_SUFFIX in present:
                    # a rejects file of any name (--rejects ds/dropped.jsonl): its reasons file is beside it
                    # (fix_rejects.reasons_path). A later run of the folder linted, and fixed, the rows moved aside
                    continue
                path = os.path.join(root, name)
                if claims(path) and os.path.isfile(path) and not self.excluded(path, False) \
                        and not _ignored(specs, os.path.join(absolute, name), False):
                    found.append(path)
        return sorted(found)


_OWN = Patterns(OWN_OUTPUTS, os.sep)


def _ignored(specs: list[Patterns], path: str, is_dir: bool) -> bool:
    """git's rule: the deepest .gitignore with a matching pattern decides, its last match wins."""
    verdict = None
    for spec in specs:
        found = spec.verdict(path, is_dir)
        if found is not None:
            verdict = found
    return bool(verdict)


@functools.lru_cache(maxsize=256)
def _read_ignore(path: str, base: str) -> Patterns:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return Patterns(handle.read().splitlines(), base)
    except OSError:
        return Patterns((), base)


def _named_folder_gitignores(folder: str) -> list[Patterns]:
    """The .gitignore rules above a folder named on the command line, unless they ignore that folder
    (or a folder between it and the repository's root): naming an ignored folder asks for it, as
    ripgrep reads ``rg PATTERN ignored_dir/``. Its own and deeper .gitignore files still apply."""
    specs = _ancestor_gitignores(folder)
    if not specs:
        return specs
    repository = min((spec.base for spec in specs), key=len).rstrip(os.sep) + os.sep
    directory = os.path.abspath(folder)
    while directory.startswith(repository):  # every folder from the named one up to the repository's root
        if _ignored(specs, directory, True):
            return []
        directory = os.path.dirname(directory)
    return specs


def _ancestor_gitignores(folder: str) -> list[Patterns]:
    """The .gitignore files from the repository's root down to ``folder``'s parent, and .git/info/exclude.

    Outside a git repository, none: a stray ~/.gitignore must not hide datasets.
    """
    start = Path(os.path.abspath(folder))
    chain = [start, *start.parents]
    top = next((i for i, d in enumerate(chain) if (d / ".git").exists()), None)
    if top is None:
        return []
    repo = chain[top]
    out = []
    exclude = repo / ".git" / "info" / "exclude"
    if exclude.is_file():
        out.append(_read_ignore(str(exclude), str(repo)))
    for directory in reversed(chain[1 : top + 1]):
        if (directory / ".gitignore").is_file():
            out.append(_read_ignore(str(directory / ".gitignore"), str(directory)))
    return out


def from_settings(settings) -> Discovery:
    """The run's exclusion rules: patterns from the config file anchor at its folder, flags' at the current one."""
    exclude = list(DEFAULT_EXCLUDE) if settings.exclude is None else settings.exclude
    patterns = [
        Patterns(exclude, "." if settings.origins.get("exclude") == COMMAND_LINE else settings.root),
        Patterns(settings.extend_exclude, settings.root),
        Patterns(settings.cli_extend_exclude, "."),
    ]
    outputs = {os.path.abspath(p) for p in settings.run_outputs}
    return Discovery(patterns, settings.respect_gitignore, settings.force_exclude, outputs)


def discovery_options(func):
    """``--exclude``, ``--extend-exclude``, ``--force-exclude``, ``--no-respect-gitignore``, kept in the click
    context (as the trainer options are) so the commands' signatures do not change."""

    @click.option("--exclude", "discovery_exclude", multiple=True, metavar="PATTERNS",
                  help="Files and folders to skip in folders (.gitignore syntax, comma-separated); replaces the default list.")
    @click.option("--extend-exclude", "discovery_extend_exclude", multiple=True, metavar="PATTERNS",
                  help="Files and folders to skip on top of 'exclude'.")
    @click.option("--force-exclude", "discovery_force_exclude", is_flag=True, default=None,
                  help="Apply the exclusions to paths named on the command line too (for pre-commit).")
    @click.option("--no-respect-gitignore", "discovery_no_gitignore", is_flag=True, default=None,
                  help="Lint files that .gitignore ignores.")
    @functools.wraps(func)
    def wrapper(*args, discovery_exclude=(), discovery_extend_exclude=(), discovery_force_exclude=None,
                discovery_no_gitignore=None, **kwargs):
        ctx = click.get_current_context()
        ctx.meta[KEY] = {"exclude": discovery_exclude, "extend-exclude": discovery_extend_exclude,
                         "force-exclude": discovery_force_exclude, "respect-gitignore": False if discovery_no_gitignore else None}
        return func(*args, **kwargs)

    return wrapper


def apply(settings) -> None:
    """Copy the command line's discovery options, and the files this run writes, onto ``settings``."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    given = ctx.meta.get(KEY, {})
    if given.get("exclude"):
        settings.set("exclude", split_codes(given["exclude"]), COMMAND_LINE)
    settings.cli_extend_exclude = split_codes(given.get("extend-exclude"))
    for key in ("force-exclude", "respect-gitignore"):
        if given.get(key) is not None:
            settings.set(key, given[key], COMMAND_LINE)
    settings.run_outputs = [ctx.params[name] for name in _RUN_OUTPUTS if ctx.params.get(name)]
