"""FT205 reports a secret wherever the line holds one, not only in the texts a
model is trained on: tool-call arguments (a JSON string: the finding names
where inside it), ShareGPT and TRL tool calls, key names, roles, metadata, and
lines that are not JSON at all. Each finding has the pointer of the value that
holds the secret; no output ever repeats the secret itself.

Every test runs the real CLI on a real file, in every output format.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter.secrets import checks_for, dropped_secrets, redact, secrets_in

from .conftest import chat, run_cli
from .test_screens import ANY_ROW, encode

AWS = "AKIAIOSFODNN7EXAMPLE"
OPENAI = "sk-proj-" + "Q7" * 20
GITHUB = "ghp_" + "x1" * 18
SECRETS = (AWS, OPENAI, GITHUB)


def secret_findings(tmp_path, lines: list[str], *args: str, every_format: bool = False, secrets=SECRETS) -> list[tuple[int, str, str]]:
    """``(line, pointer, message)`` of FT205's findings, after checking that the text output (and with
    ``every_format``, every output format: one CLI run each) echoes none of ``secrets``."""
    path = tmp_path / "data.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    for output in ("text", "github", "sarif", "junit", "json-lines") if every_format else ("text",):
        proc = run_cli("check", "--isolated", "--select", "FT205", "--format", output, *args, str(path))
        assert proc.returncode == 1, proc.stderr
        assert not any(secret in proc.stdout + proc.stderr for secret in secrets), output
    proc = run_cli("check", "--isolated", "--select", "FT205", "--format", "json", *args, str(path))
    assert not any(secret in proc.stdout + proc.stderr for secret in secrets)
    # FT205's own (lines that are not JSON also get FT001 whatever the selection: checked for leaks above)
    return [(f["line"], f["pointer"], f["message"]) for f in json.loads(proc.stdout)["findings"] if f["code"] == "FT205"]


def no_secret_in(tmp_path, lines: list[str], texts: list[str]) -> None:
    """FT205 reports nothing on ``lines``, and nothing of ``texts`` (their texts) is redacted where output quotes it."""
    path = tmp_path / "data.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    proc = run_cli("check", "--isolated", "--select", "FT205", "--format", "json", str(path))
    assert proc.returncode == 0 and json.loads(proc.stdout)["findings"] == [], proc.stdout + proc.stderr
    for text in texts:
        assert redact(text) == text


def read_in_linear_time(text: str) -> None:
    """Redaction, the first secret and a row's scan of a hostile ``text`` (200 KB of openings) take a fraction
    of a second; square time would take minutes."""
    import time

    from linter.secrets import first_secret

    started = time.perf_counter()
    redact(text)
    first_secret(text)
    list(secrets_in({"k": text}))
    assert time.perf_counter() - started < 5


def every_output(path, *args: str, select: tuple = ()) -> dict[str, str]:
    """What each output shows of ``path`` (the newcomer trials' list): every format of ``check``, ``check --diff``,
    ``fix --diff`` and ``stats --html``; ``args`` go to ``check`` in every format, ``select`` to both checks."""
    shown = {}
    for output in ("json", "sarif", "json-lines", "text", "github", "junit"):
        proc = run_cli("check", *args, *select, "--format", output, str(path))
        assert proc.returncode == (0 if select else 1) and "Traceback" not in proc.stderr, proc.stderr
        shown[output] = proc.stdout + proc.stderr
    for name, command in (("check --diff", ("check", *select, "--diff")), ("fix --diff", ("fix", "--diff"))):
        proc = run_cli(*command, str(path))
        shown[name] = proc.stdout + proc.stderr
        assert "+{" in proc.stdout, proc.stdout + proc.stderr
    report = path.parent / "report.html"
    assert run_cli("stats", "--html", str(report), str(path)).returncode == 0
    shown["html"] = report.read_text(encoding="utf-8")
    edits = [f["fix"] for f in json.loads(shown["json"])["findings"] if f.get("fix")]
    assert edits and all(fix["redacted"] for fix in edits if "[redacted secret]" in json.dumps(fix))
    return shown


def call_row(arguments) -> dict:
    return {"messages": [
        {"role": "user", "content": "Deploy it."},
        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "deploy", "arguments": arguments}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "done"},
        {"role": "assistant", "content": "Deployed."},
    ]}


def test_openai_tool_call_arguments_point_at_the_arguments_and_inside_them(tmp_path):
    rows = [call_row(json.dumps({"target": "prod", "auth": {"token": GITHUB}})), call_row({"key": AWS}), call_row("not json " + OPENAI)]
    found = secret_findings(tmp_path, [json.dumps(row) for row in rows], every_format=True)
    assert [(line, where) for line, where, _ in found] == [
        (1, "/messages/1/tool_calls/0/function/arguments"),
        (2, "/messages/1/tool_calls/0/function/arguments/key"),  # an object (TRL, axolotl): the pointer goes in
        (3, "/messages/1/tool_calls/0/function/arguments"),
    ]
    assert "a GitHub token" in found[0][2] and "inside the JSON string, at /auth/token" in found[0][2]
    assert "an AWS access key id" in found[1][2] and "inside" not in found[1][2]
    assert "an OpenAI API key" in found[2][2] and "inside" not in found[2][2]


def test_sharegpt_and_trl_tool_calls_and_tools(tmp_path):
    sharegpt = {"conversations": [
        {"from": "human", "value": "Deploy it."},
        {"from": "function_call", "value": json.dumps({"name": "deploy", "arguments": {"token": OPENAI}})},
        {"from": "observation", "value": "done"}, {"from": "gpt", "value": "Deployed."},
    ], "tools": json.dumps([{"name": "deploy", "description": f"uses {AWS}", "parameters": {"type": "object", "properties": {}}}])}
    trl = {"prompt": [{"role": "user", "content": "Deploy it."},
                      {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "deploy", "arguments": {"token": GITHUB}}}]},
                      {"role": "tool", "content": "done"}],
           "completion": [{"role": "assistant", "content": "Deployed."}]}
    found = secret_findings(tmp_path, [json.dumps(sharegpt), json.dumps(trl)], "--profile", "llamafactory")
    assert [(line, where) for line, where, _ in found] == [
        (1, "/conversations/1/value"), (1, "/tools"), (2, "/prompt/1/tool_calls/0/function/arguments/token"),
    ]
    assert "at /arguments/token" in found[0][2] and "at /0/description" in found[1][2]


def test_key_names_roles_and_metadata(tmp_path):
    keyed = chat(("user", "hi"), ("assistant", "Hello"))
    keyed["metadata"] = {AWS: "the key is the key", "owner": "ops"}
    role = {"messages": [{"role": OPENAI, "content": "hi"}, {"role": "assistant", "content": "Hello"}]}
    top_key = {**chat(("user", "hi"), ("assistant", "Hello")), GITHUB: 1}
    found = secret_findings(tmp_path, [json.dumps(keyed), json.dumps(role), json.dumps(top_key)], every_format=True)
    # a key is never in the pointer (it is the secret): the finding points at the object that has it
    assert [(line, where) for line, where, _ in found] == [(1, "/metadata"), (2, "/messages/0/role"), (3, "")]
    assert "a key name" in found[0][2] and "a key name" in found[2][2] and "a key name" not in found[1][2]


def test_lines_that_are_not_json_are_scanned_too(tmp_path):
    lines = [
        json.dumps(chat(("user", "hi"), ("assistant", "Hello"))),
        '{"messages": [{"role": "user", "content": "my key is ' + AWS + '"}',  # cut short: not JSON
        "export OPENAI_API_KEY=" + OPENAI,
        json.dumps(chat(("user", "hi"), ("assistant", "Hello"))),
    ]
    found = secret_findings(tmp_path, lines)
    assert [(line, where) for line, where, _ in found] == [(2, ""), (3, "")]
    assert "line that is not parsed" in found[0][2] and "an AWS access key id" in found[0][2]
    assert "an OpenAI API key" in found[1][2]


def test_a_row_that_is_not_an_object_is_scanned(tmp_path):
    found = secret_findings(tmp_path, [json.dumps(["hi", {"k": AWS}]), json.dumps(OPENAI)])
    assert [(line, where) for line, where, _ in found] == [(1, "/1/k"), (2, "")]


def test_escaped_secrets_are_found_where_the_parser_reads_them(tmp_path):
    """A \\u escape or an escaped slash cannot hide a secret: the parsed value is scanned."""
    escaped = '{"messages": [{"role": "user", "content": "key \\u0041KIAIOSFODNN7EXAMPLE"}, {"role": "assistant", "content": "ok"}]}'
    found = secret_findings(tmp_path, [escaped])
    assert [(line, where) for line, where, _ in found] == [(1, "/messages/0/content")]


@pytest.mark.parametrize("profile", ["openai-sft", "llamafactory"])
def test_text_findings_keep_their_pointers(tmp_path, profile):
    """The texts FT205 always read are reported as before, one finding per string."""
    row = {"conversations": [{"from": "human", "value": f"key {AWS} and {OPENAI}"}, {"from": "gpt", "value": "ok"}]}
    found = secret_findings(tmp_path, [json.dumps(row)], "--profile", profile)
    assert [(line, where) for line, where, _ in found] == [(1, "/conversations/0/value")]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=ANY_ROW, style=st.sampled_from(["plain", "ascii", "compact", "orjson", "slashes", "escaped"]))
def test_narrowing_the_kinds_by_the_raw_line_loses_no_secret(row, style):
    """FT205 asks a line's strings only about the kinds of secret whose opening the raw line spells
    (every kind when a \\u escape could spell one): the same hits as asking about every kind."""
    raw = encode(row, style).encode("utf-8", "surrogatepass")
    assert list(secrets_in(row, checks_for(raw))) == list(secrets_in(row))


def test_an_escaped_secret_in_a_broken_line_is_found(tmp_path):
    """A line that is not JSON is read as written, then its string literals decoded: \\u0041KIA... is AKIA...,
    in a string that is closed or in the one the line breaks off in."""
    lines = [
        '{"messages": [{"role": "user", "content": "key \\u0041KIAIOSFODNN7EXAMPLE"}, {"role": ',
        '{"messages": [{"role": "user", "content": "a \\"quote\\" then \\u0041KIAIOSFODNN7EXAMPLE',
        '{"messages": [{"role": "user", "content": "no key \\u0041KIA here"}, ',
    ]
    found = secret_findings(tmp_path, lines)
    assert [(line, where) for line, where, _ in found] == [(1, ""), (2, "")]
    assert all("an AWS access key id" in message for _, _, message in found)


def test_a_key_name_inside_tool_arguments_is_placed_without_spelling_it(tmp_path):
    rows = [call_row(json.dumps({AWS: "x"})), call_row(json.dumps({"auth": {OPENAI: True}}))]
    found = secret_findings(tmp_path, [json.dumps(row) for row in rows])
    assert [(line, where) for line, where, _ in found] == [(1, "/messages/1/tool_calls/0/function/arguments"),
                                                           (2, "/messages/1/tool_calls/0/function/arguments")]
    assert "a key name inside the JSON string, in its top-level object, is an AWS access key id" in found[0][2]
    assert "a key name inside the JSON string, in the object at /auth, is an OpenAI API key" in found[1][2]


def test_a_secret_in_a_value_a_repeated_key_drops_is_reported(tmp_path):
    """JSON parsers keep the last value of a repeated key (FT004): the file still holds the earlier one."""
    lines = [
        '{"messages": [{"role": "user", "content": "key ' + AWS + '", "content": "no key"}, {"role": "assistant", "content": "ok"}]}',
        '{"messages": [{"role": "user", "content": "' + OPENAI + '", "content": "' + GITHUB + '"}, {"role": "assistant", "content": "ok"}]}',
        '{"messages": [{"role": "user", "content": "two in one: ' + AWS + ' ' + OPENAI + '"}, {"role": "assistant", "content": "ok"}]}',
    ]
    found = secret_findings(tmp_path, lines)
    assert [(line, where) for line, where, _ in found] == [(1, "/messages/0/content"), (2, "/messages/0/content"), (2, "/messages/0/content"),
                                                           (3, "/messages/0/content")]
    assert "earlier value of a repeated key" in found[0][2] and "an AWS access key id" in found[0][2]
    assert "a GitHub token" in found[1][2] and "repeated" not in found[1][2]
    assert "an OpenAI API key" in found[2][2] and "earlier value of a repeated key" in found[2][2]
    assert "repeated" not in found[3][2]  # a second secret in a kept string is not a dropped value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=ANY_ROW, style=st.sampled_from(["plain", "ascii", "compact", "orjson", "slashes", "escaped"]))
def test_a_line_without_repeated_keys_has_no_dropped_secret(row, style):
    """Reading the line again with every key's values finds nothing the parsed row does not keep, however written."""
    raw = encode(row, style).encode("utf-8", "surrogatepass")
    checks = checks_for(raw)
    assert dropped_secrets(raw, list(secrets_in(row, checks)), checks) == []


PIECES = ["sk-", "proj-", "sk_live_", "rk", "_live_", "AKIA", "ASIA", "IOSFODNN7EXAMPLE", "a" * 20, "-", "_", " ", "x", "é", "\n",
          "eyJ", "abcdefghij", ".", "-----BEGIN ", "PRIVATE KEY-----", "-----END KEY-----", "ghp_", "x1" * 18, "github_pat_",
          "xoxb-", "1234567890", "AIza", "b" * 35, "Z",
          # the ML keys: short prefixes at a word's start or glued, their lengths, runs one too long
          "hf_", "api_org_", "gsk_", "r8_", "fw_", "sk-ant-api03-", "sk-or-v1-", "tgp_v1_", "pplx-", "lsv2_pt_",
          "Ab3" * 11 + "A", "aB3" * 12, "Kd8-mQ_2z", "0a1b2c3d" * 8, "Q",
          # AWS secret access keys after a key id or a name
          "aws_secret", "SecretAccessKey", ": ", "\n", ("wJa1rX/Utn+FEMI" * 3)[:40],
          # the fallback kinds, alone and beside the others
          "redis://", ":S3cr3tP4ss@db", "api_key=", '"password": "', "Q7q" * 8, "0a1b2c3d" * 4]


@settings(max_examples=1000, deadline=None)
@given(text=st.lists(st.sampled_from(PIECES), max_size=8).map("".join))
def test_trying_the_patterns_at_their_openings_finds_what_a_search_finds(text):
    """first_secret tries each pattern only where its opening occurs; the answer is the full search's:
    the secret starting first in the text, the kind listed first on a tie."""
    from linter.secrets import FALLBACK_SECRETS, SECRETS, first_secret

    reference = None
    for kinds in (SECRETS, FALLBACK_SECRETS):  # a fallback kind (a password in a URL, a generic key) where no other is
        matches = [(match.start(), order, kind, match.span()) for order, (kind, pattern) in enumerate(kinds) if (match := pattern.search(text))]
        reference = reference or (min(matches)[2:] if matches else None)
    found = first_secret(text)
    assert (found and (found[0], found[1].span())) == reference


def test_a_secret_in_json_text_nested_past_the_parser_is_still_reported(tmp_path):
    """Arguments holding JSON nested deeper than Python's parser goes: the string is reported as a whole, no crash."""
    deep = "[" * 100_000 + json.dumps(AWS) + "]" * 100_000
    found = secret_findings(tmp_path, [json.dumps(call_row(deep))])
    assert [(line, where) for line, where, _ in found] == [(1, "/messages/1/tool_calls/0/function/arguments")]
    assert "an AWS access key id" in found[0][2]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SECRETS), st.text(max_size=12), st.sampled_from(["\n", "\t", "\r", " ", '"', "\\", "\u00e9 ", "\\n", "\\u000a", "\\t"]),
       st.booleans(), st.booleans())
