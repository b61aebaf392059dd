"""What ``ftlint fix`` agrees to rewrite, checked before anything is written.

A fix rewrites a file in place and moves rows to a rejects file, so two
mistakes would destroy data: naming one file twice (``--rejects t.jsonl
t.jsonl``, or a symlink or hard link to it), and rewriting a file that is not
a dataset at all (a PNG renamed ``.jsonl``, ``notes.md``). Both are refused
with one line; the caller exits 2.
"""

from __future__ import annotations

import os

import orjson

SNIFF_BYTES = 64 * 1024
JSONL_EXTENSIONS = (".jsonl", ".ndjson", ".jsonlines")
BOM = b"\xef\xbb\xbf"


class Refused(ValueError):
    """The fix would be unsafe: one line saying why."""


def _same(first: str, second: str) -> bool:
    """Is it one file (same resolved path, or same inode through a hard link)?"""
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False  # one of them does not exist yet


def check_distinct(source: str | None, output: str | None, rejects: str | None, validation: str | None = None) -> None:
    """Input, output, rejects (and convert's validation output) must be different files; a None is
    not a file (standard input, no split)."""
    named = [("input", source), ("output (-o)", output), ("rejects (--rejects)", rejects), ("validation output", validation)]
    named = [(role, path) for role, path in named if path]
    for index, (role, path) in enumerate(named):
        for other_role, other in named[index + 1 :]:
            if _same(path, other):
                raise Refused(f"{path}: the {role} and the {other_role} are the same file; name distinct files")


def check_output_name(output: str | None) -> None:
    """Refuse an output named as another format (``-o out.json``, ``out.csv``): fix writes JSON Lines, and
    each pass reads the file back by the name its findings carry, so a JSON Lines file named ``.json`` was
    read as a JSON array: its rows were cut apart and dropped into the rejects file a character at a time."""
    if output is not None and not output.lower().endswith(JSONL_EXTENSIONS):
        raise Refused(f"{output}: fix writes JSON Lines; name the output {' or '.join(JSONL_EXTENSIONS)} "
                      "(ftlint convert writes other formats)")


def _utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _json(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


def check_jsonl(path: str) -> None:
    """Refuse a file that is not JSON Lines by its extension and its content.

    The content test reads the first 64 KiB: most rows (blank lines aside)
    UTF-8 text without a NUL byte that starts with ``{`` after an optional
    BOM. One broken row is what fix is for, a NUL in it included (check lints
    the file as JSON Lines and offers to move that row); a file of them is not
    a dataset.
    """
    if not path.lower().endswith(JSONL_EXTENSIONS):
        raise Refused(f"{path}: fix rewrites JSON Lines files ({', '.join(JSONL_EXTENSIONS)}) only; this is not one (convert it first: ftlint convert)")
    with open(path, "rb") as handle:
        sample = handle.read(SNIFF_BYTES)
    lines = sample.split(b"\n")
    if len(sample) == SNIFF_BYTES and len(lines) > 1:
        lines.pop()  # the last line may be cut
    rows = [line.strip(b" \t\r").removeprefix(BOM).lstrip(b" \t") for line in lines]
    rows = [row for row in rows if row]
    text = sum(1 for row in rows if b"\x00" not in row and _utf8(row))
    if text * 2 < len(rows):
        raise Refused(f"{path}: binary content, not a JSON Lines dataset; left untouched")
    # a row that starts with '{' or parses as JSON (an array, a number: FT100's to report) is a
    # dataset row; counting only objects refused a second fix of a file whose duplicates the
    # first had dropped, leaving its arrays the majority
    objects = sum(1 for row in rows if row.startswith(b"{") or _json(row))
    if objects * 2 < len(rows):
        raise Refused(f"{path}: most rows are not JSON, so it is not a JSON Lines dataset; left untouched")
