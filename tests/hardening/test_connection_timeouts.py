"""Both servers close connections that stall and refuse those over their cap with a 503.

Before, a connection that never sent a request, a head that stopped half-way and a body that
stopped were held for ever (550 such connections were all still open after 90 s), and a
flood of them ran the process out of descriptors so that real downloads failed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hardening_samples import SINGLE
from raw_connections import connect, read_until_closed, request_head, status_of
from server_processes import ServerProcess

pytestmark = pytest.mark.e2e

SHORT = {"EXPORT_REQUEST_HEAD_TIMEOUT_SECONDS": "1", "EXPORT_REQUEST_BODY_TIMEOUT_SECONDS": "1",
         "EXPORT_KEEP_ALIVE_TIMEOUT_SECONDS": "1"}
CAP = 3
RECONNECT_DEADLINE_SECONDS = 10.0


def _command(kind: str, data_dir: Path) -> list[str]:
    if kind == "reference":
        return ["serve", "--no-auth", "--data-dir", str(data_dir)]
    return ["mock", "--no-auth", "--quiet"]


@pytest.fixture(scope="module", params=["reference", "mock"])
def impatient_server(request: pytest.FixtureRequest,
                     tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp("impatient")
    with ServerProcess(_command(request.param, data_dir), env=SHORT) as server:
        yield server


def test_a_connection_that_sends_nothing_is_closed(impatient_server: ServerProcess) -> None:
    with connect(impatient_server.base_url) as sock:
        assert read_until_closed(sock) == b""


def test_a_head_that_stalls_half_way_gets_408_and_is_closed(
        impatient_server: ServerProcess) -> None:
    with connect(impatient_server.base_url) as sock:
        sock.sendall(b"POST /api/viewer/exports/download HTTP/1.1\r\nHost: 127.0.0.1\r\nConte")
        response = read_until_closed(sock)
    assert status_of(response) == 408, response
    assert b"application/problem+json" in response and b"head" in response


def test_a_body_that_stalls_gets_408_and_is_closed(impatient_server: ServerProcess) -> None:
    with connect(impatient_server.base_url) as sock:
        sock.sendall(request_head("POST", "/api" + SINGLE, {
            "Content-Type": "application/json", "Content-Length": "200"}))
        sock.sendall(b'{"sourceFileUrl": "https://canvas.exa')
        response = read_until_closed(sock)
    assert status_of(response) == 408, response
    assert b"body" in response


def test_a_keep_alive_connection_is_closed_once_idle(impatient_server: ServerProcess) -> None:
    with connect(impatient_server.base_url) as sock:
        sock.sendall(request_head("GET", "/api/openapi.json", {}))
        response = read_until_closed(sock)
    assert status_of(response) == 200 and b"connection: close" not in response.lower()


@pytest.mark.parametrize("kind", ["reference", "mock"])
def test_timeouts_come_from_flags_too(kind: str, tmp_path: Path) -> None:
    with ServerProcess([*_command(kind, tmp_path), "--head-timeout", "1",
                        "--body-timeout", "60"]) as server, connect(server.base_url) as sock:
        sock.sendall(b"GET /api/openapi.json HTTP/1.1\r\n")
        assert status_of(read_until_closed(sock)) == 408


@pytest.mark.parametrize("kind", ["reference", "mock"])
def test_a_connection_over_the_cap_gets_503_while_established_ones_are_served(
        kind: str, tmp_path: Path) -> None:
    with ServerProcess(_command(kind, tmp_path), env={
            "EXPORT_MAX_CONNECTIONS": str(CAP), "EXPORT_KEEP_ALIVE_TIMEOUT_SECONDS": "60"}
            ) as server:
        established = [httpx.Client(base_url=server.base_url, timeout=10) for _ in range(CAP)]
        try:
            for client in established:
                assert client.get("/openapi.json").status_code == 200
            refused = httpx.get(server.base_url + "/openapi.json", timeout=10)
            assert refused.status_code == 503, refused.text[:200]
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.headers["retry-after"] and "limit" in refused.json()["detail"]
            # The connections already open are still served.
            assert all(c.get("/openapi.json").status_code == 200 for c in established)
            # Once one closes, a newcomer gets in.
            established.pop().close()
            deadline = time.monotonic() + RECONNECT_DEADLINE_SECONDS
            while (status := httpx.get(server.base_url + "/openapi.json").status_code) == 503:
                assert time.monotonic() < deadline, "no room after a connection closed"
                time.sleep(0.05)
            assert status == 200
        finally:
            for client in established:
                client.close()