def test_raw_json_shown_anywhere_is_redacted_whatever_escapes_spell_the_secret(secret, before, glue, ascii_only, escape_first):
    """A diff or a report shows raw JSON lines: a secret after an escaped newline (where \\b sees the
    letter n) or with its first letter written as \\u00XX is still redacted, and the rest stays as written."""
    from linter.text import redact

    raw = json.dumps({"content": before + glue + secret}, ensure_ascii=ascii_only)
    if escape_first:
        raw = raw.replace(secret, "\\u%04x" % ord(secret[0]) + secret[1:])
    shown = redact(raw)
    assert secret not in json.loads(shown)["content"] and secret[1:] not in shown
    assert shown.startswith('{"content": ') and "[redacted secret]" in shown
    clean = json.dumps({"content": before + glue + "no key here"}, ensure_ascii=ascii_only)
    assert redact(clean) == clean


def test_fix_diff_and_the_html_report_redact_a_secret_after_an_escaped_newline(tmp_path):
    """Review: `fix --diff` and `stats --html` printed a key that followed "\\n" in clear."""
    path = tmp_path / "nl.jsonl"
    path.write_text(json.dumps({"messages": [{"Role": "user", "content": f"my key:\n{OPENAI}\t{AWS}"},
                                             {"role": "assistant", "content": "ok"}]}) + "\n")
    diff = run_cli("fix", "--diff", path)
    report = tmp_path / "r.html"
    run_cli("stats", "--html", report, path)
    assert "-{" in diff.stdout or "+{" in diff.stdout, diff.stdout + diff.stderr
    for shown in (diff.stdout + diff.stderr, report.read_text()):
        assert OPENAI not in shown and AWS not in shown


