"""Rate limits per key and route group (rule R1): 429, Retry-After and problem details."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from job_support import running

from export_contract.rate_limits import parse_rate_limits
from export_contract.settings import Settings
from reference_impl import create_app

pytestmark = pytest.mark.anyio

KEYS = ("rate-key-one-0123456789", "rate-key-two-0123456789")
A = "https://canvas.example.com/files/plan.pdf"
BATCH = "/viewer/exports/download-batch"
JOBS = "/viewer/exports/jobs"


@contextlib.asynccontextmanager
async def _client(settings: Settings, limits: str | None) -> AsyncIterator[httpx.AsyncClient]:
    settings = dataclasses.replace(
        settings, api_keys=KEYS,
        rate_limits=parse_rate_limits([limits]) if limits else ())
    app = create_app(settings)
    async with running(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                               base_url="http://testserver/api") as client:
        yield client


async def _register(client: httpx.AsyncClient) -> None:
    response = await client.post("/viewer/exports", headers={"x-api-key": KEYS[0]},
                                 data={"sourceFileUrl": A}, files={"file": ("p", b"%PDF-1.4")})
    assert response.status_code == 201


async def test_a_key_over_its_batch_limit_gets_429_with_retry_after(settings: Settings) -> None:
    async with _client(settings, "batch=2/min") as client:
        await _register(client)
        body = {"items": [{"sourceFileUrl": A}]}
        one = {"x-api-key": KEYS[0]}
        for _ in range(2):
            assert (await client.post(BATCH, json=body, headers=one)).status_code == 200
        limited = await client.post(BATCH, json=body, headers=one)
        assert limited.status_code == 429
        assert limited.headers["content-type"] == "application/problem+json"
        assert "content-disposition" not in limited.headers  # never a download
        assert 1 <= int(limited.headers["retry-after"]) <= 30
        problem = limited.json()
        assert problem["status"] == 429 and problem["success"] is False
        assert "2 per 1 minute" in problem["detail"]
        # Another key, and another route group, are counted apart.
        other = await client.post(BATCH, json=body, headers={"x-api-key": KEYS[1]})
        assert other.status_code == 200
        single = await client.post("/viewer/exports/download", json={"sourceFileUrl": A},
                                   headers=one)
        assert single.status_code == 200


async def test_job_creation_has_its_own_group(settings: Settings) -> None:
    async with _client(settings, "jobs=1/hour,download=50/min") as client:
        key = {"x-api-key": KEYS[0]}
        body = {"items": [{"sourceFileUrl": A}]}
        assert (await client.post(JOBS, json=body, headers=key)).status_code == 202
        limited = await client.post(JOBS, json=body, headers=key)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) > 3000
        assert (await client.get(JOBS, headers=key)).status_code == 200  # polling is not


async def test_a_refused_key_is_not_counted_and_auth_comes_first(settings: Settings) -> None:
    async with _client(settings, "batch=1/min") as client:
        body = {"items": [{"sourceFileUrl": A}]}
        for _ in range(3):
            assert (await client.post(BATCH, json=body)).status_code == 401


async def test_limits_are_off_by_default(settings: Settings) -> None:
    async with _client(settings, None) as client:
        await _register(client)
        body = {"items": [{"sourceFileUrl": A}]}
        for _ in range(30):
            response = await client.post(BATCH, json=body, headers={"x-api-key": KEYS[0]})
            assert response.status_code == 200
