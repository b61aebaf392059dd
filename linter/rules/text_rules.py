"""FT202-FT207: what the text itself contains: special tokens, leaked role
labels, unfilled templates, and (opt-in) secrets and personal data.

FT202-FT204 know where code is (``linter.code_spans``) and ask only after
their own cheap substring test and regex matched, so rows without the
trigger bytes pay nothing for it.

These rules read every string a model is trained on or prompted with through
the conversation view (``linter.view``), so one rule serves every format and
its findings point into the source row: ``/messages/1/content``,
``/conversations/2/value``, ``/output``, ``/chosen/0/content``, ``/system``.
FT205 (secrets) reads more: every string and key of the line, and the raw text
of a line that is not JSON (``linter.secrets.secrets_in``).
"""

from __future__ import annotations

import hashlib
import re
from typing import Iterable

from .. import code_spans, hashing
from ..findings import Severity, Violation, pointer
from ..plugin import hookimpl
from ..rows import Row
from ..schema import ADAPTED_KINDS, CHAT, COMPLETION, PREFERENCE, RFT
from ..secrets import SECRET_OPENERS, SECRET_SCREEN, Hit, checks_for, dropped_secrets, secret_in_line, secrets_in
from ..text import show
from ..view import SYSTEM, USER
from .base import LINE, Rule
from .reads import RAW, TEXTS, VALUE, computed, provide

# every kind whose rows hold text a model reads: OpenAI's own, the adapted formats and legacy prompt/completion
# (a row of a format the profile does not accept is reported by FT4xx; its text is still checked here)
TEXT_KINDS = frozenset({CHAT, RFT, PREFERENCE, COMPLETION}) | ADAPTED_KINDS
LANGUAGE_MODELING = "text"  # TRL's plain ``text`` rows: one document, no turns
# a control token or a role label is a defect only where a template will add the real turns: not in a
# language-modeling document, which is trained as written (a pre-rendered "<s>[INST] ... [/INST]" row means its tokens)
TURN_KINDS = TEXT_KINDS - {LANGUAGE_MODELING}


def _text_list(row: Row) -> list[tuple[str, str, str]]:
    return [(part.pointer, turn.role, part.text) for _, turn in row.view.all_turns() for part in turn.texts]


provide(TEXTS, _text_list)


def texts(row: Row) -> list[tuple[str, str, str]]:
    """``(pointer, role, text)`` for every text of the row's conversation view.

    The prompt's turns, then the chosen and the rejected ones; the pointer is
    where the text sits in the source row, the role the view's normalised one
    (``user`` for ShareGPT's ``human``). Computed once per row.
    """
    return computed(row, TEXTS)


_ANGLE_TOKEN = (
    r"<(?:\|(?:endoftext|fim_prefix|fim_middle|fim_suffix|endofprompt|im_start|im_end|im_sep|start|end|message|channel|"
    r"return|call|constrain|begin_of_text|end_of_text|start_header_id|end_header_id|eot_id|eom_id|python_tag|"
    r"system|user|assistant|pad|unk)\|>|</?SYS>>|/?s>(?=\s|$)|start_of_turn>|end_of_turn>)"
)
_INST_TOKEN = r"\[/?INST\]"
SPECIAL_TOKENS = re.compile(f"{_ANGLE_TOKEN}|{_INST_TOKEN}")
# The same tokens by opening character, to ask whether a text holds one at all: the regex engine skips to a
# pattern's literal first character in C, but tries SPECIAL_TOKENS (two first characters) at every position,
# 40 µs on a 2 KB text against 1.6.
ANGLE_TOKEN, INST_TOKEN = re.compile(_ANGLE_TOKEN), re.compile(_INST_TOKEN)
# Raw-line screens (see reads.py): one compiled pattern per opening byte, since Python's regex engine skips to
# a pattern's literal first byte in C but scans byte by byte for a class of first bytes (one pattern over all
# the triggers cost 150 µs a 1.8 KB line). FT202/FT207 and FT204 share the "<" and "[" patterns, each
# over-matching the other's rare triggers a little, so that an engine that remembers a pattern's answer for
# the row searches once. Control tokens open with "<|", "<<SYS>>", "<</SYS>>", "<s>", "</s>", "<start_of_turn>",
# "<end_of_turn>", "[INST]" or "[/INST]" ("/" may be written "\/"); placeholders with "{{", "${", "{name}"...
# (a name character after "{": a word character, ".", "-", UTF-8 or a \u escape, as Python's \w is Unicode),
# an upper-case keyword after "[" or "<".
ANGLE_SCREEN = re.compile(rb"<(?:\||<\\?/?SYS>>|\\?/?s>|start_of_turn>|end_of_turn>|PLACEHOLDER|INSERT)")
BRACKET_SCREEN = re.compile(rb"\[(?:\\?/?INST\]|INSERT|YOUR|PLACEHOLDER|TODO|NAME|COMPANY)")
BRACE_SCREEN = re.compile(rb"\{(?:[{\w.\-\x80-\xff]|\\u)")
TOKEN_SCREEN = (ANGLE_SCREEN, BRACKET_SCREEN)
PLACEHOLDER_SCREEN = (ANGLE_SCREEN, BRACKET_SCREEN, BRACE_SCREEN)


