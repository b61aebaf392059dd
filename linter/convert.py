"""``ftlint convert``: any input format to JSONL, and between example formats.

Reads with the same readers as ``check`` (CSV, TSV, XLSX, JSON arrays,
Parquet, gzip'd JSONL, JSONL) and converts each row through the conversation
view: the reading format's adapter maps the row to a view, the target
format's adapter writes the view (``linter.formats``). A writer represents
every element of the view or refuses the row, so nothing is dropped
silently: rows that cannot be read or written go to a rejects file with the
reason (rows written + rows rejected = rows read), and the exit code says so.
``--split-validation N`` sends an exact number of examples to a validation
file: a value in (0, 1) is a fraction of the examples converted (rounded half
up, at least 1, and at most all but one), a whole number >= 1 a count. Which
examples go is deterministic: the ones with the smallest hashes of the seed
and the example's normalised form, so the same input and seed give the same
split, and duplicates (equal up to whitespace and key order, as FT403-FT406
compare them) hash alike and land on one side, even when that leaves the
validation file an example or two short of the number asked (a note says so).
"""

from __future__ import annotations

import math
import os
import tempfile
from array import array
from dataclasses import dataclass, field
from typing import Any

import orjson

from . import atomic, hashing
from . import spill as spill_files
from .formats import Reject, writers
from .json_keys import json_text, repeated_keys
from .key_names import meant_keys, not_renamed
from .readers.tabular import as_written
from .text import show


class Unconvertible(ValueError):
    """Why a row is not converted; ``pair``: the row is a preference pair (``convert`` names the pair
    format once when every row a format of one answer refuses is one)."""

    def __init__(self, reason: str, pair: bool = False) -> None:
        super().__init__(reason)
        self.pair = pair


def target_names(registry) -> list[str]:
    """The names ``--to`` accepts: every writable format and the old aliases."""
    return sorted(writers(registry.formats.values()))


def convert_value(registry, value: Any, to: str, *, empty_cells: bool = False) -> Any:
    """``value`` written in format ``to``, or Unconvertible with the reason. ``empty_cells``: the row was read
    from a table whose empty cell is read as ``""`` (``NO_NULL_READERS``), so an answer in an empty cell
    is a missing one (``empty_answer``)."""
    writer = writers(registry.formats.values()).get(to)
    if writer is None:
        raise Unconvertible(f"unknown target format {to!r}; known: {', '.join(target_names(registry))}")
    if not isinstance(value, dict):
        raise Unconvertible("row is not an object")
    adapter = registry.detector.detect(value)
    if adapter is None:
        raise Unconvertible(f"not a format ftlint can read: {registry.detector.resemblance(value)}")
    if adapter is writer and not writer.rewrites(value):
        return value  # already in the target format: written as read
    view = adapter.view(value)
    pair = view.is_preference
    # the adapter's problems (FT120's), a key misspelling one the format reads, then what the view
    # leaves out unrecorded: each would be written as if the row had no such field
    problem = view.problems[0] if view.problems else None
    misnamed = misnamed_key_reason(value, adapter, view) if problem is None else None
    if misnamed:
        raise Unconvertible(f"{adapter.name} row: {misnamed}", pair)
    if problem is None:
        problem = next(iter(adapter.unread(value)), None)
    if problem is not None:
        raise Unconvertible(f"{adapter.name} row: {problem.message} (at {problem.pointer or '/'})", pair)
    empty = empty_answer(value, adapter, view) if empty_cells else None
    if empty is not None:
        raise Unconvertible(f"{adapter.name} row: {empty}", pair)
    try:
        return writer.write(view)
    except Reject as exc:
        raise Unconvertible(f"{adapter.name} to {to}: {exc}", pair) from None


# readers that read an empty cell as "": a CSV or TSV cell cannot hold null, and the XLSX reader reads an
# empty one as "" too (Parquet holds nulls, so its "" is an empty string someone wrote)
NO_NULL_READERS = frozenset({"csv", "tsv", "xlsx"})


