"""FT202-FT206: what the text itself contains: special tokens, leaked role
labels, unfilled templates, and (opt-in) secrets and personal data.

These rules read every string a model is trained on or prompted with, in chat
rows, RFT prompts and preference pairs alike (``texts``).
"""

from __future__ import annotations

import hashlib
import re
from typing import Iterable, Iterator

from ..findings import Severity, Violation, pointer
from ..plugin import hookimpl
from ..rows import Row
from ..schema import CHAT, PREFERENCE, RFT
from ..text import show
from .base import Rule

TEXT_KINDS = frozenset({CHAT, RFT, PREFERENCE})


def _message_texts(messages, base: tuple) -> Iterator[tuple[tuple, str, str]]:
    if not isinstance(messages, list):
        return
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            role = message.get("role")
            yield (*base, index, "content"), role if isinstance(role, str) else "", content
        elif isinstance(content, list):
            role = message.get("role")
            role = role if isinstance(role, str) else ""
            for pindex, part in enumerate(content):
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    yield (*base, index, "content", pindex, "text"), role, part["text"]


def texts(row: Row) -> list[tuple[tuple, str, str]]:
    """``(path, role, text)`` for every message text of a chat, RFT or preference row.

    The path is a tuple for ``pointer(*path)``, built only when there is
    something to report (most texts have nothing). Computed once per row.
    """
    return row.derived(texts, _text_list)


def _text_list(row: Row) -> list[tuple[tuple, str, str]]:
    return list(_texts(row))


def _texts(row: Row) -> Iterator[tuple[tuple, str, str]]:
    value = row.value
    if row.kind == PREFERENCE:
        source = value.get("input")
        if isinstance(source, dict):
            yield from _message_texts(source.get("messages"), ("input", "messages"))
        for key in ("preferred_output", "non_preferred_output"):
            yield from _message_texts(value.get(key), (key,))
    else:
        yield from _message_texts(value.get("messages"), ("messages",))


SPECIAL_TOKENS = re.compile(
    r"<\|(?:endoftext|fim_prefix|fim_middle|fim_suffix|endofprompt|im_start|im_end|im_sep|start|end|message|channel|"
    r"return|call|constrain|begin_of_text|end_of_text|start_header_id|end_header_id|eot_id|eom_id|python_tag|"
    r"system|user|assistant|pad|unk)\|>|\[/?INST\]|<</?SYS>>|</?s>(?=\s|$)|<start_of_turn>|<end_of_turn>"
)


class SpecialToken(Rule):
    """Control tokens of chat templates (``<|endoftext|>``, ``<|im_start|>``,
    ``<|fim_suffix|>``, ``[INST]``, ``<|eot_id|>``...) inside text are either
    rejected ("message contains an invalid token") or, worse, parsed as real
    turn boundaries by the trainer. They usually leak from a template that was
    rendered before export."""

    code = "FT202"
    name = "special-token"
    summary = "Text contains a chat-template control token"
    kinds = TEXT_KINDS
    reads = ("texts",)
    bad = '{"messages": [{"role": "user", "content": "hi<|im_end|>"}, {"role": "assistant", "content": "Hello!<|endoftext|>"}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for where, _, text in texts(row):
            # every token starts with "<" except [INST] and [/INST]: two substring tests skip the regex on most texts
            match = SPECIAL_TOKENS.search(text) if ("<" in text or "INST]" in text) else None
            if match:
                yield Violation(f"contains the control token {show(match.group())}", pointer(*where))


# Line-initial labels only, and only the unambiguous ones: "A:" or "System:" also start ordinary lines.
ROLE_LABEL = re.compile(r"(?im)^[ \t]*(User|Human|Assistant|### (?:Instruction|Response|Input))[ \t]*:")


class RoleLabelLeak(Rule):
    """"User:" or "Assistant:" inside a message means a transcript was pasted
    into one turn instead of being split into messages; the model learns to
    write both sides of the conversation."""

    code = "FT203"
    name = "role-label-leak"
    summary = "Message text contains a role label such as 'User:' or 'Assistant:'"
    severity = Severity.WARNING
    kinds = TEXT_KINDS
    reads = ("texts",)
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!\\nUser: thanks\\nAssistant: You are welcome."}]}'
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "thanks"}, {"role": "assistant", "content": "You are welcome."}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for where, _, text in texts(row):
            match = ROLE_LABEL.search(text) if ":" in text and ("\n" in text or text.lstrip()[:1] in "UuHhAa#") else None
            if match:
                yield Violation(f"contains the role label {show(match.group().strip())}; split the turns into messages", pointer(*where))


