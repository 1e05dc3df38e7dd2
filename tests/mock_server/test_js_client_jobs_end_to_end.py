"""The browser client's job functions run in Node against a real `export-contract serve`."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest
from node_runtime import require_node
from server_processes import ServerProcess

from reference_impl.samples import SAMPLES

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).resolve().parent / "js" / "jobs_end_to_end.mjs"
KEY = "js-client-e2e-key-0123"


def test_client_starts_waits_downloads_and_cancels_a_job_on_the_reference_backend(
        tmp_path: Path) -> None:
    node = require_node("the browser client's end-to-end job test")
    items = [SAMPLES[0].source_file_url, SAMPLES[2].source_file_url,
             "https://canvas.example.com/files/never-registered.pdf"]
    zip_path = tmp_path / "job.zip"
    with ServerProcess(["serve", "--demo", "--data-dir", str(tmp_path / "data")],
                       env={"EXPORT_API_KEYS": KEY}) as server:
        env = {**os.environ, "BASE_URL": server.base_url, "API_KEY": KEY,
               "ITEMS": json.dumps(items), "ZIP_PATH": str(zip_path)}
        result = subprocess.run([node, str(SCRIPT)], capture_output=True, text=True, env=env,
                                timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)

    assert report["started"]["name"] == "Q3 plans"
    assert report["progress"][-1] == {"done": 3, "total": 3, "state": "complete"}
    dones = [step["done"] for step in report["progress"]]
    assert dones == sorted(dones)
    assert report["complete"]["downloadUrl"].startswith(server.base_url.rsplit("/api", 1)[0])
    assert report["file"] == {"filename": "Q3 plans.zip", "filenameSource": "header",
                              "contentType": "application/zip"}
    with zipfile.ZipFile(zip_path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert [r["success"] for r in manifest["results"]] == [True, True, False]
        assert archive.read(manifest["results"][0]["filename"]) == SAMPLES[0].content
    assert report["cancelled"] == {"state": "gone"}
    assert report["waitAfterCancel"]["name"] == "ExportJobError"
    assert report["waitAfterCancel"]["kind"] == "job-gone"
    assert report["downloadAfterCancel"]["kind"] == "gone"
    assert report["downloadAfterCancel"]["status"] == 410
