from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.anyio

SINGLE = "/viewer/exports/download"
BATCH = "/viewer/exports/download-batch"


@pytest.mark.parametrize(
    ("path", "content", "content_type", "status", "hint"),
    [
        (SINGLE, b"", "application/json", 400, "empty"),
        (SINGLE, b"null", "application/json", 400, "object"),
        (SINGLE, b"[]", "application/json", 400, "object"),
        (SINGLE, b"{", "application/json", 400, "not valid JSON"),
        (SINGLE, b"\xff\xfe{}", "application/json", 400, "UTF-8"),
        (SINGLE, b"{}", "application/json", 400, "sourceFileUrl"),
        (SINGLE, b'{"sourceFileUrl": null}', "application/json", 400, "null"),
        (SINGLE, b'{"sourceFileUrl": 5}', "application/json", 400, "string"),
        (SINGLE, b'{"sourceFileUrl": ""}', "application/json", 400, "sourceFileUrl"),
        (SINGLE, b'{"sourceFileUrl": "ftp://x/y"}', "application/json", 400, "http(s) URL"),
        (SINGLE, b'{"sourceFileUrl": "/relative"}', "application/json", 400, "http(s) URL"),
        (SINGLE, b'{"sourceFileUrl": "https://x"}', "text/plain", 415, "application/json"),
        (SINGLE, b'{"sourceFileUrl": "https://x"}', "", 415, "application/json"),
        (BATCH, b'{"items": []}', "application/json", 400, "at least one"),
        (BATCH, b'{"items": null}', "application/json", 400, "items"),
        (BATCH, b'{"items": [{}]}', "application/json", 400, "items[0]"),
        (BATCH, b'{"items": [{"sourceFileUrl": "https://a/b"}, {"sourceFileUrl": "x"}]}',
         "application/json", 400, "items[1].sourceFileUrl"),
        (BATCH, b'{"sourceFileUrl": "https://a/b"}', "application/json", 400, "items"),
    ],
)
async def test_malformed_bodies_get_a_clear_4xx(reference_client: httpx.AsyncClient, path: str,
                                                content: bytes, content_type: str, status: int,
                                                hint: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await reference_client.post(path, content=content, headers=headers)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and body["status"] == status
    assert hint in body["detail"]
    assert "\n" not in body["detail"]


async def test_too_long_source_url_is_400(reference_client: httpx.AsyncClient) -> None:
    url = "https://example.com/" + "a" * 2100
    response = await reference_client.post(SINGLE, json={"sourceFileUrl": url})
    assert response.status_code == 400


async def test_unknown_response_type_is_400(reference_client: httpx.AsyncClient) -> None:
    response = await reference_client.post(SINGLE, params={"responseType": "zip"},
                                           json={"sourceFileUrl": "https://a.example/b"})
    assert response.status_code == 400
    assert "responseType" in response.json()["detail"]


async def test_body_over_one_mib_is_413(reference_client: httpx.AsyncClient) -> None:
    items = [{"sourceFileUrl": "https://example.com/" + "a" * 2000}] * 600
    response = await reference_client.post(BATCH, json={"items": items})
    assert response.status_code == 413


async def test_deeply_nested_json_is_400_not_500(reference_client: httpx.AsyncClient) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    response = await reference_client.post(SINGLE, content=body,
                                           headers={"content-type": "application/json"})
    assert response.status_code in (400, 413)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["sourceFileUrl", "items", "x"]), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=json_values, path=st.sampled_from([SINGLE, BATCH]),
       mode=st.sampled_from([None, "urls"]))
async def test_arbitrary_json_never_gets_a_5xx(reference_client: httpx.AsyncClient, payload: Any,
                                               path: str, mode: str | None) -> None:
    params = {"responseType": mode} if mode else {}
    response = await reference_client.post(path, params=params, content=json.dumps(payload),
                                           headers={"content-type": "application/json"})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["success"] is False