PLACEHOLDER = re.compile(
    r"\{\{\s*[\w.\-]+\s*\}\}|\$\{[\w.\-]+\}|\[(?:INSERT|YOUR|PLACEHOLDER|TODO|NAME|COMPANY)[^\]\n]{0,40}\]"
    r"|<(?:PLACEHOLDER|INSERT[^>\n]{0,40})>|\{(?:user_?name|customer_?name|name|first_?name|company|product|date)\}",
)


class TemplatePlaceholder(Rule):
    """``{{customer_name}}``, ``${product}`` or ``[INSERT NAME]`` left in text
    mean a template was never filled; the model learns to emit the braces."""

    code = "FT204"
    name = "template-placeholder"
    summary = "Text contains an unfilled template placeholder"
    severity = Severity.WARNING
    kinds = TEXT_KINDS
    reads = ("texts",)
    bad = '{"messages": [{"role": "user", "content": "Where is my order?"}, {"role": "assistant", "content": "Hi {{customer_name}}, it ships today."}]}'
    good = '{"messages": [{"role": "user", "content": "Where is my order?"}, {"role": "assistant", "content": "Hi Ana, it ships today."}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for where, _, text in texts(row):
            match = PLACEHOLDER.search(text) if ("{" in text or "[" in text or "<" in text) else None
            if match:
                yield Violation(f"contains the unfilled placeholder {show(match.group())}", pointer(*where))


SECRETS = (
    ("an OpenAI API key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}")),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}")),
    ("a private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----")),
    ("a JSON Web Token", re.compile(r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}")),
    ("a Stripe secret key", re.compile(r"\b(?:sk|rk)_live_[A-Za-z0-9]{20,}")),
)


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:8]


class Secret(Rule):
    """API keys and private keys in training data are memorised and can be
    extracted from the fine-tuned model. Opt-in (``extend-select = ["FT205"]``)
    because it scans every string. The secret itself is never printed: only its
    kind and a hash prefix to find it with."""

    code = "FT205"
    name = "secret"
    summary = "Text contains what looks like a secret (API key, token, private key)"
    kinds = TEXT_KINDS
    default_enabled = False
    reads = ("texts",)
    screen = ("sk-", "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "AIza", "-----BEGIN", "eyJ", "_live_")
    bad = '{"messages": [{"role": "user", "content": "my key is AKIAIOSFODNN7EXAMPLE"}, {"role": "assistant", "content": "Thanks."}]}'
    good = '{"messages": [{"role": "user", "content": "my key is in the vault"}, {"role": "assistant", "content": "Thanks."}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for where, _, text in texts(row):
            for kind, pattern in SECRETS:
                match = pattern.search(text)
                if match:
                    yield Violation(f"contains {kind} (sha256 {_fingerprint(match.group())}…); remove or redact it", pointer(*where))
                    break


EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b")
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.\-]?)?(?:\(\d{2,4}\)[\s.\-]?|\d{2,4}[\s.\-])\d{3,4}[\s.\-]\d{3,4}(?![\w])")


class PersonalData(Rule):
    """E-mail addresses and phone numbers in training data may be personal
    data the model memorises. Opt-in (``extend-select = ["FT206"]``); the value
    is never printed, only its kind and a hash prefix."""

    code = "FT206"
    name = "personal-data"
    summary = "Text contains an e-mail address or phone number"
    severity = Severity.WARNING
    kinds = TEXT_KINDS
    default_enabled = False
    bad = '{"messages": [{"role": "user", "content": "Reach me at ana.lopez@example.com or +1 415 555 0132"}, {"role": "assistant", "content": "Noted."}]}'
    good = '{"messages": [{"role": "user", "content": "Reach me by e-mail"}, {"role": "assistant", "content": "Noted."}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for where, _, text in texts(row):
            for kind, pattern in (("an e-mail address", EMAIL), ("a phone number", PHONE)):
                match = pattern.search(text)
                if match:
                    yield Violation(f"contains {kind} (sha256 {_fingerprint(match.group())}…)", pointer(*where))


RULES = (SpecialToken, RoleLabelLeak, TemplatePlaceholder, Secret, PersonalData)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