def empty_answer(value: dict, adapter, view) -> str | None:
    """Why a table row whose answer is an empty cell is refused (a prompt/completion CSV's empty completion), or
    None: a table cell holds no null, so an empty one is the table's missing value, and writing ``""`` would make
    a missing answer an empty one (FT902's error as a chat row's FT200 warning), as a null content never is."""
    read = {turn.content_pointer for _, turn in view.all_turns() if turn.content_state == "text"}
    key = next((key for key in adapter.answers if value.get(key) == "" and "/" + key in read), None)
    if key is None:
        return None
    return (f"the {key} cell is empty, and a table cell holds no null: an empty one is a missing {key}, which "
            f"writing \"\" would turn into an answer that says nothing (at /{key})")


def misnamed_key_reason(value: dict, adapter, view) -> str | None:
    """Why a row is refused whose extra key names a key its format reads (``inptu`` or ``Input`` beside
    Alpaca's ``instruction``: FT110's finding), or None: written, it would be a column the trainer drops,
    and the text it holds would be missing from the conversation. The reason names the rename ``fix`` makes."""
    if not view.extras:
        return None
    targets = meant_keys(value, adapter.keys, present=True)
    key = next((key for key, _ in view.extras if key in targets), None)
    if key is None:
        return None
    target = targets[key]
    said = f"{show(key)} is \"{target}\" in another case" if key.lower() == target else f"{show(key)} looks like \"{target}\" misspelt"
    lost = "written, it would be a column the trainer drops, its value missing from the conversation"
    if target in value:
        return f"key {said}, and the row has \"{target}\" too: {lost}; merge them into \"{target}\" (ftlint fix leaves both)"
    kept = not_renamed(targets, value, key)
    if kept:
        return f"key {said}: {lost}; {kept}"
    how = "ftlint fix" if key.lower() == target else "ftlint fix --unsafe-fixes"
    return f"key {said}: {lost}; rename it ({how} does)"


class FileRefused(Exception):
    """No record of the source could be read (a header naming a column twice): nothing is written."""


@dataclass
class ConvertReport:
    written: int = 0
    validation: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    # what the user should know though no row is lost: syntax problems between rows (a JSON array's
    # trailing comma: every row was read, the output is valid), and keys the target format does not
    # define carried into the output (once per key, at its first row)
    noted: list[tuple[int, str]] = field(default_factory=list)
    # said once instead of every reason when each row rejected is a preference pair and the target
    # format holds one answer: the pair format of its family (the reasons stay in the rejects file)
    pair_hint: str | None = None