def test_escapes_hide_no_secret_in_broken_lines_or_inside_tool_arguments(tmp_path):
    """Review: a key after an escaped newline in a line broken by a stray quote, a \\u-escaped key in a
    literal that also holds a raw tab, and a \\u-escaped key inside tool-call arguments were all missed."""
    escaped_openai = "\\u0073" + OPENAI[1:]
    lines = [
        '{"a": "5" inch", "k": "key:\\n' + OPENAI + '"}',
        '{"a": "tab\there \\u0041' + AWS[1:] + '"}',
        json.dumps(call_row('{"key": "' + escaped_openai + '"}')),
    ]
    found = secret_findings(tmp_path, lines, every_format=True)
    assert [(line, where) for line, where, _ in found] == [(1, ""), (2, ""), (3, "/messages/1/tool_calls/0/function/arguments")]
    assert "an OpenAI API key" in found[0][2] and "an AWS access key id" in found[1][2]
    assert "inside the JSON string, at /key" in found[2][2]


def test_a_rows_findings_come_in_code_order_with_ft205_among_them(tmp_path):
    """Review: FT205 became a line rule and printed before the row's other findings (FT115...)."""
    path = tmp_path / "o.jsonl"
    path.write_text(json.dumps(chat(("user", "my key " + AWS), ("assistant", "ok "))) + "\n")
    proc = run_cli("check", "--isolated", "--extend-select", "FT205", "--format", "json", str(path))
    # the row's own findings (FT402 and FT115 are the file's, reported after the rows)
    codes = [f["code"] for f in json.loads(proc.stdout)["findings"] if f["line"] == 1 and f["code"] not in ("FT402", "FT115")]
    assert len(codes) >= 2 and "FT205" in codes and codes == sorted(codes), codes


