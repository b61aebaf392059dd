"""The compiled row scanner (linter.rowscan) gives what the Python reading of a line gives, or refuses the line.

The engine trusts a record with the OK flag instead of parsing the line, so OK must mean that orjson.loads
accepts the line and reads it the one way Python's json does, and every digest must equal the one
``linter.hashing`` and FT405's ``_prompt_and_answer_flat`` compute from the parsed row. Random values are
written by orjson, by json.dumps (ASCII or not, odd spacing, "\\/") and by a writer that spells each
character of a string its own way (short escapes, raw control characters); skeletons are held to their
promise: two OK lines with one skeleton are the same row but for the text of non-empty "content" strings.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from linter import hashing, rowscan
from linter.parsing import parse_row
from linter.rows import Row
from linter.rules.duplicates import _prompt_and_answer_flat

if not rowscan.available:
    if os.environ.get("CI"):  # the project's CI builds the extension: its absence there is a broken build
        raise RuntimeError("linter._rowscan did not build (pip install -e . compiles linter/_native/rowscan.c)")
    pytest.skip("linter._rowscan is not built (no C compiler when ftlint was installed): the engine reads rows in Python",
                allow_module_level=True)

numpy = pytest.importorskip("numpy")
DTYPE = rowscan.dtype()


def records(lines: list[bytes]):
    return numpy.frombuffer(rowscan.scan(lines), dtype=DTYPE)


def halves(field) -> tuple[int, int]:
    return int(field[0]), int(field[1])


# ------------------------------------------------------------------ values and how they are written

CHARACTERS = st.one_of(
    st.sampled_from(['"', "\\", "\n", "\t", "\r", "\b", "\f", " ", "/", "\\n", "\\\\n", "é", "日本", "😀", "\x00", "\x1f",
                     "\x7f", "\u2028", "\ufeff", "n", "t", "r", "a"]),
    st.characters(codec="utf-8"),  # any scalar value: no lone surrogates
)
TEXT = st.lists(CHARACTERS, max_size=12).map("".join)
KEYS = st.one_of(st.sampled_from(["content", "role", "messages", "name", "a", "b", "ab", "", "é", "a b", "a\nb", "Content"]), TEXT)
INTS = st.one_of(st.integers(-1000, 1000), st.integers(-(10**18), 10**18), st.integers(-(2**63), 2**64 - 1),
                 st.sampled_from([10**17, 10**18 - 1, 10**18, -(10**18 - 1), 2**63 - 1]))
SCALARS = st.one_of(st.none(), st.booleans(), INTS, st.floats(), TEXT)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
                      max_leaves=12)
MESSAGE = st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "system"]), "content": st.one_of(TEXT, VALUES)},
                                optional={"name": TEXT, "weight": st.integers(0, 1), "tool_calls": VALUES})
LAST = st.one_of(MESSAGE, MESSAGE, VALUES)
ROWS = st.one_of(
    st.builds(lambda m, last: {"messages": m + [last]}, st.lists(MESSAGE, max_size=4), LAST),
    st.builds(lambda m, extra: {"messages": m, **extra}, st.lists(MESSAGE, max_size=3), st.dictionaries(KEYS, VALUES, max_size=2)),
    st.dictionaries(KEYS, VALUES, max_size=5),
)
STYLES = ["orjson", "ascii", "unicode", "spaced", "slashes", "indented", "spelled"]


def spelled(value, rng: random.Random) -> str:
    """JSON whose strings spell each character at random: itself (raw control characters too: not JSON),
    a short escape where it has one, or \\uXXXX; separators with spaces and tabs."""
    if isinstance(value, str):
        out = []
        for c in value:
            short = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(c)
            choice = rng.random()
            if choice < 0.05:
                out.append(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else json.dumps(c))
            elif short and (choice < 0.9 or c in '"\\'):
                out.append(short)
            else:
                out.append(c)
        return '"' + "".join(out) + '"'
    gap = lambda: rng.choice(["", " ", "\t", "  \t"])  # noqa: E731
    if isinstance(value, dict):
        return "{" + gap() + ",".join(f"{gap()}{spelled(k, rng)}{gap()}:{gap()}{spelled(v, rng)}{gap()}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + gap() + ",".join(gap() + spelled(v, rng) + gap() for v in value) + "]"
    return json.dumps(value)


def write(value, style: str, rng: random.Random) -> bytes | None:
    """The value as one writer puts it on a line (None where that writer cannot write it)."""
    try:
        if style == "orjson":
            return orjson.dumps(value)
        if style == "ascii":
            return json.dumps(value).encode()
        if style == "unicode":
            return json.dumps(value, ensure_ascii=False).encode()
        if style == "spaced":
            return json.dumps(value, ensure_ascii=False, separators=(" ,\t", " :  ")).encode()
        if style == "slashes":  # PHP and others escape "/" as "\/"
            return json.dumps(value, ensure_ascii=False).replace("/", "\\/").encode()
        if style == "indented":  # newlines between tokens: refused
            return json.dumps(value, ensure_ascii=False, indent=1).encode()
        return spelled(value, rng).encode()
    except (TypeError, orjson.JSONEncodeError):  # orjson: integers past 64 bits
        return None


def masked(value):
    """The value with every non-empty string of a key named "content" replaced by "x": what a skeleton keeps."""
    if isinstance(value, dict):
        return {k: "x" if k == "content" and isinstance(v, str) and v else masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def recontent(value, text: str):
    """The value with every non-empty "content" string replaced by ``text`` (non-empty)."""
    if isinstance(value, dict):
        return {k: text if k == "content" and isinstance(v, str) and v else recontent(v, text) for k, v in value.items()}
    if isinstance(value, list):
        return [recontent(v, text) for v in value]
    return value


def unique_pairs(pairs):
    """json.loads's object hook that refuses a repeated key (the scanner must refuse such a line)."""
    keys = [k for k, _ in pairs]
    assert len(set(keys)) == len(keys), keys
    return dict(pairs)


