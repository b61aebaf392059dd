"""The trainer's view: open-model tokenizers, chat templates, sequence length and trained tokens.

``view_for(settings)`` builds a ``TrainerView`` when ``tokenizer``,
``max-seq-length`` or ``trainer-config`` is set (command line or
``[tool.ftlint]``), else None; the engine then counts with it instead of
tiktoken and the FT31x rules (``linter.trainer.rules``) come alive.
See docs/trainer.md.
"""

from __future__ import annotations

from .setup import view_for

__all__ = ["view_for"]
