"""The demo page and the client module, served by the mock at stable paths."""

from __future__ import annotations

import httpx
import pytest
from mock_helpers import MakeApp, client_for

from export_contract.settings import Settings
from mock_server import DEV_API_KEY

pytestmark = pytest.mark.anyio


async def test_demo_page_and_client_module_are_served(admin: httpx.AsyncClient) -> None:
    page = await admin.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Backend export download" in page.text
    client = await admin.get("/export-client.js")
    assert client.headers["content-type"].startswith("text/javascript")
    assert "export async function downloadExports" in client.text
    for asset in ("/demo.js", "/demo.css", "/index.html"):
        assert (await admin.get(asset)).status_code == 200


async def test_the_page_carries_the_development_key_but_never_a_chosen_one(
        make_app: MakeApp) -> None:
    async with client_for(make_app(Settings(api_keys=(DEV_API_KEY,))), key=None,
                          base_url="http://testserver") as dev:
        assert f'<meta name="export-api-key" content="{DEV_API_KEY}">' in (
            await dev.get("/")).text
    async with client_for(make_app(Settings(api_keys=("secret-key",))), key=None,
                          base_url="http://testserver") as own:
        page = (await own.get("/")).text
        assert "export-api-key" not in page and "secret-key" not in page


async def test_pages_allow_other_origins_and_the_admin_api_configured_ones(
        admin: httpx.AsyncClient, make_app: MakeApp) -> None:
    origin = {"Origin": "http://localhost:3000"}
    assert (await admin.get("/export-client.js", headers=origin)).headers[
        "access-control-allow-origin"] == "*"
    preflight_headers = {**origin, "Access-Control-Request-Method": "POST",
                         "Access-Control-Request-Headers": "content-type"}
    assert (await admin.options("/__mock/scenario", headers=preflight_headers)
            ).status_code == 403
    async with client_for(make_app(admin_origins=("http://localhost:3000",)), key=None,
                          base_url="http://testserver") as configured:
        preflight = await configured.options("/__mock/scenario", headers=preflight_headers)
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"


async def test_preflight_allows_the_prefer_header(client: httpx.AsyncClient) -> None:
    preflight = await client.options("/viewer/exports/download", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-api-key,prefer"})
    assert preflight.status_code == 200
    assert "prefer" in preflight.headers["access-control-allow-headers"].lower()
