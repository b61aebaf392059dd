"""Preference pairs, images and text content rules on realistic rows."""

from __future__ import annotations

import base64
import json

from .conftest import GOOD, chat, dump, lint_text, run_cli

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()


def codes(rows, prefix, **options):
    return [(f.line, f.code, f.pointer) for f in lint_text(dump(rows), **options) if f.code.startswith(prefix)]


def pair(preferred="Paris.", other="Lyon?", messages=None):
    return {"input": {"messages": messages or [{"role": "user", "content": "Capital of France?"}]},
            "preferred_output": [{"role": "assistant", "content": preferred}], "non_preferred_output": [{"role": "assistant", "content": other}]}


def test_preference_rows():
    rows = [
        pair(),
        pair(other="Paris."),
        pair(messages=[{"role": "user", "content": "Capital?"}, {"role": "assistant", "content": "Which country?"}]),
        {"input": {"messages": []}, "preferred_output": [{"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}], "non_preferred_output": [{"role": "user", "content": "c"}]},
        {"input": {"messages": [{"role": "user", "content": "q"}]}, "preferred_completion": [{"role": "assistant", "content": "a"}], "non_preferred_completion": [{"role": "assistant", "content": "b"}]},
    ]
    assert codes(rows, "FT6", profile="openai-dpo") == [
        (2, "FT603", "/non_preferred_output"),
        (3, "FT604", "/input/messages/1/role"),
        (4, "FT600", "/input/messages"),
        (4, "FT601", "/preferred_output"),
        (4, "FT601", "/non_preferred_output/0/role"),
        (5, "FT602", "/preferred_completion"),
        (5, "FT602", "/non_preferred_completion"),
    ]
    # the whole documented DPO example lints clean under its profile
    distinct = [pair(messages=[{"role": "user", "content": f"Capital of country {i}?"}]) for i in range(10)]
    assert [f for f in lint_text(dump(distinct), profile="openai-dpo") if f.severity.value != "info"] == []


def test_preference_spelling_fix(tmp_path):
    path = tmp_path / "dpo.jsonl"
    path.write_text(dump([{"input": {"messages": [{"role": "user", "content": "q"}]}, "preferred_completion": [{"role": "assistant", "content": "a"}], "non_preferred_completion": [{"role": "assistant", "content": "b"}]}]))
    run_cli("fix", path, "--profile", "openai-dpo")
    fixed = json.loads(path.read_text())
    assert list(fixed) == ["input", "preferred_output", "non_preferred_output"]


def image(url, role="user", detail=None):
    part = {"type": "image_url", "image_url": {"url": url}}
    if detail:
        part["image_url"]["detail"] = detail
    return {"messages": [{"role": role, "content": [{"type": "text", "text": "What is this?"}, part]}, {"role": "assistant", "content": "Cheese."}]}


def test_images():
    big = "data:image/png;base64," + PNG + "A" * (14 * 1024 * 1024)
    rows = [
        image("https://example.com/a.jpg", detail="low"),
        image(f"data:image/png;base64,{PNG}"),
        image("ftp://example.com/a.jpg"),
        image("data:image/gif;base64,R0lGODlhAQABAAAAACw="),
        image("data:image/jpeg;base64," + PNG),
        image("data:image/png;base64,!!!notbase64"),
        image(big),
        image("https://example.com/a.jpg", role="assistant"),
        image("https://example.com/a.jpg", detail="ultra"),
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/%d.png" % i}} for i in range(11)]}, {"role": "assistant", "content": "many"}]},
    ]
    assert codes(rows, "FT8") == [
        (3, "FT800", "/messages/0/content/1/image_url/url"),
        (4, "FT801", "/messages/0/content/1/image_url/url"),
        (5, "FT801", "/messages/0/content/1/image_url/url"),
        (6, "FT801", "/messages/0/content/1/image_url/url"),
        (7, "FT802", "/messages/0/content/1/image_url/url"),
        (8, "FT804", "/messages/0/content/1/image_url"),
        (9, "FT800", "/messages/0/content/1/image_url/detail"),
        (10, "FT803", "/messages"),
    ]
    # Together takes data URLs only
    assert codes([rows[0]], "FT800", profile="together") == [(1, "FT800", "/messages/0/content/1/image_url/url")]


def test_text_rules_and_secrets_are_never_echoed(tmp_path):
    key = "sk-proj-" + "Ab3" * 12
    rows = [
        chat(("user", "hi"), ("assistant", "Hello!<|endoftext|>")),
        chat(("user", "hi"), ("assistant", "Hello!\nUser: and then?")),
        chat(("user", "hi"), ("assistant", "Dear [INSERT NAME], thanks.")),
        chat(("user", f"my key {key}"), ("assistant", "ok")),
        chat(("user", "mail ana@example.org"), ("assistant", "ok")),
        GOOD,
    ]
    assert codes(rows, "FT20") == [  # FT205 is on under the default profile (a hosted service's): the file leaves the team
        (1, "FT202", "/messages/1/content"),
        (2, "FT203", "/messages/1/content"),
        (3, "FT204", "/messages/1/content"),
        (4, "FT205", "/messages/0/content"),
    ]
    assert codes(rows, "FT20", profile="trl")[-1] == (3, "FT204", "/messages/1/content")  # opt-in for local trainers
    assert codes(rows, "FT20", extend_select=["FT205", "FT206"])[-2:] == [(4, "FT205", "/messages/0/content"), (5, "FT206", "/messages/0/content")]
    path = tmp_path / "secrets.jsonl"
    path.write_text(dump(rows))
    proc = run_cli("check", path, "--extend-select", "FT205,FT206", "--format", "json")
    assert key not in proc.stdout and key[8:20] not in proc.stdout and "ana@example.org" not in proc.stdout
    assert "contains an OpenAI API key (sha256" in proc.stdout
    # ordinary prose is not a secret
    assert codes([chat(("user", "the sk-ills of a desk-top"), ("assistant", "ok"))], "FT205", extend_select=["FT205"]) == []
