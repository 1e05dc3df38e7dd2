from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio

URL = "https://canvas.example.com/files/floor-plan.pdf"


async def test_new_registration_is_201_with_its_metadata(register: Any) -> None:
    response = await register(URL, b"%PDF-1", expect=201)
    assert response.json() == {
        "success": True, "sourceFileUrl": URL, "filename": "floor-plan.pdf",
        "contentType": "application/pdf", "size": 6,
        "sha256": hashlib.sha256(b"%PDF-1").hexdigest(),
    }


async def test_replacing_an_export_is_200_and_serves_the_new_bytes(
        reference_client: httpx.AsyncClient, register: Any) -> None:
    await register(URL, b"%PDF-old", expect=201)
    await register(URL, b"%PDF-new", expect=200)
    response = await reference_client.post("/viewer/exports/download", json={"sourceFileUrl": URL})
    assert response.content == b"%PDF-new"


async def test_explicit_filename_is_made_safe(register: Any) -> None:
    response = await register(URL, b"x", filename="../../secret\r\n.pdf")
    assert response.json()["filename"] == "_.._secret__.pdf"


async def test_missing_extension_gets_one_from_the_content_type(register: Any) -> None:
    response = await register("https://c.example/files/1234", b"png", content_type="image/png")
    assert response.json()["filename"] == "1234.png"


async def test_unknown_type_defaults_to_octet_stream(register: Any) -> None:
    response = await register("https://c.example/files/blob", b"\x00\x01")
    assert response.json()["contentType"] == "application/octet-stream"


async def test_mismatched_extension_and_type_is_400(register: Any) -> None:
    response = await register(URL, b"x", content_type="image/png", expect=400)
    assert "does not fit contentType" in response.json()["detail"]


async def test_empty_file_is_400(register: Any) -> None:
    response = await register(URL, b"", expect=400)
    assert "empty" in response.json()["detail"]


async def test_bad_source_url_is_400(register: Any) -> None:
    response = await register("not a url", b"x", expect=400)
    assert "sourceFileUrl" in response.json()["detail"]


async def test_missing_file_part_is_400(reference_client: httpx.AsyncClient) -> None:
    response = await reference_client.post("/viewer/exports", data={"sourceFileUrl": URL},
                                           files={"other": ("a", b"x")})
    assert response.status_code == 400
    assert "file" in response.json()["detail"]


async def test_json_registration_is_415(reference_client: httpx.AsyncClient) -> None:
    response = await reference_client.post("/viewer/exports", json={"sourceFileUrl": URL})
    assert response.status_code == 415


async def test_list_and_delete(reference_client: httpx.AsyncClient, register: Any) -> None:
    await register(URL, b"%PDF")
    listed = (await reference_client.get("/viewer/exports")).json()["exports"]
    assert [e["sourceFileUrl"] for e in listed] == [URL]
    deleted = await reference_client.delete("/viewer/exports", params={"sourceFileUrl": URL})
    assert deleted.json() == {"success": True, "sourceFileUrl": URL}
    again = await reference_client.delete("/viewer/exports", params={"sourceFileUrl": URL})
    assert again.status_code == 404
    assert (await reference_client.get("/viewer/exports")).json()["exports"] == []