# ------------------------------------------------------------------ what Python computes

def content_list(value) -> bool:
    """What the CONTENT_LIST flag says of a parsed line: a member named "content", at any depth, holds a list."""
    if isinstance(value, list):
        return any(content_list(item) for item in value)
    if isinstance(value, dict):
        return any((key == "content" and isinstance(item, list)) or content_list(item) for key, item in value.items())
    return False


def string_edges(value) -> bool:
    """What the EDGES flag says of a parsed line (rules.content.EDGE_SCREEN, the structural screen it answers): a string, key or value,
    empty, "type" or with whitespace (str.isspace) at either end; or an empty list."""
    if isinstance(value, str):
        return value in ("", "type") or value[0].isspace() or value[-1].isspace()
    if isinstance(value, list):
        return not value or any(string_edges(item) for item in value)
    if isinstance(value, dict):
        return any(string_edges(key) or string_edges(item) for key, item in value.items())
    return False


def assert_record_is_pythons(line: bytes, record) -> None:
    """An OK record holds exactly what the Python reading of the line gives."""
    value = orjson.loads(line)  # OK: orjson accepts it ...
    assert value == json.loads(line, object_pairs_hook=unique_pairs)  # ... and reads it as json does, no key repeated
    assert type(value) is dict
    form = hashing.flat(value)
    assert int(record["length"]) == len(line)
    assert halves(record["exact"]) == hashing.fingerprint(line)
    assert halves(record["flat"]) == hashing.fingerprint(form)
    messages = value.get("messages")
    assert int(record["messages"]) == (len(messages) if type(messages) is list else 0)
    pair = len(value) == 1 and type(messages) is list and len(messages) >= 2 and type(messages[-1]) is dict
    structural = (rowscan.EDGES if string_edges(value) else 0) | (rowscan.CONTENT_LIST if content_list(value) else 0)
    assert int(record["flags"]) == rowscan.OK | (rowscan.PAIR if pair else 0) | structural
    if not pair:
        assert halves(record["prompt"]) == (0, 0) and int(record["answer"]) == 0
        return
    answer = hashing.flat(messages[-1])  # F cut as the brief says: the last message's own bytes, before the closing ]}
    start = len(form) - 2 - len(answer)
    assert form[start:-2] == answer and form[start - 1:start] == b","
    assert halves(record["prompt"]) == hashing.fingerprint(form[:start - 1])
    assert int(record["answer"]) == hashing.digest(answer)
    row = Row(1, 0, line, len(line))  # and FT405's own cut, on a real row
    parse_row(row)
    prompt, answer = _prompt_and_answer_flat(row)
    assert halves(record["prompt"]) == hashing.fingerprint(prompt)
    assert int(record["answer"]) == hashing.digest(answer)


def assert_not_ok(record) -> None:
    assert bytes(record.tobytes()) == bytes(rowscan.RECORD), record


