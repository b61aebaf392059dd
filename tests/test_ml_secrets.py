"""The keys ML teams paste into datasets: Hugging Face, Anthropic, Groq, Replicate, Together,
Fireworks and the other inference APIs. FT205 names each kind, and no output repeats one: not
the findings, the fix edits of json/sarif/json-lines, ``check --diff`` or ``stats --html``'s
previews (redaction does not need FT205 enabled). Names, prose and placeholders that spell a
short prefix (``hf_hub_download``, the ``r8_`` register, ``hf_xxxx``) stay silent.

The keys below are built from repeated pieces: none is real, and none stands whole in the source.
"""

from __future__ import annotations

import concurrent.futures
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter import secrets
from linter._dispatch import screen_of
from linter.rules.text_rules import Secret
from linter.screening import Scanner

from .conftest import chat, run_cli
from .test_secrets_everywhere import no_secret_in, secret_findings

ML_KEYS = {
    "a Hugging Face token": "hf_" + "QwErTyUiOpAsDfGhJkLzXcVbNmQwErTyUi",  # letters only, as most are
    "an Anthropic API key": "sk-ant-api03-" + ("Zx7_Qp-Lm2" * 10)[:93] + "AA",
    "a Groq API key": "gsk_" + ("Ab3Cd9" * 9)[:52],
    "a Replicate API token": "r8_" + ("Kd8-mQ_2zX" * 4)[:37],
    "a Together AI API key": "tgp_v1_" + ("CiR5vpdhsL3" * 4)[:43],
    "a Fireworks AI API key": "fw_" + ("3ZaMvVG31T" * 3)[:24],
    "an OpenRouter API key": "sk-or-v1-" + ("0a1b2c3d4e5f" * 6)[:64],
    "a Perplexity API key": "pplx-" + ("Xy7Wq2" * 8)[:48],
    "an xAI API key": "xai-" + ("Gk4Rt9Lm" * 10)[:80],
    "an NVIDIA API key": "nvapi-" + ("Nv8_Qz-3Pw" * 7)[:64],
    "a LangSmith API key": "lsv2_pt_" + "0f9e8d7c" * 4 + "_a1b2c3d4e5",
    "a Langfuse secret key": "sk-lf-" + "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
    "a Pinecone API key": "pcsk_4Tq9Zx_" + ("Hd7Lp2Wq9" * 8)[:63],
}
HF_ORG = "api_org_" + ("PsvVHMtfec" * 4)[:34]
HF_DIGITS = "hf_" + ("aB3" * 12)[:34]
KEYS = (*ML_KEYS.values(), HF_ORG, HF_DIGITS)

SHORT_PREFIX_CODE = [  # names and prose that spell a short prefix, shorter or longer than a key
    "from huggingface_hub import hf_hub_download; path = hf_hub_download(repo_id='gpt2', filename='config.json')",
    "Save r8_ before the call: r8_ and r9 are caller-saved, so r8_saved_value_for_the_interrupt_hdl holds it.",
    "hf_model_name_or_path_for_the_tokenizer = args.hf_model_name_or_path_for_the_tokenizer",
    "- (id)hf_requiredCharacteristicTypesForDisplayMetadata;",  # a camelCase name, longer than a token
    "const api_org_controller = require('../controllers/api').organizations;",
    "def fw_update_firmware_image(fw_version_string): return fw_version_string",
]
NEAR_MISSES = SHORT_PREFIX_CODE + [
    "return fw_LoadImageControllerBuffer(image)",  # a key's length, but no digit: a name
    # review: 64+ characters of hyphenated prose after nvapi-
    "set 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 first",
    "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx and GROQ_API_KEY=gsk_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "Plan the task-ant-api03-migration and read the pplx-api docs; xai-grok answers; nvapi-key goes in the vault.",
    "REPLICATE_API_TOKEN=r8_... TOGETHER_API_KEY=tgp_v1_... FIREWORKS_API_KEY=fw_...",
]


