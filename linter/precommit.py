"""The entry point of the pre-commit ``ftlint`` hook: lint the dataset files among those staged.

pre-commit picks a hook's files by a pattern and cannot read ``[tool.ftlint]``,
so a pattern broad enough for every format ftlint reads would also hand it
``package.json`` and ``train_config.json``, whose commits then fail. The hook
passes the candidates here instead; this keeps JSON Lines files (``.jsonl``,
``.jsonl.gz``, ``.ndjson``, ``.jsonlines``) and the files that
``[tool.ftlint] files`` names (a file, or a folder and what is inside it),
drops the rest, and runs ``ftlint check`` on what is left (nothing left: exit 0).

``--any-format`` keeps every file pre-commit passed, for a configuration whose
own ``files:`` pattern already says which files are datasets (to add CSV, say).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .config import ConfigError, load

JSON_LINES = (".jsonl", ".jsonl.gz", ".ndjson", ".jsonlines")
ANY_FORMAT = "--any-format"


def named_in_config(config_file: str | None) -> list[Path] | None:
    """The resolved paths ``[tool.ftlint] files`` lists; None when the config is broken (check reports it)."""
    try:
        settings = load(config_file)
    except ConfigError:
        return None
    return [(Path(settings.root) / name).resolve() for name in settings.files]


def is_dataset(path: str, named: list[Path]) -> bool:
    if path.lower().endswith(JSON_LINES):
        return True
    resolved = Path(path).resolve()
    return any(resolved == entry or entry in resolved.parents for entry in named)


def hook_arguments(argv: list[str]) -> list[str] | None:
    """``check``'s arguments without the non-dataset files; None when no file is left to lint."""
    from .commands.check import check

    if ANY_FORMAT in argv:
        return [arg for arg in argv if arg != ANY_FORMAT]
    params = check.make_context("check", list(argv), resilient_parsing=True).params
    paths = list(params.get("paths") or ())
    if not paths:
        return argv  # pass_filenames: false, or no candidates: check decides (config files, usage)
    named = [] if params.get("isolated") else named_in_config(params.get("config_file"))
    if named is None:
        return argv
    dropped = [path for path in paths if not is_dataset(path, named)]
    if len(dropped) == len(paths):
        return None
    kept = list(argv)
    for path in dropped:  # pre-commit appends the file names last: drop each from the end
        del kept[len(kept) - 1 - kept[::-1].index(path)]
    return kept


def main() -> None:
    arguments = hook_arguments(sys.argv[1:])
    if arguments is None:
        sys.exit(0)
    sys.argv = ["ftlint", "check", *arguments]
    from .cli import run

    run()


if __name__ == "__main__":
    main()
