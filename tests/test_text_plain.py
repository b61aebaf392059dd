"""The text formatter's plain path (no terminal, no colour) writes findings
itself instead of through rich: it must be byte-identical to rich's rendering
for any dataset text, controls, bidi overrides and surrogates included."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from linter.findings import Finding, Severity
from linter.output.text import TextFormatter

texts = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2100) | st.sampled_from("\x1b\r\t\n\u202e\ud800[]*\\"), max_size=40)


def render(finding: Finding, plain: bool) -> str:
    stream = io.StringIO()
    formatter = TextFormatter(stream, color=None, summary=False)
    assert (formatter._plain is not None) is True  # a StringIO is no terminal
    if not plain:
        formatter._plain = None  # rich's rendering, the reference
    formatter.finding(finding)
    return stream.getvalue()


@settings(max_examples=300, deadline=None)
@given(path=texts, line=st.integers(0, 10**9), message=texts, pointer=texts, severity=st.sampled_from(list(Severity)))
def test_plain_path_is_byte_identical_to_rich(path, line, message, pointer, severity):
    finding = Finding(path, line, "FT115", "system-missing", severity, message, pointer)
    assert render(finding, plain=True) == render(finding, plain=False)


def test_colour_goes_through_rich():
    stream = io.StringIO()
    formatter = TextFormatter(stream, color=True, summary=False)
    assert formatter._plain is None
    formatter.finding(Finding("a.jsonl", 3, "FT001", "x", Severity.ERROR, "m"))
    assert "\x1b[" in stream.getvalue()