def rows_of(texts) -> list[str]:
    return [json.dumps(chat(("user", text), ("assistant", "Noted."))) for text in texts]


def test_each_ml_key_is_reported_with_its_own_kind_and_never_echoed(tmp_path):
    texts = [f"my token is {key}, keep it" for key in ML_KEYS.values()] + [f"org token: {HF_ORG}", f'token="{HF_DIGITS}"']
    found = secret_findings(tmp_path, rows_of(texts), every_format=True, secrets=KEYS)
    assert [(line, where) for line, where, _ in found] == [(line, "/messages/0/content") for line in range(1, len(texts) + 1)]
    kinds = [*ML_KEYS, "a Hugging Face token", "a Hugging Face token"]
    for (_, _, message), kind in zip(found, kinds):
        assert f"contains {kind} (sha256 " in message, (kind, message)
    assert "OpenAI" not in found[1][2]  # sk-ant-api03-... was reported as an OpenAI key


@pytest.mark.parametrize("glued", [
    "auth=Bearer" + ML_KEYS["a Groq API key"],       # pasted after a word: random key characters hold digits
    "token" + ML_KEYS["a Replicate API token"],
    "key:" + HF_DIGITS, "key=x" + HF_DIGITS,
    "xsk-" + ML_KEYS["an Anthropic API key"][3:],     # the long prefixes are found glued as they are
])
def test_a_key_glued_to_the_word_before_it_is_found(tmp_path, glued):
    found = secret_findings(tmp_path, rows_of([glued]), secrets=KEYS)
    assert [where for _, where, _ in found] == ["/messages/0/content"]


def test_names_prose_and_placeholders_that_spell_a_prefix_are_no_key(tmp_path):
    no_secret_in(tmp_path, rows_of(NEAR_MISSES), NEAR_MISSES)  # nor is anything of them redacted where output quotes them


def test_code_that_spells_a_short_prefix_does_not_pass_the_screen():
    """FT205's screen asks for a short prefix with a key's length of key characters, so rows of code about
    Hugging Face (hf_hub_download) skip the scan as rows without any opening do; a key passes it."""
    scanner = Scanner([screen_of(Secret)])
    for text in SHORT_PREFIX_CODE:
        assert scanner.passed(rows_of([text])[0].encode()) == [False], text
    for key in KEYS:
        assert scanner.passed(rows_of([f"key {key}"])[0].encode()) == [True], key[:12]


def padded_rows() -> list[str]:
    """Rows with fixes whose edits quote the text holding the keys: a miscased key (FT111) and padding (FT201)."""
    rows = []
    for key in KEYS:
        rows.append(json.dumps({"messages": [{"Role": "user", "content": f" my token:\n{key} "},
                                             {"role": "assistant", "content": f" use {key} "}]}))
    return rows


