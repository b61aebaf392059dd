"""The trainer's view against the reference: transformers' apply_chat_template and mistral-common.

A real byte-level BPE tokenizer is trained and saved as a Hugging Face folder
(linter.trainer.testing); transformers loads the same folder (no torch
needed) and its counts, errors and assistant masks are what ftlint must give.
"""

from __future__ import annotations

import glob
import os

import pytest

from linter.trainer.hf_tokenizer import TrainerSetupError, resolve
from linter.trainer.template import ChatTemplate, TemplateFailure
from linter.trainer.testing import ALTERNATING_TEMPLATE, PLAIN_TEMPLATE, build_tokenizer_folder
from linter.trainer.view import ASSISTANT_CONTENT, GENERATION_BLOCKS, TrainerView

transformers = pytest.importorskip("transformers")

ROWS = [
    {"messages": [{"role": "user", "content": "What is the capital of France?"}, {"role": "assistant", "content": "Paris is the capital of France."}]},
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello!"},
                  {"role": "assistant", "content": "How can I help you today?"}, {"role": "user", "content": "The quick brown fox"},
                  {"role": "assistant", "content": "jumps over the lazy dog. 日本語 ünïcödé 🙂"}]},
    {"messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "again"}, {"role": "assistant", "content": "ok"}]},
    {"messages": [{"role": "assistant", "content": "I speak first"}]},
    {"messages": [{"role": "user", "content": "  padded <|end|> inside  "}, {"role": "assistant", "content": "\n\nnew lines\n"}]},
    {"messages": [{"role": "user", "content": "The quick brown fox " * 30}, {"role": "assistant", "content": "Fine-tuning data " * 20}]},
    {"messages": [{"role": "user", "content": "null content below"}, {"role": "assistant", "content": None, "tool_calls": []}]},
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return build_tokenizer_folder(tmp_path_factory.mktemp("tok") / "model")


@pytest.fixture(scope="module")
def reference(folder):
    return transformers.AutoTokenizer.from_pretrained(str(folder))


def expected(reference, row, limit=None, **kwargs):
    """(tokens, trained, trained within limit) or the error message, from transformers."""
    try:
        out = reference.apply_chat_template(row["messages"], tokenize=True, return_dict=True,
                                            return_assistant_tokens_mask=True, **kwargs)
    except Exception as exc:  # the template's own error
        return str(exc)
    mask = out["assistant_masks"]
    return len(out["input_ids"]), sum(mask), sum(mask[: limit or len(mask)])


def actual(view, row):
    found = view.analyse(row)
    return found.error if found.error is not None else (found.tokens, found.trained, found.kept_trained)


@pytest.mark.parametrize("limit", [None, 12, 40])
@pytest.mark.parametrize("index", range(len(ROWS)))
def test_counts_errors_and_masks_equal_transformers(folder, reference, index, limit):
    view = TrainerView(resolve(str(folder)), max_seq_length=limit)
    assert view.mask_source == GENERATION_BLOCKS
    assert actual(view, ROWS[index]) == expected(reference, ROWS[index], limit)


def test_the_error_is_the_templates_message(folder):
    view = TrainerView(resolve(str(folder)))
    assert view.analyse(ROWS[2]).error == "Conversation roles must alternate user/assistant/user/assistant/..."


def test_batch_path_equals_row_by_row(folder):
    view = TrainerView(resolve(str(folder)), max_seq_length=40)
    assert view.analyse_many(ROWS * 3) == [view.analyse(r) for r in ROWS * 3]


def test_template_in_chat_template_jinja_file(tmp_path, reference):
    folder = build_tokenizer_folder(tmp_path / "m", template_file=True)
    view = TrainerView(resolve(str(folder)))
    assert [actual(view, r) for r in ROWS] == [expected(reference, r) for r in ROWS]


def test_tokenizer_json_file_reads_the_config_beside_it(folder, reference):
    view = TrainerView(resolve(str(folder / "tokenizer.json")))
    assert actual(view, ROWS[1]) == expected(reference, ROWS[1])


def test_without_generation_blocks_the_assistant_contents_are_trained(tmp_path):
    """The fallback equals transformers' mask for a template that marks exactly the contents."""
    plain = build_tokenizer_folder(tmp_path / "plain", chat_template=PLAIN_TEMPLATE)
    marked_template = PLAIN_TEMPLATE.replace(
        "{{ message['content'] }}",
        "{% if message['role'] == 'assistant' %}{% generation %}{{ message['content'] }}{% endgeneration %}"
        "{% else %}{{ message['content'] }}{% endif %}")
    marked = transformers.AutoTokenizer.from_pretrained(str(build_tokenizer_folder(tmp_path / "marked", chat_template=marked_template)))
    view = TrainerView(resolve(str(plain)), max_seq_length=30)
    assert view.mask_source == ASSISTANT_CONTENT
    for row in ROWS[:2] + ROWS[4:6]:
        assert actual(view, row) == expected(marked, row, 30)


def test_tools_are_passed_to_the_template(tmp_path):
    folder = build_tokenizer_folder(tmp_path / "tools", chat_template=PLAIN_TEMPLATE)
    reference = transformers.AutoTokenizer.from_pretrained(str(folder))
    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                                               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
    row = {"messages": ROWS[0]["messages"], "tools": tools}
    found = TrainerView(resolve(str(folder))).analyse(row)
    want = reference.apply_chat_template(row["messages"], tools=tools, tokenize=True, return_dict=True)
    assert found.tokens == len(want["input_ids"])
    assert found.tokens > TrainerView(resolve(str(folder))).analyse(ROWS[0]).tokens


def test_rendered_text_equals_transformers(folder, reference):
    template = ChatTemplate(ALTERNATING_TEMPLATE, {"bos_token": "<s>", "eos_token": "</s>"})
    for row in (ROWS[0], ROWS[1], ROWS[4]):
        assert template.render(row["messages"]).text == reference.apply_chat_template(row["messages"], tokenize=False)


@pytest.mark.parametrize("source, message", [
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "ran over"),
    ("{{ 'x' * 100000000 }}", "over"),
    ("{% for i in range(100000) %}{{ 'a' * 1000 }}{% endfor %}", "rendered over"),
    ("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}", "over"),
    ("{{ messages.__class__.__mro__ }}", ""),
    ("{{ raise_exception('custom \\x1b[31m message') }}", "custom"),
])
def test_sandbox_limits_turn_hostile_templates_into_failures(source, message):
    template = ChatTemplate(source, seconds=0.5)
    with pytest.raises(TemplateFailure) as caught:
        template.render([{"role": "user", "content": "hi"}])
    assert message in str(caught.value)


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp, "has no tokenizer.json"),
    (lambda tmp: tmp / "missing", "no such file or folder"),
    (lambda tmp: "nobody/not-cached", "not in the local Hugging Face cache"),
])
def test_missing_tokenizers_are_one_line_errors(tmp_path, monkeypatch, make, message):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(TrainerSetupError) as caught:
        resolve(str(make(tmp_path)))
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_repo_id_from_the_hf_cache(folder, tmp_path, monkeypatch, reference):
    snapshot = tmp_path / "home" / "hub" / "models--acme--tiny-chat" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (snapshot / name).write_bytes((folder / name).read_bytes())
    (snapshot.parent.parent / "refs").mkdir()
    (snapshot.parent.parent / "refs" / "main").write_text("abc123")
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    view = TrainerView(resolve("acme/tiny-chat"))
    assert view.encoding_name == "acme/tiny-chat"
    assert actual(view, ROWS[1]) == expected(reference, ROWS[1])


