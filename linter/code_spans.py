"""Where a message's text is code: fenced and indented blocks, inline spans,
and runs of lines that are code without any Markdown around them.

The text rules (FT202-FT204) look for template syntax and control tokens, and
code is full of them on purpose: ``${apiKey}`` in a JavaScript template
string, ``{{ github.repository }}`` in a workflow, ``user:`` as an object key.
A rule that has found a match asks ``code_ranges(text)`` whether the match
sits in code. Rules ask only after their own cheap substring test and regex
matched, so rows without the trigger bytes never reach this module.

Blocks come from markdown-it-py (CommonMark: fences of ``` and ~~~ of any
length with or without an info string, unclosed fences running to the end,
four-space indented blocks, but not list continuations). Inline spans follow
CommonMark's rule (a run of n backticks closed by the next run of exactly n,
within one paragraph) with a regex, because markdown-it-py gives inline
tokens no offsets. Unfenced code is a guess (``_code_runs``): at least three
consecutive lines that each look like code.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt

FENCED = "fenced"  # a fenced or indented Markdown block
INLINE = "inline"  # a `code span`
UNFENCED = "unfenced"  # lines that look like code, with no Markdown around them

# Block structure only: fences, indented code, and the containers that decide
# whether four spaces of indentation are code (lists, quotes) or not. The
# inline pass is off (it halves the parse): inline spans have no offsets anyway.
_BLOCKS = MarkdownIt("zero").enable(["fence", "code", "list", "blockquote"]).disable(["inline", "text_join"])

# At most _SPAN_LIMIT characters inside, so that a text full of unmatched backticks stays linear.
_SPAN_LIMIT = 2000
_INLINE_SPAN = re.compile(r"(?<!`)(`+)(?!`)((?:(?!\n[ \t]*\n).){1,%d}?)(?<!`)\1(?!`)" % _SPAN_LIMIT, re.S)

# A line that looks like code: it opens or closes a block, ends a statement,
# is a comment, a tag, a declaration or an assignment, or is indented under
# one of those. Prose lines are long sentences that end with a word or a stop.
_CODE_LINE = re.compile(
    r"""^(?:
        [ \t]*(?://|/\*|\*/|\#!|<[!/]?[A-Za-z]|[}\])]|-->)       # comment, tag or a closing bracket first
      | [ \t]+\#                                                 # an indented comment
      | [ \t]*(?:val|var|let|const|def|fn|func|function|class|import|from|return|if|elif|else|for|while|
               public|private|static|async|await|package|using|\#include|SELECT|FROM|WHERE)\b[^\n]*[^.\s]$
      | [^\n]*[{(\[;,=)\]}]\s*$                                  # opens or closes a block, ends a statement
      | [^\n]*(?:=>|->|\)\s*\{|\w\(\)|\w\[\w*\]|:=|==|!=)(?:[^\n]*[^.\s])?$
      | [\w.-]+:\s*$                                             # a bare key (YAML)
      | [ \t]+(?:-[ \t]+)?[\w"'$@.-]+:(?:\s[^\n]*)?$              # an indented key: value (YAML, objects)
      | [ \t]{2,}\S[^\n]*[^.!?\s]$                                # indented, not a sentence
    )""",
    re.X,
)
_MIN_RUN = 3
_LINE_LIMIT = 1000  # a longer line is prose (or minified code nobody templated), and the regex stays cheap


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
    """Fenced and indented blocks and inline spans, and the prose stretches between the blocks.

    Kept for the last few texts: FT202, FT203 and FT204 ask about the same text in turn.
    """
    blocks = _markdown_blocks(text)
    prose = _outside(blocks, len(text))
    spans = [(m.start(), m.end(), INLINE) for first, last in prose for m in _INLINE_SPAN.finditer(text, first, last)]
    return tuple(sorted([*blocks, *spans])), tuple(prose)


_NEWLINE = re.compile(r"\r\n?|\n")


def _line_starts(text: str) -> list[int]:
    """Offsets in ``text`` of the lines markdown-it counts (it reads \\r\\n and a lone \\r as one break)."""
    return [0, *(match.end() for match in _NEWLINE.finditer(text))]


def parse_blocks(text: str) -> list:
    """markdown-it-py's block tokens for ``text`` (a module function so tests can count the calls)."""
    return _BLOCKS.parse(text)


def _markdown_blocks(text: str) -> list[tuple[int, int, str]]:
    if "```" not in text and "~~~" not in text and "    " not in text and "\t" not in text:
        return []  # neither a fence nor an indented block can start here: no parse
    starts = _line_starts(text)
    out = []
    for token in parse_blocks(text):
        if token.type in ("fence", "code_block") and token.map:
            first, last = token.map
            if first < len(starts):
                out.append((starts[first], starts[last] if last < len(starts) else len(text), FENCED))
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
    if not all(_looks_like_code(line) for line in text[line_start:line_end].split("\n") if line.strip()):
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
