from __future__ import annotations

import base64
import io
import json
import zipfile
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio

A = "https://canvas.example.com/files/plan.pdf"
B = "https://canvas.example.com/archive/plan.pdf"
C = "https://canvas.example.com/other/PLAN.PDF"
T = "https://canvas.example.com/files/r%C3%A9sum%C3%A9.txt"
UNKNOWN = "https://unknown.invalid/missing.pdf"


def _items(*urls: str) -> dict[str, list[dict[str, str]]]:
    return {"items": [{"sourceFileUrl": u} for u in urls]}


@pytest.fixture
async def registered(register: Any) -> dict[str, bytes]:
    contents = {A: b"%PDF-a", B: b"%PDF-b", C: b"%PDF-c", T: "héllo wörld".encode()}
    for url, content in contents.items():
        await register(url, content)
    return contents


async def _zip(client: httpx.AsyncClient, *urls: str) -> tuple[httpx.Response, zipfile.ZipFile]:
    response = await client.post("/viewer/exports/download-batch", json=_items(*urls))
    assert response.status_code == 200, response.text
    return response, zipfile.ZipFile(io.BytesIO(response.content))


async def test_colliding_names_are_deduplicated_in_request_order(
        reference_client: httpx.AsyncClient, registered: dict[str, bytes]) -> None:
    _, archive = await _zip(reference_client, A, B, C)
    assert archive.namelist() == ["plan.pdf", "plan (1).pdf", "PLAN (2).PDF"]
    assert [archive.read(n) for n in archive.namelist()] == [registered[A], registered[B],
                                                             registered[C]]


async def test_repeated_items_each_get_an_entry(reference_client: httpx.AsyncClient,
                                                registered: dict[str, bytes]) -> None:
    _, archive = await _zip(reference_client, A, A, A)
    assert archive.namelist() == ["plan.pdf", "plan (1).pdf", "plan (2).pdf"]


async def test_zip_is_valid_with_stored_binary_and_content_length(
        reference_client: httpx.AsyncClient, registered: dict[str, bytes]) -> None:
    response, archive = await _zip(reference_client, A, B)
    assert archive.testzip() is None
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-length"] == str(len(response.content))
    assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())
    assert response.headers["content-disposition"] == 'attachment; filename="exports.zip"'


async def test_text_entries_are_deflated_and_non_ascii_names_flag_utf8(
        reference_client: httpx.AsyncClient, registered: dict[str, bytes]) -> None:
    _, archive = await _zip(reference_client, T)
    (info,) = archive.infolist()
    assert info.filename == "résumé.txt"
    assert info.flag_bits & 0x800
    assert info.compress_type == zipfile.ZIP_DEFLATED
    assert archive.read(info) == registered[T]


async def test_unresolved_items_are_left_out_and_listed_in_the_manifest(
        reference_client: httpx.AsyncClient, registered: dict[str, bytes]) -> None:
    response, archive = await _zip(reference_client, UNKNOWN, A, UNKNOWN)
    assert archive.namelist() == ["plan.pdf"]
    manifest = json.loads(base64.b64decode(response.headers["x-export-manifest"]))
    assert [m["outcome"] for m in manifest] == ["skipped", "ok", "skipped"]
    assert manifest[1]["entry"] == "plan.pdf"


async def test_batch_where_nothing_resolves_is_404(reference_client: httpx.AsyncClient) -> None:
    for params in ({}, {"responseType": "urls"}):
        response = await reference_client.post("/viewer/exports/download-batch", params=params,
                                               json=_items(UNKNOWN, UNKNOWN))
        assert response.status_code == 404
        assert response.json()["success"] is False


async def test_url_mode_lists_urls_and_skipped_in_request_order(
        reference_client: httpx.AsyncClient, registered: dict[str, bytes]) -> None:
    response = await reference_client.post("/viewer/exports/download-batch",
                                           params={"responseType": "urls"},
                                           json=_items(A, UNKNOWN, B, A))
    body = response.json()
    assert response.status_code == 200
    assert body["success"] is True
    assert len(body["exportedUrls"]) == 3
    assert body["skipped"] == [{"sourceFileUrl": UNKNOWN, "reason": "not_found"}]
    fetched = [(await reference_client.get(url)).content for url in body["exportedUrls"]]
    assert fetched == [registered[A], registered[B], registered[A]]


async def test_url_mode_always_has_skipped_even_when_empty(
        reference_client: httpx.AsyncClient, registered: dict[str, bytes]) -> None:
    response = await reference_client.post("/viewer/exports/download-batch",
                                           params={"responseType": "urls"}, json=_items(A))
    assert response.json()["skipped"] == []


async def test_batch_over_the_item_limit_is_413(reference_client: httpx.AsyncClient,
                                                registered: dict[str, bytes]) -> None:
    response = await reference_client.post("/viewer/exports/download-batch",
                                           json=_items(*[A] * 101))
    assert response.status_code == 413
    assert "at most 100" in response.json()["detail"]


async def test_entry_bytes_equal_single_downloads(reference_client: httpx.AsyncClient,
                                                  registered: dict[str, bytes]) -> None:
    _, archive = await _zip(reference_client, A, T, C)
    for url, name in zip((A, T, C), archive.namelist(), strict=True):
        single = await reference_client.post("/viewer/exports/download",
                                             json={"sourceFileUrl": url})
        assert archive.read(name) == single.content


async def test_zip_entries_carry_the_registration_date_so_a_batch_zips_the_same_every_time(
        reference_client: httpx.AsyncClient, registered: dict[str, bytes],
        settings: Any) -> None:
    import sqlite3
    import time

    registered_at = time.mktime((2020, 1, 2, 3, 4, 6, 0, 0, -1))  # local time, as zips keep it
    with sqlite3.connect(settings.data_dir / "exports.sqlite3") as db:
        db.execute("UPDATE exports SET registered_at = ?", (registered_at,))
    first, archive = await _zip(reference_client, A, B)
    assert {info.date_time for info in archive.infolist()} == {(2020, 1, 2, 3, 4, 6)}
    second, _ = await _zip(reference_client, A, B)
    assert second.content == first.content
