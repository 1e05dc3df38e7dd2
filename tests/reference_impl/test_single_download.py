from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio

PDF = b"%PDF-1.4 test"
URL = "https://canvas.example.com/files/floor-plan.pdf"


async def test_registered_export_downloads_with_its_bytes_type_and_name(
        reference_client: httpx.AsyncClient, register: Any) -> None:
    await register(URL, PDF)
    response = await reference_client.post("/viewer/exports/download", json={"sourceFileUrl": URL})
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-length"] == str(len(PDF))
    assert response.headers["content-disposition"] == 'attachment; filename="floor-plan.pdf"'


async def test_non_ascii_name_is_sent_with_filename_star_and_fallback(
        reference_client: httpx.AsyncClient, register: Any) -> None:
    url = "https://canvas.example.com/files/r%C3%A9sum%C3%A9.txt"
    await register(url, "héllo".encode())
    response = await reference_client.post("/viewer/exports/download", json={"sourceFileUrl": url})
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"resume.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt")
    assert response.headers["content-type"].startswith("text/plain")


async def test_unknown_export_gets_404_problem(reference_client: httpx.AsyncClient) -> None:
    response = await reference_client.post(
        "/viewer/exports/download", json={"sourceFileUrl": "https://unknown.invalid/x.pdf"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["success"] is False and body["status"] == 404
    assert "https://unknown.invalid/x.pdf" in body["detail"]
    assert "content-disposition" not in response.headers


async def test_url_mode_answers_an_absolute_exported_url(
        reference_client: httpx.AsyncClient, register: Any) -> None:
    await register(URL, PDF)
    response = await reference_client.post("/viewer/exports/download",
                                           params={"responseType": "urls"},
                                           json={"sourceFileUrl": URL})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["success"] is True
    assert body["exportedUrl"].startswith("http://testserver/api/viewer/exports/files/")
    assert "content-disposition" not in response.headers


async def test_url_mode_for_unknown_export_is_404(reference_client: httpx.AsyncClient) -> None:
    response = await reference_client.post("/viewer/exports/download",
                                           params={"responseType": "urls"},
                                           json={"sourceFileUrl": "https://unknown.invalid/x"})
    assert response.status_code == 404


async def test_extra_body_properties_are_ignored(reference_client: httpx.AsyncClient,
                                                 register: Any) -> None:
    await register(URL, PDF)
    response = await reference_client.post("/viewer/exports/download",
                                           json={"sourceFileUrl": URL, "note": "x"})
    assert response.status_code == 200