# ------------------------------------------------------------------ the properties

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROWS, min_size=1, max_size=4), st.randoms(use_true_random=False), TEXT.filter(bool))
@example([{"messages": [{"role": "user", "content": "a\\nb"}, {"role": "assistant", "content": "c \\\n/d"}]}], random.Random(0), "z")
def test_an_ok_record_is_what_python_computes(values, rng, other):
    lines, parsed = [], []
    for value in values:
        for variant in (value, recontent(value, other)):  # same skeleton, other content text
            for style in STYLES:
                line = write(variant, style, rng)
                if line is not None:
                    lines.append(line)
                    parsed.append((style, variant))
    found = records(lines)
    assert len(found) == len(lines)
    seen: dict[tuple, tuple] = {}
    for line, (style, variant), record in zip(lines, parsed, found):
        if not int(record["flags"]) & rowscan.OK:
            assert_not_ok(record)
            continue
        assert_record_is_pythons(line, record)
        value = orjson.loads(line)
        skeleton = halves(record["skeleton"])
        if skeleton in seen:  # one skeleton, one row but for the text of non-empty content strings
            assert masked(seen[skeleton][1]) == masked(value), (seen[skeleton][0], line)
        seen.setdefault(skeleton, (line, value))
    # the memo works: a row and its content-replaced variant, both written by orjson, share a skeleton
    by_line = dict(zip(lines, found))
    for value in values:
        first, second = (write(v, "orjson", rng) for v in (value, recontent(value, other)))
        if first is not None and second is not None and int(by_line[first]["flags"]) & int(by_line[second]["flags"]) & rowscan.OK:
            assert halves(by_line[first]["skeleton"]) == halves(by_line[second]["skeleton"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(KEYS, SCALARS), max_size=5), st.booleans())
def test_a_repeated_key_is_refused(pairs, nested):
    """orjson keeps the last of repeated keys: the scanner never accepts such a line."""
    text = "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{json.dumps(v)}" for k, v in pairs) + "}"
    if nested:
        text = '{"messages":[' + text + "," + text + "]}"
    record = records([text.encode()])[0]
    keys = [k for k, _ in pairs]
    if len(set(keys)) < len(keys):
        assert_not_ok(record)
    elif int(record["flags"]) & rowscan.OK:
        assert_record_is_pythons(text.encode(), record)


DAMAGE = st.sampled_from([b'"', b"\\", b"{", b"}", b"[", b"]", b",", b":", b" ", b"\t", b"\r", b"\n", b"-", b"0", b"1", b".",
                          b"e", b"u", b"/", b"n", b"\x00", b"\x80", b"\xc3", b"\xed\xa0\x80", b"\xf0\x9f", b"\xef\xbb\xbf", b""])


@settings(max_examples=400, deadline=None)
@given(ROWS, st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3), DAMAGE), min_size=1, max_size=3))
def test_a_damaged_line_is_refused_or_read_as_python_reads_it(value, edits):
    """Bytes replaced, cut or added anywhere in a good line: the scanner never accepts what orjson refuses."""
    line = write(value, "unicode", random.Random(0))
    if line is None:
        return
    for where, cut, damage in edits:
        at = int(where * len(line))
        line = line[:at] + damage + line[at + cut:]
    [record] = records([line])
    if int(record["flags"]) & rowscan.OK:
        assert_record_is_pythons(line, record)
    else:
        assert_not_ok(record)