@pytest.mark.parametrize("select", [("--ignore", "FT205"), ()])  # off, and on (the default profile's, a hosted service's)
def test_fix_edits_diffs_and_the_html_report_never_show_an_ml_key(tmp_path, select):
    """The newcomer trial: these keys came out raw in `check --diff`, in the fix edits of json, sarif and
    json-lines, and in `stats --html`'s longest-examples preview; redaction does not wait for FT205."""
    path = tmp_path / "data.jsonl"
    path.write_text("".join(row + "\n" for row in padded_rows()), encoding="utf-8")
    shown = {}
    for output in ("json", "sarif", "json-lines", "text"):
        proc = run_cli("check", *select, "--format", output, str(path))
        # FT111 and FT201 (warning, info) carry the fixes; FT205 (an error) unless ignored
        assert proc.returncode == (0 if select else 1) and "FT111" in proc.stdout, proc.stderr
        shown[output] = proc.stdout + proc.stderr
    diff = run_cli("check", *select, "--diff", str(path))
    shown["diff"] = diff.stdout + diff.stderr
    report = tmp_path / "report.html"
    stats = run_cli("stats", "--html", str(report), str(path))
    assert stats.returncode == 0, stats.stderr
    shown["html"] = report.read_text(encoding="utf-8")
    for where, output in shown.items():
        leaked = [key[:12] for key in KEYS if key in output]
        assert not leaked, (where, leaked)
    # the edits and the previews are there, redacted: the test looks where the keys would be
    edits = [finding for finding in json.loads(shown["json"])["findings"] if finding.get("fix")]
    assert edits and all("[redacted secret]" in json.dumps(finding["fix"]) for finding in edits if finding["code"] == "FT201")
    assert shown["diff"].count("+{") == len(KEYS) and shown["diff"].count("[redacted secret]") == 4 * len(KEYS)
    assert "[redacted secret]" in shown["sarif"] and "[redacted secret]" in shown["json-lines"]
    # SARIF says so too, as json does: applying those edits would write the placeholder into the data
    sarif_fixes = [result["properties"]["fix"] for result in json.loads(shown["sarif"])["runs"][0]["results"]
                   if "[redacted secret]" in json.dumps(result.get("properties", {}).get("fix"))]
    assert sarif_fixes and all(fix.get("redacted") is True for fix in sarif_fixes)
    assert shown["html"].count("[redacted secret]") >= len(KEYS)
    assert ("FT205" in shown["text"]) == (not select)  # on unless ignored


# the reference: one search for every kind at once, which redaction answered with before it screened; then one
# for the fallback kinds (a password in a URL, a generic key), whose spans count where they overlap none of those
EVERY_KIND = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in secrets.SECRETS))
EVERY_FALLBACK = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in secrets.FALLBACK_SECRETS))


def reference_spans(text: str) -> list[tuple[int, int]]:
    shaped = [secrets.span_of(match) for match in EVERY_KIND.finditer(text)]  # a named AWS key: the key alone
    fallback = [(start, end) for start, end in map(secrets.span_of, EVERY_FALLBACK.finditer(text))
                if not any(start < other_end and other_start < end for other_start, other_end in shaped)]
    return sorted(shaped + fallback)


def reference_first(text: str) -> tuple[int, int] | None:
    """The span of the match first_secret gives: the first of a kind of its own shape, else the first fallback."""
    first = EVERY_KIND.search(text) or EVERY_FALLBACK.search(text)
    return first and first.span()


PIECES = ["hf_", "api_org_", "gsk_", "r8_", "fw_", "sk-", "sk-ant-api03-", "sk-or-v1-", "tgp_v1_", "pplx-", "xai-",
          "nvapi-", "lsv2_pt_", "pcsk_", "AKIA", "eyJ", "_live_", "Ab3" * 11 + "A", "aB3" * 12, "Kd8-mQ_2z", "0a1b2c3d" * 8,
          "Ab3Cd9" * 8, ("Kd8-mQ_2zX" * 4)[:37],
          # AWS secret access keys: a key id or a name before 40 key characters (or 39, or more)
          "AKIA" + "Q7ZX" * 4, "aws_", "aws_secret", "Secret", "SECRET_ACCESS_KEY", "AccessKey", "_key", "=", ":", "\t", "/", "+",
          ("wJa1rX/Utn+FEMI" * 3)[:40], ("wJa1rX/Utn+FEMI" * 3)[:39],
          # the fallback kinds: a URL's user info, a credential's name, a key-like value, overlapping the others
          "://", "postgres://admin:", "S3cr3tP4ss", "@db", "@", "password", "API_KEY", "apiKey", "client_secret", '": "',
          "a8f5f167f44f4964e6c998dee827110c", "${X}",
          "x", "Q", "7", "_", "-", " ", "é", "\\n", "\\u0068", "\\\\", '"']


