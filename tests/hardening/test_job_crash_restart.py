"""A crash (SIGKILL) mid-job loses no job: after a restart every job that was `processing`
is built again or ends `error`/`interrupted`, and none stays `processing`."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from server_processes import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

KEY = "crash-job-key-0123456789"
ENV = {"EXPORT_API_KEYS": KEY, "EXPORT_JOB_WORKERS": "1",
       "EXPORT_JOB_CHECK_INTERVAL_SECONDS": "0.2"}
EXPORTS = {f"https://canvas.example.com/files/{n}/part.bin": os.urandom(256 * 1024)
           for n in range(3)}
ITEMS = [{"sourceFileUrl": url} for url in EXPORTS] * 40  # 120 items, a 30 MiB zip


def _serve(data_dir: Path) -> ServerProcess:
    return ServerProcess(["serve", "--data-dir", str(data_dir)], env=ENV)


def _poll(client: httpx.Client, job_id: str) -> dict[str, Any]:
    response = client.get(f"/viewer/exports/jobs/{job_id}")
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


def test_jobs_processing_at_a_crash_resume_or_end_interrupted(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with _serve(data_dir) as first, httpx.Client(base_url=first.base_url, timeout=30,
                                                 headers={"x-api-key": KEY}) as client:
        for url, content in EXPORTS.items():
            response = client.post("/viewer/exports", data={"sourceFileUrl": url},
                                   files={"file": ("part.bin", content)})
            assert response.status_code == 201, response.text
        job_ids = [client.post("/viewer/exports/jobs", json={"items": ITEMS}).json()["id"]
                   for _ in range(3)]
        deadline = time.monotonic() + 20
        while _poll(client, job_ids[0])["progress"]["done"] == 0 and time.monotonic() < deadline:
            pass  # the first job is being built: its progress moved
        processing = {j for j in job_ids if _poll(client, j)["state"] == "processing"}
        assert first.process is not None
        first.process.kill()
        first.stop()
    assert processing, "no job was processing when the server was killed"

    with _serve(data_dir) as second, httpx.Client(base_url=second.base_url, timeout=30,
                                                  headers={"x-api-key": KEY}) as client:
        deadline = time.monotonic() + 60
        jobs = [_poll(client, j) for j in job_ids]
        while any(j["state"] == "processing" for j in jobs) and time.monotonic() < deadline:
            jobs = [_poll(client, j) for j in job_ids]
        for job in jobs:
            assert job["state"] == "complete" or (
                job["state"] == "error" and job["error"]["code"] == "interrupted"), job
        complete = next(j for j in jobs if j["state"] == "complete")
        assert complete["progress"] == {"done": 120, "total": 120}
        link = urlsplit(complete["downloadUrl"])  # issued for the first server's address
        zipped = httpx.get(f"{second.base_url}{link.path.removeprefix('/api')}?{link.query}",
                           timeout=30)
        assert zipped.status_code == 200
        with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
            assert archive.testzip() is None
            assert len(archive.namelist()) == 121
            assert json.loads(archive.read("manifest.json"))["summary"]["succeeded"] == 120
    assert list((data_dir / "tmp").iterdir()) == []  # the killed build's temp zip was swept
