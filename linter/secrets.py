"""What looks like a secret: API keys, tokens, private keys.

One list for two jobs: FT205 reports secrets wherever a line holds one
(``secrets_in`` walks a parsed row, keys and JSON-in-a-string included), and
every message that quotes a dataset value (``text.show``) redacts them, whether
or not FT205 is enabled, so no output format ever repeats a key.
"""

from __future__ import annotations

import bisect
import collections
import functools
import json
import re
import threading
from typing import Any, Callable, Iterator, NamedTuple

from .screening import Scanner, Screen

# An OpenAI key needs ``\b`` before its ``sk-`` unless it is a project/service/admin key holding digits and
# capitals: ``task-management-...`` and ``risk-admin-approval-...`` spell ``sk-`` then 20 key characters.
# Keys behind a short prefix that identifiers and prose also spell (``hf_hub_download``, the x86 register
# ``r8_``, firmware's ``fw_``) follow the same rule through ``_short_prefixed``. Every other opening is
# distinctive enough to find glued to the word before it (``tokenAKIA...``, a key pasted after text without
# a space, ``xsk-proj-...``).


def _short_prefixed(prefixes: tuple[str, ...], chars: str, shortest: int, longest: int, digit: bool = False) -> str:
    """A key of ``shortest`` to ``longest`` ``chars`` after a short prefix: at a word's start, or glued to
    the word before it when it holds a digit (``digit``: in both places), and with capitals and small
    letters either way, which random key characters have and ``snake_case`` names and placeholders
    (``hf_xxxx...``) do not. Nothing of ``chars`` may follow: a longer run is a name, not this key.
    The lookaheads look no further than a key's length: on a long run each try stays short."""
    body = f"[{chars}]"
    within = f"{body}{{0,{longest - 1}}}"
    needs_digit = f"(?={within}[0-9])"
    starts = [f"{prefix}{needs_digit}" if digit else f"\\b{prefix}|{prefix}{needs_digit}" for prefix in prefixes]
    return f"(?:{'|'.join(starts)})(?={within}[A-Z])(?={within}[a-z]){body}{{{shortest},{longest}}}(?!{body})"


# kind: (prefixes, key characters, shortest and longest key, digit needed at a word's start too)
_SHORT_PREFIXED = {
    # user and organisation tokens: real ones are often letters only, so 34 letters after hf_ count (a class
    # name of exactly that length, 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, is redacted too: the safe side)
    "a Hugging Face token": (("hf_", "api_org_"), "A-Za-z0-9", 34, 34, False),
    "a Groq API key": (("gsk_",), "A-Za-z0-9", 48, 52, False),
    "a Replicate API token": (("r8_",), "A-Za-z0-9_\\-", 37, 37, False),
    "a Fireworks AI API key": (("fw_",), "A-Za-z0-9", 20, 48, True),
}

# What a raw line spells wherever it holds a key of these kinds (a \u00XX or \/ escape aside): the prefix,
# then a key's length of key characters and no more, which "hf_hub_download" does not (what follows a key
# in its string is escaped, if at all, with a backslash, no key character). FT205's screen and
# ``checks_for`` ask for these instead of the prefix alone, so code about Hugging Face passes neither.
SHORT_PREFIX_SCREENS = {
    kind: re.compile("|".join(f"{prefix}[{chars}]{{{shortest},{longest}}}(?:[^{chars}]|$)" for prefix in prefixes).encode())
    for kind, (prefixes, chars, shortest, longest, _) in _SHORT_PREFIXED.items()}


# An AWS secret access key is 40 characters of [A-Za-z0-9/+] with no prefix of its own: alone, it is any base64
# run. So, as secret scanners do (gitleaks' and trufflehog's AWS rules pair it with a key id or a name), it counts
# only with its context in the same string: within 50 characters after an access key id, or after a name
# (aws_secret_access_key, secret_access_key, SecretAccessKey, aws_secret, any of them in capitals) and a
# separator (quotes, =, :, =>, >, spaces). With capitals and small letters, which random keys have and
# placeholders (xxxx..., YOUR_KEY...) do not; no key character on either side. After a key id the whole run from
# the id to the secret is the match (the id is a secret too); after a name, only the key (group "secret"), so
# output keeps the name: ``aws_secret_access_key=[redacted secret]``. Each try looks no further than 50 + 40
# characters past a key id or 20 past a name, so a hostile run of openings costs linear time.
_AWS_SECRET_KEY = r"(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}[A-Z])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])"
_AWS_SECRET_NAME = (r"(?:(?:aws|Aws|AWS)[_\-. ]?)?(?:secret|Secret|SECRET)[_\-. ]?(?:access|Access|ACCESS)[_\-. ]?(?:key|Key|KEY)"
                    r"|(?:aws|Aws|AWS)[_\-. ]?(?:secret|Secret|SECRET)(?:[_\-. ]?(?:key|Key|KEY))?")
