"""JSON nested deeper than the guard's limit gets a 400 saying so, on both servers.

A body nested ~950 levels deep used to pass the guard's own parse and then fail connexion's
second, recursive parse and validation with a 500. The depth is now counted on the raw bytes
before anything parses the body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from hardening_samples import BATCH, SINGLE

from export_contract.guards import MAX_JSON_DEPTH
from export_contract.settings import Settings
from mock_server import MockOptions, create_mock_app
from reference_impl import create_app

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]

KEY = "deep-json-key-0123456789"
URL = "https://canvas.example.com/files/plan.pdf"
ROUTES = [SINGLE, BATCH, SINGLE + "?responseType=urls", BATCH + "?responseType=urls"]


def _arrays(depth: int) -> bytes:
    return b'{"sourceFileUrl": ' + b"[" * depth + b"]" * depth + b"}"


def _objects(depth: int) -> bytes:
    return b'{"items": [' + b'{"a":' * depth + b"1" + b"}" * depth + b"]}"


def _extra(depth: int) -> bytes:
    """A usable single body whose ignored extra property nests `depth` levels in all."""
    inner = depth - 1  # the body's own object is the first level
    return (f'{{"sourceFileUrl": "{URL}", "extra": '.encode() + b"[" * inner + b"]" * inner
            + b"}")


async def _post(client: httpx.AsyncClient, route: str, body: bytes) -> httpx.Response:
    return await client.post(route, content=body, headers={"content-type": "application/json"})


@pytest.fixture(params=["reference", "mock"])
async def client(request: pytest.FixtureRequest, tmp_path: Path
                 ) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(data_dir=tmp_path / "data", api_keys=(KEY,),
                        url_secret=b"deep-json-url-secret-0123456789")
    app = (create_app(settings) if request.param == "reference"
           else create_mock_app(settings, MockOptions(log_requests=False)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver/api", timeout=60,
                                 headers={"x-api-key": KEY}) as http:
        registered = await http.post("/viewer/exports", data={"sourceFileUrl": URL},
                                     files={"file": ("plan.pdf", b"%PDF-1.4 plan")})
        assert registered.status_code in (200, 201), registered.text
        yield http


@pytest.mark.parametrize("body", [_arrays(950), _arrays(100_000), _objects(950),
                                  _objects(100_000)],
                         ids=["arrays-950", "arrays-100000", "objects-950", "objects-100000"])
@pytest.mark.parametrize("route", ROUTES)
async def test_deeply_nested_json_is_a_400_that_names_the_limit(
        client: httpx.AsyncClient, route: str, body: bytes) -> None:
    response = await _post(client, route, body)
    assert response.status_code == 400, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in response.json()["detail"]


@pytest.mark.parametrize("route", [SINGLE, SINGLE + "?responseType=urls"])
async def test_nesting_up_to_the_limit_is_accepted(client: httpx.AsyncClient,
                                                   route: str) -> None:
    assert (await _post(client, route, _extra(MAX_JSON_DEPTH))).status_code == 200
    deeper = await _post(client, route, _extra(MAX_JSON_DEPTH + 1))
    assert deeper.status_code == 400
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in deeper.json()["detail"]


async def test_brackets_inside_strings_do_not_count(client: httpx.AsyncClient) -> None:
    body = f'{{"sourceFileUrl": "{URL}", "note": "{"[{" * 500}\\"{"]" * 10}"}}'.encode()
    assert (await _post(client, SINGLE, body)).status_code == 200


async def test_the_mock_journal_still_reads_after_a_deep_body(tmp_path: Path) -> None:
    app = create_mock_app(Settings(api_keys=(KEY,)), MockOptions(log_requests=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        # Small enough for the journal to keep whole, deep enough to break a recursive parse.
        refused = await http.post("/api" + SINGLE, content=_arrays(25_000),
                                  headers={"x-api-key": KEY,
                                           "content-type": "application/json"})
        assert refused.status_code == 400
        journal = await http.get("/__mock/requests")
    assert journal.status_code == 200, journal.text[:300]
    assert journal.json()["requests"][-1]["body"].startswith('{"sourceFileUrl": [[[')


@pytest.mark.parametrize("depth", [950, 100_000])
async def test_the_mock_admin_api_refuses_deep_json_too(depth: int) -> None:
    app = create_mock_app(Settings(api_keys=(KEY,)), MockOptions(log_requests=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        response = await http.put("/__mock/scenario", content=b"[" * depth + b"]" * depth)
    assert response.status_code == 400, response.text[:300]
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in response.json()["detail"]