def test_the_path_inside_tool_arguments_is_quoted_through_the_one_helper(tmp_path):
    """The inner path spells the arguments' own keys (dataset text): a bidi override in one is escaped."""
    found = secret_findings(tmp_path, [json.dumps(call_row(json.dumps({"a\u202eb": {"t": AWS}})))])
    assert [message for _, _, message in found] == [
        "contains an AWS access key id (sha256 " + found[0][2].split("sha256 ")[1].split("…")[0]
        + "…) inside the JSON string, at /a\\u202eb/t; remove or redact it"]


@pytest.mark.parametrize("glued", [
    "config: xsk-proj-" + "Q7" * 20,        # a key pasted after a word, no space
    "token" + AWS,
    "auth=bearer" + GITHUB,
])
def test_a_key_glued_to_the_word_before_it_is_found_and_never_echoed(tmp_path, glued):
    found = secret_findings(tmp_path, [json.dumps(chat(("user", glued), ("assistant", "Noted.")))], every_format=True)
    assert [where for _, where, _ in found] == ["/messages/0/content"]


JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


@pytest.mark.parametrize("glued", ["token=abc" + JWT, "x" + JWT, "session_" + JWT, "auth-" + JWT, "eyJeyJ" + JWT],
                         ids=["after-text", "after-a-letter", "after-underscore", "after-hyphen", "after-openings"])