AWS_SECRET_ACCESS_KEY = re.compile(
    rf"(?:AKIA|ASIA)[0-9A-Z]{{16}}(?![0-9A-Z])[\s\S]{{0,49}}?(?<![A-Za-z0-9/+])(?P<after_id>{_AWS_SECRET_KEY})"
    rf"|(?:{_AWS_SECRET_NAME})(?=[ \t\n\r\"'`:=>])[\"'`]?[ \t\n\r]{{0,3}}(?:[:=]>?|>)?[ \t\n\r]{{0,3}}[\"'`]?"
    rf"(?P<secret>{_AWS_SECRET_KEY})")
# The same key as a whole value under such a name: {"aws_secret_access_key": "wJal..."} as a parsed object, where
# the name and the key are two strings. FT205 (``secrets_in``) and fix edits (``redact_named``) ask about both.
AWS_SECRET_NAME_ALONE = re.compile(rf"[\"'`\s]*(?:{_AWS_SECRET_NAME})[\"'`\s:=]*")
AWS_SECRET_ALONE = re.compile(rf"\s*{_AWS_SECRET_KEY}\s*")
AWS_SECRET = "an AWS secret access key"
# What a raw line (or a text) spells wherever a name opens one: the name's "ecret", a name's rest, separators as
# written or as JSON escapes them (a quote escaped once or more, \t, \n), then 40 key characters (a key escaped with \/ or \u00XX passes
# every screen anyway). Looser than the pattern, never stricter.
AWS_SECRET_NAME_SCREEN = re.compile(
    rb"(?:ecret|ECRET)[A-Za-z_\-. ]{0,12}(?:\\[tnr]|[ \t\n\r\"'`:=>\\]){1,30}[A-Za-z0-9/+]{40}")

# A JSON Web Token: three base64url segments, the first two JSON objects (base64 of '{"' is "eyJ"), wherever
# it starts: after a word character too, as an OpenAI project key or a GitHub token may. Base64 prose and data
# spell "eyJ" but neither the dots nor a second "eyJ" right after the first one, so a glued opening adds no
# false positive there.
JWT = re.compile(r"eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}")

