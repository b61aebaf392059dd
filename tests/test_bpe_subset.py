"""Counting on a vocabulary subset (linter.bpe_subset) gives tiktoken's own tokens.

Every check compares with tiktoken's full encoder on the same texts: random
ones (hypothesis: any Unicode, whitespace runs, digits, long repeats), rows
with tools and names, lone surrogates, and a tokenizer that runs past its
rebuild budget or forks.
"""

from __future__ import annotations

import json
import marshal
import os

import pytest
import tiktoken
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter import bpe_cache, bpe_subset, disk_cache
from linter.bpe_subset import SubsetEncoder, Vocabulary
from linter.tokens import Tokenizer

from .test_bpe_cache import fresh  # noqa: F401 - the fixture: a cache folder of the test's own

NAMES = ("o200k_base", "cl100k_base")
FULL = {name: tiktoken.get_encoding(name) for name in NAMES}


@pytest.fixture(autouse=True)
def no_full_encoder_yet(monkeypatch):
    """Each test starts as a process that has built no full encoder and few subsets: a
    tokenizer goes straight to a full encoder the process already holds (Tokenizer._start_subset)."""
    monkeypatch.setattr(bpe_cache, "_loaded", {k: v for k, v in bpe_cache._loaded.items() if isinstance(k, tuple)})
    monkeypatch.setattr(bpe_subset, "builds", 0)


def subset_encoder(name: str, rebuilds: int) -> SubsetEncoder:
    parts, bpe = bpe_cache.recipe(name)
    return SubsetEncoder(parts, bpe.shards(), rebuilds, scan_bytes=1 << 20)

# texts BPE finds hard: runs of one character (long merges), mixed scripts,
# whitespace before newlines, digits (split by threes), contractions, emoji
pieces = st.sampled_from(["'s", "'LL", "\n", "\r\n", "  ", "\t", "1234567", "ab" * 40, " " * 70, "🏕️", "é", "请问",
                          "x" * 130, "Hello", "!!!", "://", "\u200b", "<|endoftext|>", "a ,b", "x.  y", " (z) ", "\u00a0 ", "\t x"])
texts = st.lists(st.one_of(st.text(max_size=40), pieces), max_size=8).map("".join)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(texts, min_size=1, max_size=6))
def test_subset_encoder_gives_the_full_encoders_tokens(name, batch):
    encoder = subset_encoder(name, rebuilds=len(batch) + 1)
    assert encoder.cover(batch[:1])
    for text in batch:  # the first text was covered beforehand, the others are covered on demand
        try:
            expected = FULL[name].encode_ordinary(text)
        except UnicodeEncodeError:
            continue
        assert encoder.encode(text) == expected


def test_every_token_in_a_text_is_found_and_the_vocabulary_stays_small():
    vocabulary = Vocabulary(*bpe_cache.recipe("o200k_base")[1].shards())
    text = "The quick brown fox — 请问 — jumps over 1,234,567 lazy dogs.\n\n" + " " * 100
    data = text.encode()
    found = vocabulary.tokens_in(data)
    substrings = {data[i:j] for i in range(len(data)) for j in range(i + 1, len(data) + 1)}
    assert found >= substrings & bpe_cache.recipe("o200k_base")[1].ranks().keys()  # every token that occurs, however long
    assert len(found) < 2_000 and len(vocabulary.ranks) < 100_000  # and only some shards were read


@pytest.mark.parametrize("name", NAMES)
def test_the_openai_vocabularies_let_texts_be_cut_into_words(name):
    """No token holds a printable ASCII character followed by a space, so the word cut loses none."""
    assert bpe_cache.recipe(name)[1].shards()[1] is True
    assert bpe_cache.words_may_be_cut(bpe_cache.recipe(name)[1].ranks())


def test_a_vocabulary_with_a_token_across_the_cut_is_scanned_whole():
    ranks = {bytes((b,)): b for b in range(256)} | {b"a b": 256, b"ab": 257}
    assert not bpe_cache.words_may_be_cut(ranks)
    text = b"xa by"
    whole = Vocabulary(bpe_cache.shard(ranks), cut_words=False).tokens_in(text)
    assert b"a b" in whole
    assert b"a b" not in Vocabulary(bpe_cache.shard(ranks), cut_words=True).tokens_in(text)  # what the flag prevents


