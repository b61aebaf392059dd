"""One module per ``ftlint`` subcommand, after ruff's layout.

``check`` (also ``--show-settings``/``--show-files``), ``fix``, ``stats``, ``convert``,
``rules``, ``rule``, ``plugins``, ``profiles`` and ``models``: each module holds its command's
options and the few lines that turn them into a run (``linter.runner``) or a listing;
``common`` holds what several share (the selection options, building the settings, expanding
paths, the formatter choice, the exit codes and the one-line error). ``linter.cli`` is the
``ftlint`` group: it registers these commands, turns failures into exit code 2 and holds
``main()``.

Every command module is imported at start (click needs each command for ``--help``), so a
module imports at its top only what every run loads anyway (click, the settings, the registry,
the runner); the rest (the fixer, the converter, rule pages, HTML, the progress bar) it imports
where it is used, so ``ftlint check`` on a small file (the pre-commit hook) pays for nothing
another command needs: ``python -X importtime -m linter check --help`` lists the same modules
as before the split, plus these.
"""