SECRETS = (
    # before the key id's: a key id followed by its secret is one match, named for the secret
    (AWS_SECRET, AWS_SECRET_ACCESS_KEY),
    # before OpenAI's: these keys start with "sk-" too, and a kind listed first names a key first
    ("an Anthropic API key", re.compile(r"sk-ant-[a-z]{2,6}[0-9]{2}-[A-Za-z0-9_\-]{32,}")),  # api03, admin01, oat01, ort01, sid01
    ("an OpenRouter API key", re.compile(r"sk-or-v1-[0-9a-f]{64}")),
    ("a Langfuse secret key", re.compile(r"sk-lf-[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}")),
    ("an OpenAI API key", re.compile(
        r"\bsk-[A-Za-z0-9_\-]{20,}"
        # glued to the word before it: only a project/service/admin key with the digits and capitals real keys
        # have, so "risk-admin-approval-workflow-guide" (prose, hyphenated) is no key; looked for within a
        # key's length (they are under 200 characters), so a long run of "xsk-proj-..." costs no square time
        r"|sk-(?:proj|svcacct|admin)-(?=[A-Za-z0-9_\-]{0,199}[0-9])(?=[A-Za-z0-9_\-]{0,199}[A-Z])[A-Za-z0-9_\-]{20,}")),
    ("an AWS access key id", re.compile(r"(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])")),
    ("a GitHub token", re.compile(r"(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("a Slack token", re.compile(r"xox[abprs]-[A-Za-z0-9\-]{10,}")),
    ("a Google API key", re.compile(r"AIza[0-9A-Za-z_\-]{35}")),
    # the whole key, not only its header: redacting the header alone printed the key material after it
    ("a private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----(?:[\s\S]*?(?:-----END[^-]*-----|\Z))")),
    # glued to the word before it too ("token=abceyJ...", a token pasted after text without a space); the
    # tries inside one run of token characters are one try (``_SAME_FATE``), so a long run costs linear time
    ("a JSON Web Token", JWT),
    ("a Stripe secret key", re.compile(r"(?:sk|rk)_live_[A-Za-z0-9]{20,}")),
    # the keys ML teams paste: model hubs and inference APIs
    *((kind, re.compile(_short_prefixed(*spec))) for kind, spec in _SHORT_PREFIXED.items()),
    ("a Together AI API key", re.compile(r"tgp_v1_[A-Za-z0-9_\-]{40,}")),
    ("a Perplexity API key", re.compile(r"pplx-[A-Za-z0-9]{48,}")),
    ("an xAI API key", re.compile(r"xai-[A-Za-z0-9_]{80,}")),
    # with the digits and capitals a random key has: 64 characters of hyphenated prose are no key
    ("an NVIDIA API key", re.compile(r"nvapi-(?=[A-Za-z0-9_\-]{0,99}[0-9])(?=[A-Za-z0-9_\-]{0,99}[A-Z])[A-Za-z0-9_\-]{64,}")),
    ("a LangSmith API key", re.compile(r"lsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}")),
    ("a Pinecone API key", re.compile(r"pcsk_[A-Za-z0-9]{5,6}_[A-Za-z0-9]{63,}")),
)

# Secrets with no shape of their own, found by their context as detect-secrets' basic-auth and keyword
# detectors and gitleaks' generic-api-key rule find them: a password in a URL, and a key-like value under a
# name such as api_key or password. They are the fallback (``FALLBACK_KINDS``): where a string holds a kind
# above, that kind is named and redacted, and one of these only where it overlaps none of those, so
# ``api_key="sk-proj-..."`` stays an OpenAI key and ``access_token: eyJ...`` a JSON Web Token redacted whole
# (the value's characters stop at the token's first dot).
URL_PASSWORD = "a password in a URL"
GENERIC_SECRET = "a generic API key or password"

# scheme://user:password@host (postgres, mysql, mongodb+srv, redis, amqp, https...). User and password are
# the characters a URL's user info may hold (RFC 3986: unreserved, sub-delims, %-escapes, ":" in the password),
# so <password>, ${DB_PASSWORD}, {password} and [PASSWORD] (brackets no URL holds unescaped) are no password.
# A password counts with a letter and a digit or a symbol other than . _ - *: words (password, guest,
# mysecretpassword, your_password) and masks (****, xxxx) are what documentation writes, and so are placeholder
# words with digits (password123, admin1, changeme!) and references ($DB_PASSWORD, $(pass), %s), excluded too.
# Only the password is the secret (group "password"): postgres://admin:[redacted secret]@db.internal:5432/prod.
# Tried at "://" (the scheme's last character looked behind at); each try looks no further than 64 + 128
# characters past it, so a hostile run of openings costs linear time.
_URL_USER = r"[A-Za-z0-9._~!$&'()*+,;=%\-]{0,64}"
_URL_PASSWORD_CHAR = r"[A-Za-z0-9._~!$&'()*+,;=%:\-]"
_PLACEHOLDER_WORDS = ("password", "passwd", "pass", "pwd", "secret", "changeme", "example", "test", "admin", "root",
                      "guest", "user", "demo", "sample", "redacted", "placeholder")
_URL_PLACEHOLDER = (rf"(?:(?ai:(?:my|your|db|the|some)?[_\-]?(?:{'|'.join(_PLACEHOLDER_WORDS)})[_\-]?[0-9]*!?)"
                    r"|\$\(?[A-Za-z_][A-Za-z0-9_]*\)?|%\(?[A-Za-z_]*\)?s)@")
URL_PASSWORD_PATTERN = re.compile(
    rf"(?<=[A-Za-z0-9])://{_URL_USER}:(?!{_URL_PLACEHOLDER})"
    rf"(?P<password>(?={_URL_PASSWORD_CHAR}{{0,127}}[A-Za-z])(?={_URL_PASSWORD_CHAR}{{0,127}}[0-9!$&+,;=:%~()'])"
    rf"{_URL_PASSWORD_CHAR}{{1,128}})@(?=[A-Za-z0-9\[])")
# What a raw line spells wherever it holds one: the same characters, which JSON writes as they are (an escaped
# one, \u00XX or \/, passes every screen). Looser than the pattern, never stricter.
URL_PASSWORD_SCREEN = re.compile(rf"://{_URL_USER}:{_URL_PASSWORD_CHAR}{{1,128}}@".encode())


def _cased(*words: str) -> str:
    """The words as code and prose write them: api, Api, API (as the AWS names above: not ``re.I``, whose
    Unicode folding would match a long s or the Kelvin sign that no screen over the raw bytes spells)."""
    return "|".join(f"{word}|{word.capitalize()}|{word.upper()}" for word in words)


# A name that says its value is a credential, at the end of a longer one (OPENAI_API_KEY, client_secret,
# x-api-key, accessToken, DB_PASSWORD); a name going on (api_key_id, password_hash, secret_name) says otherwise.
_KEY_NAME = (rf"(?:{_cased('api')})[_\-]?(?:{_cased('key', 'secret', 'token')})"
             rf"|(?:{_cased('access', 'auth', 'refresh', 'session')})[_\-]?(?:{_cased('token')})"
             rf"|(?:{_cased('secret')})(?:[_\-]?(?:{_cased('key')}))?"
             rf"|(?:{_cased('passw')})(?:or|OR)?(?:d|D)")
# The value: a whole run of key characters, as random keys are and placeholders are not: 20 to 256 with a digit,
# a capital and a small letter, or hex of 32 or more (lower or upper case, a UUID's too) with a digit and a letter.
# So your-api-key-here, YOUR_API_KEY, xxxx..., <API_KEY>, ${API_KEY}, sk-... and process.env.API_KEY are no
# secret, and neither is a call (get_Password_From_Env_V2()). Each lookahead looks no further than 256 characters,
# and a run longer than a value is refused first, in one look (a hostile run of "API_KEY=Ab1" is all key characters).
_KEY_CHAR = r"[A-Za-z0-9_\-+/=]"
_HEX = "[0-9a-fA-F]"
_GENERIC_VALUE = (rf"(?!{_KEY_CHAR}{{257}})(?={_KEY_CHAR}{{0,255}}[0-9])(?={_KEY_CHAR}{{0,255}}[A-Za-z])"
                  rf"(?:(?={_KEY_CHAR}{{0,255}}[a-z])(?={_KEY_CHAR}{{0,255}}[A-Z]){_KEY_CHAR}{{20,256}}"
                  rf"|[0-9a-f]{{32,256}}|[0-9A-F]{{32,256}}|{_HEX}{{8}}(?:-{_HEX}{{4}}){{3}}-{_HEX}{{12}})"
                  rf"(?!{_KEY_CHAR})(?!\()")
# name, a separator (quotes, =, :, :=, =>, >, spaces), the value: api_key=..., "api_key": "...", API_KEY: ...,
# password = "...", <client_secret>...; only the value is the secret (group "value"): api_key=[redacted secret]
GENERIC_SECRET_PATTERN = re.compile(
    rf"(?:{_KEY_NAME})[\"'`]?[ \t\n\r]*(?::=|=>|[:=>])[ \t\n\r]*[\"'`]?(?P<value>{_GENERIC_VALUE})")
# The same value as the whole value of an object key so named: {"api_key": "a8f5..."} parsed, two strings.
GENERIC_NAME_ALONE = re.compile(rf"[ \t\n\r\"'`]*[A-Za-z0-9_\-.]{{0,64}}(?:{_KEY_NAME})[ \t\n\r\"'`:=]*")
GENERIC_VALUE_ALONE = re.compile(rf"[ \t\n\r]*{_GENERIC_VALUE}[ \t\n\r]*")
# What a raw line spells wherever it holds one: the name, separators as written or as JSON escapes them (a
# quote escaped once or more, \t, \n), then 20 key characters. Not the name alone: "password" is in half the
# rows of a support-chat corpus, and prose and code about keys pass no screen.
GENERIC_SECRET_SCREEN = re.compile(rf"(?:{_KEY_NAME})(?:\\[tnr]|[ \t\n\r\"'`:=>\\])+{_KEY_CHAR}{{20}}".encode())

FALLBACK_SECRETS = ((URL_PASSWORD, URL_PASSWORD_PATTERN), (GENERIC_SECRET, GENERIC_SECRET_PATTERN))
FALLBACK_KINDS = frozenset(kind for kind, _ in FALLBACK_SECRETS)

REDACTED = "[redacted secret]"


def redact(text: str) -> str:
    """``text`` with everything that looks like a secret replaced by ``[redacted secret]``.

    Text that quotes raw JSON (a diff, a line shown whole) may spell a secret with escapes:
    ``\\nsk-...`` (after an escaped newline, where ``\\b`` sees the letter n) or
    ``\\u0073k-...``. Such text is searched as JSON would decode it, and each secret found is
    replaced in the text as written, escapes and all. Only the kinds whose opening the text
    spells are looked for (every kind when a ``\\u00XX`` escape could spell one).
    """
    checks = checks_for(text.encode("utf-8", "replace"))
    if not checks:
        return text
    if "\\" in text:
        return _redact_escaped(text, checks)
    spans = secret_spans(text, checks)
    return _replace(text, spans, lambda at: at) if spans else text


_JSON_ESCAPE = re.compile(r'\\(?:u[0-9a-fA-F]{4}|["\\/bfnrt])')
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _redact_escaped(text: str, checks: tuple) -> str:
    # decoded up to three times: a diff shows the line as written, where a text's own "\\n" (a backslash,
    # then n: "\\\\n" in the file) still hides the boundary before a key after one decoding
    decoded, steps = text, []
    while "\\" in decoded and len(steps) < 3:
        decoded, written = decode_escapes(decoded)
        steps.append(written)
    spans = secret_spans(decoded, checks)
    if not spans:
        return text

    def original(at: int) -> int:
        for written in reversed(steps):
            at = written(at)
        return at

    return _replace(text, spans, original)


def _replace(text: str, spans: list[tuple[int, int]], original: Callable[[int], int]) -> str:
    """``text`` with each span (in the text ``original`` maps back into ``text``) replaced by REDACTED."""
    out, kept = [], 0
    for start, end in spans:
        out += [text[kept:original(start)], REDACTED]
        kept = original(end)
    out.append(text[kept:])
    return "".join(out)


def decode_escapes(text: str) -> tuple[str, Callable[[int], int]]:
    """``text`` with its JSON escapes decoded, and where each decoded position starts in ``text``.

    Tolerant, for text that quotes JSON without being JSON (a diff line, a broken line, a string
    holding JSON): an escape JSON does not know, a raw tab or an unpaired quote is kept as written.
    """
    parts, positions, extra = [], [], [0]  # decoded positions of the escapes; characters they took beyond one
    last = decoded_at = 0
    for match in _JSON_ESCAPE.finditer(text):
        parts.append(text[last:match.start()])
        decoded_at += match.start() - last
        escape = match.group()
        parts.append(chr(int(escape[2:], 16)) if escape[1] == "u" else _SIMPLE_ESCAPES[escape[1]])
        positions.append(decoded_at)
        extra.append(extra[-1] + len(escape) - 1)
        decoded_at += 1
        last = match.end()
    parts.append(text[last:])

    def written(at: int) -> int:
        return at + extra[bisect.bisect_left(positions, at)]

    return "".join(parts), written


# The text each kind of secret starts with (a regex search tries its pattern at every position of a
# text): where first_secret and secret_spans try the patterns, a substring test per string before each
# regex, and (but for the short prefixes, screened by SHORT_PREFIX_SCREENS) the screens.
SECRET_OPENERS = {
    AWS_SECRET: ("AKIA", "ASIA", "ecret", "ECRET"),  # a key id, or the name (aws_secret: "ecret" 5 in)
    "an Anthropic API key": ("sk-ant-",), "an OpenRouter API key": ("sk-or-v1-",), "a Langfuse secret key": ("sk-lf-",),
    "an OpenAI API key": ("sk-",), "an AWS access key id": ("AKIA", "ASIA"),
    "a GitHub token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"), "a Slack token": ("xox",),
    "a Google API key": ("AIza",), "a private key": ("-----BEGIN",), "a JSON Web Token": ("eyJ",), "a Stripe secret key": ("_live_",),
    "a Hugging Face token": ("hf_", "api_org_"), "a Groq API key": ("gsk_",), "a Replicate API token": ("r8_",),
    "a Fireworks AI API key": ("fw_",), "a Together AI API key": ("tgp_v1_",), "a Perplexity API key": ("pplx-",),
    "an xAI API key": ("xai-",), "an NVIDIA API key": ("nvapi-",), "a LangSmith API key": ("lsv2_",), "a Pinecone API key": ("pcsk_",),
    # the fallback kinds, last: a URL's "://", a credential's name (each of its words as code writes it)
    URL_PASSWORD: ("://",),
    GENERIC_SECRET: tuple(word for words in ("api", "access", "auth", "refresh", "session", "secret", "passw")
                          for word in _cased(words).split("|")),
}
_CHECKS = tuple((kind, pattern, SECRET_OPENERS[kind]) for kind, pattern in SECRETS + FALLBACK_SECRETS)

