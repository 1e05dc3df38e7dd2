"""Helpers for the mock's export-job tests: a clock tests move, an app, a client, requests."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from mock_helpers import API_KEY, client_for

from export_contract.settings import Settings
from mock_server import MockApp, MockOptions, create_mock_app

JOBS = "/viewer/exports/jobs"
# Webhook retries in milliseconds rather than minutes.
FAST_RETRIES = (0.05, 0.1, 0.2, 0.4, 0.8)
START = 1_795_000_000.0


class Clock:
    """The jobs' clock: still until a test moves it."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def job_app(*, clock: Callable[[], float] = time.time, settings: Settings | None = None,
            transport: httpx.AsyncBaseTransport | None = None, **options: Any) -> MockApp:
    """A quiet mock with fast webhook retries; keyword arguments are MockOptions fields."""
    settings = settings or Settings(api_keys=(API_KEY,),
                                    webhook_retry_delays_seconds=FAST_RETRIES)
    return create_mock_app(settings, MockOptions(log_requests=False, **options), clock=clock,
                           webhook_transport=transport)


@contextlib.asynccontextmanager
async def job_client(app: MockApp) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app` (key set); the jobs' clock and deliveries stop with it."""
    async with client_for(app) as client:
        try:
            yield client
        finally:
            await app.jobs.aclose()
            await app.webhooks.aclose()


def items(*urls: str, **extra: Any) -> dict[str, Any]:
    return {"items": [{"sourceFileUrl": url} for url in urls], **extra}


async def create(client: httpx.AsyncClient, *urls: str, prefer: str | None = None,
                 **extra: Any) -> dict[str, Any]:
    headers = {"Prefer": prefer} if prefer else {}
    response = await client.post(JOBS, json=items(*urls, **extra), headers=headers)
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    return job


async def get(client: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    response = await client.get(f"{JOBS}/{job_id}")
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job
