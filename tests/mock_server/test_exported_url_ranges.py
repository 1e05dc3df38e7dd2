"""The mock's exported URLs answer `Range` like the reference backend's."""

from __future__ import annotations

import httpx
import pytest
from mock_helpers import SINGLE

pytestmark = pytest.mark.anyio

BODY = {"sourceFileUrl": "https://canvas.example.com/files/floor-plan.pdf"}


async def _exported(client: httpx.AsyncClient) -> tuple[str, bytes]:
    answer = await client.post(SINGLE, params={"responseType": "urls"}, json=BODY)
    return answer.json()["exportedUrl"], (await client.post(SINGLE, json=BODY)).content


async def test_a_range_of_an_exported_url_is_a_206_with_those_bytes(
        client: httpx.AsyncClient) -> None:
    url, whole = await _exported(client)
    full = await client.get(url)
    assert full.headers["accept-ranges"] == "bytes"
    etag = full.headers["etag"]
    part = await client.get(url, headers={"range": "bytes=10-", "if-range": etag})
    assert part.status_code == 206
    assert part.content == whole[10:]
    assert part.headers["content-range"] == f"bytes 10-{len(whole) - 1}/{len(whole)}"
    suffix = await client.get(url, headers={"range": "bytes=-5"})
    assert suffix.status_code == 206 and suffix.content == whole[-5:]


async def test_past_the_end_is_416_and_a_stale_if_range_the_whole_file(
        client: httpx.AsyncClient) -> None:
    url, whole = await _exported(client)
    past = await client.get(url, headers={"range": f"bytes={len(whole)}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(whole)}"
    assert past.headers["content-type"].startswith("application/problem+json")
    stale = await client.get(url, headers={"range": "bytes=10-", "if-range": '"old"'})
    assert stale.status_code == 200 and stale.content == whole
    assert stale.headers["accept-ranges"] == "bytes"
    several = await client.get(url, headers={"range": "bytes=0-1,5-6"})
    assert several.status_code == 200 and several.content == whole
    assert several.headers["etag"] == stale.headers["etag"]