# One screen a kind, all scanned at once: which kinds' openings a text spells, in one automaton pass
# (Hyperscan, when installed; else a substring search an opening). A text holding a \u00XX escape, which
# could spell any opening (openings are ASCII, and hold no character JSON must escape; an escape of a
# non-ASCII character spells none), or \/, passes every screen.
# An AWS secret access key after its name screens as the name with a separator and 40 key characters
# (AWS_SECRET_NAME_SCREEN), so prose and code about secrets pass no screen; after a key id, as the key id.
# A password in a URL screens as "://", user info and "@"; a generic key as its name, a separator and 20 key
# characters (URL_PASSWORD_SCREEN, GENERIC_SECRET_SCREEN): neither "password" nor a link passes alone.
_SCREENED_OPENERS = {"ecret", "ECRET"}  # openings a kind's screen pattern stands for
PATTERN_SCREENS = {**SHORT_PREFIX_SCREENS, URL_PASSWORD: URL_PASSWORD_SCREEN, GENERIC_SECRET: GENERIC_SECRET_SCREEN}
_SCREENS = tuple(Screen((), (PATTERN_SCREENS[kind],), False) if kind in PATTERN_SCREENS
                 else Screen(tuple(opener.encode() for opener in openers if opener not in _SCREENED_OPENERS),
                             (AWS_SECRET_NAME_SCREEN,) if kind == AWS_SECRET else (), False)
                 for kind, _, openers in _CHECKS)
