"""Batch-zip streaming through the real reference backend, next to plain-file baselines.

Registers N files of M MiB (default 100 x 10 MiB) and downloads, in the same run, the batch
zip and the same number of bytes as one export through `export-contract serve`, and as a
bare uvicorn + Starlette FileResponse. Each is downloaded 3 times, the three interleaved
(the machine may be shared): wall throughput is the best of 3, the server's CPU seconds per
GiB (utime + stime from /proc) and the time to first byte the median of 3; the backend's
peak RSS over its rounds. Then the two ratios the targets are about, zip / single.
Usage: `python bench/zip_stream.py [--files 100] [--mib 10] [--rounds 3]`.

`run_zip_stream(files, mib, rounds)` returns the same figures as a `ZipStreamFigures`.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Download, ServerProcess, curl_download, peak_rss_mib, reset_peak_rss

__all__ = ["Measured", "ZipStreamFigures", "run_zip_stream"]

KEY = "bench-key"
GiB = 1024**3
# The targets (a benchmark, not a timed test).
TARGET_THROUGHPUT_RATIO = 0.9
TARGET_CPU_RATIO = 1.25
TARGET_RSS_MIB = 150
TARGET_FIRST_BYTE_MS = 50


@dataclass(frozen=True)
class Measured:
    """One download repeated: every round's figures, summarised as the targets ask."""

    downloads: tuple[Download, ...]
    cpu_seconds: tuple[float, ...]
    peak_rss_mib: float | None = None

    @property
    def size_bytes(self) -> int:
        return self.downloads[0].size_bytes

    @property
    def best_mib_per_s(self) -> float:
        return max(d.mib_per_s for d in self.downloads)

    @property
    def cpu_s_per_gib(self) -> float:
        per_gib = [cpu / (d.size_bytes / GiB) for cpu, d in
                   zip(self.cpu_seconds, self.downloads, strict=True)]
        return statistics.median(per_gib)

    @property
    def first_byte_ms(self) -> float:
        return statistics.median(d.first_byte_s for d in self.downloads) * 1000


@dataclass(frozen=True)
class ZipStreamFigures:
    files: int
    mib_per_file: int
    zipped: Measured
    one_file: Measured
    plain: Measured

    @property
    def throughput_ratio(self) -> float:
        return self.zipped.best_mib_per_s / self.one_file.best_mib_per_s

    @property
    def cpu_ratio(self) -> float:
        return self.zipped.cpu_s_per_gib / self.one_file.cpu_s_per_gib

    def report(self) -> str:
        rounds = len(self.zipped.downloads)
        return "\n".join([
            f"{self.files} files x {self.mib_per_file} MiB, {os.cpu_count()} cores, "
            f"{rounds} rounds (throughput: best; CPU and first byte: median)",
            f"{'':<34} {'MiB':>6} {'TTFB ms':>8} {'MiB/s':>7} {'CPU s/GiB':>9} "
            f"{'peak RSS':>8}",
            _row("batch zip (reference backend)", self.zipped),
            _row("one export (reference backend)", self.one_file),
            _row("plain FileResponse (bare stack)", self.plain),
            f"zip / single: throughput {self.throughput_ratio:.2f}x (target >= "
            f"{TARGET_THROUGHPUT_RATIO}x), CPU per GiB {self.cpu_ratio:.2f}x (target <= "
            f"{TARGET_CPU_RATIO}x)",
            f"zip / plain FileResponse: throughput "
            f"{self.zipped.best_mib_per_s / self.plain.best_mib_per_s:.2f}x, CPU per GiB "
            f"{self.zipped.cpu_s_per_gib / self.plain.cpu_s_per_gib:.2f}x",
            f"zip first byte {self.zipped.first_byte_ms:.1f} ms for {self.files} items "
            f"(target < {TARGET_FIRST_BYTE_MS} ms at 100), peak RSS "
            f"{self.zipped.peak_rss_mib or 0:.1f} MiB (target < {TARGET_RSS_MIB})",
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


def cpu_seconds(pid: int) -> float:
    """The process's user + system CPU seconds so far, all its threads (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # Fields 14 and 15 (utime, stime), counted after the command name's closing bracket.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _plain_server(path: Path) -> Iterator[tuple[int, str]]:
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
        yield server.pid, f"http://127.0.0.1:{port}/file"
    finally:
        server.terminate()
        server.wait()


def _row(label: str, measured: Measured) -> str:
    rss = measured.peak_rss_mib
    rss_text = f"{rss:8.1f}" if rss is not None else "       -"
    return (f"{label:<34} {measured.size_bytes / 2**20:6.0f} {measured.first_byte_ms:8.1f}"
            f" {measured.best_mib_per_s:7.0f} {measured.cpu_s_per_gib:9.3f} {rss_text}")


def _interleaved(targets: dict[str, tuple[int, Callable[[], Download]]], rounds: int,
                 rss_of: set[str]) -> dict[str, Measured]:
    """Each target downloaded `rounds` times, one round of every target after another."""
    downloads: dict[str, list[Download]] = {name: [] for name in targets}
    cpu: dict[str, list[float]] = {name: [] for name in targets}
    peaks: dict[str, float] = {}
    for _ in range(rounds):
        for name, (pid, download) in targets.items():
            if name in rss_of:
                reset_peak_rss(pid)
            before = cpu_seconds(pid)
            downloads[name].append(download())
            cpu[name].append(cpu_seconds(pid) - before)
            if name in rss_of:
                peaks[name] = max(peaks.get(name, 0.0), peak_rss_mib(pid))
    return {name: Measured(tuple(downloads[name]), tuple(cpu[name]), peaks.get(name))
            for name in targets}


def run_zip_stream(files: int = 100, mib: int = 10, rounds: int = 3) -> ZipStreamFigures:
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
            api = server.base_url + "/viewer/exports/"
            headers = {"x-api-key": KEY}
            with _plain_server(big) as (plain_pid, plain_url):
                measured = _interleaved({
                    "zip": (server.pid, lambda: curl_download(
                        api + "download-batch", json_body=batch, headers=headers)),
                    "single": (server.pid, lambda: curl_download(
                        api + "download", json_body=single, headers=headers)),
                    "plain": (plain_pid, lambda: curl_download(plain_url)),
                }, rounds, rss_of={"zip", "single"})
    return ZipStreamFigures(files, mib, measured["zip"], measured["single"], measured["plain"])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--mib", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(run_zip_stream(args.files, args.mib, args.rounds).report())


if __name__ == "__main__":
    main()
