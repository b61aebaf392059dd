"""AWS secret access keys: 40 characters of [A-Za-z0-9/+] with no prefix, so they count only with their
context, as gitleaks and trufflehog pair them: within a short window after an access key id, or after a
name (aws_secret_access_key, SecretAccessKey, aws_secret...) and a separator, or as the whole value of an
object key so named. FT205 names them, and no output quotes them: the newcomer trial saw the key id
redacted and the secret after it printed in fix edits, SARIF, ``fix --diff`` and ``stats --html``.

The keys below are built from repeated pieces: none is real, and none stands whole in the source.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter import secrets

from .conftest import chat, run_cli
from .test_ml_secrets import reference_first, reference_spans
from .test_secrets_everywhere import every_output, read_in_linear_time, secret_findings

KEY_ID = "AKIA" + "Q7ZX" * 4
SECRET = ("wJa1rX/Utn+FEMI" * 3)[:40]
OTHER = ("Zq9/Lp+Hx2Kt" * 4)[:40]
KIND = "an AWS secret access key"

CONTEXTS = [  # (text, what output still shows of it where the key is redacted)
    (f"  key {KEY_ID} secret {SECRET}  ", None),  # the trial's row: the key id and the secret, one run
    (f"aws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}", None),
    (f"export AWS_SECRET_ACCESS_KEY={SECRET}", "export AWS_SECRET_ACCESS_KEY=[redacted secret]"),
    (f'creds = {{"SecretAccessKey": "{SECRET}", "Region": "eu-west-1"}}', 'creds = {"SecretAccessKey": "[redacted secret]", "Region": "eu-west-1"}'),
    (f"boto3.client('s3', aws_secret_access_key='{SECRET}')", "boto3.client('s3', aws_secret_access_key='[redacted secret]')"),
    (f"<SecretAccessKey>{SECRET}</SecretAccessKey>", "<SecretAccessKey>[redacted secret]</SecretAccessKey>"),
    (f"AWS secret: {SECRET}", "AWS secret: [redacted secret]"),
    (f"secret_access_key:\t{SECRET}", "secret_access_key:\t[redacted secret]"),
    (f"User name,Access key ID,Secret access key\nbob,{KEY_ID},{SECRET}", None),
]
NEAR_MISSES = [
    f"the image is data:image/png;base64,{OTHER}{OTHER}==",  # base64 with no AWS context
    f"checksum {OTHER} and a word",  # 40 key characters, no name and no key id before them
    "aws_secret_access_key=" + "x" * 40,  # a placeholder: no capitals
    "AWS_SECRET_ACCESS_KEY=YOUR_SECRET_ACCESS_KEY_GOES_RIGHT_HERE_OK",  # underscores: no key
    "secret_access_key: " + "0123456789abcdef" * 2 + "01234567",  # a hex digest (git sha1): no capitals
    "Keep the secret access key in the vault; never paste it into a prompt.",
    f"aws_secret = {OTHER}{OTHER}",  # 80 key characters: longer than a key (a generic one under a secret's name)
    f"{KEY_ID} " + "x" * 60 + f" {OTHER}",  # a key id, but the run comes past the window
]


def rows(texts) -> list[str]:
    return [json.dumps(chat(("user", text), ("assistant", "Rotate it."))) for text in texts]


def test_a_secret_access_key_in_its_contexts_is_reported_and_never_echoed(tmp_path):
    texts = [text for text, _ in CONTEXTS]
    found = secret_findings(tmp_path, rows(texts), every_format=True, secrets=(SECRET, KEY_ID))
    assert [(line, where) for line, where, _ in found] == [(line, "/messages/0/content") for line in range(1, len(texts) + 1)]
    for _, _, message in found:
        assert f"contains {KIND} (sha256 " in message, message
    for text, shown in CONTEXTS:  # the name stays readable; after a key id, the id goes too
        redacted = secrets.redact(text)
        assert SECRET not in redacted and KEY_ID not in redacted and "[redacted secret]" in redacted
        if shown is not None:
            assert redacted == shown


def test_the_fingerprint_is_the_keys_own(tmp_path):
    """The hash prefix is of the 40 characters, not of the name or key id before them: a reader can hash
    the key they suspect and compare."""
    import hashlib

    found = secret_findings(tmp_path, rows([CONTEXTS[0][0], CONTEXTS[2][0]]), secrets=(SECRET, KEY_ID))
    assert {message.split("sha256 ")[1][:8] for _, _, message in found} == {hashlib.sha256(SECRET.encode()).hexdigest()[:8]}


def test_base64_and_prose_without_aws_context_are_no_secret(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text("".join(row + "\n" for row in rows(NEAR_MISSES)), encoding="utf-8")
    proc = run_cli("check", "--isolated", "--select", "FT205", "--format", "json", str(path))
    found = [(f["line"], f["message"].split(" (sha256 ")[0]) for f in json.loads(proc.stdout)["findings"]]
    assert found == [(7, "contains a generic API key or password"), (8, "contains an AWS access key id")], proc.stdout + proc.stderr
    for text in NEAR_MISSES[:-2]:
        assert secrets.redact(text) == text
    assert secrets.redact(NEAR_MISSES[-2]) == "aws_secret = [redacted secret]"


def test_a_key_as_the_value_of_its_name_in_an_object(tmp_path):
    """Metadata and tool-call arguments as objects hold the name and the key in two strings: FT205 points
    at the value, and fix edits that quote the object redact it."""
    metadata = {"aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET, "region": "us-east-1"}
    lines = [
        json.dumps({**chat(("user", "deploy"), ("assistant", "ok")), "metadata": metadata}),
        json.dumps(chat(("user", "deploy"), ("assistant", "calling"))
                   | {"tools_args": json.dumps({"SecretAccessKey": SECRET})}),
        json.dumps({"messages": [{"role": "user", "content": "deploy"}, {"role": "assistant", "content": "ok", "Extra": {"aws_secret": SECRET}}]}),
    ]
    found = secret_findings(tmp_path, lines, every_format=True, secrets=(SECRET, KEY_ID))
    assert [(line, where) for line, where, _ in found if KIND in _] == [
        (1, "/metadata/aws_secret_access_key"), (2, "/tools_args"), (3, "/messages/1/Extra/aws_secret")]
    assert "inside the JSON string, at /SecretAccessKey" in found[-2][2]
    assert secrets.redact_named("aws_secret_access_key", SECRET) == "[redacted secret]"
    assert secrets.redact_named("checksum", SECRET) == SECRET  # a value alone, under another name, is no key


def padded_rows() -> list[str]:
    """Rows whose fixes quote the key: padding (FT201) and a miscased message key (FT111, whose edit quotes the message)."""
    out = []
    for text, _ in CONTEXTS:
        out.append(json.dumps({"messages": [{"Role": "user", "content": f" {text} "}, {"role": "assistant", "content": "Rotate it."}],
                               "metadata": {"aws_secret_access_key": SECRET}}))
    return out


@pytest.mark.parametrize("select", [("--ignore", "FT205"), ()])  # off, and on (the default profile's, a hosted service's)
def test_fix_edits_diffs_sarif_and_the_html_report_never_show_the_key(tmp_path, select):
    """The trial's outputs: json/sarif/json-lines fix edits, `check --diff`, `fix --diff`, `stats --html`;
    redaction does not wait for FT205."""
    path = tmp_path / "pad.jsonl"
    path.write_text("".join(row + "\n" for row in padded_rows()), encoding="utf-8")
    shown = every_output(path, select=select)
    for where, output in shown.items():
        assert SECRET not in output and KEY_ID not in output, where
    assert shown["fix --diff"].count("[redacted secret]") >= 2 * len(CONTEXTS)
    assert ("an AWS secret access key" in shown["text"]) == (not select)  # on unless ignored


@pytest.mark.parametrize("run", [f"{KEY_ID} ", KEY_ID, "aws_secret ", "aws_secret=", "Secret", "ecret", "secret access key: ",
                                 f"{KEY_ID} {OTHER[:39]}_", "ASIA" + "Q" * 16 + " " * 30])
def test_a_long_run_of_openings_costs_no_square_time(run):
    """Each try looks no further than 50 + 40 characters past a key id or a few past a name: 200 KB of
    openings takes a fraction of a second (about 0.1-0.4 s), square time would take minutes."""
    read_in_linear_time(run * (200_000 // len(run)))


AWS_PIECES = [KEY_ID, "ASIA" + "Z9" * 8, "aws_", "aws", "AWS", "Aws", "_", "-", ".", " ", "secret", "Secret", "SECRET", "ecret",
              "access", "Access", "ACCESS", "key", "Key", "=", ":", "=>", ">", '"', "'", "\t", "\n", "x", "é", "/",
              SECRET, SECRET[:39], OTHER, "aws_secret=", "SecretAccessKey\": \"", "aws_secret_access_key = "]


@settings(max_examples=1500, deadline=None)
@given(text=st.lists(st.sampled_from(AWS_PIECES), max_size=8).map("".join))
def test_trying_the_aws_pattern_at_its_openings_matches_one_search(text):
    """The AWS secret is tried only at a key id or 1, 4 or 5 characters before "ecret"/"ECRET" (and after an
    automaton screened the text): the spans one search for every kind finds, key alone after a name."""
    reference = reference_spans(text)  # a generic key under "secret" too, where no AWS key overlaps it
    assert secrets.secret_spans(text) == reference
    assert secrets.secret_spans(text, secrets.checks_for(text.encode())) == reference
    found = secrets.first_secret(text)
    assert (found and found[1].span()) == reference_first(text)