REFUSED = {
    "invalid UTF-8": b'{"a":"\xff"}',
    "a lone continuation byte": b'{"a":"\x80"}',
    "a truncated sequence": b'{"a":"\xe6\x97"}',
    "a truncated sequence at the end": b'{"a":"\xf0\x9f\x98',
    "an overlong slash": b'{"a":"\xc0\xaf"}',
    "an overlong three-byte form": b'{"a":"\xe0\x80\xaf"}',
    "an overlong four-byte form": b'{"a":"\xf0\x80\x80\xaf"}',
    "a surrogate's bytes": b'{"a":"\xed\xa0\x80"}',
    "past U+10FFFF": b'{"a":"\xf4\x90\x80\x80"}',
    "a \\u escape": b'{"a":"\\u0041"}',
    "a \\u escape in a key": b'{"\\u0061":1}',
    "an unknown escape": b'{"a":"\\x"}',
    "a raw control character": b'{"a":"x\x01"}',
    "a raw tab in a string": b'{"a":"x\ty"}',
    "-0": b'{"a":-0}',
    "a leading zero": b'{"a":01}',
    "1.5": b'{"a":1.5}',
    "1e3": b'{"a":1e3}',
    "1E3": b'{"a":1E3}',
    "19 digits": b'{"a":1234567890123456789}',
    "-19 digits": b'{"a":-1234567890123456789}',
    "a lone minus": b'{"a":-}',
    "NaN": b'{"a":NaN}',
    "a duplicate key": b'{"a":1,"b":2,"a":1}',
    "a duplicate key spelled another way": b'{"a/":1,"a\\/":1}',
    "a duplicate nested key": b'{"messages":[{"role":"user","role":"user"}]}',
    "depth 65": b'{"a":' + b"[" * 64 + b"]" * 64 + b"}",
    "trailing garbage": b'{"a":1}x',
    "two objects": b'{"a":1}{"a":1}',
    "trailing space": b'{"a":1} ',
    "leading space": b' {"a":1}',
    "\\r at the end": b'{"a":1}\r',
    "\\n at the end": b'{"a":1}\n',
    "a newline between tokens": b'{"a":\n1}',
    "a carriage return between tokens": b'{"a":\r1}',
    "a BOM": b'\xef\xbb\xbf{"a":1}',
    "an empty line": b"",
    "an array": b"[1,2]",
    "a string": b'"a"',
    "a number": b"1",
    "null": b"null",
    "an unclosed object": b'{"a":1',
    "an unclosed string": b'{"a":"b}',
    "a trailing comma": b'{"a":1,}',
    "a trailing comma in an array": b'{"a":[1,]}',
    "a missing colon": b'{"a" 1}',
    "a bare word": b'{"a":tru}',
    "True": b'{"a":True}',
    "a single-quoted string": b"{'a':1}",
}


@pytest.mark.parametrize("line", list(REFUSED.values()), ids=list(REFUSED))
def test_lines_outside_the_subset_are_refused(line):
    [record] = records([line])
    assert_not_ok(record)


ACCEPTED = [
    b'{}',
    b'{"a":0,"b":-1,"c":123456789012345678,"d":-123456789012345678,"e":true,"f":false,"g":null}',
    b'{ "a" :\t[ 1 , {} , [] ] }',
    b'{"a":"\\" \\\\ \\/ \\b \\f \\n \\r \\t","\xc3\xa9":"\xe6\x97\xa5\xf0\x9f\x98\x80\x7f\xe2\x80\xa8\xef\xbb\xbf"}',
    b'{"b":1,"a":2,"ab":3,"":4,"\xc3\xa9":5,"a\\n":6}',  # sorted by their bytes, a prefix first
    b'{"a":' + b"[" * 63 + b"]" * 63 + b"}",  # depth 64
    b'{"messages":[{"role":"user","content":"a\\\\nb \\\\\\n"},{"content":"x\\\\","role":"assistant"}]}',
    b'{"messages":[{"role":"user","content":"},{\\"a"},{"role":"assistant","content":"]},{"}]}',
    b'{"messages":[1,{"a":[{"b":1},{"c":2}]}]}',
]


@pytest.mark.parametrize("line", ACCEPTED)
def test_lines_in_the_subset_are_read_as_python_reads_them(line):
    [record] = records([line])
    assert int(record["flags"]) & rowscan.OK
    assert_record_is_pythons(line, record)


def test_the_messages_count_and_pair_flag():
    lines = [b'{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}',
             b'{"messages":[{"role":"user","content":"a"}]}',  # one message: no pair
             b'{"messages":[{"role":"user","content":"a"},"b"]}',  # the last is not an object
             b'{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}],"id":1}',  # another key
             b'{"messages":{"a":1}}',  # not an array
             b'{"prompt":"a"}']
    found = records(lines)
    assert [int(r["flags"]) for r in found] == [3, 1, 1, 1, 1, 1]  # no EDGES: no string empty or padded, no list empty
    assert [int(r["messages"]) for r in found] == [2, 1, 2, 2, 0, 0]
    for line, record in zip(lines, found):
        assert_record_is_pythons(line, record)


