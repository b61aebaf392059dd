"""The OpenAI client, its failures as clear one-line errors, and secret hygiene.

The API key is read by the SDK from the environment (``OPENAI_API_KEY``) or its
own configuration, is checked before any work, and never appears in output:
every message that leaves this plugin goes through ``redact``.
"""

from __future__ import annotations

import os
import re

import click

EXIT_ERROR = 2
_KEY_LIKE = re.compile(r"sk-[A-Za-z0-9_\-*]{4,}")


class SubmitError(click.ClickException):
    """A failure of the submit workflow: exit 2 with a one-line reason."""

    exit_code = EXIT_ERROR

    def show(self, file=None) -> None:
        click.echo(f"ftlint: error: {redact(self.format_message())}", err=True)


def redact(text: str) -> str:
    """Remove the API key, and anything shaped like one, from a message."""
    key = os.environ.get("OPENAI_API_KEY") or ""
    if key:
        text = text.replace(key, "[redacted]")
    return _KEY_LIKE.sub("[redacted]", text)


def api_key_present() -> bool:
    import openai

    return bool(os.environ.get("OPENAI_API_KEY") or getattr(openai, "api_key", None))


def make_client(base_url: str | None = None):
    """An OpenAI client for ``base_url`` (or ``OPENAI_BASE_URL``, or api.openai.com)."""
    import openai

    if not api_key_present():
        raise SubmitError("OPENAI_API_KEY is not set; export it (ftlint never takes a key on the command line)")
    return openai.OpenAI(base_url=base_url or os.environ.get("OPENAI_BASE_URL") or None)


def explain(exc: Exception, doing: str) -> SubmitError:
    """Turn an SDK exception into a SubmitError that says what happened."""
    import openai

    if isinstance(exc, openai.AuthenticationError):
        reason = "the API key was refused (authentication failed); check OPENAI_API_KEY and the base URL"
    elif isinstance(exc, openai.PermissionDeniedError):
        reason = "the key has no permission for this (403)"
    elif isinstance(exc, openai.RateLimitError):
        reason = "rate limited or out of quota (429); wait and re-run the same command"
    elif isinstance(exc, openai.APIStatusError) and exc.status_code == 413:
        reason = "the file is too large for this endpoint (413 Request Entity Too Large); OpenAI's Files API takes up to 512 MB"
    elif isinstance(exc, openai.APITimeoutError):
        reason = "the request timed out; check the network and re-run the same command"
    elif isinstance(exc, openai.APIConnectionError):
        reason = "could not reach the API (network error); check the network or --base-url and re-run the same command"
    elif isinstance(exc, openai.APIStatusError):
        message = getattr(exc, "message", "") or str(exc)
        reason = f"the server answered {exc.status_code}: {message}"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return SubmitError(redact(f"{doing}: {reason}"))
