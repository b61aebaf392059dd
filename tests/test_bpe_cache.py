"""The cache of decoded BPE ranks: it saves start-up time and never changes a count.

Every check compares with tiktoken itself (``tiktoken.get_encoding``, its own
decoding of the same BPE file), through the real cache folder on disk and the
real CLI in a subprocess.
"""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
import zlib

import pytest
import tiktoken

from linter import bpe_cache, disk_cache

from .conftest import run_cli

TEXTS = ["Hello, world!", "assistant", "请问我的订单什么时候发货 🏕️" * 7, "def f(x):\n    return x ** 2\n", " " * 40, "x" * 500]


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """A cache folder of this test's own, and no encoding kept from an earlier test in this process."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(bpe_cache.CACHE_DIR_ENV, str(folder))
    monkeypatch.setattr(bpe_cache, "_loaded", {})
    return folder


def checksummed(body: bytes) -> bytes:
    """A cache file's bytes around ``body``, checksum right (the layout of ``disk_cache.pack``)."""
    return zlib.crc32(body).to_bytes(4, "little") + body


def cached_files(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_ranks_written_then_read_back_are_tiktokens_own(fresh, name):
    reference = tiktoken.get_encoding(name)
    built = bpe_cache.get_encoding(name)  # decoded by tiktoken, then written
    (written,) = cached_files(fresh)
    assert written.startswith(bpe_cache.FORMAT) and written.endswith(".marshal")
    bpe_cache._loaded.clear()
    read = bpe_cache.get_encoding(name)  # read from the file just written
    assert read is not built and read._mergeable_ranks == reference._mergeable_ranks
    assert read._special_tokens == reference._special_tokens and read._pat_str == reference._pat_str
    for text in TEXTS:
        assert read.encode_ordinary(text) == built.encode_ordinary(text) == reference.encode_ordinary(text)


def test_one_encoding_per_process(fresh):
    assert bpe_cache.get_encoding("o200k_base") is bpe_cache.get_encoding("o200k_base")


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: b"not a marshal at all",
        lambda data: disk_cache.pack(("ftlint-bpe-ranks-1", "0" * 64), {b"a": 0}),  # another file's ranks
        lambda data: checksummed(marshal.dumps([1, 2, 3])),
        lambda data: data.replace(b"hello", b"hellq", 1),  # bit rot that still decodes: one token changed
        lambda data: data[:4] + data[4:].replace(b"hello", b"hellq", 1),  # the same, under the old checksum
    ],
    ids=["truncated", "garbage", "wrong-digest", "wrong-shape", "a-token-changed", "stale-checksum"],
)
def test_a_damaged_cache_file_is_ignored_and_rewritten(fresh, damage):
    """Whatever the damage, even one that still decodes, the counts are tiktoken's and the file is written anew."""
    reference = tiktoken.get_encoding("o200k_base")
    bpe_cache.get_encoding("o200k_base")
    (name,) = cached_files(fresh)
    path = fresh / name
    good = path.read_bytes()
    path.write_bytes(damage(good))
    bpe_cache._loaded.clear()
    encoding = bpe_cache.get_encoding("o200k_base")
    assert encoding._mergeable_ranks == reference._mergeable_ranks
    assert path.read_bytes() == good  # rewritten whole
    assert cached_files(fresh) == [name]  # and no temporary left beside it


