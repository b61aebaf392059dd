"""ftlint-example: the template for a team's own rules.

Two rules, each in ``rules.py``, registered through the ``register_rules``
hook below; the entry point in ``pyproject.toml`` is what makes ftlint load
this module.
"""

from linter import hookimpl


@hookimpl
def register_rules(register):
    # import inside the hook so 'ftlint --help' stays fast
    from .rules import AssistantJsonSchema, BannedPhrases

    register(BannedPhrases)
    register(AssistantJsonSchema)
