"""Chat templates rendered as transformers renders them, inside limits.

The environment mirrors ``transformers.utils.chat_template_utils``: Jinja2's
``ImmutableSandboxedEnvironment`` with ``trim_blocks``/``lstrip_blocks``, the
``loopcontrols`` extension, the ``generation`` block (whose character spans
become the assistant mask), ``raise_exception``, ``strftime_now``, a
``tojson`` that does not HTML-escape, ``dict`` and a ``namespace`` that
refuses dunder names. Messages lose their ``None`` values first, as
transformers' ``_normalize_chat_messages`` does.

Templates are untrusted code from a model repository, so every render has a
time limit (``SIGALRM`` in the main thread) and a size limit (output, and
strings or lists built with ``*`` / ``+``): a template that loops forever or
builds huge strings becomes a ``TemplateFailure`` for that row, never a hang.
"""

from __future__ import annotations

import json
import re
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

GENERATION_RE = re.compile(r"\{%-?\s*generation\s*-?%\}")
MAX_RENDER_SECONDS = 2.0
MAX_RENDER_CHARS = 16 * 1024 * 1024
REASONING_FIELDS = ("reasoning_content", "thinking", "reasoning")


class TemplateFailure(Exception):
    """Rendering failed: ``raise_exception``, a Jinja error, or a sandbox limit. ``str()`` is the message."""


class TemplateSyntaxProblem(ValueError):
    """The template is not valid Jinja (raised once, when it is compiled)."""


@dataclass
class Rendered:
    text: str
    spans: list[tuple[int, int]]  # character spans of the generation blocks, in order


class _Tracker(jinja2.ext.Extension):
    """``{% generation %}...{% endgeneration %}``: records where each block's output lands."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_generation"), [], [], body).set_lineno(lineno)

    def _generation(self, caller):
        text = caller()
        state = self.environment.render_state
        if state is not None:  # [characters yielded so far, spans]: the block lands after them
            start = state[0]
            state[1].append((start, start + len(text)))
        return text


class _Namespace(jinja2.utils.Namespace):
    def __init__(*args, **kwargs):  # noqa: N805 - Jinja's signature trick, so namespace(self=...) works
        self, args = args[0], args[1:]
        attrs = dict(*args, **kwargs)
        for name in attrs:
            _Namespace._check(name)
        jinja2.utils.Namespace.__init__(self, attrs)

    def __setitem__(self, name, value):
        _Namespace._check(name)
        jinja2.utils.Namespace.__setitem__(self, name, value)

    @staticmethod
    def _check(name):
        if isinstance(name, str) and name.startswith("_"):
            raise jinja2.exceptions.SecurityError(f"chat templates cannot store underscore-prefixed attributes ({name!r})")


class _Dict:
    def __call__(self, *args, **kwargs):
        return dict(*args, **kwargs)

    def fromkeys(self, *args, **kwargs):
        return dict.fromkeys(*args, **kwargs)


class _LimitedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with size checks on ``*``, ``**`` and ``+`` (the ways a template multiplies text)."""

    intercepted_binops = frozenset({"*", "**", "+"})

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            if isinstance(right, int) and abs(right) > 64:
                raise jinja2.exceptions.SecurityError("exponent too large for a chat template")
        elif operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_RENDER_CHARS:
                    raise jinja2.exceptions.SecurityError(f"the template builds a value over {MAX_RENDER_CHARS:,} items")
        elif operator == "+":
            if isinstance(left, (str, list)) and isinstance(right, type(left)) and len(left) + len(right) > MAX_RENDER_CHARS:
                raise jinja2.exceptions.SecurityError(f"the template builds a value over {MAX_RENDER_CHARS:,} items")
        return super().call_binop(context, operator, left, right)


def _raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def _tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def _strftime_now(fmt):
    return datetime.now().strftime(fmt)


class _TimeLimit(Exception):
    pass


@contextmanager
def _deadline(seconds: float):
    """Interrupt the render after ``seconds`` (main thread only; elsewhere the size limits still hold)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise _TimeLimit()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class ChatTemplate:
    """One compiled chat template with the special tokens it is rendered with."""

    def __init__(self, source: str, special_tokens: dict[str, Any] | None = None, seconds: float = MAX_RENDER_SECONDS) -> None:
        self.source = source
        self.special_tokens = dict(special_tokens or {})
        self.has_generation = bool(GENERATION_RE.search(source))
        self.seconds = seconds
        env = _LimitedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[_Tracker, jinja2.ext.loopcontrols])
        env.render_state = None
        env.filters["tojson"] = _tojson
        env.globals.update(raise_exception=_raise_exception, strftime_now=_strftime_now, dict=_Dict(), namespace=_Namespace)
        self.env = env
        try:
            self.compiled = env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateSyntaxProblem(f"the chat template is not valid Jinja: {exc.message} (template line {exc.lineno})") from None

    def render(self, messages: list[dict], tools: list | None = None, **extra: Any) -> Rendered:
        """The text of one conversation with ``add_generation_prompt=False``, and its generation spans."""
        chat = [_normalise(m) for m in messages]
        blocks: list[str] = []
        spans: list[tuple[int, int]] = []
        size = 0
        state = self.env.render_state = [0, spans]
        try:
            with _deadline(self.seconds):
                for block in self.compiled.generate(
                    messages=chat, tools=tools, documents=None, add_generation_prompt=False, **{**self.special_tokens, **extra}
                ):
                    size += len(block)
                    if size > MAX_RENDER_CHARS:
                        raise TemplateFailure(f"the chat template rendered over {MAX_RENDER_CHARS:,} characters (sandbox limit)")
                    blocks.append(block)
                    state[0] = size
        except _TimeLimit:
            raise TemplateFailure(f"the chat template ran over {self.seconds:g}s for one example (sandbox limit)") from None
        except jinja2.exceptions.TemplateError as exc:
            raise TemplateFailure(str(exc.message if getattr(exc, "message", None) else exc) or type(exc).__name__) from None
        except RecursionError:
            raise TemplateFailure("the chat template recursed too deeply") from None
        except MemoryError:
            raise TemplateFailure("the chat template ran out of memory (sandbox limit)") from None
        except (TypeError, ValueError, KeyError, AttributeError, IndexError, ZeroDivisionError, OverflowError) as exc:
            raise TemplateFailure(f"{type(exc).__name__}: {exc}") from None
        finally:
            self.env.render_state = None
        return Rendered("".join(blocks), spans)


def _normalise(message: Any) -> Any:
    """Drop ``None`` values (transformers does) and alias reasoning fields to ``reasoning_content``/``thinking``."""
    if not isinstance(message, dict):
        return message
    message = {k: v for k, v in message.items() if v is not None}
    reasoning = next((message[k] for k in REASONING_FIELDS if message.get(k) is not None), None)
    if reasoning is not None:
        message = {"thinking": reasoning, **message, "reasoning_content": reasoning}
    return message