def _first_token(text: str) -> tuple[re.Match | None, re.Match | None]:
    """The first control token outside code and the first inside a code block or span."""
    leaked = quoted = None
    for match in SPECIAL_TOKENS.finditer(text):
        # an unfenced run of "code-looking" lines is a guess, and a rendered template looks like one: only Markdown counts
        if code_spans.code_at(text, match.start(), match.end(), guess=False):
            quoted = quoted or match
        else:
            leaked = match
            break
    return leaked, quoted


def _token_matches(row: Row) -> list[tuple[str, re.Match | None, re.Match | None]]:
    out = []
    for where, _, text in texts(row):
        # every token starts with "<" except [INST] and [/INST]: two substring tests skip the regexes on most texts
        if ("<" in text and ANGLE_TOKEN.search(text)) or ("INST]" in text and INST_TOKEN.search(text)):
            out.append((where, *_first_token(text)))
    return out


CONTROL_TOKENS = "texts.control_tokens"
provide(CONTROL_TOKENS, _token_matches)


def token_matches(row: Row) -> list[tuple[str, re.Match | None, re.Match | None]]:
    """``(pointer, leaked, quoted)`` per text that holds a control token, once per row for FT202 and FT207."""
    return computed(row, CONTROL_TOKENS)


class SpecialToken(Rule):
    """Control tokens of chat templates (``<|endoftext|>``, ``<|im_start|>``,
    ``<|fim_suffix|>``, ``[INST]``, ``<|eot_id|>``...) inside text are either
    rejected ("message contains an invalid token") or, worse, parsed as real
    turn boundaries by the trainer. They usually leak from a template that was
    rendered before export.

    A token inside a fenced code block or an inline code span is an answer
    that discusses the token (how to set ``eos_token = "</s>"``), not a leak:
    it is reported by FT207 at info level instead. A rendered template never
    wraps its tokens in backticks, so this costs no leak found; a leak inside a
    code block is the one case this rule can no longer tell apart. Lines that
    merely look like code do not count here (a rendered template looks like
    code), only Markdown's fences and code spans.

    Not checked in TRL's language-modeling ``text`` rows: such a row is
    trained as written, so a pre-rendered ``<s>[INST] ... [/INST]`` document
    means its tokens (whether they are the model's own is a tokenizer check).

    On real data, before and after code awareness (tests/data/real, SOURCES.md):

    | FT202, 411 hand-labelled rows | true positives | false positives |
    |---|---:|---:|
    | before / after | 2 / 2 | 0 / 0 |

    The two true ones are a ``</s>`` and a ``<|user|>`` left in a KTO set's
    answers; no token in that data sits in code, so FT207 found none.
    """

    code = "FT202"
    name = "special-token"
    summary = "Text contains a chat-template control token"
    kinds = TURN_KINDS
    reads = ("texts",)
    screen = TOKEN_SCREEN
    bad = '{"messages": [{"role": "user", "content": "hi<|im_end|>"}, {"role": "assistant", "content": "Hello!<|endoftext|>"}]}'
    good = '{"messages": [{"role": "user", "content": "How does ChatML end a turn?"}, {"role": "assistant", "content": "With `<|im_end|>`."}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for where, leaked, _ in token_matches(row):
            if leaked:
                yield Violation(f"contains the control token {show(leaked.group())}", where)


