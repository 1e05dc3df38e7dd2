"""Fixtures for the mock server: an in-process app, a client with the key set, the admin API."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from mock_helpers import API_KEY, MakeApp, client_for

from export_contract.settings import Settings
from mock_server import MockApp, MockOptions, create_mock_app


@pytest.fixture
def make_app() -> MakeApp:
    """A mock app with test-friendly options; keyword arguments override MockOptions fields."""

    def make(settings: Settings | None = None, **options: Any) -> MockApp:
        quiet_and_quick = MockOptions(log_requests=False, slow_stream_seconds=0.2)
        return create_mock_app(settings or Settings(api_keys=(API_KEY,)),
                               dataclasses.replace(quiet_and_quick, **options))

    return make


@pytest.fixture
def mock_app(make_app: MakeApp) -> MockApp:
    return make_app()


@pytest.fixture
async def client(mock_app: MockApp) -> AsyncIterator[httpx.AsyncClient]:
    """The API, key already set (the base URL includes /api)."""
    async with client_for(mock_app) as http:
        yield http


@pytest.fixture
async def admin(mock_app: MockApp) -> AsyncIterator[httpx.AsyncClient]:
    """The server root, for /__mock and the demo page; no key."""
    async with client_for(mock_app, key=None, base_url="http://testserver") as http:
        yield http
