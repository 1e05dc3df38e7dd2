"""The guard's nesting count: on raw bytes, without parsing, agreeing with the parsed depth."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from export_contract.guards import json_nesting_depth

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\[]{}é\n'),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(alphabet='k"\\[{', max_size=3), children, max_size=3),
    max_leaves=40,
)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@given(json_values, st.booleans())
def test_the_byte_count_agrees_with_the_parsed_depth(value: Any, ascii_only: bool) -> None:
    assert json_nesting_depth(json.dumps(value, ensure_ascii=ascii_only).encode()) == _depth(value)


@pytest.mark.parametrize(("body", "depth"), [
    (b'{"a": "[[[["}', 1),
    (b'{"a": "\\"[[["}', 1),
    (b'{"a\\\\": [[]]}', 3),
    (b'"unterminated [[[[', 0),
    (b'[[["\\', 3),
    (b"]]][", 0),
    (b"", 0),
])
def test_strings_escapes_and_broken_bodies(body: bytes, depth: int) -> None:
    assert json_nesting_depth(body) == depth


def test_a_megabyte_of_unbalanced_quotes_is_scanned_in_one_pass() -> None:
    # Restarting the string match at every quote would take minutes on this body.
    assert json_nesting_depth(b'["\\"' * 250_000) == 1


def test_counting_can_stop_once_past_a_limit() -> None:
    body = b"[" * 200_000 + b"]" * 200_000
    assert json_nesting_depth(body) == 200_000
    assert 32 < json_nesting_depth(body, stop_above=32) < 200_000
    wide = b"[" + b"[[]]," * 100_000 + b"[]]"  # wide and shallow: read to the end
    assert json_nesting_depth(wide, stop_above=32) == 3
