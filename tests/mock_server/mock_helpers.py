"""Constants and small helpers shared by the mock server tests."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from mock_server import MockApp

API_KEY = "mock-test-key"
BASE = "http://testserver/api"
PDF_URL = "https://canvas.example.com/files/floor-plan.pdf"
ARCHIVED_PDF_URL = "https://canvas.example.com/archive/floor-plan.pdf"
TEXT_URL = "https://canvas.example.com/files/r%C3%A9sum%C3%A9.txt"
MISSING_URL = "https://unknown.invalid/missing.pdf"
SINGLE = "/viewer/exports/download"
BATCH = "/viewer/exports/download-batch"

MakeApp = Callable[..., MockApp]


def client_for(app: MockApp, *, key: str | None = API_KEY, base_url: str = BASE
               ) -> httpx.AsyncClient:
    """An in-process client for `app`, with `key` sent as x-api-key when given."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url,
                             headers={"x-api-key": key} if key else {})


def single(url: str = PDF_URL) -> dict[str, object]:
    return {"sourceFileUrl": url}


def batch(*urls: str) -> dict[str, object]:
    return {"items": [{"sourceFileUrl": url} for url in urls]}
