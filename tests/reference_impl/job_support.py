"""Helpers for the export-job tests: an app with its lifespan running, a job's end."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
from job_waits import until

from export_contract.settings import Settings

KEY = "job-test-key-0123456789"
JOBS = "/viewer/exports/jobs"
# Webhook retries in milliseconds rather than minutes.
FAST_RETRIES = (0.05, 0.1, 0.2, 0.4, 0.8)


def job_settings(settings: Settings, **changes: Any) -> Settings:
    """The test settings with fast webhook retries and frequent housekeeping."""
    defaults: dict[str, Any] = {"api_keys": (KEY,), "webhook_secret": b"job-test-webhook-secret",
                                "webhook_retry_delays_seconds": FAST_RETRIES,
                                "job_check_interval_seconds": 0.1}
    return dataclasses.replace(settings, **{**defaults, **changes})


@contextlib.asynccontextmanager
async def running(app: Any) -> AsyncIterator[None]:
    """Run the ASGI app's lifespan (httpx's ASGI transport does not): start-up, then shutdown."""
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, to_app.get, from_app.put))
    await to_app.put({"type": "lifespan.startup"})
    started = await from_app.get()
    assert started["type"] == "lifespan.startup.complete", started
    try:
        yield
    finally:
        await to_app.put({"type": "lifespan.shutdown"})
        stopped = await from_app.get()
        await task
        assert stopped["type"] == "lifespan.shutdown.complete", stopped


@contextlib.asynccontextmanager
async def job_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an in-process reference backend whose lifespan runs (jobs are built)."""
    from reference_impl import create_app

    app = create_app(settings)
    async with running(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver/api",
            headers={"x-api-key": KEY}) as client:
        yield client


async def ended(client: httpx.AsyncClient, job_id: str, *, timeout: float = 15.0
                ) -> dict[str, Any]:
    """The job once it has left `processing`."""
    async def probe() -> dict[str, Any]:
        response = await client.get(f"{JOBS}/{job_id}")
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        return job

    return await until(probe, lambda job: job["state"] != "processing", timeout=timeout,
                       what=f"job {job_id} ending")


async def register(client: httpx.AsyncClient, url: str, content: bytes, *,
                   filename: str | None = None) -> None:
    data = {"sourceFileUrl": url} | ({"filename": filename} if filename else {})
    response = await client.post("/viewer/exports", data=data,
                                 files={"file": ("upload.bin", content)})
    assert response.status_code in (200, 201), response.text


def items(*urls: str) -> dict[str, Any]:
    return {"items": [{"sourceFileUrl": url} for url in urls]}