class SpecialTokenInCode(Rule):
    """A chat-template control token inside a fenced code block or an inline
    code span: usually an answer that explains templates or tokenizers, which
    is fine to train on. Info rather than silence: a Hugging Face tokenizer
    with its default ``split_special_tokens=False`` still encodes the quoted
    token as the real special token, so a team training that way can raise
    this rule to a warning in its ``severity`` settings and escape the tokens.
    FT202 reports the same tokens outside code as errors.

    Its own rule rather than FT202 at a lower severity per finding: severity
    belongs to a rule code in ftlint (users set it per code), so a separate
    code is what lets a team select, ignore or raise it on its own."""

    code = "FT207"
    name = "special-token-in-code"
    summary = "A code block or span quotes a chat-template control token"
    severity = Severity.INFO
    kinds = TURN_KINDS
    reads = ("texts",)
    screen = TOKEN_SCREEN
    bad = '{"messages": [{"role": "user", "content": "How does ChatML mark turns?"}, {"role": "assistant", "content": "Like this:\\n```\\n<|im_start|>user\\nhi<|im_end|>\\n```"}]}'
    good = '{"messages": [{"role": "user", "content": "How does ChatML mark turns?"}, {"role": "assistant", "content": "With start and end tokens around each turn."}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for where, leaked, quoted in token_matches(row):
            if quoted and not leaked:
                yield Violation(f"quotes the control token {show(quoted.group())} in code", where)


# Line-initial labels only, capitalised as a transcript writes them: "A:" or "System:" also start
# ordinary lines, and "user:" is an object key in code.
ROLE_LABEL = re.compile(r"(?m)^[ \t]*(User|USER|Human|HUMAN|Assistant|ASSISTANT|### (?:Instruction|Response|Input))[ \t]*:")
# Raw-line screen of FT203: a label word and its colon, or the space or the "\t" escape between label and
# colon (a space after a quote is a JSON separator, " : ", not a label's). The line start is not checked,
# so "User:" anywhere in a text passes (over-matching is safe). No lookarounds: the engine's automaton
# (linter.screening) takes it exactly.
ROLE_LABEL_SCREEN = (re.compile(rb'(?:User|USER|Human|HUMAN|Assistant|ASSISTANT|Instruction|Response|Input):|[^"] :|\\t:'),)
# Whether a text may hold a label at all, from its colons (ROLE_LABEL is tried at every position: 45 µs on a
# 2 KB text): a label word right before the colon, or a space or tab, which may separate the two.
LABEL_COLON = re.compile(r":(?<=[rRnNtTe \t]:)(?:(?<=User:)|(?<=USER:)|(?<=Human:)|(?<=HUMAN:)|(?<=Assistant:)|(?<=ASSISTANT:)"
                         r"|(?<=Instruction:)|(?<=Response:)|(?<=Input:)|(?<=[ \t]:))")
# A request for a dialogue: labelled turns in the answer are what was asked for.
DIALOGUE_REQUEST = re.compile(
    r"(?i)\b(?:dialog(?:ue)?s?|conversations?|scripts?|screenplays?|interview(?:s|ing)?|role[- ]?play(?:s|ing)?"
    r"|transcripts?|skits?|chat ?logs?|talk between|discussion between)\b"
)


