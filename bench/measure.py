"""Shared helpers for the benchmarks: servers as processes, their memory, curl timings.

The server harness lives with the tests (`tests/support/server_processes.py`), outside the
shipped packages; this module puts it on the path for every benchmark.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from server_processes import (
    ServerProcess,
    open_fd_targets,
    peak_rss_mib,
    reset_peak_rss,
    thread_count,
)

__all__ = ["Download", "ServerProcess", "curl_download", "moto_server", "open_fd_targets",
           "peak_rss_mib", "reset_peak_rss", "thread_count"]


@dataclass(frozen=True)
class Download:
    status: int
    size_bytes: int
    first_byte_s: float
    total_s: float

    @property
    def mib_per_s(self) -> float:
        return self.size_bytes / (1024 * 1024) / self.total_s


def curl_download(url: str, *, json_body: str | None = None,
                  headers: dict[str, str] | None = None) -> Download:
    """Download with curl (a C client, so the client is not the bottleneck), body discarded."""
    if shutil.which("curl") is None:
        raise SystemExit("curl is needed for this benchmark (apt-get install curl)")
    command = ["curl", "-sS", "-o", "/dev/null", "-w",
               "%{http_code} %{size_download} %{time_starttransfer} %{time_total}"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if json_body is not None:
        command += ["-H", "Content-Type: application/json", "--data-binary", json_body]
    command.append(url)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
    return Download(int(out[0]), int(out[1]), float(out[2]), float(out[3]))


def moto_server(bucket: str) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    """moto's S3 server in a process of its own (not the clients'), with `bucket` made, and
    the AWS variables that point at it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                                str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:  # a bench, not a test: polling for the port is fine here
        try:
            httpx.get(endpoint, timeout=1)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("moto's S3 server did not start") from None
            time.sleep(0.1)
    env = {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "bench",
           "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    httpx.put(f"{endpoint}/{bucket}", timeout=10)
    return process, env
