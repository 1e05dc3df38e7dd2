"""Shared measuring helpers for the benchmarks: process memory and curl timings."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from export_contract.processes import peak_rss_mib, reset_peak_rss

__all__ = ["Download", "curl_download", "peak_rss_mib", "reset_peak_rss"]


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
