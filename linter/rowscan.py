"""The compiled row scanner: the duplicate rules' fingerprints of a block of lines, with no Python objects.

Reading a row costs about 20 µs of Python; most rows of a file are clean and share their structure with an
earlier row. For those the engine skips building the row and feeds the duplicate detectors (FT403-FT405)
columns that ``scan`` computes in C (``linter/_native/rowscan.c``), one call per block of lines.

``scan(lines)`` returns one 96-byte little-endian record per line (``dtype()`` reads them with numpy).
Its OK flag proves that the line is in a subset of JSON that orjson.loads accepts and reads one way only:
one object with no whitespace around it (no BOM, no trailing CR), spaces and tabs between tokens, strings
of valid UTF-8 with no raw control character and no ``\\u`` escape, integers of at most 18 digits (no
``-0``, no floats), at most 64 levels deep, no key repeated in an object, at most ``MAX_LINE`` bytes. For
such a line the record's digests are exactly the ones ``linter.hashing`` and ``linter.rules.duplicates``
compute from the parsed row, so the engine may use them instead; a line without OK has an all-zero record
and is read in Python as before (refusing a line is always safe: the scanner is conservative on purpose).

- ``exact``: ``fingerprint(line)``; ``flat``: ``fingerprint(hashing.flat(orjson.loads(line)))`` (as two
  unsigned 64-bit halves, ``hashing.HALVES`` of the 128-bit digest);
- with the PAIR flag (the row is only ``{"messages": [...]}``, two or more, the last an object):
  ``prompt`` and ``answer``, the fingerprint and digest of ``_prompt_and_answer_flat``'s two parts;
- ``messages``: how many elements the top-level ``messages`` array has (0 without one);
- the EDGES flag: some string of the line, key or value, is empty, is ``"type"`` or starts or ends with a
  whitespace character (``str.isspace``), or some array is empty: where FT200 and FT201's screen
  (``rules.content.EDGE_SCREEN``, a ``screening.StructuralScreen``) may hold, answered from the strings the scan validates anyway (its regex is the costliest
  screen of a block, about 0.6 µs of a 330-byte row's 1 µs);
- the CONTENT_LIST flag: some member named ``content``, at any depth, holds an array: where the content
  parts view (``rules.reads``' ``"content"\\s*:\\s*[`` screen) may be present (a pattern that "content",
  on every message, sets off about 0.2 µs a short row);
- ``skeleton``: a 128-bit digest of the line's structure in its own key order, every non-empty string value
  of a key named ``content`` reduced to one tag: two OK lines with equal skeletons are equal rows but for
  those strings (the engine's memo key).

``scan_block(data, fingerprints=True)`` scans the lines of ``data`` (cut at each ``\\n``, the last running to its end) as ``scan``
scans a list of them, with no bytes object made per line, and returns ``(records, lengths)``: every line's
length as a little-endian int64 (the engine's fast path reads a block's lines this way). With
``fingerprints=False`` the digests the duplicate rules read (exact, flat, prompt, answer) are left zero:
the run has no rule that takes them (``ftlint stats`` without ``--html``).

``count_newlines(buffer)`` counts a block's line ends for ``linter.parallel``'s first pass.

``available`` is False, and ``scan`` None, where the extension did not build (it is optional: a machine
without a C compiler installs ftlint without it); the engine then reads every row in Python.
"""

from __future__ import annotations

from typing import Callable

try:
    from ._rowscan import count_newlines as _count_newlines, scan as _scan, scan_block as _scan_block
except ImportError:  # built without the extension
    _scan = _scan_block = _count_newlines = None

scan: Callable[[list], bytes] | None = _scan
scan_block: Callable[..., tuple[bytes, bytes]] | None = _scan_block
available: bool = _scan is not None


def count_newlines(buffer) -> int:
    """How many b"\\n" a bytes-like object holds: memchr in C (several GB/s), else ``bytes.count``'s byte loop."""
    if _count_newlines is not None:
        return _count_newlines(buffer)
    return bytes(buffer).count(b"\n")


RECORD = 96  # bytes per line
MAX_LINE = 1 << 20  # a longer line is refused: its parse is its cost, not the per-row overhead the scanner saves
OK, PAIR, EDGES, CONTENT_LIST = 1, 2, 4, 8  # bits of the flags field
# The screens (``linter.screening.StructuralScreen``) that an OK record answers by a flag, from the
# strings and lists the scan walks anyway: a block's Hyperscan scan leaves their patterns out.
STRUCTURAL = {"string-edges": EDGES, "content-list": CONTENT_LIST} if available else {}

# the record's fields in order: (name, numpy type); 16-byte digests as two little-endian halves
FIELDS = (
    ("flags", "<u8"),
    ("length", "<u8"),
    ("skeleton", ("<u8", 2)),
    ("exact", ("<u8", 2)),
    ("flat", ("<u8", 2)),
    ("prompt", ("<u8", 2)),
    ("answer", "<u8"),
    ("messages", "<u8"),
)


def dtype():
    """The numpy structured dtype of a record (numpy imported here: only a caller of ``scan`` needs it)."""
    import numpy

    return numpy.dtype(list(FIELDS))