MISTRAL_FILES = sorted(glob.glob(os.path.join(os.path.dirname(__import__("mistral_common").__file__), "data", "tekken*.json")))


@pytest.mark.parametrize("path", MISTRAL_FILES, ids=os.path.basename)
def test_mistral_counts_equal_mistral_common(path):
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.protocol.instruct.validator import ValidationMode
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    reference = MistralTokenizer.from_file(path, mode=ValidationMode.finetuning)
    view = TrainerView(resolve(path), max_seq_length=10)
    assert view.encoding_name.startswith("tekken")
    for row in (ROWS[0], ROWS[1], ROWS[5]):
        tokens = reference.encode_chat_completion(ChatCompletionRequest(messages=row["messages"])).tokens
        found = view.analyse(row)
        assert found.tokens == len(tokens)
        # trained: the tokens after each [/INST] up to and including the answer's </s>
        control = reference.instruct_tokenizer.tokenizer
        end_inst, eos = control.get_special_token("[/INST]"), control.eos_id
        spans, inside = [], None
        for i, token in enumerate(tokens):
            if token == end_inst:
                inside = i + 1
            elif token == eos and inside is not None:
                spans.append((inside, i + 1))
                inside = None
        assert found.trained == sum(b - a for a, b in spans) > 0
        assert found.kept_trained == sum(max(0, min(b, 10) - a) for a, b in spans)
    # fine-tuning mode: the last message must be the assistant's
    error = view.analyse({"messages": [{"role": "user", "content": "hi"}]}).error
    assert error and "Expected last role Assistant" in error


ODD_ROWS = [
    {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}, {"role": "assistant", "content": "ok"}]},
    {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None,
                  "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]},
    {"messages": [{"role": "user", "content": "\ue000\ue001 sentinel characters"}, {"role": "assistant", "content": "ok", "name": "ada"}]},
    {"messages": [{"role": "user", "content": 42}, {"role": "assistant", "content": True}]},
]


@pytest.mark.parametrize("index", range(len(ODD_ROWS)))
def test_odd_rows_still_match_transformers(folder, reference, index):
    view = TrainerView(resolve(str(folder)), max_seq_length=12)
    for _ in range(3):  # the third time a shape would be spliced: the odd ones must stay exact
        assert actual(view, ODD_ROWS[index]) == expected(reference, ODD_ROWS[index], 12)


@pytest.mark.parametrize("value", ["nope", {"messages": "nope"}, {"messages": []}, {"messages": [1, 2]}, {"id": "x"}, {"text": "plain text"}, {"prompt": "q", "completion": "a"}, None])
def test_rows_without_a_conversation_are_not_rendered(folder, value):
    found = TrainerView(resolve(str(folder))).analyse(value)
    assert not found.renderable and found.error is None