class RoleLabelLeak(Rule):
    """"User:" or "Assistant:" at the start of a line inside a message means a
    transcript was pasted into one turn instead of being split into messages;
    the model learns to write both sides of the conversation.

    What the rule can know: where the label is (line-initial, capitalised as
    a transcript writes it, outside fenced, inline and unfenced code, so
    ``user: 'postgres'`` in a connection config is not a label) and what the
    turn's request says. When the latest user message up to this text asks
    for a dialogue, conversation, script, interview, role-play, transcript,
    chat log or skit, labelled turns are the requested content and are not
    reported. What it cannot know: whether a dialogue was intended when the
    request does not say so in those words (a system prompt that sets up a
    script-writing persona), or whether "User:" heads a field in a form the
    user asked to fill; a request that says "script" for a shell script also
    turns the rule off for that answer.

    The request is the latest user turn up to the text in the conversation
    view, whatever the format (ShareGPT's ``human`` turn, Alpaca's
    instruction and input together); both answers of a preference pair reply
    to the prompt's last user turn. Not checked: the prompt of a legacy
    prompt/completion row (a rendered transcript such as "Customer: ...
    Agent:" is that format's documented way to hold a dialogue; its
    completion is checked) and TRL's language-modeling ``text`` rows (one
    document laid out as its writer chose, with no turns to split into).

    A label counts at the start of any line, not only after a blank line: a
    pasted transcript ("Hello!\\nUser: thanks") has no blank line, and one of
    the two real leaks below sits on an answer's second line.

    On real data, before and after code awareness (tests/data/real, SOURCES.md):

    | FT203, 411 hand-labelled rows | true positives | false positives |
    |---|---:|---:|
    | before / after | 2 / 2 | 3 / 0 |

    The three false ones were ``user:`` keys in two TypeScript connection
    configs and a dialogue the prompt asked for ("Write a dialog based on this
    summary").
    """

    code = "FT203"
    name = "role-label-leak"
    summary = "Message text contains a role label such as 'User:' or 'Assistant:'"
    severity = Severity.WARNING
    kinds = TURN_KINDS
    reads = ("texts",)
    screen = ROLE_LABEL_SCREEN
    bad = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!\\nUser: thanks\\nAssistant: You are welcome."}]}'
    good = '{"messages": [{"role": "user", "content": "Write a short dialogue about thanks."}, {"role": "assistant", "content": "User: thanks\\nAssistant: You are welcome."}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        view = row.view
        legacy = row.kind == COMPLETION
        asked = ""  # the prompt's latest user turn: what the chosen and the rejected answers reply to
        for section, turns in (("turns", view.turns), ("chosen", view.chosen), ("rejected", view.rejected)):
            request = "" if section == "turns" else asked
            for turn in turns or ():
                if turn.role == USER:
                    request = turn.text
                    if legacy:
                        continue  # a legacy prompt is a rendered transcript by design ("Customer: ...\nAgent:")
                for part in turn.texts:
                    label = _labelled(part.text, part.text if turn.role == SYSTEM else request)
                    if label:
                        yield Violation(f"contains the role label {show(label)}; split the turns into messages", part.pointer)
            if section == "turns":
                asked = request


def _labelled(text: str, request: str) -> str:
    """The first role label outside code in ``text`` that no dialogue request explains, or ""."""
    if ":" not in text or not LABEL_COLON.search(text):
        return ""
    for match in ROLE_LABEL.finditer(text):
        if code_spans.code_at(text, match.start(1), match.end()):
            continue
        return "" if DIALOGUE_REQUEST.search(request) else match.group().strip()
    return ""


