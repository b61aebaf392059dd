"""Secrets with no shape of their own, found by their context: a password in a connection URL
(``postgres://admin:...@db.internal:5432/prod``) and a key-like value under a credential's name
(``{"api_key": "a8f5..."}``, ``API_KEY: ...``, ``password = "..."``). The newcomer trial saw both pass
``ftlint check --profile openai-sft`` unreported and printed whole in the json and sarif fix edits and in
``fix --diff``. FT205 names them, output redacts the password or the value only (the URL and the name stay
readable), and what documentation writes in their place (``user:password@localhost``, ``<password>``,
``${DB_PASSWORD}``, ``your-api-key-here``, ``<API_KEY>``) is no secret.

The secrets below are built from repeated pieces: none is real, and none stands whole in the source.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter import secrets
from linter._dispatch import screen_of
from linter.rules.text_rules import Secret
from linter.screening import Scanner

from .conftest import chat
from .test_screens import LINTERS, encode, findings
from .test_secrets_everywhere import every_output, no_secret_in, read_in_linear_time, secret_findings

URL = "a password in a URL"
GENERIC = "a generic API key or password"
PASSWORD = "S3cr3t" + "P4ss"
PASSWORDS = [PASSWORD, "Hunt3r" + "2xyz", "Zq8p" + "Lm2Kt", "R3dis" + "PassW0rd", "Gu3st" + "S3cret!", "T0ken" + "V4lue9"]
HEX = "a8f5f167" + "f44f4964" + "e6c998de" + "e827110c"  # 32 hex digits
MIXED = "Zk3mQ9vL" * 3  # 24 key characters: capitals, small letters, digits
B64 = ("Qm9vL2x/R7p+T5wN8b" * 2)[:30] + "=="
UUID = "8c3e2f1a-4b5d-4e6f-8a9b-" + "0c1d2e3f4a5b"
VALUES = [HEX, MIXED, B64, UUID]

URLS = [  # (text, what output shows of it)
    (f"Connect with postgres://admin:{PASSWORDS[0]}@db.internal:5432/prod please",
     "Connect with postgres://admin:[redacted secret]@db.internal:5432/prod please"),
    (f"DATABASE_URL=mysql://root:{PASSWORDS[1]}@10.0.0.5/app", "DATABASE_URL=mysql://root:[redacted secret]@10.0.0.5/app"),
    (f'"mongodb+srv://svc:{PASSWORDS[2]}@cluster0.ab12c.mongodb.net/test"', '"mongodb+srv://svc:[redacted secret]@cluster0.ab12c.mongodb.net/test"'),
    (f"cache at redis://:{PASSWORDS[3]}@cache:6379/0", "cache at redis://:[redacted secret]@cache:6379/0"),
    (f"amqp://guest:{PASSWORDS[4]}@rabbit:5672/", "amqp://guest:[redacted secret]@rabbit:5672/"),
    (f"git clone https://deploy:{PASSWORDS[5]}@git.example.com/repo.git", "git clone https://deploy:[redacted secret]@git.example.com/repo.git"),
]
URL_PLACEHOLDERS = [  # what documentation writes in a password's place
    "postgres://user:password@localhost/db",
    "postgres://<user>:<password>@<host>:5432/<db>",
    "postgresql://app:${DB_PASSWORD}@db:5432/app",
    "mysql://root:****@localhost/mysql",
    "redis://:$REDIS_PASSWORD@cache:6379",
    "amqp://guest:guest@localhost:5672/",
    "https://user:pass@example.com and https://user:pass123@example.com",
    "mongodb://admin:your_password@host/db and mongodb://admin:changeme!@host/db",
    "sftp://bob:{password}@files.example.com/ and ftp://anonymous:%s@ftp.example.com",
    "https://example.com:8443/path?next=https://other.example.com/@user",  # a port, no user info
    "ssh://git@github.com:22/org/repo.git and git@github.com:org/repo.git",  # a user, no password
]

NAMED = [  # (text, what output shows of it)
    (f'Use this config: {{"api_key": "{HEX}"}}', 'Use this config: {"api_key": "[redacted secret]"}'),
    (f"api_key={MIXED}", "api_key=[redacted secret]"),
    (f"API_KEY: {B64}", "API_KEY: [redacted secret]"),
    (f'{{"secret": "{MIXED}"}}', '{"secret": "[redacted secret]"}'),
    (f'password = "{MIXED}"', 'password = "[redacted secret]"'),
    (f"access_token: {B64}", "access_token: [redacted secret]"),
    (f"headers = {{'X-Auth-Token': '{HEX}'}}", "headers = {'X-Auth-Token': '[redacted secret]'}"),
    (f"client_secret => '{UUID}'", "client_secret => '[redacted secret]'"),
    (f"export OPENAI_API_KEY={MIXED}\nexport DB_PASSWORD={HEX}", "export OPENAI_API_KEY=[redacted secret]\nexport DB_PASSWORD=[redacted secret]"),
    (f"<apiKey>{B64}</apiKey>", "<apiKey>[redacted secret]</apiKey>"),
]
NAMED_PLACEHOLDERS = [
    "api_key=your-api-key-here", "API_KEY=YOUR_API_KEY_HERE", "api_key: <API_KEY>", 'api_key = "sk-..."', "API_KEY=${API_KEY}",
    "OPENAI_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "api_key = os.environ['OPENAI_API_KEY']", "apiKey: process.env.API_KEY",
    "password = get_Password_From_Env_V2()",  # a call, not a value
    f"api_key_id: {HEX}", f"password_hash = '{HEX}'", f"secret_name: {MIXED}",  # names that say otherwise
    "password: reset it from the settings page", "Your password: 12345678901234567890123",  # prose; digits only
    f"token = {MIXED}",  # "token" alone names too much (tokenizers, pagination cursors)
    "EMAIL_PASSWORD = 'your_email_password'", "CLIENT_SECRET = 'YOUR_CLIENT_SECRET'",  # tests/data/real's code
    "secret: 00000000-0000-0000-0000-000000000000",  # a nil UUID: no letter
]


def rows(texts) -> list[str]:
    return [json.dumps(chat(("user", text), ("assistant", "Rotate it."))) for text in texts]


def kinds(found) -> list[tuple[int, str, str]]:
    return [(line, where, message.split(" (sha256 ")[0]) for line, where, message in found]


def test_a_password_in_a_url_is_reported_and_only_the_password_redacted(tmp_path):
    found = secret_findings(tmp_path, rows(text for text, _ in URLS), "--profile", "openai-sft", every_format=True, secrets=PASSWORDS)
    assert kinds(found) == [(line, "/messages/0/content", f"contains {URL}") for line in range(1, len(URLS) + 1)]
    for text, shown in URLS:
        assert secrets.redact(text) == shown


def test_the_fingerprint_is_the_passwords_own(tmp_path):
    import hashlib

    found = secret_findings(tmp_path, rows([URLS[0][0], f'{{"api_key": "{HEX}"}}']), secrets=(PASSWORD, HEX))
    assert [message.split("sha256 ")[1][:8] for _, _, message in found] == [
        hashlib.sha256(secret.encode()).hexdigest()[:8] for secret in (PASSWORD, HEX)]


def test_a_key_under_a_credentials_name_is_reported_and_only_the_value_redacted(tmp_path):
    found = secret_findings(tmp_path, rows(text for text, _ in NAMED), "--profile", "openai-sft", every_format=True, secrets=VALUES)
    assert kinds(found) == [(line, "/messages/0/content", f"contains {GENERIC}") for line in range(1, len(NAMED) + 1)]
    for text, shown in NAMED:
        assert secrets.redact(text) == shown


@pytest.mark.parametrize("texts", [URL_PLACEHOLDERS, NAMED_PLACEHOLDERS], ids=["urls", "names"])
def test_placeholders_code_and_prose_are_no_secret(tmp_path, texts):
    no_secret_in(tmp_path, rows(texts), texts)


JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
OPENAI = "sk-proj-" + "Q7" * 20
GITHUB = "ghp_" + "x1" * 18


def test_a_key_of_its_own_shape_is_named_and_redacted_whole(tmp_path):
    """The fallback kinds count only where no kind of its own shape overlaps them: a JSON Web Token under
    access_token is redacted whole (a generic value stops at its first dot), a GitHub token as a URL's
    password is named a GitHub token."""
    texts = [f"export OPENAI_API_KEY={OPENAI}", f"access_token: {JWT}", f"https://x-access-token:{GITHUB}@github.com/org/repo.git",
             f"api_key={MIXED} and {OPENAI}"]
    found = secret_findings(tmp_path, rows(texts), every_format=True, secrets=(OPENAI, GITHUB, MIXED, *JWT.split(".")))
    assert kinds(found) == [(1, "/messages/0/content", "contains an OpenAI API key"), (2, "/messages/0/content", "contains a JSON Web Token"),
                            (3, "/messages/0/content", "contains a GitHub token"), (4, "/messages/0/content", "contains an OpenAI API key")]
    assert [secrets.redact(text) for text in texts] == [
        "export OPENAI_API_KEY=[redacted secret]", "access_token: [redacted secret]",
        "https://x-access-token:[redacted secret]@github.com/org/repo.git", "api_key=[redacted secret] and [redacted secret]"]


def test_a_key_as_the_value_of_its_name_in_an_object(tmp_path):
    """Metadata and tool-call arguments as objects hold the name and the key in two strings: FT205 points at
    the value, and fix edits quoting the object redact it (redact_named)."""
    lines = [
        json.dumps({**chat(("user", "deploy"), ("assistant", "ok")), "metadata": {"api_key": HEX, "region": "eu-west-1"}}),
        json.dumps({"prompt": [{"role": "user", "content": "deploy"}, {"role": "assistant", "tool_calls": [
            {"type": "function", "function": {"name": "deploy", "arguments": {"clientSecret": MIXED}}}]}],
            "completion": [{"role": "assistant", "content": "ok"}]}),
        json.dumps(chat(("user", "deploy"), ("assistant", "calling")) | {"tool_args": json.dumps({"DB_PASSWORD": B64})}),
        json.dumps({**chat(("user", "deploy"), ("assistant", "ok")), "metadata": {"api_key": "your-api-key-here", "api_key_id": HEX}}),
    ]
    found = secret_findings(tmp_path, lines, "--profile", "trl", every_format=True, secrets=VALUES)
    assert kinds(found) == [(1, "/metadata/api_key", f"contains {GENERIC}"),
                            (2, "/prompt/1/tool_calls/0/function/arguments/clientSecret", f"contains {GENERIC}"),
                            (3, "/tool_args", f"contains {GENERIC}")]
    assert "inside the JSON string, at /DB_PASSWORD" in found[2][2]
    assert secrets.redact_named("OPENAI_API_KEY", MIXED) == secrets.redact_named("x-api-key", f" {HEX} ") == "[redacted secret]"
    assert secrets.redact_named("api_key_id", HEX) == HEX and secrets.redact_named("checksum", HEX) == HEX


def padded_rows() -> list[str]:
    """Rows whose fixes quote the secret: padding (FT201) and a miscased message key (FT111, whose edit
    quotes the message), and an object value under a credential's name beside them."""
    return [json.dumps({"messages": [{"Role": "user", "content": f" {text} "}, {"role": "assistant", "content": "Rotate it."}],
                        "metadata": {"api_key": HEX}}) for text, _ in URLS + NAMED]