def test_skeletons_tell_structures_apart_and_ignore_content_text():
    """Equal up to non-empty content text: one skeleton; any other difference: another."""
    same = [b'{"messages":[{"role":"user","content":"hello"}]}', b'{"messages":[{"role":"user","content":"bye now"}]}',
            b'{"messages":[{"role":"user","content":"b\\/ye"}]}', b'{"messages": [{"role": "user", "content": "x"}]}']
    other = [b'{"messages":[{"role":"user","content":""}]}', b'{"messages":[{"role":"usr","content":"x"}]}',
             b'{"messages":[{"content":"x","role":"user"}]}', b'{"messages":[{"role":"user","content":1}]}',
             b'{"messages":[{"role":"user","content":["x"]}]}', b'{"messages":[{"role":"user","Content":"x"}]}',
             b'{"messages":[{"role":"user","content":"x"},{"role":"user","content":"x"}]}', b'{"messages":[["user","x"]]}',
             b'{"messages":[{"role":"user","content":"x","name":"a"}]}', b'{"messages":[{"role":"user","content":"x","name":"b"}]}',
             b'{"a":1}', b'{"a":12}', b'{"a":-1}', b'{"a":[1,2]}', b'{"a":[12]}', b'{"a":true}', b'{"a":"t"}', b'{"a":null}']
    found = records(same + other)
    assert all(int(r["flags"]) & rowscan.OK for r in found)
    skeletons = [halves(r["skeleton"]) for r in found]
    assert len(set(skeletons[: len(same)])) == 1
    assert len(set(skeletons)) == 1 + len(other)


def test_a_block_of_a_thousand_lines():
    lines = [orjson.dumps({"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a " * i}]})
             for i in range(1000)]
    lines[500] = b'{"a":1.5}'
    data = rowscan.scan(lines)
    assert len(data) == 96_000
    found = numpy.frombuffer(data, dtype=DTYPE)
    assert int(found[500]["flags"]) == 0 and int(found[499]["flags"]) == int(found[501]["flags"]) == 3 | rowscan.EDGES  # "a " ends in a space
    for i in (0, 499, 501, 999):
        assert_record_is_pythons(lines[i], found[i])
    assert rowscan.scan([]) == b""


def test_the_constants_are_the_extensions():
    from linter import _rowscan

    assert (rowscan.RECORD, rowscan.MAX_LINE) == (_rowscan.RECORD, _rowscan.MAX_LINE) == (DTYPE.itemsize, 1 << 20)


def test_a_line_past_max_line_is_left_to_python():
    def line(size: int) -> bytes:
        return b'{"a":"' + b"x" * (size - 8) + b'"}'

    longest, longer = records([line(rowscan.MAX_LINE), line(rowscan.MAX_LINE + 1)])
    assert len(line(rowscan.MAX_LINE)) == rowscan.MAX_LINE
    assert_record_is_pythons(line(rowscan.MAX_LINE), longest)
    assert_not_ok(longer)


def test_without_the_extension_the_module_says_so():
    """Where the extension did not build, ``available`` is False and ``scan`` None: the engine falls back."""
    code = ("import sys; sys.modules['linter._rowscan'] = None\n"  # an import of it then fails, as when it was never built
            "from linter import rowscan; print(rowscan.available, rowscan.scan)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "None"]


def test_only_a_list_of_bytes_is_read():
    with pytest.raises(TypeError):
        rowscan.scan([b"{}", "{}"])
    with pytest.raises(TypeError):
        rowscan.scan((b"{}",))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600), st.integers(0, 600), st.integers(0, 600))
def test_count_newlines_counts_what_bytes_count_does(data, start, stop):
    view = memoryview(bytearray(data))[start:stop]
    assert rowscan.count_newlines(view) == bytes(view).count(b"\n")
    assert rowscan.count_newlines(data) == data.count(b"\n")


def test_the_parallel_first_pass_counts_each_range_of_a_file_on_disk(tmp_path, monkeypatch):
    """linter.parallel reads each range into one reused buffer: a range's count must not see another's bytes,
    nor the buffer's leftovers from a longer read before."""
    from linter import parallel

    path = tmp_path / "lines.jsonl"
    rng = random.Random(7)
    data = b"".join(b"x" * rng.randrange(0, 40) + b"\n" for _ in range(2000)) + b"tail"
    path.write_bytes(data)
    monkeypatch.setattr(parallel, "BLOCK", 97)  # many reads per range, the last one short
    cuts = sorted(rng.sample(range(1, len(data)), 12))
    for start, end in zip([0, *cuts], [*cuts, len(data)]):
        assert parallel._count_newlines((str(path), start, end)) == data[start:end].count(b"\n")


