"""``ftlint convert`` writes images: TRL's ``{"type": "image"}`` parts with the row's ``images``,
LLaMA-Factory's ``<image>`` placeholders (split only when their count is the images' count), and
OpenAI's ``image_url`` parts. Every test runs the CLI on a file; rows written + rejected = rows read."""

from __future__ import annotations

import json

import pytest

from .conftest import run_cli

URL = "https://example.org/dog.png"
DATA = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def text(value: str) -> dict:
    return {"type": "text", "text": value}


IMAGE = {"type": "image"}

# (source row, the TRL row it becomes, or None and the reason it is rejected)
CASES = [
    ({"conversations": [{"from": "human", "value": "<image>What is this?"}, {"from": "gpt", "value": "A dog."}], "images": ["dog.jpg"]},
     {"messages": [{"role": "user", "content": [IMAGE, text("What is this?")]}, {"role": "assistant", "content": "A dog."}],
      "images": ["dog.jpg"]}),
    ({"conversations": [{"from": "human", "value": "Compare <image> with <image>."}, {"from": "gpt", "value": "Same cheese."}],
      "images": ["a.jpg", "b.jpg"], "id": 7},
     {"messages": [{"role": "user", "content": [text("Compare "), IMAGE, text(" with "), IMAGE, text(".")]},
                   {"role": "assistant", "content": "Same cheese."}], "images": ["a.jpg", "b.jpg"], "id": 7}),
    ({"conversations": [{"from": "human", "value": "<image>What is this?"}, {"from": "gpt", "value": "A dog."}], "images": ["a.jpg", "b.jpg"]},
     "sharegpt to trl: 1 <image> placeholder(s) in the text but 2 image(s) in /images"),
    ({"conversations": [{"from": "human", "value": "What is this?"}, {"from": "gpt", "value": "A dog."}], "images": ["a.jpg"]},
     "sharegpt to trl: 0 <image> placeholder(s) in the text but 1 image(s) in /images"),
    ({"messages": [{"role": "user", "content": [text("What is this?"), {"type": "image_url", "image_url": {"url": URL}},
                                                {"type": "image_url", "image_url": {"url": DATA}}]},
                   {"role": "assistant", "content": "Two dogs."}]},
     {"messages": [{"role": "user", "content": [text("What is this?"), IMAGE, IMAGE]}, {"role": "assistant", "content": "Two dogs."}],
      "images": [URL, DATA]}),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": URL, "detail": "low"}}]},
                   {"role": "assistant", "content": "A dog."}]},
     "openai-chat to trl: the image at /messages/0/content/0 cannot be written as TRL: TRL has no place for its detail"),
    ({"messages": [{"role": "user", "content": "<image>What is this?"}, {"role": "assistant", "content": "A dog."}], "images": ["dog.jpg"]},
     {"messages": [{"role": "user", "content": [IMAGE, text("What is this?")]}, {"role": "assistant", "content": "A dog."}],
      "images": ["dog.jpg"]}),
]