def parse_split(text: str) -> float | int:
    """``--split-validation``'s value: a fraction in (0, 1), or a whole count >= 1 (ValueError otherwise)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ValueError(f"{text!r} is not a number") from None
    if 0 < value < 1:
        return value
    if value >= 1 and value.is_integer():
        return int(value)
    raise ValueError(f"{text} is neither a fraction between 0 and 1 (0.1: a tenth of the examples) nor a whole count >= 1")


def validation_size(split: float | int, examples: int) -> int:
    """How many of ``examples`` go to validation: a count as given (at most all), or a fraction
    rounded half up, at least 1 and at most ``examples - 1`` so neither file is empty when both can have rows."""
    if isinstance(split, int):
        return min(split, examples)
    if examples < 2:
        return 0
    return min(max(1, math.floor(split * examples + 0.5)), examples - 1)


STDIN = "-"


def _open_source(source: str):
    """The bytes to convert: standard input for ``-`` (read as JSON Lines: a pipe has no name to say
    otherwise), else the file. Standard input stays open when the conversion is done."""
    if source == STDIN:
        import contextlib
        import sys

        return contextlib.nullcontext(sys.stdin.buffer)
    return open(source, "rb")  # noqa: SIM115 - the caller's with closes it


def validation_path(output: str) -> str:
    root, ext = os.path.splitext(output)
    return f"{root}.valid{ext or '.jsonl'}"


def convert(linter, source: str, output: str, *, to: str = "chat", split: float | int | None = None,
            seed: int = 0, validation_output: str | None = None, rejects: str | None = None) -> ConvertReport:
    report = ConvertReport()
    registry = linter.registry
    if to not in writers(registry.formats.values()):
        raise Unconvertible(f"unknown target format {to!r}; known: {', '.join(target_names(registry))}")
    reader = linter.registry.reader_for(source)
    writer = writers(registry.formats.values())[to]
    empty_cells = reader.name in NO_NULL_READERS
    known = writer.keys
    carried: set[str] = set()  # the extra keys already noted
    targets = {"train": output}
    if split:
        targets["valid"] = validation_output or validation_path(output)
    temps = {}
    rejects_path = rejects or output + ".rejects.jsonl"
    try:
        handles = {}
        for name, target in targets.items():
            fd, temp = atomic.temp_beside(target)
            temps[name] = (temp, target)
            handles[name] = os.fdopen(fd, "wb")
        rejected = []
        # with a split, lines wait in a spill file until the count (and so the chosen hashes) is known
        spill = tempfile.TemporaryFile(dir=spill_files.directory()) if split else None
        digests = array("Q")
        pairs = 0  # rejected rows that are preference pairs
        with _open_source(source) as stream:
            for row in reader.rows(stream, max_line_bytes=linter.settings.max_line_bytes):
                if not row.parsed:
                    if row.problem is not None and row.problem.whole_file:
                        raise FileRefused(f"{row.problem.message.split('; the rows were not read')[0]}; nothing was converted")
                    if row.problem is not None and row.problem.between_rows:
                        report.noted.append((row.number, row.problem.message + "; no row is lost, the output is valid JSON Lines"))
                    elif row.problem is not None or (row.raw is None):
                        reason = row.problem.message if row.problem else f"line longer than {linter.settings.max_line_bytes:,} bytes"
                        rejected.append((row.number, reason, as_written(row)))
                    continue  # blank lines carry no data
                repeated = repeated_key_reason(row)
                if repeated:
                    rejected.append((row.number, repeated, as_written(row)))
                    continue
                try:
                    value = convert_value(registry, row.value, to, empty_cells=empty_cells)  # the reader kept null answers
                    line = orjson.dumps(value) + b"\n"
                except Unconvertible as exc:
                    rejected.append((row.number, str(exc), as_written(row)))
                    pairs += exc.pair
                    continue
                except orjson.JSONEncodeError as exc:  # nested too deep or an integer beyond 64 bits once converted
                    rejected.append((row.number, f"cannot be written as JSON: {exc}", as_written(row)))
                    continue
                if known and not value.keys() <= known:  # a format that lists no keys (a plugin's) is not judged
                    _note_extra_keys(value, known, carried, writer.name, row.number, report)
                if spill is None:
                    report.written += 1
                    handles["train"].write(line)
                else:
                    digests.append(split_digest(seed, value))
                    spill.write(line)
        if spill is not None:
            _split_spill(spill, digests, validation_size(split, len(digests)), handles, report)
        for handle in handles.values():
            handle.close()
        for temp, target in temps.values():
            atomic.replace(temp, target)
        report.rejected = [(line, reason) for line, reason, _ in rejected]
        if rejected and pairs == len(rejected) and writer.pair_target:
            report.pair_hint = (f"every row not converted is a preference pair, which {writer.name} cannot hold (one answer per row): "
                                f"--to {writer.pair_target} writes the pairs")
        if rejected:
            with open(rejects_path, "wb") as out:
                for line, reason, raw in rejected:
                    out.write(orjson.dumps({"line": line, "reason": reason, "raw": (raw or b"").decode("utf-8", "backslashreplace")}) + b"\n")
    finally:
        for temp, _ in temps.values():
            if os.path.exists(temp):
                os.unlink(temp)
    return report


def _note_extra_keys(value: dict, known, carried: set, name: str, number: int, report: ConvertReport) -> None:
    """Note (once per key) a key the target format does not define, kept in the output as the input
    has it (a CSV column beside the example's, a JSONL row's own key): every writer keeps them, as
    the input's own data, except Bedrock's, whose format allows none and which refuses the row."""
    for key in value:
        if key not in known and key not in carried:
            carried.add(key)
            report.noted.append((number, f"key {show(key)} is not a key of {name}; every row that has it keeps it as the input has it "
                                         f"(trainers ignore or refuse such keys: remove it from the input if it is not wanted)"))


def repeated_key_reason(row) -> str | None:
    """Why a parsed row is refused because its JSON text repeats a key (the parsed value kept only the
    last value, so writing it would lose the others: what FT004 reports), or None. Rows that came from
    cells (CSV, XLSX, Parquet) have no JSON text of their own; a messages cell that repeats a key is
    refused by the reader itself (a table-row problem, FT014)."""
    text = json_text(row)
    if text is None:
        return None
    serialised = row.raw if text is not row.raw else None  # a JSON array's element: raw is its serialisation
    if serialised is None:
        try:
            serialised = orjson.dumps(row.value)
        except orjson.JSONEncodeError:  # nested too deep or an integer beyond 64 bits: the slow check decides
            pass
    found = repeated_keys(text, row.value, serialised)
    if not found:
        return None
    said = "; ".join(f"key {show(key)} appears more than once at {where}" for where, key in found)
    return f"{said}; the parsed row keeps only the last value, so converting it would lose the others (FT004)"


def split_digest(seed: int, value: Any) -> int:
    """Where a converted example sorts for the split: the seeded stable digest of its normalised form
    (``hashing.flat``, what FT403, FT404 and FT406 compare), so duplicates sort together and
    ``chosen_digests`` puts them on one side."""
    return hashing.stable_digest(b"%d\0" % seed + hashing.flat(value))


def chosen_digests(digests: array, wanted: int):
    """The digests of the examples that go to validation: whole groups of equal digests (duplicates)
    in increasing order, skipping a group that would overshoot ``wanted``, so a duplicate is never on both
    sides (an FT406 leak convert would make) and the count is exact unless only groups too large for the
    rest are left. 16 bytes per example, as numpy arrays."""
    import numpy as np

    groups, sizes = np.unique(np.frombuffer(digests, dtype=np.uint64), return_counts=True)
    taken = np.cumsum(sizes)
    whole = int(np.searchsorted(taken, wanted, side="right"))  # the leading groups that fit
    chosen = [groups[:whole]]
    room = wanted - (int(taken[whole - 1]) if whole else 0)
    if room and whole < len(groups):  # the next group overshoots: fill with the smaller groups after it
        later = np.flatnonzero(sizes[whole + 1:] <= room) + whole + 1
        picks = []
        for index in later:
            size = int(sizes[index])
            if size <= room:
                picks.append(index)
                room -= size
                if not room:
                    break
        chosen.append(groups[np.array(picks, dtype=np.intp)])
    return np.concatenate(chosen)


def _split_spill(spill, digests: array, wanted: int, handles: dict, report: ConvertReport) -> None:
    """Write the spilled lines in order: the examples ``chosen_digests`` picks to validation, the others
    to training."""
    import numpy as np

    held = np.isin(np.frombuffer(digests, dtype=np.uint64), chosen_digests(digests, wanted))
    spill.seek(0)
    for index, line in enumerate(spill):
        if held[index]:
            handles["valid"].write(line)
            report.validation += 1
        else:
            handles["train"].write(line)
            report.written += 1
    spill.close()
    if report.validation < wanted:
        report.noted.append((0, f"{report.validation:,} example(s) went to validation, not the {wanted:,} asked: "
                                f"duplicates stay on one side, and the groups left were too large for the rest"))