# FT205's screen over the raw line: the same, but for an opening that holds another ("sk-ant-" holds "sk-")
_OPENINGS = tuple(opener for kind, openers in SECRET_OPENERS.items() if kind not in PATTERN_SCREENS
                  for opener in openers if opener not in _SCREENED_OPENERS)
SECRET_SCREEN = (*dict.fromkeys(opener for opener in _OPENINGS if not any(other != opener and other in opener for other in _OPENINGS)),
                 *PATTERN_SCREENS.values(), AWS_SECRET_NAME_SCREEN)
_EVERY = (1 << len(_SCREENS)) - 1
_scanners = threading.local()  # a scanner's scan state serves one thread


@functools.lru_cache(maxsize=None)
def _shared_scanner() -> Scanner:
    return Scanner(_SCREENS)  # compiled (or loaded from the user's cache) once a process, on first use


def named_kind(name: Any, value: Any) -> str | None:
    """The kind of secret ``value`` is, whole, under a ``name`` that says so (a key name and its value are
    two strings: neither alone spells the key with its context): an AWS secret access key under its name,
    or a generic key or password under a credential's name; else None."""
    if not isinstance(name, str) or not isinstance(value, str) or len(value) > 300 or len(name) > 100:
        return None
    # the name first: short, and nearly never a credential's, where the value's pattern has 256-character lookaheads
    if len(value) < 100 and AWS_SECRET_NAME_ALONE.fullmatch(name) and AWS_SECRET_ALONE.fullmatch(value):
        return AWS_SECRET
    if GENERIC_NAME_ALONE.fullmatch(name) and GENERIC_VALUE_ALONE.fullmatch(value):
        return GENERIC_SECRET
    return None