_BRACE_PLACEHOLDER = r"\{(?:\{\s*[\w.\-]*\w[\w.\-]*\s*\}\}|(?:user_?name|customer_?name|name|first_?name|company|product|date)\})"
_DOLLAR_PLACEHOLDER = r"\$\{[\w.\-]+\}"
_BRACKET_PLACEHOLDER = r"\[(?:INSERT|YOUR|PLACEHOLDER|TODO|NAME|COMPANY)[^\]\n]{0,40}\]"
_ANGLE_PLACEHOLDER = r"<(?:PLACEHOLDER|INSERT[^>\n]{0,40})>"
PLACEHOLDER = re.compile("|".join((_BRACE_PLACEHOLDER, _DOLLAR_PLACEHOLDER, _BRACKET_PLACEHOLDER, _ANGLE_PLACEHOLDER)))
# Whether a text holds a placeholder at all, one pattern per opening character (see ANGLE_TOKEN): PLACEHOLDER
# itself is tried at every position of a text, 20 µs on a 2 KB text that merely holds a Markdown link.
PLACEHOLDER_OPENERS = tuple((opener, re.compile(pattern)) for opener, pattern in (
    ("{", _BRACE_PLACEHOLDER), ("$", _DOLLAR_PLACEHOLDER), ("[", _BRACKET_PLACEHOLDER), ("<", _ANGLE_PLACEHOLDER)))


class TemplatePlaceholder(Rule):
    """``{{customer_name}}``, ``${product}`` or ``[INSERT NAME]`` left in text
    mean a template was never filled; the model learns to emit the braces.

    Template syntax inside code is code, not a placeholder: ``${apiKey}`` in
    a JavaScript template string, ``{{ github.repository }}`` in a workflow,
    ``{name}`` in JSX. Code is a fenced Markdown block (``` or ~~~), an inline
    code span, or a run of three or more lines that look like code (Scala or
    YAML pasted without a fence, an indented block). A placeholder in prose is still reported; one
    left in a code sample the template meant to fill is the case this rule
    cannot see. ``{{ ... }}`` needs a name: an ellipsis that describes a
    notation is not a placeholder.

    On real data, before and after code awareness (tests/data/real, SOURCES.md):

    | FT204, 411 hand-labelled rows | true positives | false positives |
    |---|---:|---:|
    | before / after | 85 / 85 | 20 / 0 |

    The 85 true ones are LLaMA-Factory's identity set (``{{name}}``,
    ``{{author}}`` left for the user to fill); the 20 false ones were template
    strings in JavaScript, TSX, Scala and GitHub workflow code, ``${root}`` in
    an inline code span, and a task that describes its own ``{{ ... }}``
    notation. On 3,078 held-out rows
    (LIMA, LLaMA-Factory's Chinese demos, a GSM8K sample) 9 findings in code
    went away and none was added.
    """

    code = "FT204"
    name = "template-placeholder"
    summary = "Text contains an unfilled template placeholder"
    severity = Severity.WARNING
    kinds = TEXT_KINDS
    reads = ("texts",)
    screen = PLACEHOLDER_SCREEN
    bad = '{"messages": [{"role": "user", "content": "Where is my order?"}, {"role": "assistant", "content": "Hi {{customer_name}}, it ships today."}]}'
    good = '{"messages": [{"role": "user", "content": "Where is my order?"}, {"role": "assistant", "content": "Hi Ana, it ships today."}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for where, _, text in texts(row):
            if not any(opener in text and pattern.search(text) for opener, pattern in PLACEHOLDER_OPENERS):
                continue
            for match in PLACEHOLDER.finditer(text):
                if not code_spans.code_at(text, match.start(), match.end()):
                    yield Violation(f"contains the unfilled placeholder {show(match.group())}", where)
                    break


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:8]


