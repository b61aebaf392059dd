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


DEFAULT_TIMEOUT = 60.0  # seconds without progress on one request (the SDK's own default is 600)
DEFAULT_RETRIES = 2  # the SDK's default: three attempts in all


def key_problem() -> str | None:
    """Why the configured API key cannot work, or None.

    A key read from a file often keeps its newline, and a key copied from a web
    page may carry a typographic quote; either fails inside the HTTP library,
    which the SDK reports as a network error. Said here, before any work, as
    what it is. The message never shows the key.
    """
    import openai

    key = os.environ.get("OPENAI_API_KEY")
    if not key:
        if getattr(openai, "api_key", None):
            return None
        return "OPENAI_API_KEY is not set; export it (ftlint never takes a key on the command line)"
    fix = "remove it, e.g. export OPENAI_API_KEY=\"$(tr -d '[:space:]' < key.txt)\""
    if key.endswith(("\n", "\r")):
        return f"OPENAI_API_KEY ends with a newline (as a key read from a file often does); {fix}"
    if key != key.strip():
        return f"OPENAI_API_KEY starts or ends with whitespace; {fix}"
    if not key.isascii() or not key.isprintable() or any(c.isspace() for c in key):
        return "OPENAI_API_KEY contains a space, a control or a non-ASCII character (a quote copied with it?); API keys are plain ASCII"
    return None


def require_key() -> None:
    problem = key_problem()
    if problem:
        raise SubmitError(problem)


def make_client(base_url: str | None = None, timeout: float = DEFAULT_TIMEOUT, max_retries: int = DEFAULT_RETRIES):
    """An OpenAI client for ``base_url`` (or ``OPENAI_BASE_URL``, or api.openai.com).

    ``timeout`` bounds each wait on the network (connecting, sending, each read),
    so a server that stops answering fails a call after that many seconds rather
    than the SDK's ten minutes per attempt.
    """
    import openai

    require_key()
    return openai.OpenAI(base_url=base_url or os.environ.get("OPENAI_BASE_URL") or None, timeout=timeout, max_retries=max_retries)


def unlisted(exc: Exception) -> bool:
    """True when the server does not offer the endpoint at all (some OpenAI-compatible servers lack some)."""
    import openai

    return isinstance(exc, openai.APIStatusError) and exc.status_code in (404, 405, 501)


def outcome_unknown(exc: Exception) -> bool:
    """True when a request may have reached the server although no answer came back."""
    import openai

    return isinstance(exc, openai.APIConnectionError)  # a timeout is one too


def _waited(exc: Exception) -> str:
    timeout = getattr(getattr(exc, "request", None), "extensions", {}).get("timeout") or {}
    seconds = timeout.get("read") or timeout.get("connect")
    return f"{seconds:g} s" if seconds else "the timeout"


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
        reason = f"the server did not answer within {_waited(exc)} (--timeout sets the limit); check the network or the server and re-run the same command"
    elif isinstance(exc, openai.APIConnectionError):
        reason = "could not reach the API (network error); check the network or --base-url and re-run the same command"
    elif isinstance(exc, openai.APIStatusError):
        message = getattr(exc, "message", "") or str(exc)
        reason = f"the server answered {exc.status_code}: {message}"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return SubmitError(redact(f"{doing}: {reason}"))