@settings(max_examples=200, deadline=None)
@given(texts)
def test_cutting_words_finds_the_tokens_the_whole_text_holds(text):
    shards, cut = bpe_cache.recipe("o200k_base")[1].shards()
    data = text.encode("utf-8", "surrogatepass")
    assert cut and Vocabulary(shards, cut_words=True).tokens_in(data) == Vocabulary(shards).tokens_in(data)


def test_past_its_budget_the_encoder_says_so_and_changes_nothing():
    encoder = subset_encoder("o200k_base", rebuilds=1)
    assert encoder.cover(["first row"])
    before = set(encoder.tokens)
    assert encoder.cover(["first row"])  # nothing new: no rebuild needed
    assert not encoder.cover(["a second row with new words"])
    assert encoder.tokens == before and encoder.encode("unseen words") is None
    assert encoder.encode("first row") == FULL["o200k_base"].encode_ordinary("first row")


ROWS = [
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi", "name": "ann_1"},
                  {"role": "assistant", "content": "Hello!", "weight": 1}]},
    {"messages": [{"role": "user", "content": [{"type": "text", "text": "What is in it?"}, {"type": "image_url", "image_url": {"url": "x"}}]},
                  {"role": "assistant", "content": None, "tool_calls": [
                      {"id": "call_1", "type": "function", "function": {"name": "look", "arguments": "{\"q\": \"cat\"}"}}]},
                  {"role": "tool", "tool_call_id": "call_1", "content": "a cat"}, {"role": "assistant", "content": "A cat.", "weight": 0}],
     "tools": [{"type": "function", "function": {"name": "look", "description": "Looks things up.", "parameters": {
         "type": "object", "properties": {"q": {"type": "string", "description": "What."}, "n": {"type": "integer", "enum": [1, 22, 333]}}}}}]},
    {"messages": [{"role": "user", "content": "lone \ud800 surrogate"}, {"role": "assistant", "content": "请问我的订单什么时候发货 🏕️" * 5}]},
    {"messages": [{"role": "user", "content": "x" * 500}, {"role": "assistant", "content": "  \n\n  ok"}]},
    {"functions": [{"name": "f", "description": "Does f", "parameters": {"properties": {"a": {"type": "string"}}}}],
     "messages": [{"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}}]},
    {"messages": [{"role": "user", "content": "Completely different words here, nothing repeated."}, {"role": "assistant", "content": "Indeed."}]},
]


@pytest.mark.parametrize("name", NAMES)
def test_tokenizer_counts_rows_as_the_full_encoder_does_before_and_after_its_budget(name):
    lazy = Tokenizer(name)
    lazy.require()
    lazy._start()  # what the first count does: no size hint, a subset
    assert lazy._subset  # counting starts on a subset
    full = Tokenizer(name)
    full.load()  # the full encoder from the start
    for row in ROWS:
        assert lazy.count_detail(row) == full.count_detail(row)
    assert lazy._subset is False  # more rows with new tokens than the budget: the full encoder took over
    for row in ROWS:
        assert lazy.count_detail(row) == full.count_detail(row)


def test_count_text_on_a_subset_matches_tiktoken_including_surrogates():
    tokenizer = Tokenizer("o200k_base")
    reference = FULL["o200k_base"].encode_ordinary
    assert tokenizer.count_text("hello there") == len(reference("hello there"))
    assert tokenizer._subset  # no full encoder for that
    assert tokenizer.count_text("lone \ud800 surrogate") == len(reference("lone \ud800 surrogate"))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_fork_inherits_the_full_encoder():
    """linter.parallel forks workers that count a big file's rows: they must not each build their own."""
    tokenizer = Tokenizer("o200k_base")
    tokenizer.count_detail(ROWS[0])
    assert tokenizer._subset
    pid = os.fork()
    if pid == 0:  # the worker: the full encoder is already there, and counts right
        os._exit(0 if tokenizer._subset is False and tokenizer.count_detail(ROWS[1])[0] > 0 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert tokenizer._subset is False


def shards_file(folder):
    (path,) = folder.glob(f"{bpe_cache.SHARDS_FORMAT}-*.marshal")
    return path


@pytest.mark.parametrize("damage", [lambda data: data[: len(data) // 2], lambda data: b"garbage",
                                    lambda data: disk_cache.pack((bpe_cache.SHARDS_FORMAT, "0" * 64, 3, 16), {b"": b""}),
                                    lambda data: data.replace(b"hello", b"hellq", 1)],  # one token changed, the file still decodes
                         ids=["truncated", "garbage", "another-files", "a-token-changed"])
def test_a_damaged_shards_file_is_ignored_and_rewritten(fresh, damage):
    Tokenizer("o200k_base").count_detail(ROWS[0])  # writes the shards
    path = shards_file(fresh)
    good = path.read_bytes()
    path.write_bytes(damage(good))
    bpe_cache._loaded.clear()
    tokenizer = Tokenizer("o200k_base")
    tokenizer.require()
    tokenizer._start()
    assert tokenizer._subset  # on the rewritten shards
    expected = _full_tokenizer()
    for row in ROWS[:3]:
        assert tokenizer.count_detail(row) == expected.count_detail(row)
    assert path.read_bytes() == good


def test_without_a_cache_folder_the_full_encoder_counts_and_nothing_is_written(monkeypatch, tmp_path):
    monkeypatch.setenv(bpe_cache.CACHE_DIR_ENV, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(bpe_cache, "_loaded", {})
    tokenizer = Tokenizer("o200k_base")
    assert tokenizer.count_text("hi there") == len(FULL["o200k_base"].encode_ordinary("hi there"))
    assert tokenizer._subset is False and list(tmp_path.iterdir()) == []


def test_a_cache_folder_that_cannot_be_written_means_the_full_encoder_not_shards_built_every_run(monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(bpe_cache.CACHE_DIR_ENV, str(blocker / "cache"))
    monkeypatch.setattr(bpe_cache, "_loaded", {})
    tokenizer = Tokenizer("o200k_base")
    assert tokenizer.count_detail(ROWS[1]) == _full_tokenizer().count_detail(ROWS[1])
    assert tokenizer._subset is False


def _full_tokenizer() -> Tokenizer:
    tokenizer = Tokenizer("o200k_base")
    tokenizer.load()
    return tokenizer


def distinct_rows(count: int, first: int = 0) -> list[dict]:
    """Rows whose words are new on every row (each one brings tokens the last did not)."""
    return [{"messages": [{"role": "user", "content": f"row {n}: " + " ".join(f"w{n}x{k}q" for k in range(12))},
                          {"role": "assistant", "content": f"answer {n * 7919}"}]} for n in range(first, first + count)]


def test_a_small_csv_keeps_the_default_budget_and_a_big_file_builds_the_full_encoder_at_once(tmp_path):
    """Rows of a file with no JSON lines are covered one by one: its hint raises no budget."""
    table = tmp_path / "small.csv"
    table.write_text("prompt,completion\n" + "".join(f"q{n},a{n}\n" for n in range(12)))
    small = Tokenizer("o200k_base")
    small.require()
    small.expect(table.stat().st_size, str(table))
    assert small._subset.rebuilds == Tokenizer.SUBSET_REBUILDS
    big = Tokenizer("o200k_base")
    big.require()
    full = _full_tokenizer()
    rows = distinct_rows(12)
    assert [small.count_detail(row) for row in rows] == [full.count_detail(row) for row in rows]
    assert small._subset is False  # 12 rows of new words: past the default budget
    big.expect(Tokenizer.SMALL_FILE + 1)
    assert big.count_detail(ROWS[0]) == full.count_detail(ROWS[0])
    assert big._subset is False and big._subset is not None  # no rebuild spent first


def test_a_big_file_never_reads_the_subset_vocabulary(monkeypatch, tmp_path):
    """require() reads the BPE file only: a big file's first count builds the full encoder without
    reading the subset's vocabulary first (0.08 s of every big file's run, before a parallel run's
    fork); a small one still starts on a subset, covered at once."""
    from linter import tokens

    read = []
    real = tokens.load_vocabulary
    monkeypatch.setattr(bpe_cache, "_loaded", {})  # the process holds no full encoder yet
    monkeypatch.setattr(tokens, "load_vocabulary", lambda name: read.append(name) or real(name))
    big = Tokenizer("o200k_base")
    big.require()
    big.expect(Tokenizer.SMALL_FILE + 1)
    assert big.count_detail(ROWS[0]) == _full_tokenizer().count_detail(ROWS[0])
    assert read == [] and big._subset is False
    monkeypatch.setattr(bpe_cache, "_loaded", {})
    path = tmp_path / "small.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS[:2]))
    small = Tokenizer("o200k_base")
    small.require()
    small.expect(path.stat().st_size, str(path))
    assert read == ["o200k_base"] and small._subset  # the small file's lines covered at once
    assert small.count_detail(ROWS[0]) == _full_tokenizer().count_detail(ROWS[0])


def test_the_runner_tells_the_tokenizer_how_big_each_file_is(tmp_path):
    from linter.config import Settings
    from linter.runner import make_linter, run

    rows, more = distinct_rows(12), distinct_rows(Tokenizer.SMALL_FILE // 100, first=12)
    small = tmp_path / "small.jsonl"
    small.write_text("".join(json.dumps(row) + "\n" for row in rows))
    big = tmp_path / "big.jsonl"
    big.write_text("".join(json.dumps(row) + "\n" for row in more))
    assert small.stat().st_size <= Tokenizer.SMALL_FILE < big.stat().st_size
    linter = make_linter(Settings(exact_stats=True))
    first = run(linter, [str(small)])
    assert linter.tokenizer._subset  # counted without the full encoder
    second = run(linter, [str(big)])
    assert linter.tokenizer._subset is False  # the big file's new words: the full encoder at once
    full = _full_tokenizer()
    expected = [max(full.count_detail(row)[0] for row in part) for part in (rows, more)]
    assert [outcome.files[0].summary()["tokens"]["max"] for outcome in (first, second)] == expected


def test_a_long_text_goes_to_the_full_encoder_without_being_scanned():
    """A huge string (lint_text, stdin: no size hint) would take seconds to slice at every offset."""
    encoder = subset_encoder("o200k_base", rebuilds=8)
    encoder.scan_bytes = 1000
    assert encoder.cover(["short"]) and not encoder.cover(["x" * 2000]) and encoder.encode("y" * 2000) is None
    tokenizer = Tokenizer("o200k_base")
    huge = {"messages": [{"role": "user", "content": "word " * (Tokenizer.SUBSET_SCAN_BYTES // 4)}, {"role": "assistant", "content": "ok"}]}
    assert tokenizer.count_detail(huge) == _full_tokenizer().count_detail(huge)
    assert tokenizer._subset is False


def test_a_small_files_json_lines_are_covered_at_once(tmp_path):
    """With token statistics every row is counted: the file's strings make one subset, not one per row."""
    path = tmp_path / "small.jsonl"
    rows = distinct_rows(40)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows) + "not json\n")
    tokenizer = Tokenizer("o200k_base")
    tokenizer.require()
    tokenizer._start()
    before = tokenizer._subset.rebuilds
    tokenizer.expect(path.stat().st_size, str(path))
    full = _full_tokenizer()
    assert [tokenizer.count_detail(row) for row in rows] == [full.count_detail(row) for row in rows]
    assert tokenizer._subset and tokenizer._subset.rebuilds == before + Tokenizer.SMALL_FILE_REBUILDS - Tokenizer.SUBSET_REBUILDS - 1


def test_a_process_that_holds_the_full_encoder_or_built_many_subsets_uses_the_full_one():
    """lint_text in a loop makes a tokenizer per call: they share the process's full encoder."""
    first = Tokenizer("o200k_base")
    first.require()
    first._start()
    assert first._subset
    bpe_subset.builds = Tokenizer.PROCESS_SUBSET_BUILDS
    many = Tokenizer("o200k_base")
    many.require()
    many._start()
    assert many._subset is False
    bpe_subset.builds = 0
    _full_tokenizer()  # the process now holds it
    later = Tokenizer("o200k_base")
    later.require()
    later._start()
    assert later._subset is False and later.count_text("hi there") == len(FULL["o200k_base"].encode_ordinary("hi there"))


def test_the_cli_counts_a_hostile_small_file_as_the_full_encoder_does(tmp_path):
    """stats --json on a small file of awkward rows: the same figures on a subset encoder (a cache
    folder) as on the full one (FTLINT_CACHE_DIR empty: no shards, so the full encoder counts)."""
    from .conftest import run_cli

    lines = [json.dumps(row, ensure_ascii=False) for row in ROWS[:2] + ROWS[3:] + distinct_rows(5)]
    lines += [
        '{"messages": [{"role": "user", "content": "lone \\ud800 escape"}, {"role": "assistant", "content": "ok"}]}',
        json.dumps({"messages": [{"role": "user", "content": "nbsp\u00a0 tab\t x. y  (z) 🏕️\r\n"}, {"role": "assistant", "content": "a ,b"}]}),
        '{"messages": [{"role": "user", "content": "big"}], "n": 123456789012345678901234567890}',  # past orjson's integers
        "[" * 3000 + "]" * 3000,  # past orjson's depth
        "not json at all",
        json.dumps({"conversations": [{"from": "human", "value": "ShareGPT here"}, {"from": "gpt", "value": "and here"}]}),
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8", "surrogatepass"))
    figures = []
    for cache in (str(tmp_path / "cache"), ""):
        proc = run_cli("stats", path, "--json", env={"FTLINT_CACHE_DIR": cache})
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        figures.append(json.loads(proc.stdout)[0]["tokens"])
    assert list((tmp_path / "cache").glob(f"{bpe_cache.SHARDS_FORMAT}-*"))  # the first run read shards: a subset counted
    assert figures[0] == figures[1] and figures[0]["counted_examples"] >= 10


def test_an_encoding_that_asserts_its_full_size_counts_on_a_subset_too():
    """p50k_base (and r50k, gpt2) pass explicit_n_vocab, which tiktoken checks against the ranks it is given:
    a subset never has that many, and the review found the tokenizer raising where the full one counted."""
    reference = tiktoken.get_encoding("p50k_base")
    tokenizer = Tokenizer("p50k_base")
    assert tokenizer.count_text("hello world, again") == len(reference.encode_ordinary("hello world, again"))
    assert tokenizer._subset  # still on the subset: the assertion is dropped, not dodged
    counted = [Tokenizer("p50k_base").count_detail(row) for row in ROWS]
    full = Tokenizer("p50k_base")
    full.load()
    assert counted == [full.count_detail(row) for row in ROWS]


@pytest.mark.parametrize("which", [b"", b"Hel"], ids=["short-tokens-shard", "a-prefix-shard"])
def test_a_damaged_shard_inside_a_whole_file_means_the_full_encoder(fresh, which):
    """The outer file decodes, one shard inside does not (review: every run then stopped with an
    internal error until the cache was deleted): the counts come from the full encoder instead."""
    Tokenizer("o200k_base").count_detail(ROWS[0])  # writes the shards
    path = shards_file(fresh)
    tag, (shards, cut) = marshal.loads(path.read_bytes()[4:])  # past disk_cache's checksum
    shards[which] = shards[which][: len(shards[which]) // 2]
    path.write_bytes(disk_cache.pack(tag, (shards, cut)))  # a whole file, checksum right (a foreign writer)
    bpe_cache._loaded.clear()
    tokenizer = Tokenizer("o200k_base")  # before any full encoder is built in this process: it would take that
    counted = [tokenizer.count_detail(row) for row in ROWS]
    assert tokenizer.count_text("hello there") == len(FULL["o200k_base"].encode_ordinary("hello there"))
    expected = _full_tokenizer()
    assert counted == [expected.count_detail(row) for row in ROWS]
