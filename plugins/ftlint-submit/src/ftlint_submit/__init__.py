"""ftlint-submit: ``ftlint submit``, ``ftlint jobs ...`` and ``ftlint models delete``.

Registered through ftlint's ``register_commands`` hook. The OpenAI SDK is
imported only when one of these commands runs, so the plugin costs nothing
to ``ftlint check``.
"""

from linter import hookimpl


@hookimpl
def register_commands(cli):
    from .commands import jobs, models_delete, submit

    cli.add_command(submit)
    cli.add_command(jobs)
    models = cli.commands.get("models")
    if models is not None and hasattr(models, "add_command"):
        models.add_command(models_delete)
