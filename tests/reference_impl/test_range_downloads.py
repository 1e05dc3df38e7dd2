"""`Range` on the reference backend's GET downloads (exported URLs; job downloads in
test_job_downloads.py): 206, a strong ETag, If-Range, 416, several ranges."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio

URL = "https://canvas.example.com/files/plan.bin"
CONTENT = bytes(range(256)) * 40  # 10,240 bytes
ETAG = f'"{hashlib.sha256(CONTENT).hexdigest()}"'


@pytest.fixture
async def file_url(reference_client: httpx.AsyncClient, register: Any) -> str:
    await register(URL, CONTENT, content_type="application/octet-stream")
    response = await reference_client.post("/viewer/exports/download",
                                           params={"responseType": "urls"},
                                           json={"sourceFileUrl": URL})
    return str(response.json()["exportedUrl"])


async def _get(client: httpx.AsyncClient, url: str, **headers: str) -> httpx.Response:
    return await client.get(url, headers={k.replace("_", "-"): v for k, v in headers.items()})


async def test_full_download_advertises_ranges_and_a_strong_etag(
        reference_client: httpx.AsyncClient, file_url: str) -> None:
    response = await _get(reference_client, file_url)
    assert response.status_code == 200
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"] == ETAG
    assert response.content == CONTENT


@pytest.mark.parametrize(("header", "start", "stop"), [
    ("bytes=0-99", 0, 100),
    ("bytes=10000-", 10000, 10240),
    ("bytes=-40", 10200, 10240),          # suffix
    ("bytes=-99999", 0, 10240),           # suffix longer than the file: all of it
    ("bytes=10200-99999", 10200, 10240),  # end past the end: cut at the end
])
async def test_one_range_is_a_206_with_exactly_those_bytes(
        reference_client: httpx.AsyncClient, file_url: str, header: str, start: int,
        stop: int) -> None:
    response = await _get(reference_client, file_url, range=header)
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {start}-{stop - 1}/{len(CONTENT)}"
    assert response.headers["etag"] == ETAG
    assert response.content == CONTENT[start:stop]


async def test_range_starting_past_the_end_is_416_problem(
        reference_client: httpx.AsyncClient, file_url: str) -> None:
    response = await _get(reference_client, file_url, range="bytes=10240-")
    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */10240"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "content-disposition" not in response.headers
    assert "10240 bytes" in response.json()["detail"]


async def test_several_ranges_are_multipart_byteranges(
        reference_client: httpx.AsyncClient, file_url: str) -> None:
    response = await _get(reference_client, file_url, range="bytes=0-9,100-109")
    assert response.status_code == 206
    assert response.headers["content-type"].startswith("multipart/byteranges; boundary=")
    assert CONTENT[0:10] in response.content and CONTENT[100:110] in response.content
    assert b"Content-Range: bytes 100-109/10240" in response.content


async def test_several_ranges_one_unsatisfiable_get_the_whole_file(
        reference_client: httpx.AsyncClient, file_url: str) -> None:
    response = await _get(reference_client, file_url, range="bytes=0-9,99999-")
    assert response.status_code == 200
    assert response.headers["etag"] == ETAG
    assert response.content == CONTENT


async def test_if_range_with_the_current_etag_gets_the_range(
        reference_client: httpx.AsyncClient, file_url: str) -> None:
    response = await _get(reference_client, file_url, range="bytes=5-", if_range=ETAG)
    assert response.status_code == 206
    assert response.content == CONTENT[5:]


@pytest.mark.parametrize("validator", ['"0123"', f"W/{ETAG}", "Wed, 21 Oct 2015 07:28:00 GMT"])
async def test_stale_if_range_gets_the_whole_file(
        reference_client: httpx.AsyncClient, file_url: str, validator: str) -> None:
    response = await _get(reference_client, file_url, range="bytes=5-", if_range=validator)
    assert response.status_code == 200
    assert response.headers["etag"] == ETAG
    assert response.content == CONTENT


@pytest.mark.parametrize("header", ["bytes=abc", "items=0-1", "bytes=9-3"])
async def test_a_range_we_cannot_read_is_ignored(
        reference_client: httpx.AsyncClient, file_url: str, header: str) -> None:
    response = await _get(reference_client, file_url, range=header)
    assert response.status_code == 200
    assert response.headers["accept-ranges"] == "bytes"
    assert response.content == CONTENT


async def test_post_downloads_ignore_range(reference_client: httpx.AsyncClient,
                                           file_url: str) -> None:
    # RFC 9110 defines Range for GET only.
    response = await reference_client.post("/viewer/exports/download",
                                           json={"sourceFileUrl": URL},
                                           headers={"range": "bytes=0-9"})
    assert response.status_code == 200
    assert response.content == CONTENT