class Secret(Rule):
    """API keys, passwords and private keys in a dataset are memorised by the
    model trained on it and can be extracted from it, and the file itself is
    uploaded and shared. Every string of the line is scanned, not only the
    texts a model reads: tool-call arguments (inside their JSON string too),
    tools, roles, key names, metadata, the earlier value of a repeated key
    (which the parsed row drops but the file keeps), and lines that are not
    JSON at all. It is on under the hosted services' profiles (OpenAI, Azure,
    Together, Bedrock, Mistral, Fireworks: the file is uploaded to a third
    party, and a key in it can be learnt into the weights); opt-in for local
    trainers (``trl``, ``axolotl``, ``llamafactory``:
    ``extend-select = ["FT205"]``), and ``ignore = ["FT205"]`` turns it off
    anywhere (a security tutorial's example keys). The secret itself is never printed:
    only its kind, a hash prefix to find it with, and where it sits (a key
    name is reported at its object, as the pointer would otherwise spell the
    key); where a URL or a name surrounds it, output keeps those and redacts
    the secret alone."""

    code = "FT205"
    name = "secret"
    summary = "The line holds what looks like a secret (API key, token, password, private key)"
    scope = LINE  # unparsed lines too: a secret in a broken line is still in the file
    default_enabled = False
    reads = (RAW, VALUE)
    screen = SECRET_SCREEN  # the openings, or for a short prefix (hf_) the prefix and a key's length
    bad = '{"messages": [{"role": "user", "content": "my key is AKIAIOSFODNN7EXAMPLE"}, {"role": "assistant", "content": "Thanks."}]}'
    good = '{"messages": [{"role": "user", "content": "my key is in the vault"}, {"role": "assistant", "content": "Thanks."}]}'

    @classmethod
    def rationale(cls) -> str:
        """The docstring, then the kinds recognised, from the list the scan and the redaction use."""
        kinds = ", ".join(kind.split(" ", 1)[1] for kind in SECRET_OPENERS)
        return (f"{super().rationale()}\n\nRecognised: {kinds}. A key behind a short prefix that names "
                "and prose also spell (`hf_`, `api_org_`, `gsk_`, `r8_`, `fw_`) counts only as a whole run "
                "of key characters of the key's length, with capitals and small letters, at a word's "
                "start, or glued to the word before it when it holds a digit (for `fw_`, always with a "
                "digit), so `hf_hub_download`, `snake_case` names and `hf_xxxx` placeholders are no key. "
                "An AWS secret access key (40 characters of `[A-Za-z0-9/+]`, no prefix) counts only with its "
                "context in the same string, as secret scanners pair it: within 50 characters after an access "
                "key id, or after a name (`aws_secret_access_key`, `SecretAccessKey`, `aws_secret`...) and a "
                "separator, or as the whole value of an object key so named; with capitals and small letters. "
                "A key whose id or name sits in another message is not found: base64 everywhere would be.\n\n"
                "Two kinds have no shape of their own and count only where no kind above overlaps them "
                "(`API_KEY=sk-proj-...` is an OpenAI key, `access_token: eyJ...` a JSON Web Token). "
                "A password in a URL (`postgres://admin:...@db.internal:5432/prod`, and `mysql://`, "
                "`mongodb+srv://`, `redis://`, `amqp://`, `https://user:...@host`...): only the password is "
                "redacted (`postgres://admin:[redacted secret]@db.internal:5432/prod`), and it counts with a "
                "letter and a digit or a symbol, so what documentation writes in its place is no password: a word "
                "(`user:password@localhost`, `guest:guest`, `your_password`), a mask (`****`), a placeholder word "
                "with digits (`pass123`, `changeme!`), a template or reference (`<password>`, `${DB_PASSWORD}`, "
                "`$DB_PASSWORD`, `%s`). A generic API key or password: a value under a credential's name "
                "(`api_key`, `apiKey`, `x-api-key`, `OPENAI_API_KEY`, `secret`, `client_secret`, `SECRET_KEY`, "
                "`password`, `passwd`, `access_token`, `auth_token`, `refresh_token`, `session_token`) after a "
                "separator (`=`, `:`, `=>`, `>`, quotes: `api_key=...`, `\"api_key\": \"...\"`, `API_KEY: ...`, "
                "`password = \"...\"`), or as the whole value of an object key so named; only the value is "
                "redacted. The value is a whole run of `[A-Za-z0-9_-+/=]` as random keys are: 20 to 256 characters "
                "with a digit, a capital and a small letter, or hex of 32 or more (a UUID's too) with a digit and a "
                "letter. So placeholders (`your-api-key-here`, `YOUR_API_KEY`, `xxxx...`, `<API_KEY>`, "
                "`${API_KEY}`, `sk-...`), code (`os.environ[...]`, `get_key()`), a name that goes on "
                "(`api_key_id`, `password_hash`) and `token` alone (tokenizers, pagination cursors) are no key; "
                "a password shorter than 20 characters is found only in a URL.")

    def check(self, row: Row) -> Iterable[Violation]:
        if row.parsed:
            checks = checks_for(row.raw)
            hits = list(secrets_in(row.value, checks))
            for hit in hits:
                yield Violation(_describe(hit), pointer(*hit.path))
            for hit in dropped_secrets(row.raw, hits, checks) if _may_repeat_keys(row) else ():
                yield Violation(_describe(hit, " (in an earlier value of a repeated key, which the parsed row drops)"), pointer(*hit.path))
            return
        found = secret_in_line(row.raw.decode("utf-8", "replace")) if row.raw is not None else None
        if found is not None:
            kind, secret, at = found
            yield Violation(f"a line that is not parsed as JSON contains {kind} (sha256 {_fingerprint(secret)}…) "
                            f"at character {at + 1}; remove or redact it")


