"""Rows like a given row: the same keys and lists with other leaves, for the memo's property tests.

The engine remembers verdicts per row shape (``linter.shape``); a variant
often has the shape of its original and other contents, which is exactly
what a rule that claims to read only the shape must not notice.
"""

from __future__ import annotations

from hypothesis import strategies as st

LEAVES = st.sampled_from(["", "hi", "Be brief.", "[]", 5, 0, 1, 1.0, -0.0, 0.0, True, False, None])


def variant(value, data: st.DataObject):
    """The value with some leaves (strings, numbers, null) swapped for others."""
    if isinstance(value, dict):
        return {key: variant(item, data) for key, item in value.items()}
    if isinstance(value, list):
        return [variant(item, data) for item in value]
    return data.draw(LEAVES) if data.draw(st.booleans()) else value
