"""Every method on a protected path needs the key, on both servers; a CORS preflight never does.

`HEAD /api/viewer/exports` without a key used to answer 200 with the listing's length: the
guard only protected the (method, path) pairs the spec names, and HEAD is none of them
(Starlette answers it with the GET handler). Now the path decides.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from export_contract.routes import RouteTable
from export_contract.settings import Settings
from export_contract.spec import load_spec
from mock_server import MockOptions, create_mock_app
from reference_impl import create_app

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]

KEY = "every-method-key-0123456789"
ORIGIN = "https://app.example.com"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE", "CONNECT", "PROPFIND",
           "BREW"]


def _protected_paths() -> list[str]:
    routes = RouteTable.from_spec(load_spec())
    templates = {routes.base_path + r.path for r in routes.routes if r.secured}
    return sorted(re.sub(r"\{[^}]+\}", "x", template) for template in templates)


PROTECTED = _protected_paths()


@pytest.fixture(params=["reference", "mock"])
async def client(request: pytest.FixtureRequest, tmp_path: Path
                 ) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(data_dir=tmp_path / "data", api_keys=(KEY,), cors_origins=(ORIGIN,),
                        url_secret=b"every-method-url-secret-012345678")
    app = (create_app(settings) if request.param == "reference"
           else create_mock_app(settings, MockOptions(log_requests=False)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        for n in range(3):
            registered = await http.post(
                "/api/viewer/exports", headers={"x-api-key": KEY},
                data={"sourceFileUrl": f"https://canvas.example.com/files/{n}.pdf"},
                files={"file": ("p.pdf", b"%PDF-1.4 export")})
            assert registered.status_code == 201, registered.text
        yield http


def test_the_spec_has_protected_paths_to_probe() -> None:
    assert "/api/viewer/exports" in PROTECTED and "/api/viewer/exports/download" in PROTECTED


@pytest.mark.parametrize("path", PROTECTED)
@pytest.mark.parametrize("method", METHODS)
async def test_every_method_without_a_key_is_401(client: httpx.AsyncClient, method: str,
                                                 path: str) -> None:
    response = await client.request(method, path)
    assert response.status_code == 401, (method, path, response.status_code)
    assert "content-disposition" not in response.headers
    wrong = await client.request(method, path, headers={"x-api-key": "not-the-key"})
    assert wrong.status_code == 403, (method, path, wrong.status_code)


async def test_head_of_the_listing_tells_nothing_without_a_key(
        client: httpx.AsyncClient) -> None:
    without = await client.head("/api/viewer/exports")
    assert without.status_code == 401
    assert without.headers["content-type"] == "application/problem+json"
    allowed = await client.head("/api/viewer/exports", headers={"x-api-key": KEY})
    assert allowed.status_code == 200
    listing = await client.get("/api/viewer/exports", headers={"x-api-key": KEY})
    assert allowed.headers["content-length"] == str(len(listing.content))


@pytest.mark.parametrize("path", PROTECTED)
async def test_a_preflight_still_needs_no_key(client: httpx.AsyncClient, path: str) -> None:
    response = await client.options(path, headers={
        "origin": ORIGIN, "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-api-key"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN


async def test_exported_urls_stay_open_to_any_method_the_route_answers(
        client: httpx.AsyncClient) -> None:
    # No key needed: a token in the issued form but badly signed is a 403, never a 401.
    forged = "abc." + "d" * 43
    for method in ("GET", "HEAD"):
        response = await client.request(method, f"/api/viewer/exports/files/{forged}")
        assert response.status_code == 403, method