def _may_repeat_keys(row: Row) -> bool:
    """False when the raw line provably repeats no key: it has as many ":" as the parsed value serialised
    (one per kept key, plus the same ones inside strings; FT004 and FT404 share that serialisation),
    and no \\u003a escape of one. Else the line is read again for the values a repeated key dropped."""
    raw = row.raw
    if raw is None:
        return False
    flat = hashing.flat_of(row)
    return flat[:1] == hashing.UNSERIALISABLE or raw.count(b":") != flat.count(b":") or b"\\u003" in raw


def _describe(hit: Hit, note: str = "") -> str:
    what = f"{hit.kind} (sha256 {_fingerprint(hit.secret)}…)"
    if hit.inner is None:
        return f"{'a key name of this object is' if hit.in_key else 'contains'} {what}{note}; remove or redact it"
    where = show(pointer(*hit.inner), 120, quoted=False)  # the path spells dataset keys: escaped and redacted
    if hit.inner_key:
        place = f"in the object at {where}" if where else "in its top-level object"
        return f"a key name inside the JSON string, {place}, is {what}{note}; remove or redact it"
    return f"contains {what} inside the JSON string, at {where}{note}; remove or redact it"


EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b")
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.\-]?)?(?:\(\d{2,4}\)[\s.\-]?|\d{2,4}[\s.\-])\d{3,4}[\s.\-]\d{3,4}(?![\w])")


_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")


def _email(text: str) -> re.Match | None:
    """EMAIL.search, which Python tries at every position (45 µs a 1 KB text), only on texts with an "@"."""
    return EMAIL.search(text) if "@" in text else None


def _phone(text: str) -> re.Match | None:
    """PHONE.search (70 µs a 1 KB text) only where three digits follow each other: found in C for ASCII text
    (its digits mapped to "0"); any other text may hold digits of other scripts, which \\d matches too."""
    if text.isascii() and b"000" not in text.encode().translate(_DIGITS_AS_ZERO):
        return None
    return PHONE.search(text)


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
    reads = ("texts",)
    bad = '{"messages": [{"role": "user", "content": "Reach me at ana.lopez@example.com or +1 415 555 0132"}, {"role": "assistant", "content": "Noted."}]}'
    good = '{"messages": [{"role": "user", "content": "Reach me by e-mail"}, {"role": "assistant", "content": "Noted."}]}'

    def check(self, row: Row) -> Iterable[Violation]:
        for where, _, text in texts(row):
            for kind, find in (("an e-mail address", _email), ("a phone number", _phone)):
                match = find(text)
                if match:
                    yield Violation(f"contains {kind} (sha256 {_fingerprint(match.group())}…)", where)


RULES = (SpecialToken, SpecialTokenInCode, RoleLabelLeak, TemplatePlaceholder, Secret, PersonalData)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