@settings(max_examples=1000, deadline=None)
@given(text=st.lists(st.sampled_from(PIECES), max_size=10).map("".join))
def test_redaction_trying_patterns_at_openings_matches_one_search_for_every_kind(text):
    """secret_spans tries each pattern only where its opening occurs, after an automaton picked the kinds:
    the spans one search for every kind finds, and redact replaces exactly those."""
    reference = reference_spans(text)
    assert secrets.secret_spans(text) == reference
    assert secrets.secret_spans(text, secrets.checks_for(text.encode())) == reference
    if "\\" not in text:
        expected, kept = [], 0
        for start, end in reference:
            expected += [text[kept:start], secrets.REDACTED]
            kept = end
        assert secrets.redact(text) == "".join(expected) + text[kept:]


@settings(max_examples=500, deadline=None)
@given(text=st.lists(st.sampled_from(PIECES + ["\\u00", "\\/", "ghp_", "xox", "-----BEGIN", "AIza"]), max_size=8).map("".join))
def test_the_kinds_a_line_spells_are_the_same_with_and_without_hyperscan(text):
    """checks_for asks one automaton which kinds' openings a line spells (for a short prefix, the prefix
    and a key's length of key characters); the fallback (one search each) and the plain reading agree."""
    raw = text.encode()
    escaped = b"\\u00" in raw or b"\\/" in raw
    spelled = [screen.search(raw) is not None if (screen := secrets.PATTERN_SCREENS.get(kind)) else
               secrets.AWS_SECRET_NAME_SCREEN.search(raw) is not None or b"AKIA" in raw or b"ASIA" in raw if kind == secrets.AWS_SECRET else
               any(opener.encode() in raw for opener in openers) for kind, _, openers in secrets._CHECKS]
    expected = [escaped or spells for spells in spelled]
    assert Scanner(secrets._SCREENS, accelerate=False).passed(raw) == expected
    assert [check in secrets.checks_for(raw) for check in secrets._CHECKS] == expected


def test_threads_each_get_their_own_answers():
    """The scanner's scan state is per thread: lines checked at once in threads get their own kinds."""
    lines = [f"text {key} more".encode() for key in KEYS] + [b"no key at all"] * len(KEYS)
    expected = [secrets.checks_for(raw) for raw in lines]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for _ in range(20):
            assert list(pool.map(secrets.checks_for, lines)) == expected


@pytest.mark.parametrize("run", ["xsk-proj-", "r8_", "hf_x", "gsk_", "sk-", "sk-ant-api03-"])
def test_a_long_run_of_openings_costs_no_square_time(run):
    """Each try of a pattern looks no further than a key's length, and redaction never tries inside a
    secret it found: 200 KB of openings (a hostile line) takes a fraction of a second, not half a minute."""
    import time

    text = run * (200_000 // len(run))
    started = time.perf_counter()
    secrets.redact(text)
    secrets.first_secret(text)
    assert time.perf_counter() - started < 5  # linear: about 0.1 s; square time: 25 s and more


def test_a_megabyte_of_jwt_openings_does_not_hang_check(tmp_path):
    """Review: one row of "eyJ" * 100,000 took 19-33 s (each opening rescanned the run: square time).
    A failed try at one opening stands for the later ones in the same run of token characters (a token
    glued to a word is still found: test_secrets_everywhere), so a megabyte of them is read in one pass; the timeout is a hang guard, not a speed measurement (bench/ measures speed)."""
    path = tmp_path / "hostile.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "  " + "eyJ" * 350_000},
                                             {"role": "assistant", "content": "ok"}]}) + "\n")
    import subprocess
    import sys

    # the real CLI, with a timeout: square time here would run for hours, not fail an assertion
    proc = subprocess.run([sys.executable, "-m", "linter", "check", "--isolated", "--extend-select", "FT205", "--diff", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    for text in (f"Bearer {jwt}", f"token={jwt}", f'"{jwt}"'):
        assert secrets.redact(text).endswith(("[redacted secret]", '[redacted secret]"'))
