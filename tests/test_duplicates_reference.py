"""FT004 and FT403-FT406 against a reference written to be obviously right.

The rules take shortcuts for speed (fingerprints cut out of one shared
serialisation, a colon count that proves no key repeats, 128-bit digests in
a log that spills to disk). The reference below takes none: it parses every
line with the standard library, keeps every normalised text in a dict and
compares texts, not digests. Fuzzed files with planted duplicates, reordered
keys, whitespace variants, escapes and repeated keys must get exactly its
findings, in its order.
"""

from __future__ import annotations

import json
import random
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter.findings import pointer
from linter.text import show

from .conftest import run_cli

CODES = ("FT004", "FT403", "FT404", "FT405", "FT406")
BOM = b"\xef\xbb\xbf"

# ---------------------------------------------------------------- the reference


def _normalised(value) -> str:
    """Sorted keys, no spaces, no escaped newline, tab or carriage return: the documented normal form."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return re.sub(r"\\[ntr]", "", text).replace(" ", "")


def _repeated_keys(text: str) -> list[tuple[str, str]]:
    """(pointer, key) of every repeat, in document order."""
    tree = json.loads(text, object_pairs_hook=lambda pairs: ("object", pairs))
    found = []

    def walk(node, path):
        if isinstance(node, tuple) and node[0] == "object":
            seen = set()
            for key, item in node[1]:
                if key in seen:
                    found.append((pointer(*path, key), key))
                seen.add(key)
                walk(item, path + (key,))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, path + (index,))

    walk(tree, ())
    return found


UNPARSED = object()
PROFILE = "openai-sft"  # the runs' (the default): an OpenAI chat row's own keys, and the media columns FT404 always keeps
READ = frozenset({"messages", "tools", "parallel_tool_calls", "functions", "images", "videos", "audios", "image"})


def _as_trained(value: dict) -> tuple[str, tuple]:
    """What FT404 compares: the normal form of the row without the top-level keys the profile does not read
    (when the row is an OpenAI chat row, ``messages`` and all, with some key it does read), and which keys it
    left out with their values (``((), "")`` when none)."""
    left_out = sorted(key for key in value if key not in READ)
    if "messages" not in value or not left_out or len(left_out) == len(value):
        return _normalised(value), ((), "")
    kept = {key: item for key, item in value.items() if key in READ}
    return _normalised(kept), (tuple(left_out), json.dumps([value[key] for key in left_out], sort_keys=True))


def _rows(data: bytes):
    """(line number, raw bytes without BOM and line ending, parsed value or UNPARSED)."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if number == 1 and line.startswith(BOM):
            line = line[len(BOM):]
        line = line[:-1] if line.endswith(b"\r") else line
        try:
            value = json.loads(line.decode("utf-8")) if line.strip() else UNPARSED
        except ValueError:
            value = UNPARSED
        yield number, line, value




def reference(data: bytes, train: bytes | None = None, train_path: str = "train.jsonl") -> list[tuple]:
    """The findings of FT004 and FT403-FT406 as (line, code, message, pointer), in output order:
    each line's FT004 then FT406 findings, line by line, then the whole-file ones by line and code."""
    leaked: dict[str, int] = {}  # a training example -> the first line that holds it
    for number, _, value in _rows(train or b""):
        if value is not UNPARSED:
            leaked.setdefault(_normalised(value), number)
    per_line, late = [], []
    first_exact: dict[bytes, int] = {}
    first_normal: dict[str, tuple[int, bytes, tuple]] = {}
    first_prompt: dict[str, tuple[int, str]] = {}
    for number, raw, value in _rows(data):
        if value is UNPARSED:
            continue
        for where, key in _repeated_keys(raw.decode("utf-8")):
            per_line.append((number, "FT004", f"key {show(key)} appears more than once; only the last value is kept", where))
        if not isinstance(value, dict):  # every object is an example of some format; other JSON values are not
            continue
        exact, normal = raw.strip(), _normalised(value)
        example, left_out = _as_trained(value)
        if normal in leaked:
            per_line.append((number, "FT406", f"this validation example is also in the training data: line {leaked[normal]:,} of {train_path}", ""))
        if exact in first_exact:
            late.append((number, "FT403", f"duplicate of line {first_exact[exact]:,}", ""))
        else:
            first_exact[exact] = number
        line, its_exact, its_left_out = first_normal.setdefault(example, (number, exact, left_out))
        if its_exact != exact:
            said = f"same example as line {line:,} up to whitespace and key order"
            if its_left_out != left_out:  # the two rows differ in the columns FT404 leaves out: it names them
                names = sorted(set(left_out[0]) | set(its_left_out[0]))
                which = f"a column {PROFILE} does not accept" if len(names) == 1 else f"columns {PROFILE} does not accept"
                said = f"same example as line {line:,} up to whitespace, key order and {', '.join(map(show, names))} ({which})"
            late.append((number, "FT404", said, ""))
        messages = value.get("messages")
        if isinstance(messages, list) and len(messages) >= 2 and isinstance(messages[-1], dict) and messages[-1].get("role") == "assistant":
            document = {"messages": messages[:-1]}
            if value.get("tools") is not None:
                document["tools"] = value["tools"]
            document.update((column, value[column]) for column in ("images", "videos", "audios", "image") if column in value)
            line, its_answer = first_prompt.setdefault(_normalised(document), (number, _normalised(messages[-1])))
            if its_answer != _normalised(messages[-1]):
                late.append((number, "FT405", f"same prompt as line {line:,} but a different answer", ""))
    return per_line + sorted(late, key=lambda f: (f[0], f[1]))


