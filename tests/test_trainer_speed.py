"""The fast path (one render per conversation shape, contents spliced in; token ranges from Rust
lookups) gives exactly what exact rendering and transformers' mask walk give."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from linter.trainer.fastpath import ShapeCache, content_transparent
from linter.trainer.hf_tokenizer import resolve
from linter.trainer.template import ChatTemplate, TemplateFailure
from linter.trainer.testing import ALTERNATING_TEMPLATE, HEADER_TEMPLATE, PLAIN_TEMPLATE, build_tokenizer_folder
from linter.trainer.view import TrainerView, _token_ranges, assistant_mask

from .conftest import ROOT
from .test_trainer import ROWS

TRIMMING = "{% for m in messages %}[{{ m.role }}] {{ m.content | trim }} {% generation %}{{ '' }}{% endgeneration %}\n{% endfor %}"
ALIASED = ("{% for m in messages %}{% set body = '<' + m['role'] + '>' + m['content'] %}"
           "{% if m.role == 'assistant' %}{% generation %}{{ body ~ '</s>' }}{% endgeneration %}{% else %}{{ body }}{% endif %}{% endfor %}")
CONTENT_DEPENDENT = [
    "{% for m in messages %}{% if 'think' in m.content %}T{% endif %}{{ m.content }}{% endfor %}",
    "{% for m in messages %}{{ m.content.split('x')[0] }}{% endfor %}",
    "{% for m in messages %}{% if m['content'] is string %}{{ m['content'] }}{% endif %}{% endfor %}",
    "{% for m in messages %}{{ m.content | upper }}{% endfor %}",
    "{% for m in messages %}{% set c = m.content %}{% if c %}{{ c }}{% endif %}{% endfor %}",
    "{% for m in messages %}{{ (m.content ~ '  ') | trim }}{% endfor %}",  # a trim over a join strips across pieces
]


@pytest.fixture(scope="module")
def bench_rows(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "rows.jsonl"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "400", str(path)], check=True, capture_output=True)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return rows + ROWS + [{"messages": [{"role": "user", "content": "  both ends  "}, {"role": "assistant", "content": "\t\n"}]}]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return build_tokenizer_folder(tmp_path_factory.mktemp("tok") / "model")


@pytest.mark.parametrize("source", [ALTERNATING_TEMPLATE, PLAIN_TEMPLATE, HEADER_TEMPLATE, TRIMMING, ALIASED])
def test_transparent_templates_are_spliced_exactly(source, bench_rows):
    template = ChatTemplate(source, {"bos_token": "<s>", "eos_token": "</s>"})
    shapes = ShapeCache(template)
    assert shapes.enabled
    spliced = 0
    for row in bench_rows * 2:  # every shape is seen twice: the second time it is spliced
        messages, tools = row["messages"], row.get("tools")
        try:
            want = template.render(messages, tools)
        except TemplateFailure as exc:
            want = str(exc)
        try:
            got = shapes.render(messages, tools)
        except TemplateFailure as exc:
            got = str(exc)
        if got is None:
            continue
        spliced += 1
        assert got == want
    assert spliced > len(bench_rows) // 2


@pytest.mark.parametrize("source", CONTENT_DEPENDENT)
def test_templates_that_read_the_content_are_always_rendered_exactly(source):
    assert not content_transparent(ChatTemplate(source))


def test_view_fast_and_exact_analyses_agree(folder, bench_rows):
    view = TrainerView(resolve(str(folder)), max_seq_length=64)
    exact = TrainerView(resolve(str(folder)), max_seq_length=64)
    exact.shapes = None
    for row in bench_rows * 2:
        assert view.analyse(row) == exact.analyse(row)
    assert view.shapes.skeletons  # the fast path was taken


def test_token_ranges_equal_the_full_mask(folder):
    """Byte-level pieces of CJK and emoji share a character's offsets: the quick ranges must still count like the walk."""
    tokenizer = resolve(str(folder)).backend
    rng = random.Random(7)
    alphabet = "ab c日本語🙂\n  é<|end|>"
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))
        cuts = sorted(rng.sample(range(len(text) + 1), k=min(len(text) + 1, 2 * rng.randint(1, 3))))
        spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2]) if b > a]
        encoding = tokenizer.encode(text, add_special_tokens=False)
        ranges = _token_ranges(encoding, spans, len(text))
        if ranges is None:
            continue
        mask = assistant_mask(encoding.offsets, spans)
        assert sum(b - a for a, b in ranges) == sum(mask), (text, spans)
        assert all(mask[i] for a, b in ranges for i in range(a, b))


def test_batches_keep_findings_at_their_lines_in_order(folder, tmp_path):
    """The engine analyses rows BATCH_ROWS at a time (one encode_batch each); in one process
    across several batches, every finding still sits at its row's line, in line order,
    and every row is counted once."""
    from linter.trainer.view import BATCH_ROWS

    from .conftest import cli_json, dump, run_cli

    rows = ROWS * (2 * BATCH_ROWS // len(ROWS) + 3)  # more than two batches, the last one partial
    path = tmp_path / "many.jsonl"
    path.write_text(dump(rows), encoding="utf-8")
    report, _ = cli_json("--tokenizer", folder, "--max-seq-length", 40, "--select", "FT31", "--jobs", 1, path)
    lines = [f["line"] for f in report["findings"]]
    assert lines == sorted(lines)
    view = TrainerView(resolve(str(folder)), max_seq_length=40)
    assert [f["line"] for f in report["findings"] if f["code"] == "FT310"] == [
        i + 1 for i, row in enumerate(rows) if view.analyse(row).error is not None]
    proc = run_cli("stats", "--output-format", "json", "--tokenizer", folder, "--max-seq-length", 40, "--jobs", 1, path)
    trainer = json.loads(proc.stdout)[0]["trainer"]
    single = [view.analyse(row) for row in rows]
    assert trainer["examples"] + trainer["template_errors"] == len(rows)
    assert trainer["trained_tokens_per_epoch"] == sum(a.kept_trained for a in single if a.error is None)


def test_prefetch_cuts_batches_by_bytes_and_keeps_order(folder, monkeypatch):
    """Rows come back in order with their analyses memoised; a batch of long lines is cut short."""
    from linter.rows import Row
    from linter.trainer import view as view_module

    rows = []
    for number, value in enumerate(ROWS * 4, start=1):
        raw = json.dumps(value).encode()
        row = Row(number, 0, raw, len(raw))
        row.value, row.parsed = value, True
        rows.append(row)
    cap = 3 * max(r.length for r in rows)
    monkeypatch.setattr(view_module, "BATCH_BYTES", cap)
    view = TrainerView(resolve(str(folder)), max_seq_length=40)
    batches = []
    original = view.analyse_many
    monkeypatch.setattr(view, "analyse_many", lambda batch: batches.append(list(batch)) or original(batch))
    classified = []
    out = list(view.prefetch(iter(rows), classified.append, size=1000))
    assert out == rows and classified == rows
    assert len(batches) > 2 and sum(map(len, batches)) == len(rows)  # cut by bytes, not by the 1,000-row size
    for batch in batches[:-1]:  # each full batch reached the cap with its last row, not before
        assert sum(r.length for r in batch) >= cap > sum(r.length for r in batch[:-1])
    assert [r.memo["trainer-analysis"] for r in out] == [view.analyse(v) for v in ROWS * 4]