def redact_named(name: Any, value: Any) -> Any:
    """``value`` (of an object's key ``name``) as output may quote it: redacted whole when it is a secret
    under its name (``named_kind``), else as ``redact`` redacts a string."""
    if named_kind(name, value):
        return REDACTED
    return redact(value) if isinstance(value, str) else value


def redact_message(text: str) -> str:
    """A finding's message as output may show it: redacted when it could hold a secret. The engine
    passes every rule's message through it, so a plugin rule that quotes a value without ``text.show``
    still never prints a key; most messages hold no opening and cost one automaton pass."""
    return redact(text)


def checks_for(raw: bytes | None) -> tuple:
    """The kinds of secret a raw line can hold: those whose opening it spells (for a short prefix, with
    a key's length of key characters after it), or every kind when a ``\\u00XX`` escape could spell
    one. A line's strings are then asked about one kind or two instead of twenty."""
    if raw is None:
        return _CHECKS
    scanner = getattr(_scanners, "scanner", None)
    if scanner is None:
        scanner = _scanners.scanner = _shared_scanner().clone()
    mask = scanner.mask(raw)
    if mask == _EVERY or not mask:
        return _CHECKS if mask else ()
    return tuple(check for index, check in enumerate(_CHECKS) if mask >> index & 1)


def first_secret(text: str, checks: tuple = _CHECKS) -> tuple[str, re.Match] | None:
    """``(kind, match)`` of the secret (of the kinds ``checks`` names) that starts first in ``text``, or
    None; the kind listed first when two start at the same character. So a finding names the key a
    reader meets first, whatever order the kinds are listed in. A fallback kind (a password in a URL, a
    generic key) only where the text holds no other: ``API_KEY=sk-proj-...`` is an OpenAI key.

    Each kind's match is ``pattern.search(text)``, found by trying the pattern only where its opening
    occurs (every match starts there, or a few characters before: ``_OPENER_OFFSETS``): a search
    tries a pattern at every position of the text, 70 µs on a 1.5 KB text.
    """
    best = None  # (a fallback kind, start, kind, match)
    for kind, pattern, openers in checks:
        fallback = kind in FALLBACK_KINDS
        if fallback and best is not None and not best[0]:
            continue  # a kind of its own shape found: a fallback kind would not be named
        if any(opener in text for opener in openers):
            match = _match_at_openers(text, kind, pattern, openers)
            if match and (best is None or (fallback, match.start()) < best[:2]):
                best = fallback, match.start(), kind, match
    return None if best is None else (best[2], best[3])