def test_a_json_web_token_glued_to_the_word_before_it_is_found_and_never_echoed(tmp_path, glued):
    """The token pattern looked only where a run of token characters starts, so "token=abceyJ..." (a token
    pasted after text without a space) was neither reported nor redacted wherever output quoted it."""
    found = secret_findings(tmp_path, [json.dumps(chat(("user", glued), ("assistant", "Noted.")))], every_format=True, secrets=(JWT,))
    assert [(line, where) for line, where, _ in found] == [(1, "/messages/0/content")]
    assert "a JSON Web Token" in found[0][2]
    assert redact(glued) == glued[: glued.index("eyJ")] + "[redacted secret]"


@pytest.mark.parametrize("text", [
    "the blob QUJDeyJhIjogMX0= is base64 of JSON",                  # "eyJ" inside a base64 run, no dots
    "data:application/json;base64,eyJ1c2VyIjogImFuYSJ9. Then ABCeyJhYmMiOiAxMjM0NTY3ODkwfQ.",
    "v2.abceyJhbGciOiJIUzI1NiJ9.abcdefghijklmnop.qrstuvwxyz0123",   # one segment opens with eyJ, not two
    "AbCdEfeyJ0eXAiOiJKV1Qi.aGVsbG8gd29ybGQgaGVsbG8.eyJzdWIiOjF9",  # the second segment is no JSON object
])
def test_base64_text_that_spells_the_opening_is_no_token(tmp_path, text):
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps(chat(("user", text), ("assistant", "Done."))) + "\n", encoding="utf-8")
    proc = run_cli("check", "--isolated", "--select", "FT205", str(path))
    assert proc.returncode == 0, proc.stdout
    assert redact(text) == text


