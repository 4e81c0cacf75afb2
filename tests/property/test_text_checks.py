"""`core.text`'s checks agree with their definitions for any input (pure; no app)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from core.text import has_control, json_depth_problem, json_text_problems, load_json

ALLOWED = {"\t", "\n", "\r"}


def _control(char: str, multiline: bool) -> bool:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF or code == 0x7F:
        return True
    if code >= 0x20:
        return False
    return char not in (ALLOWED if multiline else {"\t"})


@given(st.text(), st.booleans())
def test_has_control_is_any_character_outside_the_allowed_ones(text, multiline):
    assert has_control(text, multiline=multiline) == any(_control(c, multiline) for c in text)


# strings full of brackets, quotes and backslashes must not fool the depth count
tricky = st.text(alphabet='[]{}"\\ab\n\x00', max_size=8)
documents = st.recursive(
    st.none() | st.booleans() | st.integers() | tricky,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(tricky, inner, max_size=3),
    max_leaves=12,
)


def _depth(doc) -> int:
    if isinstance(doc, list):
        return 1 + max(map(_depth, doc), default=0)
    if isinstance(doc, dict):
        return 1 + max(map(_depth, doc.values()), default=0)
    return 0


@settings(max_examples=200, deadline=None)
@given(documents, st.integers(1, 6))
def test_the_depth_limit_counts_only_real_nesting(doc, limit):
    text = json.dumps(doc)
    assert (json_depth_problem(text, max_depth=limit) is None) == (_depth(doc) <= limit)
    if _depth(doc) <= limit:
        assert load_json(text, max_depth=limit, parse_float=None) == doc


@given(documents)
def test_json_text_problems_finds_every_string_with_a_control_character(doc):
    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                yield key
                yield from strings(item)

    assert bool(json_text_problems(doc)) == any(has_control(s) for s in strings(doc))
