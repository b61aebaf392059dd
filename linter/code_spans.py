"""Where a message's text is code: fenced blocks, inline spans, and runs of
lines that are code without any Markdown around them.

The text rules (FT202-FT204) look for template syntax and control tokens, and
code is full of them on purpose: ``${apiKey}`` in a JavaScript template
string, ``{{ github.repository }}`` in a workflow, ``user:`` as an object key.
A rule that has found a match asks ``code_at(text, start, end)`` whether the
match sits in code. Rules ask only after their own cheap substring test and regex
matched, so rows without the trigger bytes never reach this module.

Fences follow CommonMark's rules for the fence itself: three or more
backticks or tildes with or without an info string (no backtick in the info
string of a backtick fence), closed by a line of the same character at least
as long, or running to the end of the text when never closed. Inline spans
follow CommonMark too: a run of n backticks closed by the next run of exactly
n within one paragraph. Unfenced code is a guess (``_in_code_run``): three or
more consecutive lines that each look like code; it also covers four-space
indented blocks.

Why not markdown-it-py: it was measured (``python bench/code_spans.py``,
block parse only) at 200-450 µs per fenced text against 11-16 µs for this
scan; with it FT202-FT204 cost about 1.5x as much as before on the real DPO
and KTO sets (interleaved runs on a loaded machine), with this scan 1.0-1.2x,
and the verdicts were the same on all 3,489 real rows tried. What the scan
does not model, and the parser would: containers (a fence is found wherever its line starts, in a list item
or a quote too) and four-space indented blocks (left to the run guess).
"""

from __future__ import annotations

import re
from functools import lru_cache

FENCED = "fenced"  # a fenced block
INLINE = "inline"  # a `code span`
UNFENCED = "unfenced"  # lines that look like code, with no Markdown around them

# An opening fence: optional indentation and quote markers, then ``` (no backtick after it on the line) or ~~~.
_FENCE_OPEN = re.compile(r"^[ \t]*(?:>[ \t]*)*(`{3,}(?=[^`\n]*$)|~{3,})", re.M)

_BACKTICKS = re.compile(r"`+")
_BLANK_LINE = re.compile(r"\n[ \t]*\r?\n")

# A line that looks like code: it opens or closes a block, ends a statement,
# is a comment, a tag, a declaration or an assignment, or is indented under
# one of those. Prose lines are long sentences that end with a word or a stop.
_CODE_LINE = re.compile(
    r"""^(?:
        [ \t]*(?://|/\*|\*/|\#!|<[!/]?[A-Za-z]|[}\])]|-->)       # comment, tag or a closing bracket first
      | [ \t]+\#                                                 # an indented comment
      | [ \t]*(?:val|var|let|const|def|fn|func|function|class|import|from|return|if|elif|else|for|while|
               public|private|static|async|await|package|using|\#include|SELECT|FROM|WHERE)\b[^\n]*[^.\s]$
      | [^\n]*(?:[{(\[;=]|[)\]}][,;]?)\s*$                        # opens or closes a block, ends a statement
      | [^\n]*(?:=>|->|\)\s*\{|\w\(\)|\w\[\w*\]|:=|==|!=)(?:[^\n]*[^.\s])?$
      | [\w.-]+:\s*$                                             # a bare key (YAML)
      | [ \t]+(?:-[ \t]+)?[\w"'$@.-]+:(?:\s[^\n]*)?$              # an indented key: value (YAML, objects)
      | [ \t]{2,}\S[^\n]*[^.!?\s]$                                # indented, not a sentence
    )""",
    re.X,
)
_MIN_RUN = 3
_LINE_LIMIT = 300  # a longer line is prose (or minified code nobody templated), and the regex stays cheap


def _looks_like_code(line: str) -> bool:
    return len(line) <= _LINE_LIMIT and _CODE_LINE.match(line) is not None


def code_at(text: str, start: int, end: int | None = None, guess: bool = True) -> str | None:
    """The kind of code that holds ``text[start:end]`` (FENCED, INLINE, UNFENCED), or None in prose.

    ``guess=False`` trusts Markdown only (fences, indented blocks, spans) and
    never calls a stretch of lines code because of how its lines look.
    """
    end = start + 1 if end is None else end
    ranges, prose = _markdown_ranges(text)
    for first, last, kind in ranges:
        if first <= start and end <= last:
            return kind
    if guess:
        for first, last in prose:
            if first <= start and end <= last:
                return UNFENCED if _in_code_run(text, start, end, first, last) else None
    return None


