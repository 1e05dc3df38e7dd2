"""The uploads the mock holds in memory have a total cap; past it a registration gets 413.

Before, 20 uploads of 200 MiB made the mock 4 GiB resident.
"""

from __future__ import annotations

import httpx
import pytest
from mock_helpers import MakeApp, client_for

pytestmark = pytest.mark.anyio

REGISTER = "/viewer/exports"
CAP = 1000


async def _register(client: httpx.AsyncClient, name: str, size: int) -> httpx.Response:
    return await client.post(REGISTER, data={
        "sourceFileUrl": f"https://canvas.example.com/files/{name}.txt"},
        files={"file": (f"{name}.txt", b"x" * size, "text/plain")})


async def test_a_registration_past_the_total_cap_gets_413_and_keeps_nothing(
        make_app: MakeApp) -> None:
    app = make_app(max_upload_total_bytes=CAP)
    async with client_for(app) as client:
        assert (await _register(client, "a", 600)).status_code == 201
        refused = await _register(client, "b", 600)
        listed = (await client.get(REGISTER)).json()["exports"]
    assert refused.status_code == 413
    assert refused.headers["content-type"] == "application/problem+json"
    detail = refused.json()["detail"]
    assert "600 bytes" in detail and f"{CAP} bytes" in detail and "--max-upload-total" in detail
    assert [e["filename"] for e in listed] == ["a.txt"]
    assert app.catalog.uploaded_bytes == 600


async def test_replacing_an_upload_counts_only_the_new_bytes(make_app: MakeApp) -> None:
    app = make_app(max_upload_total_bytes=CAP)
    async with client_for(app) as client:
        assert (await _register(client, "a", 600)).status_code == 201
        assert (await _register(client, "a", 900)).status_code == 200  # replaces: 900 held
        assert (await _register(client, "b", 200)).status_code == 413
        assert (await _register(client, "a", 100)).status_code == 200  # 100 held
        assert (await _register(client, "b", 900)).status_code == 201
    assert app.catalog.uploaded_bytes == CAP


async def test_deleting_and_resetting_free_room(make_app: MakeApp) -> None:
    app = make_app(max_upload_total_bytes=CAP)
    async with client_for(app) as client, \
            client_for(app, key=None, base_url="http://testserver") as admin:
        assert (await _register(client, "a", CAP)).status_code == 201
        deleted = await client.delete(REGISTER, params={
            "sourceFileUrl": "https://canvas.example.com/files/a.txt"})
        assert deleted.status_code == 200
        assert (await _register(client, "b", CAP)).status_code == 201
        assert (await admin.post("/__mock/reset")).status_code == 200
        assert (await _register(client, "c", CAP)).status_code == 201


def test_the_default_cap_is_one_gib() -> None:
    from mock_server import MockOptions

    assert MockOptions().max_upload_total_bytes == 1024 ** 3
