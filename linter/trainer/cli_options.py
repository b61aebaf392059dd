"""``--tokenizer``, ``--max-seq-length`` and ``--trainer-config`` for ``check``, ``fix`` and ``stats``
(``fix --unsafe-fixes`` drops the examples the trainer's exact length finds too long: FT311, FT312).

The decorator adds the options and keeps their values in the click context,
so the commands' own signatures do not change; ``apply(settings)`` copies them
onto the settings wherever a command builds them. With a trainer config and
no paths (and no ``files`` in the config), the datasets the trainer will read
become the files to lint.
"""

from __future__ import annotations

import functools

import click

KEY = "ftlint.trainer"


def trainer_options(func):
    @click.option("--tokenizer", "trainer_tokenizer", metavar="SOURCE",
                  help="Count as the trainer does: a Hugging Face model folder, a tokenizer.json, a Mistral tokenizer file, or a repo id in the local HF cache (never downloaded).")
    @click.option("--max-seq-length", "trainer_max_seq_length", type=click.IntRange(min=1),
                  help="The trainer's maximum sequence length (TRL max_length, axolotl sequence_len, LLaMA-Factory cutoff_len).")
    @click.option("--trainer-config", "trainer_config", type=click.Path(dir_okay=False),
                  help="An axolotl or LLaMA-Factory YAML: lint its datasets with its tokenizer, template, mapping and length.")
    @functools.wraps(func)
    def wrapper(*args, trainer_tokenizer=None, trainer_max_seq_length=None, trainer_config=None, **kwargs):
        ctx = click.get_current_context()
        ctx.meta[KEY] = {"tokenizer": trainer_tokenizer, "max_seq_length": trainer_max_seq_length, "trainer_config": trainer_config}
        return func(*args, **kwargs)

    return wrapper


def apply(settings) -> None:
    """Copy the command line's trainer options onto ``settings`` (they win over the config file)."""
    ctx = click.get_current_context(silent=True)
    given = ctx.meta.get(KEY, {}) if ctx is not None else {}
    from ..config import COMMAND_LINE

    for key, value in given.items():
        if value:  # recorded as the command line's: --show-settings and the reports' "limit from" say so
            settings.set(key.replace("_", "-"), value, COMMAND_LINE)
    if settings.trainer_config:
        from .setup import read_plan

        plan = read_plan(settings)
        for note in plan.notes:
            click.echo(f"ftlint: warning: {note}", err=True)
        if not settings.files:
            settings.set("files", [d.path for d in plan.datasets], f"--trainer-config {plan.source}")
        if "profile" not in settings.origins:
            # the trainer decides what its data may look like: axolotl's and LLaMA-Factory's formats
            # (ShareGPT, Alpaca) are errors under the default openai-sft profile
            settings.set("profile", plan.framework, f"--trainer-config {plan.source}")