def test_an_unwritable_cache_folder_costs_time_not_counts(monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(bpe_cache.CACHE_DIR_ENV, str(blocker / "cache"))
    monkeypatch.setattr(bpe_cache, "_loaded", {})
    encoding = bpe_cache.get_encoding("o200k_base")
    assert encoding.encode_ordinary(TEXTS[2]) == tiktoken.get_encoding("o200k_base").encode_ordinary(TEXTS[2])


def test_an_empty_cache_setting_turns_the_cache_off(monkeypatch, tmp_path):
    monkeypatch.setenv(bpe_cache.CACHE_DIR_ENV, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(bpe_cache, "_loaded", {})
    assert bpe_cache.get_encoding("o200k_base").encode_ordinary("hi there") == tiktoken.get_encoding("o200k_base").encode_ordinary("hi there")
    assert list(tmp_path.iterdir()) == []


def test_the_cli_keeps_ranks_in_the_users_cache_folder_and_counts_the_same(write_jsonl, tmp_path, monkeypatch):
    """First run writes $XDG_CACHE_HOME/ftlint, second reads it: identical exact token figures, equal to tiktoken's."""
    rows = [{"messages": [{"role": "user", "content": text}, {"role": "assistant", "content": "ok"}]} for text in TEXTS]
    path = write_jsonl(rows)
    monkeypatch.delenv(bpe_cache.CACHE_DIR_ENV, raising=False)
    runs = []
    for _ in range(2):
        proc = run_cli("stats", path, "--output-format", "json", env={"XDG_CACHE_HOME": str(tmp_path / "xdg")})
        assert proc.returncode == 0, proc.stderr
        runs.append(json.loads(proc.stdout)[0]["tokens"])
        # the ranks, and the same ranks by first bytes (the subset encoder of a small file reads those)
        assert sorted(p.name.split("-")[:3] for p in (tmp_path / "xdg" / "ftlint").iterdir()) == [["ftlint", "bpe", "ranks"], ["ftlint", "bpe", "shards"]]
    assert runs[0] == runs[1] and runs[0]["exact"]
    encode = tiktoken.get_encoding("o200k_base").encode_ordinary
    # the cookbook formula (tokens of role and content, 3 per message, 3 to prime the reply), by tiktoken itself
    expected = [3 + sum(3 + len(encode(m["role"])) + len(encode(m["content"])) for m in row["messages"]) for row in rows]
    assert (runs[0]["min"], runs[0]["max"]) == (min(expected), max(expected))


def test_a_folder_where_the_cache_file_belongs_is_left_alone(fresh):
    """Something else (here a folder) holds the cache file's name: the encoding still loads, exact, and nothing is replaced."""
    reference = tiktoken.get_encoding("o200k_base")
    bpe_cache.get_encoding("o200k_base")
    (name,) = cached_files(fresh)
    (fresh / name).unlink()
    (fresh / name).mkdir()
    bpe_cache._loaded.clear()
    assert bpe_cache.get_encoding("o200k_base")._mergeable_ranks == reference._mergeable_ranks
    assert (fresh / name).is_dir() and cached_files(fresh) == [name]  # no temporary left beside it


def test_two_first_runs_at_once_write_one_whole_file(write_jsonl, tmp_path, monkeypatch):
    """Two CLI processes start with an empty cache together: both count exactly, one whole cache file remains."""
    import subprocess
    import sys

    path = write_jsonl([{"messages": [{"role": "user", "content": TEXTS[2]}, {"role": "assistant", "content": "ok"}]}])
    folder = tmp_path / "cache"
    env = dict(os.environ, **{bpe_cache.CACHE_DIR_ENV: str(folder)})
    env.pop("FTLINT_LOAD_PLUGINS", None)
    command = [sys.executable, "-m", "linter", "stats", str(path), "--output-format", "json"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    counts = [json.loads(out)[0]["tokens"]["max"] for out, _ in outputs]
    encode = tiktoken.get_encoding("o200k_base").encode_ordinary
    assert counts == [3 + 3 + len(encode("user")) + len(encode(TEXTS[2])) + 3 + len(encode("assistant")) + len(encode("ok"))] * 2
    names = cached_files(folder)  # one ranks file, one of the same ranks by first bytes
    assert [name.split("-")[:3] for name in names] == [["ftlint", "bpe", "ranks"], ["ftlint", "bpe", "shards"]]
    before = [(folder / name).stat() for name in names]
    monkeypatch.setenv(bpe_cache.CACHE_DIR_ENV, str(folder))
    monkeypatch.setattr(bpe_cache, "_loaded", {})
    reference = tiktoken.get_encoding("o200k_base")._mergeable_ranks
    assert bpe_cache.get_encoding("o200k_base")._mergeable_ranks == reference
    shards, _ = bpe_cache.recipe("o200k_base")[1].shards()
    assert {token: rank for blob in shards.values() for token, rank in marshal.loads(blob)[0].items()} == reference
    after = [(folder / name).stat() for name in names]
    assert [(a.st_ino, a.st_mtime_ns) for a in after] == [(b.st_ino, b.st_mtime_ns) for b in before]  # read as they were: whole, not rewritten


def test_a_process_ends_without_freeing_its_encoding():
    """Freeing o200k_base's tables as the interpreter tears down took 0.1 s of every run that built the
    encoder, after its last output: the encodings still held at exit are left to the system."""
    code = (
        "import os\n"
        "from linter import bpe_cache\n"
        "class Probe:  # freed with the encoding that holds it\n"
        "    def __del__(self, write=os.write):\n"
        "        write(1, b'freed\\n')\n"
        "encoding = bpe_cache.get_encoding('o200k_base')\n"
        "encoding.probe = Probe()\n"
        "print(len(encoding.encode_ordinary('Hello, world!')), flush=True)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "4\n", out.stderr