def test_a_file_named_like_a_key_is_located_as_named_and_its_data_still_redacted(tmp_path):
    """A path is the user's own input and the locator output exists to give (an editor, a SARIF viewer and a
    GitHub annotation open it): it is printed as named, never redacted, while a key in the data never is."""
    path = tmp_path / f"export-{AWS}.jsonl"
    path.write_text(json.dumps(chat(("user", f"my key {GITHUB}"), ("assistant", "Noted."))) + "\n", encoding="utf-8")
    shown = {output: run_cli("check", "--isolated", "--select", "FT205", "--format", output, path).stdout
             for output in ("json", "github", "sarif")}
    assert [(f["path"], f["line"]) for f in json.loads(shown["json"])["findings"]] == [(str(path), 1)]
    assert f"file={path},line=1," in shown["github"]
    uri = json.loads(shown["sarif"])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith(path.name)
    assert not any(GITHUB in out for out in shown.values())


@pytest.mark.parametrize("prose", ["Plan the task-management-system-overview-page today",
                                   "Open the risk-admin-approval-workflow-guide page", "See desk-proj-management-tool-for-teams"])
def test_hyphenated_prose_that_spells_sk_is_no_key(tmp_path, prose):
    # "task-management-..." holds "sk-" and 20 key characters; "risk-admin-..." even a key's prefix: not keys
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps(chat(("user", prose), ("assistant", "Done."))) + "\n", encoding="utf-8")
    proc = run_cli("check", "--isolated", "--select", "FT205", str(path))
    assert proc.returncode == 0, proc.stdout


def test_the_finding_names_the_secret_met_first_in_the_text(tmp_path):
    # the OpenAI kind is listed before AWS, but the AWS key comes first in the text
    found = secret_findings(tmp_path, [json.dumps(chat(("user", f"keys: {AWS} then {OPENAI}"), ("assistant", "Noted.")))])
    assert len(found) == 1 and "an AWS access key id" in found[0][2], found


CARELESS_PLUGIN = '''
from linter import DatasetRule, Rule, Violation, hookimpl


class Echoes(Rule):
    """Quotes the first message raw, without text.show: a plugin author's slip."""

    code = "HOUSE001"
    name = "echoes"
    summary = "quotes a value raw"
    reads = ("turns",)

    def check(self, row):
        yield Violation("first message: " + row.value["messages"][0]["content"])


class EchoesLater(DatasetRule):
    """Quotes the last first message at the end of the file."""

    code = "HOUSE002"
    name = "echoes-later"
    summary = "quotes a value raw, at the end"

    def start(self):
        return [""]

    def update(self, state, row):
        state[0] = row.value["messages"][0]["content"]

    def merge(self, first, second):
        return second

    def finish(self, state):
        yield Violation("last first message: " + state[0], line=1)


@hookimpl
def register_rules(register):
    register(Echoes)
    register(EchoesLater)
'''


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_plugin_rule_that_quotes_a_secret_raw_never_prints_it(tmp_path, jobs):
    """The engine redacts every rule's message, so a plugin need not remember text.show to keep keys out."""
    (tmp_path / "house.py").write_text(CARELESS_PLUGIN)
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["house.py"]\nselect = ["HOUSE"]\n')
    rows = [chat(("user", f"use {secret} now"), ("assistant", "ok")) for secret in SECRETS] * 2
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    env = {"FTLINT_LOAD_PLUGINS": "", "FTLINT_PARALLEL_MIN_BYTES": "1"}
    for output in ("text", "json", "github", "sarif", "junit", "json-lines"):
        proc = run_cli("check", "data.jsonl", "--jobs", jobs, "--format", output, cwd=tmp_path, env=env)
        assert proc.returncode == 1, proc.stderr
        assert not any(secret in proc.stdout + proc.stderr for secret in SECRETS), output
        assert proc.stdout.count("[redacted secret]") >= 7, output  # six rows and the file's finding