@pytest.fixture(scope="module")
def to_trl(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    source = folder / "in.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row, _ in CASES))
    proc = run_cli("convert", source, "--to", "trl", "-o", folder / "out.jsonl")
    written = [json.loads(line) for line in (folder / "out.jsonl").read_text().splitlines()]
    rejects = [json.loads(line) for line in (folder / "out.jsonl.rejects.jsonl").read_text().splitlines()]
    return proc, written, rejects, folder / "out.jsonl"


def test_vision_rows_become_trl_rows_or_are_rejected_with_both_counts(to_trl):
    proc, written, rejects, _ = to_trl
    assert proc.returncode == 1, proc.stderr
    assert written == [want for _, want in CASES if isinstance(want, dict)]
    expected = [(line, want) for line, (_, want) in enumerate(CASES, start=1) if isinstance(want, str)]
    assert [(r["line"], r["reason"][:len(want)]) for r, (_, want) in zip(rejects, expected)] == expected
    assert len(written) + len(rejects) == len(CASES)


def test_the_written_trl_file_passes_check_under_the_trl_profile(to_trl):
    _, _, _, out = to_trl
    proc = run_cli("check", "--profile", "trl", "--format", "json", out)
    errors = [f for f in json.loads(proc.stdout)["findings"] if f["severity"] == "error"]
    assert errors == [], errors


TRL_ROWS = [
    {"messages": [{"role": "user", "content": [IMAGE, text("What is this?")]}, {"role": "assistant", "content": "A dog."}], "images": [URL]},
    {"messages": [{"role": "system", "content": "Be brief."},
                  {"role": "user", "content": [text("Left "), IMAGE, text(" right "), IMAGE]},
                  {"role": "assistant", "content": "Two cats."}], "images": [URL, DATA], "id": "r2"},
]  # a lone text part would come back a string: OpenAI chat's writer writes one text part so


def _convert(tmp_path, name: str, rows: list, to: str) -> tuple:
    source = tmp_path / f"{name}.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = tmp_path / f"{name}.{to}.jsonl"
    proc = run_cli("convert", source, "--to", to, "-o", out)
    written = [json.loads(line) for line in out.read_text().splitlines()]
    rejects = out.with_name(out.name + ".rejects.jsonl")
    return proc, written, [json.loads(line) for line in rejects.read_text().splitlines()] if rejects.exists() else []


def test_trl_to_openai_chat_and_back_is_the_same_rows(tmp_path):
    proc, chat, _ = _convert(tmp_path, "trl", TRL_ROWS, "openai-chat")
    assert proc.returncode == 0, proc.stderr
    assert chat[0] == {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": URL}}, text("What is this?")]},
                                    {"role": "assistant", "content": "A dog."}]}
    assert all("images" not in row for row in chat)
    proc, back, _ = _convert(tmp_path, "chat", chat, "trl")
    assert proc.returncode == 0, proc.stderr
    assert back == TRL_ROWS


def test_trl_to_sharegpt_and_back_is_the_same_rows(tmp_path):
    rows = [{**row, "images": [f"{i}.jpg" for i in range(len(row["images"]))]} for row in TRL_ROWS]
    proc, sharegpt, _ = _convert(tmp_path, "trl", rows, "sharegpt")
    assert proc.returncode == 0, proc.stderr
    assert sharegpt[1]["conversations"][0] == {"from": "human", "value": "Left <image> right <image>"}
    assert sharegpt[1]["system"] == "Be brief." and sharegpt[1]["images"] == ["0.jpg", "1.jpg"]
    proc, back, _ = _convert(tmp_path, "sharegpt", sharegpt, "trl")
    assert proc.returncode == 0, proc.stderr
    assert back == rows


def test_images_a_target_cannot_hold_are_rejected_never_dropped(tmp_path):
    """OpenAI chat takes an image only as a URL or a data URI; TRL's images may be file paths. And a TRL text
    that holds '<image>' beside the images would be one image too many for LLaMA-Factory."""
    rows = [{**TRL_ROWS[0], "images": ["dog.jpg"]},
            {"messages": [{"role": "user", "content": [IMAGE, text("Is <image> a tag?")]}, {"role": "assistant", "content": "Yes."}],
             "images": ["dog.jpg"]},
            {"prompt": [{"role": "user", "content": [IMAGE, text("What?")]}], "completion": [{"role": "assistant", "content": "A dog."}],
             "images": ["dog.jpg"]}]
    proc, chat, rejects = _convert(tmp_path, "paths", rows, "openai-chat")
    assert proc.returncode == 1 and len(chat) + len(rejects) == 3
    assert rejects[0]["reason"] == "openai-chat to openai-chat: the image at /images/0 ('dog.jpg') is not a URL or data URI, the only images OpenAI chat takes"
    assert rejects[2]["reason"].startswith("trl-prompt-completion to openai-chat: the image at /images/0 ('dog.jpg') is not a URL")
    proc, sharegpt, rejects = _convert(tmp_path, "paths", rows, "sharegpt")
    assert proc.returncode == 1 and [r["line"] for r in rejects] == [2]
    assert "holds <image> beside the row's images; LLaMA-Factory would count it as one more image" in rejects[0]["reason"]
    assert sharegpt[1] == {"conversations": [{"from": "human", "value": "<image>What?"}, {"from": "gpt", "value": "A dog."}], "images": ["dog.jpg"]}


def test_a_trl_row_whose_images_were_dropped_keeps_them(tmp_path):
    """A TRL prompt/completion row's images were left out of every target (its adapter read them as TRL's own key)."""
    row = {"prompt": [{"role": "user", "content": [IMAGE, text("What?")]}], "completion": [{"role": "assistant", "content": "A dog."}],
           "images": ["dog.jpg"]}
    proc, trl, _ = _convert(tmp_path, "pc", [row], "trl")
    assert proc.returncode == 0 and trl == [row]
    proc, v1, rejects = _convert(tmp_path, "pc", [row], "llamafactory-v1")
    assert proc.returncode == 1 and v1 == [] and "/images/0" in rejects[0]["reason"]