def test_the_edges_flag_on_every_whitespace_character_and_its_neighbours():
    """Each character str.isspace() holds, first, last or alone in a string (as orjson writes it, and with
    its short JSON escape where it has one) flags the line, or the line is refused (a \\u escape); the code
    points around the multi-byte ones do not flag it."""
    from linter.rules.content import WHITESPACE

    def flags(text: str, *, raw: bytes | None = None) -> int:
        line = raw if raw is not None else orjson.dumps({"messages": [{"role": "user", "content": text}]})
        return int(records([line])[0]["flags"])

    for char in WHITESPACE:
        for text in (char, char + "ab", "ab" + char, "a" + char + "b"):
            found = flags(text)
            if not found & rowscan.OK:
                assert "\\u" in orjson.dumps(text).decode(), repr(text)  # refused: the slow way screens it
                continue
            assert bool(found & rowscan.EDGES) == (text != "a" + char + "b"), (repr(text), found)
    for escape in ("t", "n", "r", "f"):
        assert flags("", raw=b'{"a":"\\%sx"}' % escape.encode()) & rowscan.EDGES
        assert flags("", raw=b'{"a":"x\\%s"}' % escape.encode()) & rowscan.EDGES
        assert not flags("", raw=b'{"a":"x\\\\%s"}' % escape.encode()) & rowscan.EDGES  # a backslash, then the letter
        assert flags("", raw=b'{"a":"x\\\\\\%s"}' % escape.encode()) & rowscan.EDGES
    neighbours = [chr(c) for c in (0x84, 0x86, 0x9F, 0xA1, 0x167F, 0x1681, 0x1FFF, 0x200B, 0x2027, 0x202A, 0x202E,
                                   0x2030, 0x205E, 0x2060, 0x2FFF, 0x3001, 0xE9, 0x1F600)]
    for char in neighbours:
        for text in (char + "ab", "ab" + char):
            found = flags(text)
            assert found & rowscan.OK and not found & rowscan.EDGES, (repr(text), found)
    assert flags("", raw=b'{"a":"b","c":[]}') & rowscan.EDGES  # an empty list (FT200's empty content)
    assert flags("", raw=b'{"type":"b"}') & rowscan.EDGES and flags("", raw=b'{"a":"type"}') & rowscan.EDGES
    assert not flags("", raw=b'{"a":"types","b":[1],"c":{}}') & rowscan.EDGES


def test_the_content_list_flag():
    def flags(line: bytes) -> int:
        return int(records([line])[0]["flags"])

    assert flags(b'{"messages":[{"role":"user","content":[{"type":"text","text":"a"}]}]}') & rowscan.CONTENT_LIST
    assert flags(b'{"a":{"b":[{"content" : [1]}]}}') & rowscan.CONTENT_LIST  # at any depth, spaced
    for line in (b'{"messages":[{"role":"user","content":"[a]"}]}', b'{"content":{"a":[1]}}', b'{"contents":[1]}',
                 b'{"a":"content","b":[1]}', b'{"Content":[1]}'):
        assert flags(line) & rowscan.OK and not flags(line) & rowscan.CONTENT_LIST, line


@settings(max_examples=150, deadline=None)
@given(st.lists(ROWS, max_size=6), st.lists(st.sampled_from([b"", b"{", b"not json", b'{"a":1.5}', b"\r", b'{"a":{"b":1,"b":2}}']), max_size=3),
       st.randoms(use_true_random=False))
def test_scan_block_is_scan_of_the_lines_it_cuts(values, damaged, rng):
    """The fast path reads a block's bytes whole: the same records as scan() of its lines, and every line's length."""
    lines = [orjson.dumps(value) for value in values] + damaged
    rng.shuffle(lines)
    data = b"\n".join(lines)
    records, lengths = rowscan.scan_block(data)
    cut = data.split(b"\n")
    assert records == rowscan.scan(cut)
    assert numpy.frombuffer(lengths, dtype="<i8").tolist() == [len(line) for line in cut]
    # without fingerprints (no rule reads them): the same flags (a repeated key still refused), skeletons and
    # message counts, the digests zero
    bare, bare_lengths = rowscan.scan_block(data, False)
    assert bare_lengths == lengths
    full, without = numpy.frombuffer(records, dtype=DTYPE).copy(), numpy.frombuffer(bare, dtype=DTYPE)
    for field in ("exact", "flat", "prompt", "answer"):
        full[field] = 0
    assert full.tobytes() == without.tobytes()