@pytest.mark.parametrize("select", [("--ignore", "FT205"), ()])  # off, and on (openai-sft's, the default)
def test_fix_edits_diffs_sarif_and_the_html_report_never_show_them(tmp_path, select):
    """The trial's outputs: json/sarif/json-lines fix edits, `check --diff`, `fix --diff`, `stats --html`;
    redaction does not wait for FT205. The URL and the name stay readable."""
    path = tmp_path / "pad.jsonl"
    path.write_text("".join(row + "\n" for row in padded_rows()), encoding="utf-8")
    shown = every_output(path, "--profile", "openai-sft", select=select)
    for where, output in shown.items():
        assert not any(secret in output for secret in PASSWORDS + VALUES), where
    assert "postgres://admin:[redacted secret]@db.internal:5432/prod" in shown["fix --diff"]
    assert "DB_PASSWORD=[redacted secret]" in shown["fix --diff"] and '\\"api_key\\": \\"[redacted secret]\\"' in shown["fix --diff"]
    assert (f"contains {URL}" in shown["text"] and f"contains {GENERIC}" in shown["text"]) == (not select)


def test_clean_rows_do_not_pass_the_screen_and_secrets_do():
    """FT205's screen asks for "://", user info and "@", or a credential's name, a separator and 20 key
    characters: the word "password" (in half the rows of bench/'s support chats), links and prose about
    keys leave a row unscanned, as rows without any opening are."""
    scanner = Scanner([screen_of(Secret)])
    clean = ["Reset your password from the account page, then sign in again.", "See https://example.com/docs/api and user@example.com",
             "Set the API key and the password in the environment", "password invoice delivery tracking discount coupon exchange"]
    for row in rows(clean):
        assert scanner.passed(row.encode()) == [False], row
    for row in rows([text for text, _ in URLS + NAMED]):
        assert scanner.passed(row.encode()) == [True], row