def code_ranges(text: str) -> list[tuple[int, int, str]]:
    """Every code region of ``text`` as ``(start, end, kind)``, sorted (for tests and measurements;
    the rules ask ``code_at``, which looks for unfenced code only around a match)."""
    ranges, prose = _markdown_ranges(text)
    runs = [run for first, last in prose for run in _code_runs(text, first, last)]
    return sorted([*ranges, *runs])


@lru_cache(maxsize=256)
def _markdown_ranges(text: str) -> tuple[tuple[tuple[int, int, str], ...], tuple[tuple[int, int], ...]]:
    """Fenced blocks and inline spans, and the prose stretches between the blocks.

    Kept for the last few texts: FT202, FT203 and FT204 ask about the same text in turn.
    """
    blocks = fence_blocks(text)
    prose = _outside(blocks, len(text))
    spans = [span for first, last in prose for span in _inline_spans(text, first, last)]
    return tuple(sorted([*blocks, *spans])), tuple(prose)


def fence_blocks(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, FENCED)`` of every fenced block, from its opening line to the end of its closing one."""
    if "```" not in text and "~~~" not in text:
        return []
    view = text.replace("\r", "\n")  # same length, so offsets hold; a lone \r ends a line as \n does
    out, position = [], 0
    while True:
        opening = _FENCE_OPEN.search(view, position)
        if opening is None:
            return out
        fence = opening.group(1)
        closing = re.compile(r"^[ \t]*(?:>[ \t]*)*%s+[ \t]*$" % re.escape(fence), re.M).search(view, opening.end())
        end = closing.end() if closing else len(text)
        out.append((opening.start(), end, FENCED))
        position = end


def _inline_spans(text: str, first: int, last: int) -> list[tuple[int, int, str]]:
    """CommonMark code spans: a run of n backticks closed by the next run of exactly n in the same paragraph."""
    runs = [(match.start(), match.end()) for match in _BACKTICKS.finditer(text, first, last)]
    out, index = [], 0
    while index < len(runs):
        start, end = runs[index]
        width = end - start
        closer = next((other for other in range(index + 1, len(runs)) if runs[other][1] - runs[other][0] == width), None)
        if closer is not None and not _BLANK_LINE.search(text, end, runs[closer][0]):
            out.append((start, runs[closer][1], INLINE))
            index = closer + 1
        else:
            index += 1  # an unmatched run is literal text
    return out


def _outside(blocks: list[tuple[int, int, str]], length: int) -> list[tuple[int, int]]:
    """The stretches of text between the blocks."""
    out, position = [], 0
    for first, last, _ in blocks:
        if first > position:
            out.append((position, first))
        position = max(position, last)
    if position < length:
        out.append((position, length))
    return out


def _code_runs(text: str, first: int, last: int):
    """Runs of at least ``_MIN_RUN`` code-looking lines (blank lines inside a run do not end it)."""
    run_start = run_end = None
    count = 0
    position = first
    for line in text[first:last].split("\n"):
        end = position + len(line)
        if not line.strip():
            pass
        elif _looks_like_code(line):
            if run_start is None:
                run_start = position
            run_end, count = end, count + 1
        else:
            if count >= _MIN_RUN:
                yield run_start, run_end, UNFENCED
            run_start, count = None, 0
        position = end + 1
    if count >= _MIN_RUN:
        yield run_start, run_end, UNFENCED


def _in_code_run(text: str, start: int, end: int, first: int, last: int) -> bool:
    """Whether the line(s) of ``text[start:end]`` belong to ``_MIN_RUN`` or more consecutive
    code-looking lines within ``text[first:last]`` (blank lines do not break a run)."""
    line_start = text.rfind("\n", first, start) + 1 if start > first else first
    line_end = text.find("\n", end, last)
    line_end = last if line_end < 0 else line_end
    # the match itself does not vote: "Hi {{name}}," must not look like code because "}}," ends it
    lines = (text[line_start:start] + "x" + text[end:line_end]).split("\n")
    if not all(_looks_like_code(line) for line in lines if line.strip()):
        return False
    count = text.count("\n", line_start, line_end) + 1
    position = line_start - 1  # walk up
    while count < _MIN_RUN and position > first:
        above = text.rfind("\n", first, position) + 1 if position > first else first
        line = text[max(above, first):position]
        if line.strip():
            if not _looks_like_code(line):
                break
            count += 1
        position = above - 1
    position = line_end + 1  # walk down
    while count < _MIN_RUN and position < last:
        below = text.find("\n", position, last)
        below = last if below < 0 else below
        line = text[position:below]
        if line.strip():
            if not _looks_like_code(line):
                break
            count += 1
        position = below + 1
    return count >= _MIN_RUN
