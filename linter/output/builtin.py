"""Registers the built-in output formats."""

from ..plugin import hookimpl
from .machine import GithubFormatter, JsonFormatter, JsonLinesFormatter, JunitFormatter, SarifFormatter
from .text import TextFormatter


@hookimpl
def register_formatters(register):
    for formatter in (TextFormatter, JsonFormatter, JsonLinesFormatter, GithubFormatter, SarifFormatter, JunitFormatter):
        register(formatter.name, formatter)
