"""`serve --workers N`: several processes on one pre-bound port, configured alike."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import psutil
import pytest
from server_processes import ServerProcess

pytestmark = pytest.mark.e2e

KEY = "workers-key-0123456789"
URL = "https://canvas.example.com/files/plan.pdf"
# Connections tried before concluding that a worker never answers.
MAX_CONNECTIONS = 200


def test_workers_share_the_port_the_settings_and_the_url_secret(tmp_path: Path) -> None:
    with ServerProcess(["serve", "--data-dir", str(tmp_path / "data"), "--workers", "2",
                        "--max-items", "3"],
                       env={"EXPORT_API_KEYS": KEY, "EXPORT_MAX_BODY_BYTES": "4096"}) as server:
        workers = server.worker_pids()
        assert len(workers) == 2 and server.pid not in workers
        with httpx.Client(base_url=server.base_url, headers={"x-api-key": KEY},
                          timeout=30) as client:
            assert client.post("/viewer/exports", data={"sourceFileUrl": URL},
                               files={"file": ("plan.pdf", b"%PDF-1.4 plan\n")}
                               ).status_code == 201
        # A new connection each time, until each worker has answered on some.
        issued: list[tuple[str, int]] = []  # (exported URL, the worker that signed it)
        limits_checked_by: set[int] = set()
        for _ in range(MAX_CONNECTIONS):
            with httpx.Client(base_url=server.base_url, headers={"x-api-key": KEY},
                              timeout=30) as client:
                # The flag and the environment variable reached the worker.
                too_many = client.post("/viewer/exports/download-batch",
                                       json={"items": [{"sourceFileUrl": URL}] * 4})
                assert too_many.status_code == 413
                limits_checked_by.add(_answered_by(too_many, workers))
                too_long = client.post("/viewer/exports/download", content=b" " * 5000,
                                       headers={"content-type": "application/json"})
                assert too_long.status_code == 413
                limits_checked_by.add(_answered_by(too_long, workers))
                answer = client.post("/viewer/exports/download", params={"responseType": "urls"},
                                     json={"sourceFileUrl": URL})
                issued.append((answer.json()["exportedUrl"], _answered_by(answer, workers)))
            if limits_checked_by == {signer for _, signer in issued} == set(workers):
                break
        assert limits_checked_by == set(workers), f"only {limits_checked_by} of {workers} answered"
        assert {signer for _, signer in issued} == set(workers)
        # An exported URL signed by either worker is valid on the other.
        crossings = {(a, b) for a in workers for b in workers if a != b}
        seen: set[tuple[int, int]] = set()
        for attempt in range(MAX_CONNECTIONS):
            url, signer = issued[attempt % len(issued)]
            with httpx.Client(timeout=30) as fresh:
                fetched = fresh.get(url)
                assert fetched.status_code == 200, fetched.text
                seen.add((signer, _answered_by(fetched, workers)))
            if crossings <= seen:
                break
        assert crossings <= seen, f"(signer, fetcher) pairs: {seen}"
        server.stop()
    assert "workers: 2" in server.banner
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers), "a worker outlived the server"


def _answered_by(response: httpx.Response, workers: list[int]) -> int:
    """The worker holding the server end of the connection `response` came on (still open).

    Read from the kernel's socket table, not from anything the server sends: no header or log
    line has to give a process id away for this.
    """
    client = response.extensions["network_stream"].get_extra_info("client_addr")
    server_port = response.url.port
    holders = [pid for pid in workers
               if any(c.laddr and c.laddr.port == server_port
                      and c.raddr and c.raddr.port == client[1]
                      for c in psutil.Process(pid).net_connections(kind="tcp"))]
    assert len(holders) == 1, f"connection from port {client[1]} held by {holders}"
    return holders[0]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()