# ---------------------------------------------------------------- fuzzed files

# pieces of text: whitespace FT404 ignores, what JSON escapes, what the fast paths look for ("},{", "]", ":")
_PIECES = ["a", "b", " ", "  ", "\n", "\t", "\r", '"', "\\", "},{", "},{", "]", "]", "[", ":", ":", '":', "é", "中", "🏕", "/", "\\n"]
_text = st.lists(st.sampled_from(_PIECES), max_size=5).map("".join)
_part = st.fixed_dictionaries({"type": st.just("text"), "text": _text})
_parts = st.lists(_part, max_size=2)
_message = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "assistant", "system"]), "content": _text | _text | _parts},
    optional={"weight": st.sampled_from([0, 1]), "name": _text},
)
# most examples end on an assistant answer (FT405 compares those), often one of several parts
_answer = st.fixed_dictionaries({"role": st.just("assistant"), "content": _text | st.lists(_part, min_size=2, max_size=3)})
_answers = st.one_of(st.just([]), _answer.map(lambda a: [a]), _answer.map(lambda a: [a]), _answer.map(lambda a: [a]))
_example = st.fixed_dictionaries(
    {"messages": st.tuples(st.lists(_message | st.sampled_from(["text", None]), min_size=1, max_size=3), _answers).map(lambda t: t[0] + t[1])},
    optional={"tools": st.lists(st.fixed_dictionaries({"type": st.just("function"), "function": st.fixed_dictionaries({"name": _text})}), max_size=2)
              | st.sampled_from([12, 13, "x"]),
              "id": st.sampled_from(["1", "2"]), "source": st.sampled_from(["web", "a b", {"from": "x"}])},
)


def _respaced(value, how: str):
    """The same example to FT404: spaces added, or spaces turned into newlines and tabs."""
    if isinstance(value, dict):
        return {_respaced(k, how): _respaced(v, how) for k, v in value.items()}
    if isinstance(value, list):
        return [_respaced(v, how) for v in value]
    if isinstance(value, str):
        return value + " " if how == "space" else value.replace(" ", "\n\t")
    return value


def _answered(value, how: str):
    """The same prompt with another final answer (FT405), when the last message is an object:
    its first or last content part changed, or a string in place of its content."""
    messages = list(value["messages"])
    if messages and isinstance(messages[-1], dict):
        content = messages[-1].get("content")
        if isinstance(content, list) and content and how != "answer: string":
            at = 0 if how == "answer: first part" else -1
            content = list(content)
            content[at] = {**content[at], "text": content[at]["text"] + "!"}
        else:
            content = f"{content}!"
        messages[-1] = {**messages[-1], "content": content}
    return {**value, "messages": messages}


