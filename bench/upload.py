"""Registration uploads streamed into the blob store, a directory and an S3 bucket.

    python bench/upload.py [--mib 256] [--rounds 3]

Starts moto's S3 server in a process of its own, then `export-contract serve` twice: on the
default data dir, and with `--blob-store s3://…` on that server. Each registers one upload
of `--mib` MiB sent in 1 MiB pieces without a Content-Length (as a browser or a proxy
streaming it would), `--rounds` times. Printed per store: the upload's throughput, the
server's peak RSS growth while uploading, and the most bytes added to the instance's data
dir while the upload was arriving (sampled every 20 ms; the export database aside). For the
bucket, the same bytes sent straight to moto with boto3's `upload_fileobj` (8 MiB parts) in
the same run give the ratio of the backend's streaming to a plain upload of the same bytes
to the same store.
Exit status 1 when an upload was refused or a bucket upload left bytes in the data dir.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import boto3
import httpx
from boto3.s3.transfer import TransferConfig

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import ServerProcess, moto_server, peak_rss_mib, reset_peak_rss

KEY = "upload-bench-key-0123456789"
BUCKET = "upload-bench"
BOUNDARY = "upload-bench-boundary"
MiB = 1024 * 1024


def _piece(index: int) -> bytes:
    # Distinct pieces, so no upload is the same bytes as another's (no de-duplication).
    return index.to_bytes(8, "big") * (MiB // 8)


def _body(mib: int, round_: int) -> Iterator[bytes]:
    yield (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"sourceFileUrl\"\r\n\r\n"
           f"https://bench.example.com/upload-{round_}.bin\r\n--{BOUNDARY}\r\n"
           "Content-Disposition: form-data; name=\"file\"; filename=\"upload.bin\"\r\n"
           "Content-Type: application/octet-stream\r\n\r\n").encode()
    for index in range(mib):
        yield _piece(round_ * 100_000 + index)
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


class _DiskWatch:
    """The most bytes added to files under `root` while it runs, the export database aside."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.most = 0
        self.start = self._total()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> _DiskWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            self.most = max(self.most, self._total() - self.start)

    def _total(self) -> int:
        total = 0
        for path in self.root.rglob("*"):
            try:
                if path.is_file() and ".sqlite3" not in path.name:
                    total += path.stat().st_size
            except OSError:
                continue
        return total


def _upload(server: ServerProcess, data_dir: Path, mib: int, round_: int
            ) -> tuple[float, float, int]:
    """Seconds, peak RSS growth (MiB) and the most bytes in the data dir, for one upload."""
    reset_peak_rss(server.pid)
    before = peak_rss_mib(server.pid)
    with _DiskWatch(data_dir) as watch:
        started = time.perf_counter()
        response = httpx.post(f"{server.base_url}/viewer/exports", content=_body(mib, round_),
                              headers={"x-api-key": KEY,
                                       "content-type": f"multipart/form-data; boundary={BOUNDARY}"},
                              timeout=600)
        seconds = time.perf_counter() - started
    if response.status_code not in (200, 201):
        raise SystemExit(f"the upload was refused: {response.status_code} {response.text}")
    return seconds, peak_rss_mib(server.pid) - before, watch.most


def _direct(env: dict[str, str], mib: int, round_: int) -> float:
    """Seconds for boto3 to send the same bytes straight to the bucket."""
    client = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"],
                          aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                          region_name=env["AWS_DEFAULT_REGION"])
    data = io.BytesIO(b"".join(_piece(round_ * 100_000 + i) for i in range(mib)))
    started = time.perf_counter()
    client.upload_fileobj(data, BUCKET, f"direct/{round_}", Config=TransferConfig(
        multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB, max_concurrency=1))
    return time.perf_counter() - started


def run(mib: int, rounds: int) -> tuple[str, bool]:
    lines, ok = [], True
    moto, aws = moto_server(BUCKET)
    try:
        with tempfile.TemporaryDirectory(prefix="upload-bench-") as folder:
            root = Path(folder)
            stores = {"directory": {}, "bucket": {**aws, "EXPORT_BLOB_STORE": f"s3://{BUCKET}/x"}}
            times: dict[str, list[float]] = {}
            for label, extra in stores.items():
                data_dir = root / label
                with ServerProcess(["serve", "--data-dir", str(data_dir)],
                                   env={"EXPORT_API_KEYS": KEY, **extra}) as server:
                    runs = [_upload(server, data_dir, mib, i + (100 if extra else 0))
                            for i in range(rounds)]
                times[label] = [seconds for seconds, _, _ in runs]
                on_disk = max(most for _, _, most in runs)
                growth = max(rss for _, rss, _ in runs)
                if extra and on_disk:
                    ok = False
                lines.append(f"{label}: {mib} MiB in {statistics.median(times[label]):.2f} s "
                             f"(median of {rounds}), {mib / statistics.median(times[label]):.0f} "
                             f"MiB/s; peak RSS growth {growth:.0f} MiB; most in the data dir "
                             f"while uploading {on_disk / MiB:.1f} MiB")
            direct = [_direct(aws, mib, i) for i in range(rounds)]
            ratio = statistics.median(times["bucket"]) / statistics.median(direct)
            lines.append(f"boto3 straight to the bucket: {statistics.median(direct):.2f} s, "
                         f"{mib / statistics.median(direct):.0f} MiB/s; through the backend / "
                         f"straight: {ratio:.2f}x the time")
    finally:
        moto.kill()
        moto.wait()
    return "\n".join(lines), ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mib", type=int, default=256, help="size of each upload")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    report, ok = run(args.mib, args.rounds)
    print(report)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
