"""The fast path answers exactly as connexion would: same statuses, headers and bodies."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator
from mock_helpers import BATCH, MISSING_URL, PDF_URL, SINGLE, TEXT_URL, MakeApp, client_for

from export_contract.spec import load_spec
from mock_server.fastpath import request_schema
from mock_server.schema_check import compile_check

pytestmark = pytest.mark.anyio

REQUESTS: list[tuple[str, dict[str, str], Any]] = [
    (SINGLE, {}, {"sourceFileUrl": PDF_URL}),
    (SINGLE, {"responseType": "urls"}, {"sourceFileUrl": TEXT_URL, "extra": [1]}),
    (SINGLE, {}, {"sourceFileUrl": MISSING_URL}),
    (SINGLE, {}, {"sourceFileUrl": "http://x"}),
    (SINGLE, {}, {"sourceFileUrl": "x" * 3000}),
    (SINGLE, {}, {"sourceFileUrl": None}),
    (SINGLE, {}, None),
    (SINGLE, {"responseType": "zip"}, {"sourceFileUrl": PDF_URL}),
    (SINGLE, {"other": "1"}, {"sourceFileUrl": PDF_URL}),
    (BATCH, {}, {"items": [{"sourceFileUrl": PDF_URL}, {"sourceFileUrl": PDF_URL}]}),
    (BATCH, {"responseType": "urls"},
     {"items": [{"sourceFileUrl": MISSING_URL}, {"sourceFileUrl": TEXT_URL}]}),
    (BATCH, {}, {"items": [{"sourceFileUrl": MISSING_URL}]}),
    (BATCH, {}, {"items": [{"sourceFileUrl": f"https://x.example/{i}.png"} for i in range(101)]}),
    (BATCH, {}, {"items": [{"sourceFileUrl": PDF_URL}, "x"]}),
    (BATCH, {}, {"items": {}}),
]


async def test_fast_path_and_connexion_answer_alike(make_app: MakeApp) -> None:
    async with client_for(make_app()) as fast, client_for(make_app(fast_path=False)) as slow:
        for path, params, body in REQUESTS:
            a = await fast.post(path, params=params, json=body)
            b = await slow.post(path, params=params, json=body)
            assert (a.status_code, a.headers, _untimed(a.content)) == (
                b.status_code, b.headers, _untimed(b.content)), (path, params, body)


def _untimed(content: bytes) -> bytes:
    """Exported URLs carry an expiry time: two answers a second apart differ only there."""
    return re.sub(rb"/files/[A-Za-z0-9_.-]+", b"/files/TOKEN", content)


async def test_fast_path_keeps_auth_and_body_guards(make_app: MakeApp) -> None:
    async with client_for(make_app(), key="wrong") as client:
        assert (await client.post(SINGLE, json={"sourceFileUrl": PDF_URL})).status_code == 403
    async with client_for(make_app()) as client:
        text = await client.post(SINGLE, content=b"{}", headers={"Content-Type": "text/plain"})
        assert text.status_code == 415
        big = await client.post(SINGLE, content=b" " * (2 * 1024 * 1024),
                                headers={"Content-Type": "application/json"})
        assert big.status_code == 413


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5)
    | st.sampled_from([PDF_URL, "http://a", "https://", "ftp://x/y", "https://x y"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["sourceFileUrl", "items", "x"]), children, max_size=3),
    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(value=_JSON)
def test_compiled_check_agrees_with_jsonschema(value: Any) -> None:
    spec = load_spec()
    for path in ("/viewer/exports/download", "/viewer/exports/download-batch"):
        schema = request_schema(spec, path)
        assert compile_check(schema)(value) == Draft4Validator(schema).is_valid(value), (
            path, json.dumps(value))


def test_an_unsupported_keyword_falls_back_to_jsonschema() -> None:
    schema = {"type": "object", "additionalProperties": False}
    check = compile_check(schema)
    assert check({}) and not check({"a": 1})
