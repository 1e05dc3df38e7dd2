"""Batch-zip streaming through the real reference backend, next to plain-file baselines.

Registers N files of M MiB (default 100 x 10 MiB), downloads the batch zip through
`export-contract serve`, and prints the server's peak RSS during the download, the time to
first byte and the throughput, next to (in the same run) the same number of bytes served as
one plain file: once as a single export through the same backend, once by a bare uvicorn +
Starlette FileResponse. Usage: `python bench/zip_stream.py [--files 100] [--mib 10]`.

`run_zip_stream(files, mib)` returns the same figures as a `ZipStreamFigures`.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Download, ServerProcess, curl_download, peak_rss_mib, reset_peak_rss

__all__ = ["ZipStreamFigures", "run_zip_stream"]

KEY = "bench-key"


@dataclass(frozen=True)
class ZipStreamFigures:
    files: int
    mib_per_file: int
    zipped: Download
    zip_peak_rss_mib: float
    one_file: Download
    one_file_peak_rss_mib: float
    plain: Download

    @property
    def zip_vs_best_plain(self) -> float:
        return self.zipped.mib_per_s / max(self.one_file.mib_per_s, self.plain.mib_per_s)

    def report(self) -> str:
        return "\n".join([
            f"{self.files} files x {self.mib_per_file} MiB, {os.cpu_count()} cores",
            f"{'':<34} {'MiB':>9} {'TTFB ms':>9} {'MiB/s':>10} {'peak RSS':>8}",
            _row("batch zip (reference backend)", self.zipped, self.zip_peak_rss_mib),
            _row("one export (reference backend)", self.one_file, self.one_file_peak_rss_mib),
            _row("plain FileResponse (bare stack)", self.plain),
            f"zip throughput / best plain-file baseline: {self.zip_vs_best_plain:.0%}",
        ])


def _random_file(path: Path, mib: int) -> Path:
    with path.open("wb") as out:
        for _ in range(mib):
            out.write(os.urandom(1024 * 1024))
    return path


def _register(client: httpx.Client, url: str, path: Path) -> None:
    with path.open("rb") as content:
        response = client.post("/viewer/exports", data={"sourceFileUrl": url},
                               files={"file": (path.name, content, "application/octet-stream")})
    response.raise_for_status()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _measure(pid: int, url: str, body: str | None = None) -> tuple[Download, float]:
    reset_peak_rss(pid)
    download = curl_download(url, json_body=body, headers={"x-api-key": KEY})
    return download, peak_rss_mib(pid)


def _plain_baseline(path: Path) -> Download:
    port = _free_port()
    server = subprocess.Popen([sys.executable, str(Path(__file__).with_name(
        "plain_file_server.py")), str(path), str(port)])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.head(f"http://127.0.0.1:{port}/file", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        return curl_download(f"http://127.0.0.1:{port}/file")
    finally:
        server.terminate()
        server.wait()


def _row(label: str, download: Download, rss: float | None = None) -> str:
    rss_text = f"{rss:8.1f}" if rss is not None else "       -"
    return (f"{label:<34} {download.size_bytes / 2**20:9.0f} {download.first_byte_s * 1000:9.1f}"
            f" {download.mib_per_s:10.0f} {rss_text}")


def run_zip_stream(files: int = 100, mib: int = 10) -> ZipStreamFigures:
    with tempfile.TemporaryDirectory(prefix="zip-bench-") as tmp:
        work = Path(tmp)
        env = {"EXPORT_API_KEYS": KEY}
        with ServerProcess(["serve", "--data-dir", str(work / "data"),
                            "--max-items", str(max(files, 100))], env=env) as server:
            urls = []
            with httpx.Client(base_url=server.base_url, headers={"x-api-key": KEY},
                              timeout=300) as client:
                for number in range(files):
                    url = f"https://bench.example.com/files/{number:03d}/export.bin"
                    _register(client, url, _random_file(work / "upload.bin", mib))
                    urls.append(url)
                big = _random_file(work / "big.bin", files * mib)
                _register(client, "https://bench.example.com/big.bin", big)
            batch = json.dumps({"items": [{"sourceFileUrl": u} for u in urls]})
            single = json.dumps({"sourceFileUrl": "https://bench.example.com/big.bin"})
            zipped, zip_rss = _measure(server.pid, server.base_url + "/viewer/exports/"
                                       "download-batch", batch)
            one_file, file_rss = _measure(server.pid, server.base_url + "/viewer/exports/"
                                          "download", single)
        plain = _plain_baseline(big)
    return ZipStreamFigures(files, mib, zipped, zip_rss, one_file, file_rss, plain)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--mib", type=int, default=10)
    args = parser.parse_args()
    print(run_zip_stream(args.files, args.mib).report())


if __name__ == "__main__":
    main()