# how far before its opening a match starts, where not at it: Stripe's "sk_live_", an AWS secret's name
# ("Secret", "AWSSecret", "aws_secret": 1, 4 or 5 characters before "ecret")
_OPENER_OFFSETS = {"_live_": (2,), "ecret": (5, 4, 1), "ECRET": (5, 4, 1)}


# the groups that are the secret where a pattern names one: an AWS secret access key after its name, a URL's
# password, a generic key's value (three names: the reference tests join every pattern into one alternation)
_SECRET_GROUPS = ("secret", "password", "value")


def span_of(match: re.Match) -> tuple[int, int]:
    """What of a match is the secret: its group "secret", "password" or "value" where the pattern names one
    (the name or the URL around it stays readable), else the whole match."""
    for group in match.re.groupindex:
        if group in _SECRET_GROUPS and match.start(group) >= 0:
            return match.span(group)
    return match.span()


def secret_of(match: re.Match) -> str:
    """What a finding fingerprints: the secret itself (an AWS secret access key without the key id or the
    name before it, a URL's password alone), so the hash prefix is the key's own."""
    for group in match.re.groupindex:
        if match.start(group) >= 0 and (group in _SECRET_GROUPS or group == "after_id"):
            return match.group(group)
    return match.group()


def secret_spans(text: str, checks: tuple = _CHECKS) -> list[tuple[int, int]]:
    """The spans of the secrets in ``text`` (of the kinds ``checks`` names) as one search for every
    kind at once finds them: leftmost first, the kind listed first where two start together, then on
    from its end. Each pattern is tried only where its opening occurs, not at every position.

    The fallback kinds are searched for apart, and a span of theirs counts where it overlaps none of the
    others': ``access_token: eyJ...`` is redacted as the whole token, not up to its first dot."""
    shaped = [check for check in checks if check[0] not in FALLBACK_KINDS]
    if len(shaped) == len(checks):
        return _spans(text, checks)
    spans = _spans(text, shaped)
    extra = [(start, end) for start, end in _spans(text, [check for check in checks if check[0] in FALLBACK_KINDS])
             if not any(start < other_end and other_start < end for other_start, other_end in spans)]
    return sorted(spans + extra) if extra else spans


def _spans(text: str, checks: tuple | list) -> list[tuple[int, int]]:
    """``secret_spans`` for kinds of one tier."""
    candidates = sorted((start, order) for order, (kind, _, openers) in enumerate(checks)
                        for start in _starts(text, openers))
    spans: list[tuple[int, int]] = []
    end = 0
    failed: dict[int, int] = {}  # a kind's failed try: where its fate ends (``_SAME_FATE``)
    for start, order in candidates:
        # never inside a secret already found: "sk-sk-sk-..." is one try, not one an opening
        if start >= end and (not failed or start >= failed.get(order, 0)):
            kind, pattern, _ = checks[order]
            match = pattern.match(text, start)  # \\b still sees the character before ``start``
            if match:
                spans.append(span_of(match))  # the secret; the search goes on from the match's end
                end = match.end()
            elif kind in _SAME_FATE:
                failed[order] = _SAME_FATE[kind].match(text, start).end()
    return spans


def _starts(text: str, openers: tuple[str, ...]) -> list[int]:
    """Where a match may start, in order: at each opening, or ``_OPENER_OFFSETS`` characters before it."""
    starts = []
    for opener in openers:
        offsets = _OPENER_OFFSETS.get(opener, (0,))
        at = text.find(opener)
        while at >= 0:
            starts.extend(at - offset for offset in offsets if at >= offset)
            at = text.find(opener, at + 1)
    return sorted(starts) if len(openers) > 1 else starts  # a kind with offsets of several has several openers


def _match_at_openers(text: str, kind: str, pattern: re.Pattern, openers: tuple[str, ...]) -> re.Match | None:
    """The leftmost match of ``pattern`` (``kind``'s, as ``search`` finds it), trying it only at each opening."""
    fate = _SAME_FATE.get(kind)
    failed = 0
    for start in _starts(text, openers):
        if start < failed:
            continue
        match = pattern.match(text, start)  # \\b still sees the character before ``start``
        if match:
            return match
        if fate is not None:
            failed = fate.match(text, start).end()
    return None