def _reordered(value):
    if isinstance(value, dict):
        return {k: _reordered(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(v) for v in value]
    return value


def _string(text: str, ascii_only: bool, escape: bool) -> str:
    if not escape:
        return json.dumps(text, ensure_ascii=ascii_only)
    out = []
    for char in text:
        if char in "aer:":  # letters of keys and values, and the colon FT004 counts
            out.append("\\u%04x" % ord(char))
        elif char == "/":
            out.append("\\/")
        else:
            out.append(json.dumps(char, ensure_ascii=ascii_only)[1:-1])
    return '"' + "".join(out) + '"'


def render(value, style: dict, top: bool = True) -> str:
    """A JSON text of ``value`` in one writing style; ``repeat`` writes each object's first key
    twice, a throwaway value first (the parser keeps the last, so the example is the same): the
    top object's only, or every object's."""
    if isinstance(value, dict):
        members = [_string(k, style["ascii"], style["escape"]) + style["colon"] + render(v, style, False) for k, v in value.items()]
        if style["repeat"] and value and (style["repeat"] == "everywhere" or top):
            members.insert(0, _string(next(iter(value)), style["ascii"], False) + style["colon"] + '"throwaway"')
        return "{" + style["comma"].join(members) + "}"
    if isinstance(value, list):
        return "[" + style["comma"].join(render(v, style, False) for v in value) + "]"
    if isinstance(value, str):
        return _string(value, style["ascii"], style["escape"])
    return json.dumps(value)


_style = st.fixed_dictionaries({
    "comma": st.sampled_from([", ", ",", " ,\t", ",  "]),
    "colon": st.sampled_from([": ", ":", " : ", "\t:"]),
    "ascii": st.booleans(),
    "escape": st.booleans(),
    "repeat": st.sampled_from(["", "", "top", "everywhere"]),
})
_line = st.tuples(
    st.integers(0, 3),  # which example of the pool
    st.sampled_from(["as is", "as is", "space", "newline", "reorder", "answer: first part", "answer: last part", "answer: string",
                     "other tools", "other id"]),
    _style,
    st.sampled_from(["\n", "\n", "\r\n"]),
    st.sampled_from(["", "", " ", "\t"]),  # whitespace around the line
)
_junk = st.sampled_from(["", "   ", '{"messages": [', "[1, 2]", '"text"', "{}", '{"messages": "x"}'])


def _file(draw, pool: list) -> bytes:
    lines = []
    for entry in draw(st.lists(_line | _junk, min_size=1, max_size=9)):
        if isinstance(entry, str):
            lines.append(entry + "\n")
            continue
        index, how, style, ending, pad = entry
        value = pool[index % len(pool)]
        if how == "reorder":
            value = _reordered(value)
        elif how.startswith("answer"):
            value = _answered(value, how)
        elif how == "other id":  # the same example exported again under another id (FT404 under the profile: the key is not its)
            value = {**value, "id": "9"}
        elif how == "other tools":  # another prompt (its tools differ) with another answer: no conflict
            value = _answered({**value, "tools": 13 if value.get("tools") == 12 else 12}, "answer: string")
        elif how != "as is":
            value = _respaced(value, how)
        lines.append(pad + render(value, style) + pad + ending)
    data = "".join(lines).encode("utf-8")
    return (BOM + data) if draw(st.booleans()) else data


@st.composite
def train_and_validation(draw):
    pool = draw(st.lists(_example, min_size=1, max_size=4))
    return _file(draw, pool), _file(draw, pool)


# ---------------------------------------------------------------- the real linter


def _lint(train: bytes, valid: bytes, folder: Path) -> tuple[list, list]:
    from linter.api import settings_from
    from linter.runner import Collect, make_linter, run

    train_path, valid_path = folder / "train.jsonl", folder / "valid.jsonl"
    train_path.write_bytes(train)
    valid_path.write_bytes(valid)
    linter = make_linter(settings_from({"select": list(CODES), "validation_file": str(valid_path), "token_stats": False}))
    linter.use_training_files([str(train_path)])
    sink = Collect()
    run(linter, [str(train_path), str(valid_path)], sink)
    by_file: dict[str, list] = {str(train_path): [], str(valid_path): []}
    for f in sink.findings:
        if f.code in CODES:  # lines that are not JSON also get FT001, whatever the selection
            by_file[f.path].append((f.line, f.code, f.message, f.pointer or ""))
    return by_file[str(train_path)], by_file[str(valid_path)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(files=train_and_validation())
def test_duplicate_findings_equal_the_reference(files):
    train, valid = files
    with tempfile.TemporaryDirectory() as folder:
        on_train, on_valid = _lint(train, valid, Path(folder))
        train_path = str(Path(folder) / "train.jsonl")
    assert on_train == reference(train), train
    assert on_valid == reference(valid, train=train, train_path=train_path), (train, valid)


def test_the_fuzzed_files_make_every_rule_fire():
    """The strategy is only worth something if the reference finds each kind of finding in it."""
    seen: set = set()

    @settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(files=train_and_validation())
    def collect(files):
        train, valid = files
        found = reference(train) + reference(valid, train=train)
        seen.update(code for _, code, _, _ in found)
        # FT404 of rows differing in a column it leaves out (id, source), and in whitespace only
        seen.update(f"FT404 {kind}" for _, code, message, _ in found if code == "FT404"
                    for kind in ["naming columns" if "does not accept" in message else "whitespace"])

    collect()
    assert seen == set(CODES) | {"FT404 naming columns", "FT404 whitespace"}, seen


def _seeded_file(rng: random.Random, pool: list, lines: int) -> bytes:
    """A file like the fuzzed ones, drawn from a seeded generator: big enough to spill and to split."""
    out = []
    for _ in range(lines):
        value = rng.choice(pool)
        how = rng.choice(["as is", "as is", "space", "newline", "reorder", "answer: first part", "answer: last part", "answer: string"])
        if how == "reorder":
            value = _reordered(value)
        elif how.startswith("answer"):
            value = _answered(value, how)
        elif how != "as is":
            value = _respaced(value, how)
        style = {"comma": rng.choice([", ", ","]), "colon": rng.choice([": ", ":"]), "ascii": rng.random() < 0.5,
                 "escape": rng.random() < 0.2, "repeat": rng.choice(["", "", "", "top"])}
        out.append(render(value, style) + rng.choice(["\n", "\r\n"]))
    return "".join(out).encode("utf-8")


_POOL = [
    {"messages": [{"role": "user", "content": "Do you ship to Canada?"}, {"role": "assistant", "content": "Yes: in 5-8 days."}]},
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hours?"},
                  {"role": "assistant", "content": [{"type": "text", "text": "9-5"}, {"type": "text", "text": "Mon-Fri},{"}]}]},
    {"messages": [{"role": "user", "content": "Refund?"}, {"role": "assistant", "content": "Yes [within 30 days]},{"}],
     "tools": [{"type": "function", "function": {"name": "refund"}}]},
    {"messages": [{"role": "user", "content": "中文 / émoji 🏕"}, {"role": "assistant", "content": "好"}], "id": "7"},
]