def test_an_image_trl_would_not_give_to_the_prompt_is_rejected(tmp_path):
    """TRL hands a row's images to its prompt only: an image in a KTO row's answer has no place in TRL."""
    rows = [{"conversations": [{"from": "human", "value": "What?"}, {"from": "gpt", "value": "This: <image>"}], "images": ["a.jpg"], "kto_tag": True},
            {"conversations": [{"from": "human", "value": "<image>What?"}, {"from": "gpt", "value": "A dog."}], "images": ["a.jpg"], "kto_tag": False}]
    proc, trl, rejects = _convert(tmp_path, "kto", rows, "trl")
    assert proc.returncode == 1 and [r["line"] for r in rejects] == [1]
    assert "an image would be in the completion; TRL gives a row's images to its prompt only" in rejects[0]["reason"]
    assert trl == [{"prompt": [{"role": "user", "content": [IMAGE, text("What?")]}], "completion": [{"role": "assistant", "content": "A dog."}],
                    "label": False, "images": ["a.jpg"]}]


def test_the_messages_kto_writer_refuses_images_it_cannot_place(tmp_path):
    """TRL rows' images are part of their view; the messages-kto writer places none, and wrote the row
    without them (review): refused, with where they are, so nothing is dropped."""
    row = {"prompt": [{"role": "user", "content": [IMAGE, text("What?")]}], "completion": [{"role": "assistant", "content": "A dog."}],
           "label": True, "images": ["a.jpg"]}
    plain = {"prompt": [{"role": "user", "content": "Hi"}], "completion": [{"role": "assistant", "content": "Hello."}], "label": True}
    proc, written, rejects = _convert(tmp_path, "kto", [row, plain], "messages-kto")
    assert proc.returncode == 1 and len(written) == 1 and [r["line"] for r in rejects] == [1]
    assert "/images/0" in rejects[0]["reason"]


def test_openai_image_parts_keep_their_detail_when_the_row_is_rewritten(tmp_path):
    """OpenAI takes {"type": "image_url", "image_url": {"url": ..., "detail": "low"}}, but --to openai-chat
    refused such a part ("OpenAI chat has no place for its detail") whenever the row was rewritten for another
    reason (tools held as a JSON string, a TRL image beside it). It is written as it is now; TRL and
    LLaMA-Factory have no place for detail, so those targets still refuse it."""
    tools = json.dumps([{"type": "function", "function": {"name": "w", "parameters": {"type": "object", "properties": {}}}}])
    low = {"type": "image_url", "image_url": {"url": URL, "detail": "low"}}
    rows = [{"messages": [{"role": "user", "content": [text("What?"), low]}, {"role": "assistant", "content": "A dog."}], "tools": tools},
            {"messages": [{"role": "user", "content": [low, {"type": "image", "image": DATA}]}, {"role": "assistant", "content": "Two dogs."}]},
            {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "dog.jpg", "detail": "high"}}]},
                          {"role": "assistant", "content": "A dog."}], "tools": tools}]
    proc, chat, rejects = _convert(tmp_path, "detail", rows, "openai-chat")
    assert proc.returncode == 1, proc.stderr
    assert chat == [{"messages": [{"role": "user", "content": [text("What?"), low]}, {"role": "assistant", "content": "A dog."}],
                     "tools": json.loads(tools)},
                    {"messages": [{"role": "user", "content": [low, {"type": "image_url", "image_url": {"url": DATA}}]},
                                  {"role": "assistant", "content": "Two dogs."}]}]
    assert [(r["line"], r["reason"]) for r in rejects] == [
        (3, "openai-chat to openai-chat: the image at /messages/0/content/0 ('dog.jpg') is not a URL or data URI, the only images OpenAI chat takes")]
    checked = run_cli("check", "--profile", "openai-sft", "--select", "FT8", tmp_path / "detail.openai-chat.jsonl")
    assert checked.returncode == 0, checked.stdout
    proc, _, rejects = _convert(tmp_path, "detail", rows[:1], "sharegpt")
    assert proc.returncode == 1 and "has no place for its detail" in rejects[0]["reason"]
