"""`serve --workers N`: several processes on one pre-bound port, configured alike."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest
from server_processes import ServerProcess

pytestmark = pytest.mark.e2e

KEY = "workers-key-0123456789"
URL = "https://canvas.example.com/files/plan.pdf"


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
        urls = []
        for _ in range(20):  # a new connection each time, so both workers answer some
            with httpx.Client(base_url=server.base_url, headers={"x-api-key": KEY},
                              timeout=30) as client:
                # The flag and the environment variable reached every worker.
                assert client.post("/viewer/exports/download-batch",
                                   json={"items": [{"sourceFileUrl": URL}] * 4}
                                   ).status_code == 413
                assert client.post("/viewer/exports/download", content=b" " * 5000,
                                   headers={"content-type": "application/json"}
                                   ).status_code == 413
                urls.append(client.post("/viewer/exports/download",
                                        params={"responseType": "urls"},
                                        json={"sourceFileUrl": URL}).json()["exportedUrl"])
        # An exported URL signed by either worker is valid on both.
        assert {httpx.get(url).status_code for url in urls for _ in range(2)} == {200}
        server.stop()
    assert "workers: 2" in server.banner
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers), "a worker outlived the server"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()