# Kinds whose failed try at an opening fails at every later opening up to where this run ends, so those
# are not tried. A JSON Web Token's first segment runs to the end of its run of token characters and needs
# a dot right there: a later "eyJ" in the same run meets the same dot and what follows, with a shorter
# segment. Trying each of them rescanned the run each time (a row of "eyJ" * 100,000 took 19 s).
_SAME_FATE = {"a JSON Web Token": re.compile(r"[A-Za-z0-9_\-]*")}


class Hit(NamedTuple):
    """A secret in a parsed value: ``path`` to the string holding it (to the object, for a key name),
    ``inner`` the path inside that string when it is JSON text (tool-call arguments, a tools string)."""

    path: tuple
    in_key: bool
    kind: str
    secret: str
    inner: tuple | None = None
    inner_key: bool = False


def secrets_in(value: Any, checks: tuple = _CHECKS) -> Iterator[Hit]:
    """One hit per string (value or key name) of ``value`` that holds a secret, in document order.

    A string that is itself JSON (OpenAI tool-call arguments, a ShareGPT ``function_call`` value or
    ``tools`` string) is looked into, so the hit says where inside it the secret sits. ``checks``
    narrows the kinds looked for (``checks_for(row.raw)``).
    """
    stack: list[tuple[tuple, Any]] = [((), value)]
    # a secret as the value of its name (an AWS secret access key, a generic key): of the kinds asked about
    named = {kind for kind, _, _ in checks} & {AWS_SECRET, GENERIC_SECRET}
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            found = first_secret(item, checks)
            if found is None and "\\" in item:  # JSON text in a string may spell a key with escapes (\\u0073k-...)
                found = first_secret(decode_escapes(item)[0], checks)
            if found is not None:
                yield _hit_in_string(path, item, checks, *found)
            elif named and path and (kind := named_kind(path[-1], item)) in named:  # path[-1]: the key of an object's value
                yield Hit(path, False, kind, item.strip())
        elif isinstance(item, dict):
            for key, child in item.items():
                found = first_secret(key, checks) if isinstance(key, str) else None
                if found is not None:
                    yield Hit(path, True, found[0], secret_of(found[1]))
            stack.extend(reversed([(path + (key,), child) for key, child in item.items()]))
        elif isinstance(item, list):
            if item and all(type(pair) is tuple for pair in item):  # an object read with object_pairs_hook=list
                for key, _ in item:
                    found = first_secret(key, checks)
                    if found is not None:
                        yield Hit(path, True, found[0], secret_of(found[1]))
                stack.extend(reversed([(path + (key,), child) for key, child in item]))
            else:
                stack.extend(reversed([(path + (index,), child) for index, child in enumerate(item)]))


def _hit_in_string(path: tuple, text: str, checks: tuple, kind: str, match: re.Match) -> Hit:
    """The hit for a string, pointing inside it when the string is a JSON object or array holding the secret."""
    if text.lstrip()[:1] in ("{", "["):
        try:
            decoded = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
            decoded = None
        if isinstance(decoded, (dict, list)):
            inner = next(secrets_in(decoded, checks), None)
            if inner is not None:
                return Hit(path, False, inner.kind, inner.secret, inner.path, inner.in_key)
    return Hit(path, False, kind, secret_of(match))


def secret_in_line(line: str) -> tuple[str, str, int] | None:
    """``(kind, secret, character)`` of a secret in a line that is not parsed as JSON (the first
    in the line), or None.

    The line as written first; then, when it holds escapes, the line with its JSON escapes decoded
    (a ``\\u0041KIA...`` is still a key, and so is a key after an escaped newline).
    """
    found = first_secret(line)
    if found is not None:
        return found[0], secret_of(found[1]), span_of(found[1])[0]
    if "\\" not in line:
        return None
    decoded, written = decode_escapes(line)  # the whole line: a broken line's quotes cannot be paired
    found = first_secret(decoded)
    return (found[0], secret_of(found[1]), written(span_of(found[1])[0])) if found is not None else None


def dropped_secrets(raw: bytes, hits: list[Hit], checks: tuple = _CHECKS) -> list[Hit]:
    """Secrets the raw line holds in values its parsed row does not keep: an earlier value of a repeated
    key, which JSON parsers drop (FT004) though the file still holds it.

    The line is read again with every key's every value, and what that finds beyond ``hits`` (the
    secrets of the parsed row) is returned: ask only about a line that may repeat a key.
    """
    try:
        pairs = json.loads(raw.decode("utf-8", "replace"), object_pairs_hook=list)
    except (ValueError, RecursionError):
        return []
    kept = collections.Counter(hits)
    dropped = []
    for hit in secrets_in(pairs, checks):
        if kept[hit] > 0:
            kept[hit] -= 1
        else:
            dropped.append(hit)
    return dropped
