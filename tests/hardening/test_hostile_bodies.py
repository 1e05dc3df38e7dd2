"""Oversized, deeply nested, huge and odd JSON bodies get a 4xx from both servers.

Never a 5xx, streamed bodies without a Content-Length included. That each answer also comes
within a few seconds is a wall-clock assertion: those tests are marked `timing`.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from hardening_samples import BATCH, SINGLE

from export_contract.settings import MiB, Settings
from mock_server import MockOptions, create_mock_app
from reference_impl import create_app

pytestmark = pytest.mark.anyio

KEY = "hostile-body-key-0123456789"
URL = "https://canvas.example.com/files/plan.pdf"
QUICK_SECONDS = 5.0
PATHS = [SINGLE, BATCH, SINGLE + "?responseType=urls"]
MANY_PROPERTIES = json.dumps({"sourceFileUrl": URL, **{f"k{n}": n for n in range(60_000)}}
                             ).encode()

BODIES: dict[str, bytes] = {
    "over-one-mib": json.dumps({"sourceFileUrl": URL, "pad": "x" * (2 * MiB)}).encode(),
    "nested-arrays": b'{"sourceFileUrl": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
    "nested-objects": b'{"x": ' + b'{"a":' * 100_000 + b"1" + b"}" * 100_000
                      + f', "sourceFileUrl": "{URL}"}}'.encode(),
    "nested-items": b'{"items": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
    "half-a-million-numbers": b'{"items": [' + b"1," * 500_000 + b"1]}",
    "300k-empty-items": b'{"items": [' + b"{}," * 300_000 + b"{}]}",
    "30k-valid-items": json.dumps({"items": [{"sourceFileUrl": URL}] * 30_000}).encode(),
    "900k-url": json.dumps({"sourceFileUrl": "https://a.example/" + "a" * 900_000}).encode(),
    "5000-digit-number": b'{"sourceFileUrl": ' + b"1" * 5000 + b"}",
    "5000-digit-extra": f'{{"sourceFileUrl": "{URL}", "n": '.encode() + b"9" * 5000 + b"}",
    "nan": b'{"sourceFileUrl": NaN}',
    "infinity-extra": f'{{"sourceFileUrl": "{URL}", "n": -Infinity}}'.encode(),
    "huge-exponent": b'{"sourceFileUrl": 1e999999}',
    "lone-surrogate": b'{"sourceFileUrl": "https://a.example/\\ud800.pdf"}',
    "lone-surrogate-batch": b'{"items": [{"sourceFileUrl": "https://a.example/\\udfff"}]}',
    "utf8-bom": b'\xef\xbb\xbf{"sourceFileUrl": "https://a.example/x.pdf"}',
    "latin-1": '{"sourceFileUrl": "https://a.example/r\xe9sum\xe9.pdf"}'.encode("latin-1"),
    "duplicate-keys": f'{{"sourceFileUrl": 1, "sourceFileUrl": {{"a": "{URL}"}}}}'.encode(),
    "items-object": f'{{"items": {{"sourceFileUrl": "{URL}"}}}}'.encode(),
    "trailing-garbage": f'{{"sourceFileUrl": "{URL}"}} trailing'.encode(),
    "nul-bytes": b'{"sourceFileUrl": "https://a.example/x.pdf"}\x00\x00',
}


@pytest.fixture(params=["reference", "mock"])
async def client(request: pytest.FixtureRequest, tmp_path: Path
                 ) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(data_dir=tmp_path / "data", api_keys=(KEY,),
                        url_secret=b"hostile-body-url-secret-0123456789")
    app = (create_app(settings) if request.param == "reference"
           else create_mock_app(settings, MockOptions(log_requests=False)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver/api", timeout=60,
                                 headers={"x-api-key": KEY,
                                          "content-type": "application/json"}) as http:
        yield http


async def _streamed(body: bytes) -> AsyncIterator[bytes]:
    """The body in 64 KiB pieces: sent without a Content-Length."""
    for start in range(0, len(body), 65536):
        yield body[start:start + 65536]


@pytest.mark.parametrize("name", list(BODIES))
@pytest.mark.parametrize("path", PATHS)
async def test_hostile_bodies_get_a_4xx_problem(client: httpx.AsyncClient, name: str,
                                                path: str) -> None:
    response = await client.post(path, content=BODIES[name])
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.status_code in (400, 404, 413), response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["success"] is False


@pytest.mark.timing
async def test_hostile_bodies_are_answered_within_seconds(client: httpx.AsyncClient) -> None:
    slow: dict[str, float] = {}
    for name, body in BODIES.items():
        for path in PATHS:
            started = time.monotonic()
            await client.post(path, content=body)
            elapsed = time.monotonic() - started
            if elapsed >= QUICK_SECONDS:
                slow[f"{name} {path}"] = round(elapsed, 1)
    assert not slow, f"answered after {QUICK_SECONDS} s or more: {slow}"


@pytest.mark.parametrize("name", ["over-one-mib", "30k-valid-items", "nested-arrays"])
async def test_hostile_bodies_streamed_without_a_length_get_the_same_answer(
        client: httpx.AsyncClient, name: str) -> None:
    whole = await client.post(BATCH, content=BODIES[name])
    streamed = await client.post(BATCH, content=_streamed(BODIES[name]))
    assert streamed.status_code == whole.status_code
    assert 400 <= streamed.status_code < 500


async def test_a_batch_over_the_item_limit_is_413_naming_the_limit(
        client: httpx.AsyncClient) -> None:
    response = await client.post(BATCH, json={"items": [{"sourceFileUrl": URL}] * 101})
    assert response.status_code == 413
    assert "100" in response.json()["detail"]


async def test_sixty_thousand_unknown_properties_are_ignored(client: httpx.AsyncClient) -> None:
    response = await client.post(SINGLE, content=MANY_PROPERTIES)
    assert response.status_code in (200, 404), response.text[:300]  # mock: 200, reference: 404


@pytest.mark.timing
async def test_sixty_thousand_unknown_properties_are_ignored_within_seconds(
        client: httpx.AsyncClient) -> None:
    started = time.monotonic()
    await client.post(SINGLE, content=MANY_PROPERTIES)
    assert time.monotonic() - started < QUICK_SECONDS