def test_the_cli_reports_the_reference_findings_in_parallel_and_spilled(tmp_path):
    """The real CLI on a 600-line file, one process and two, with the fingerprint logs spilling every 16 rows."""
    rng = random.Random(14)
    train, valid = _seeded_file(rng, _POOL, 600), _seeded_file(rng, _POOL, 80)
    (tmp_path / "train.jsonl").write_bytes(train)
    (tmp_path / "valid.jsonl").write_bytes(valid)
    expected = {"train.jsonl": reference(train), "valid.jsonl": reference(valid, train=train)}
    assert {code for found in expected.values() for _, code, _, _ in found} == set(CODES)
    for jobs in ("1", "2"):
        proc = run_cli("check", "train.jsonl", "--validation-file", "valid.jsonl", "--format", "json", "--select", ",".join(CODES),
                       "--jobs", jobs, "--no-token-stats", cwd=tmp_path,
                       env={"FTLINT_LOAD_PLUGINS": "", "FTLINT_PARALLEL_MIN_BYTES": "1", "FTLINT_SPILL_ROWS": "16"})
        assert proc.returncode == 1, proc.stderr
        got: dict[str, list] = {"train.jsonl": [], "valid.jsonl": []}
        for f in json.loads(proc.stdout)["findings"]:
            got[Path(f["path"]).name].append((f["line"], f["code"], f["message"], f["pointer"]))
        assert got == expected, jobs


def test_rows_sharing_only_half_a_fingerprint_are_not_duplicates():
    """A 64-bit match is not a match: FT403/FT404/FT405 and FT406 compare both halves of the 128-bit fingerprint."""
    from array import array

    from linter.leakage import TrainFingerprints
    from linter.rules.base import RuleContext
    from linter.rows import place_at
    from linter.rules.duplicates import ConflictingAnswers, DuplicateExample

    context = RuleContext(profile=None, model=None, token_limit=0, tokenizer=None)
    example = DuplicateExample(context)
    log = example.start()
    for line, (first, second) in enumerate([(7, 1), (7, 2), (7, 1), (8, 1)], start=1):
        log.append(first, place_at(line), second)
    assert [(v.line, v.message) for v in example.finish(log)] == [(3, "duplicate of line 1")]

    conflicts = ConflictingAnswers(context)
    log = conflicts.start()
    for line, record in enumerate([(7, 1, 100), (7, 2, 200), (7, 2, 300), (7, 1, 100)], start=1):
        log.append(record[0], place_at(line), record[1], record[2])
    assert [(v.line, v.message) for v in conflicts.finish(log)] == [(3, "same prompt as line 2 but a different answer")]

    train = TrainFingerprints(array("Q", [7, 1, 5, 9, 7, 3]))
    assert all(train.find(pair) is not None for pair in ((7, 1), (7, 3), (5, 9)))
    assert all(train.find(pair) is None for pair in ((7, 2), (9, 5), (6, 1)))
    assert TrainFingerprints(array("Q")).find((0, 0)) is None