@pytest.mark.parametrize("run", ["://", "://a:", "://a:b1", "://a:b1@", "api_key=", "password: ", "apiKey" + MIXED, "secret=" + "Ab1" * 100, "API_KEY=Ab1",
                                 'password": "' + MIXED[:19]])
def test_a_long_run_of_openings_costs_no_square_time(run):
    """Each try looks no further than a URL's user info (64 + 128 characters) or a value's 256 characters:
    200 KB of openings takes a fraction of a second; square time would take minutes."""
    read_in_linear_time(run * (200_000 // len(run)))


# the screen property of tests/test_screens.py over rows full of these kinds' near misses: findings are the
# same with and without screens (FT205's screen and the kinds checks_for picks)
FRAGMENTS = ["://", "postgres", "redis://", ":", "@", "@db", "admin", PASSWORD, "password", "Password", "PASSWORD", "passwd",
             "api_key", "API_KEY", "apiKey", "x-api-key", "client_secret", "secret", "access_token", "AuthToken", "_id",
             "=", ": ", '"', "'", " ", "\t", "\n", "=>", ">", "<", "${", "}", "(", ".", "/", "+", "-", "_", "*",
             HEX, MIXED, B64[:20], UUID, "Ab1", "x" * 20, "sk-", OPENAI, "eyJ", JWT, "é", "ſ", "K", "\\", "\u00a0"]
TEXT = st.lists(st.sampled_from(FRAGMENTS), max_size=8).map("".join)
# names, separators and values drawn apart too, so near misses of a whole secret are frequent
NAME = st.sampled_from(["api_key", "API_KEY", "apiKey", "x-api-key", "client_secret", "DB_PASSWORD", "access_token", "api_key_id"]) | TEXT
VALUE = st.sampled_from([HEX, MIXED, B64, UUID, " " + HEX, HEX + "(", HEX[:31], "x" * 20]) | TEXT
SEPARATOR = st.sampled_from(["=", ": ", '": "', "' => '", ">", " = \"", "\t:\n", " ", " =", "-"])
ASSIGNMENT = st.tuples(st.sampled_from(["", "see ", "postgres://admin:" + PASSWORD + "@db "]), NAME, SEPARATOR, VALUE).map("".join)
ROW = st.one_of(
    st.builds(lambda text, answer: chat(("user", text), ("assistant", answer)), TEXT | ASSIGNMENT, TEXT | ASSIGNMENT),
    st.builds(lambda name, value: {**chat(("user", "q"), ("assistant", "a")), "metadata": {name: value}}, NAME, VALUE),
    st.builds(lambda name, value: chat(("user", "q"), ("assistant", json.dumps({name: value}))), NAME, VALUE),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=1, max_size=4), style=st.sampled_from(["plain", "ascii", "compact", "orjson", "slashes", "escaped"]),
       profile=st.sampled_from(sorted(LINTERS)))
def test_findings_are_identical_with_and_without_screens(rows, style, profile):
    """FT205's screen skips no row it would report, and the kinds checks_for picks by the raw line (asked
    with and without screens alike) lose no secret of the parsed row."""
    text = "".join(encode(row, style) + "\n" for row in rows)
    linter = LINTERS[profile]
    assert findings(linter, text, True) == findings(linter, text, False)
    for row in rows:
        raw = encode(row, style).encode("utf-8", "surrogatepass")
        assert list(secrets.secrets_in(row, secrets.checks_for(raw))) == list(secrets.secrets_in(row))


@settings(max_examples=500, deadline=None)
@given(text=TEXT | ASSIGNMENT)
def test_the_kinds_a_text_spells_include_every_kind_it_holds(text):
    """checks_for narrows the kinds by the automaton's screens; a kind a text holds is never narrowed away,
    as a string of a row or as raw JSON text."""
    for raw in (text.encode(), json.dumps(text).encode(), json.dumps(text, ensure_ascii=False).encode()):
        asked = {kind for kind, _, _ in secrets.checks_for(raw)}
        held = {kind for kind, pattern in secrets.SECRETS + secrets.FALLBACK_SECRETS if pattern.search(text)}
        assert held <= asked, (held - asked, raw)


def test_the_fuzzed_corpus_makes_the_fallback_kinds_fire():
    """The property above is worth something: its fragments make both kinds fire, screened, in texts and objects."""
    rows = [chat(("user", "postgres" + "://" + "admin" + ":" + PASSWORD + "@db"), ("assistant", "api_key" + "=" + MIXED)),
            {**chat(("user", "q"), ("assistant", "a")), "metadata": {"client_secret": HEX}}]
    found = findings(LINTERS["openai-sft"], "".join(json.dumps(row) + "\n" for row in rows), True)
    assert [(line, pointer, message.split(" (sha256 ")[0]) for line, code, pointer, message in found if code == "FT205"] == [
        (1, "/messages/0/content", f"contains {URL}"), (1, "/messages/1/content", f"contains {GENERIC}"),
        (2, "/metadata/client_secret", f"contains {GENERIC}")]
