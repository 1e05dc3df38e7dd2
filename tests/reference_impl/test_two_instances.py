"""Two `serve` processes, separate data dirs, one PostgreSQL database and one shared blob
directory: they behave as one backend (issue 15), and no blob lands in either data dir."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from s3_server import S3Server
from server_processes import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

KEY = "two-instances-key-0123"
WEBHOOK_SECRET = "two-instances-webhook-secret-0123"
PDF = "https://canvas.example.com/files/floor-plan.pdf"
NOTES = "https://canvas.example.com/files/notes.txt"
BIG = "https://canvas.example.com/files/big-log.txt"
# Large enough that deflating it 16 times in a job outlasts the kill below.
BIG_CONTENT = b"".join(b"%08d a line of a long log that deflates slowly enough\n" % i
                       for i in range(400_000))


@pytest.fixture(params=["s3", "shared-directory"])
def instances(request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str
              ) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    if request.param == "s3":
        s3_server: S3Server = request.getfixturevalue("s3_server")
        bucket = request.getfixturevalue("s3_bucket")
        store = {"EXPORT_BLOB_STORE": f"s3://{bucket}/exports", **s3_server.env}
    else:
        store = {"EXPORT_BLOB_STORE": str(tmp_path / "blobs")}
    env = {"EXPORT_DATABASE_URL": postgres_url, **store,
           # Every instance signs and checks exported URLs and webhooks with the same secrets.
           "EXPORT_URL_SECRET": "two-instances-url-secret-0123456789",
           "EXPORT_WEBHOOK_RETRY_DELAYS_SECONDS": "0.2,0.4,0.8,1.6,3.2",
           "EXPORT_JOB_CHECK_INTERVAL_SECONDS": "0.2"}
    common = ["--api-key", KEY, "--webhook-secret", WEBHOOK_SECRET, "--allow-private-callbacks"]
    with ServerProcess(["serve", "--demo", "--data-dir", str(tmp_path / "a"), *common],
                       env=env) as first, \
            ServerProcess(["serve", "--data-dir", str(tmp_path / "b"), *common],
                          env=env) as second:
        yield first, second
    for name in ("a", "b"):
        assert [p for p in (tmp_path / name).rglob("*") if p.parent.name == "blobs"] == []
        assert not (tmp_path / name / "blobs").exists()


def _client(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"x-api-key": KEY}, timeout=60)


def _on(server: ServerProcess, url: str) -> str:
    """`url` (issued by either instance) on `server`; a bucket's URL as it is."""
    if "/api/" not in url:
        return url
    return server.base_url + url.split("/api", 1)[1]


def _register(client: httpx.Client, url: str, content: bytes) -> None:
    response = client.post("/viewer/exports", data={"sourceFileUrl": url},
                           files={"file": ("upload.bin", content)})
    assert response.status_code in (200, 201), response.text


def test_an_export_registered_through_one_instance_downloads_through_the_other(
        instances: tuple[ServerProcess, ServerProcess]) -> None:
    first, second = instances
    with _client(first) as a, _client(second) as b:
        _register(a, PDF, b"%PDF-1.4 floor plan")
        _register(a, NOTES, b"notes\n" * 1000)
        single = b.post("/viewer/exports/download", json={"sourceFileUrl": PDF})
        assert single.status_code == 200 and single.content == b"%PDF-1.4 floor plan"
        ranged = b.post("/viewer/exports/download", json={"sourceFileUrl": PDF},
                        headers={"range": "bytes=0-3"})
        assert single.status_code == 200 and ranged.content in (b"%PDF", single.content)
        batch = b.post("/viewer/exports/download-batch",
                       json={"items": [{"sourceFileUrl": PDF}, {"sourceFileUrl": NOTES}]})
        assert batch.status_code == 200, batch.text
        with zipfile.ZipFile(io.BytesIO(batch.content)) as archive:
            assert archive.read("floor-plan.pdf") == b"%PDF-1.4 floor plan"
            assert archive.read("notes.txt") == b"notes\n" * 1000
        exported = b.post("/viewer/exports/download", params={"responseType": "urls"},
                          json={"sourceFileUrl": NOTES}).json()["exportedUrl"]
        # An exported URL issued by one instance is served by either.
        for server in (first, second):
            followed = httpx.get(_on(server, exported), timeout=60)
            assert followed.status_code == 200 and followed.content == b"notes\n" * 1000
        assert a.delete("/viewer/exports", params={"sourceFileUrl": PDF}).status_code in (
            200, 204, 404, 405)


def test_verify_strict_passes_against_the_second_instance(
        instances: tuple[ServerProcess, ServerProcess], tmp_path: Path) -> None:
    _first, second = instances
    result = subprocess.run(
        [sys.executable, "-m", "export_contract_cli", "verify", "--base-url", second.base_url,
         "--api-key", KEY, "--source-url", "https://canvas.example.com/files/floor-plan.pdf",
         "--fixtures", "auto", "--strict", "--profile", "reference", "--max-examples", "3",
         "--seed", "11", "--url-revisit-after", "1", "--jobs", "--webhook-secret",
         WEBHOOK_SECRET, "--webhook-retry-wait", "10"],
        capture_output=True, text=True, timeout=280, env=dict(os.environ))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert ", 0 fail," in result.stdout


def test_a_job_whose_instance_is_killed_mid_build_is_finished_by_the_other(
        instances: tuple[ServerProcess, ServerProcess]) -> None:
    first, second = instances
    with _client(first) as a, _client(second) as b:
        _register(a, BIG, BIG_CONTENT)
        created = a.post("/viewer/exports/jobs",
                         json={"items": [{"sourceFileUrl": BIG}] * 16})
        assert created.status_code == 202, created.text
        job_id = created.json()["id"]
        for pid in first.worker_pids():
            os.kill(pid, signal.SIGKILL)
        assert b.get(f"/viewer/exports/jobs/{job_id}").json()["state"] == "processing"
        deadline = time.monotonic() + 240
        while (job := b.get(f"/viewer/exports/jobs/{job_id}").json())["state"] == "processing":
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
        assert job["state"] == "complete", job
        # Issued with the address the job was created through (behind a load balancer both
        # share one): asked of the surviving instance here.
        download = b.get(_on(second, job["downloadUrl"]), headers={"x-api-key": ""})
        assert download.status_code == 200
        with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
            assert len(archive.namelist()) == 17  # the manifest and 16 entries
            assert archive.read(archive.namelist()[1]) == BIG_CONTENT


def test_jobs_created_through_one_instance_are_built_by_both(
        instances: tuple[ServerProcess, ServerProcess], postgres_url: str) -> None:
    first, _second = instances
    with _client(first) as a:
        _register(a, BIG, BIG_CONTENT)
        job_ids = [a.post("/viewer/exports/jobs", json={"items": [{"sourceFileUrl": BIG}] * 4}
                          ).json()["id"] for _ in range(8)]
        deadline = time.monotonic() + 240
        for job_id in job_ids:
            while (job := a.get(f"/viewer/exports/jobs/{job_id}").json())["state"] == \
                    "processing":
                assert time.monotonic() < deadline, job
                time.sleep(0.1)
            assert job["state"] == "complete", job
    with psycopg.connect(postgres_url) as db:
        builders = {row[0] for row in db.execute("SELECT DISTINCT owner FROM jobs")}
        attempts = [row[0] for row in db.execute("SELECT attempts FROM jobs")]
    # A job's owner is the process that built it, and no two processes are named alike.
    assert len(builders) >= 2, builders
    assert attempts == [1] * len(job_ids)  # no job was claimed twice
