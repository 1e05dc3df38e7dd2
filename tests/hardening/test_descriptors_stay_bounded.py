"""The reference backend's descriptors stay bounded however many worker threads come and go.

Storage calls run on anyio's worker threads; a SQLite connection per thread made the
descriptors follow the thread count (22 -> 67 over 512 concurrent downloads). The pool
keeps a fixed handful of connections.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from hardening_samples import SINGLE
from server_processes import ServerProcess, open_fd_count, open_fd_targets

pytestmark = pytest.mark.e2e

URL = "https://canvas.example.com/files/plan.pdf"
CLIENTS = 32
DOWNLOADS_PER_CLIENT = 16
# Whatever is in flight when the count is taken: a socket or two, a blob being closed.
SLACK = 6
SETTLE_SECONDS = 10.0


def _download(base_url: str, times: int) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for _ in range(times):
            response = client.post(SINGLE, json={"sourceFileUrl": URL})
            assert response.status_code == 200, response.text


def test_descriptors_stay_bounded_over_hundreds_of_concurrent_downloads(tmp_path: Path) -> None:
    with ServerProcess(["serve", "--no-auth", "--data-dir", str(tmp_path)]) as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            registered = client.post("/viewer/exports", data={"sourceFileUrl": URL},
                                     files={"file": ("plan.pdf", b"%PDF-1.4 plan" * 100)})
            assert registered.status_code == 201, registered.text
        _download(server.base_url, 5)  # warm-up: the pool's first connection is open
        after_warm_up = open_fd_count(server.pid)

        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(lambda _: _download(server.base_url, DOWNLOADS_PER_CLIENT),
                          range(CLIENTS)))

        # The clients' sockets close as the server notices; wait for that, not for a leak.
        deadline = time.monotonic() + SETTLE_SECONDS
        while (count := open_fd_count(server.pid)) > after_warm_up + SLACK:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        database = [t for t in open_fd_targets(server.pid) if "exports.sqlite3" in t]
        assert count <= after_warm_up + SLACK, (count, after_warm_up, database)
