"""FT805 media-count-mismatch beyond its TOML cases (tests/cases/FT805.toml): its presence gate
(the rule is never called on a row without a media column), the raw-line half of that gate
against the parsed row, and the profile deciding the trainer's convention through the real CLI."""

from __future__ import annotations

import io
import json

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from linter import runner
from linter.config import Settings
from linter.rows import Row
from linter.rules import reads
from linter.rules.vision import MediaCountMismatch

from .conftest import cli_json, dump

SHAREGPT = {"conversations": [{"from": "human", "value": "<image><image>Which cheese?"}, {"from": "gpt", "value": "Danbo."}]}


def _lint(text: str, profile: str | None = None) -> list:
    settings = Settings(select=["FT805"], token_stats=False)
    if profile:
        settings.profile = profile
    sink = runner.Collect()
    runner.run(runner.make_linter(settings), [runner.Source("<test>", io.BytesIO(text.encode()))], sink)
    return [(f.line, f.pointer) for f in sink.findings if f.code == "FT805"]


def test_the_rule_is_never_called_on_rows_without_a_media_column(monkeypatch):
    """The gate its ``reads = (MEDIA,)`` implies: text rows (placeholders included), a column
    name that is only a value, and image_url parts cost the rule nothing; a column spelt with
    a \\u escape is still found."""
    called = []
    original = MediaCountMismatch.check

    def counting(self, row):
        called.append(row.number)
        return original(self, row)

    monkeypatch.setattr(MediaCountMismatch, "check", counting)
    rows = [
        SHAREGPT,  # placeholders, no column: text
        {"instruction": "Explain <image>", "input": "", "output": "A slot.", "tag": "images"},
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/a.jpg"}}]},
                      {"role": "assistant", "content": "Danbo."}]},
        {"messages": [{"role": "user", "content": "the \"images\" key"}, {"role": "assistant", "content": "ok"}]},
        dict(SHAREGPT, images=["a.jpg"]),  # line 5: a column
        '{"conversations": [{"from": "human", "value": "<image>x"}, {"from": "gpt", "value": "y"}], "\\u0069mages": []}',
    ]
    found = _lint(dump(rows))
    assert sorted(set(called)) == [5, 6]
    assert found == [(5, "/images"), (6, "/images")]


KEYS = st.sampled_from(["images", "videos", "audios", "image", "imagesx", "Images", "id", "conversations", "text"])
VALUES = st.one_of(st.none(), st.text(max_size=8), st.lists(st.text(max_size=4), max_size=2), st.sampled_from(["images", '"images"', "image"]))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=4), st.sampled_from(["dumps", "ascii", "orjson", "spaced", "escaped"]))
def test_the_media_presence_test_answers_as_the_parsed_row_does(value, style):
    """The raw-line screen never says 'absent' for a row that has a media column, whatever the
    JSON spelling (non-ASCII escaped or not, spaces, keys written with \\u escapes)."""
    if style == "escaped":  # every key's first letter as a \u escape
        raw = ("{" + ", ".join(f'"\\u{ord(k[0]):04x}{k[1:]}": {json.dumps(v)}' for k, v in value.items()) + "}").encode()
    else:
        raw = {"dumps": lambda v: json.dumps(v, ensure_ascii=False).encode(), "ascii": lambda v: json.dumps(v).encode(),
               "orjson": orjson.dumps, "spaced": lambda v: json.dumps(v, separators=(" , ", " :\t")).encode()}[style](value)
    row = Row(1, 0, raw, len(raw))
    row.value, row.parsed, row.kind = json.loads(raw), True, "sharegpt"
    assert reads.has_media_columns(row) == any(key in value for key in reads.MEDIA_COLUMNS)
    assert reads.VIEWS[reads.MEDIA].present(row) == reads.has_media_columns(row)


def test_the_profile_picks_the_trainers_convention(write_jsonl):
    """Through the CLI: one file, LLaMA-Factory's text placeholders or TRL's image parts."""
    path = write_jsonl([
        # LLaMA-Factory's mllm_demo shape without its placeholders: refused by LLaMA-Factory, fine for TRL
        {"messages": [{"role": "user", "content": "Who are they? sk-proj-NOTAREALKEY"}, {"role": "assistant", "content": "Kane."}], "images": ["1.jpg"]},
        # TRL's shape with a stray image part in the answer: refused by TRL
        {"prompt": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Which?"}]}],
         "completion": [{"role": "assistant", "content": [{"type": "image"}, {"type": "text", "text": "Danbo."}]}], "images": ["a.jpg"]},
    ])
    found = {}
    for profile in ("llamafactory", "trl", "axolotl"):
        report, _ = cli_json("--select", "FT805", "--no-token-stats", "--profile", profile, path)
        found[profile] = [(f["line"], f["pointer"]) for f in report["findings"]]
        for finding in report["findings"]:
            assert "Who are they" not in finding["message"] and "sk-proj" not in finding["message"]  # no dataset text
    assert found == {"llamafactory": [(1, "/images")], "trl": [(2, "/completion/0/content/0")], "axolotl": []}
