"""Every snippet of the export job page runs, as printed, against a real mock process.

The lifecycle snippets (curl and jq in bash, httpx in Python, the browser client in Node)
create a job, see it complete and save a zip whose `manifest.json` is checked against the
zip's entries. The verification snippets get a real webhook delivery from the mock, caught
by a loopback receiver in the test, and must accept it and refuse tampered copies.
"""

from __future__ import annotations

import io
import json
import os
import queue
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from node_runtime import require_node
from page_links import code_blocks
from server_processes import ServerProcess

from contract_tests.catalogue import CHECKS
from contract_tests.rules import RULES
from docs_site import SiteSettings, build_site
from export_contract.webhook_signing import sign_webhook

pytestmark = pytest.mark.e2e

KEY = SiteSettings().api_key_placeholder
SECRET = "docs-page-webhook-secret-0123456789"
LIFECYCLE = "Create, poll and download a job"
JOB_ITEMS = ["https://canvas.example.com/files/floor-plan.pdf",
             "https://canvas.example.com/archive/floor-plan.pdf",
             "https://unknown.invalid/missing.pdf"]

# The browser client's downloads are recorded instead of saved (Node has no document).
NODE_PRELUDE = """\
globalThis.__saved = [];
globalThis.document = {
  createElement: () => ({ style: {}, click() { __saved.push(this); }, remove() {} }),
  body: { append() {} },
};
const __blobs = new Map();
URL.createObjectURL = (blob) => {
  const url = `blob:t/${__blobs.size}`;
  __blobs.set(url, blob);
  return url;
};
URL.revokeObjectURL = () => {};
"""
NODE_EPILOGUE = """
for (const link of __saved) {
  const bytes = Buffer.from(await __blobs.get(link.href).arrayBuffer());
  console.log("SAVED " + JSON.stringify({ filename: link.download, hex: bytes.toString("hex") }));
}
process.exit(0);
"""
# Calls the verification function on each case of cases.json; one verdict a line.
PYTHON_VERIFY_DRIVER = """
import json as _json
for _case in _json.load(open("cases.json")):
    _ok = verify_export_webhook(_case["secret"].encode(), bytes.fromhex(_case["body"]),
                                _case["header"])
    print("ACCEPT" if _ok else "REJECT")
"""
NODE_VERIFY_DRIVER = """
import { readFileSync as __read } from "node:fs";
for (const c of JSON.parse(__read("cases.json", "utf8"))) {
  const ok = verifyExportWebhook(c.secret, Buffer.from(c.body, "hex"), c.header);
  console.log(ok ? "ACCEPT" : "REJECT");
}
"""


@dataclass(frozen=True)
class Delivery:
    body: bytes
    headers: dict[str, str]


class _Receiver(BaseHTTPRequestHandler):
    deliveries: queue.Queue[Delivery]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.deliveries.put(Delivery(body, {k.lower(): v for k, v in self.headers.items()}))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    with ServerProcess(["mock", "--api-key", KEY, "--webhook-secret", SECRET,
                        "--job-seconds", "1", "--quiet"]) as server:
        yield server.base_url


@pytest.fixture(scope="module")
def snippets(mock_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], str]:
    site = build_site(tmp_path_factory.mktemp("site"), rules=RULES, checks=CHECKS,
                      settings=SiteSettings(base_url=mock_url))
    blocks = code_blocks((site.root / "jobs.md").read_text(encoding="utf-8"))
    return {(b.heading, b.language): b.code for b in blocks
            if b.language in ("sh", "python", "js")}


@pytest.fixture(scope="module")
def delivery(mock_url: str) -> Iterator[Delivery]:
    """A real webhook: a job of the mock calling back a receiver on a loopback port."""
    handler = type("Receiver", (_Receiver,), {"deliveries": queue.Queue()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        response = httpx.post(
            f"{mock_url}/viewer/exports/jobs", headers={"x-api-key": KEY},
            json={"items": [{"sourceFileUrl": JOB_ITEMS[0]}],
                  "callbackUrl": f"http://127.0.0.1:{server.server_address[1]}/hook"})
        assert response.status_code == 202, response.text
        yield handler.deliveries.get(timeout=30)
    finally:
        server.shutdown()
        server.server_close()


def _run(language: str, code: str, workdir: Path, *, prelude: str = "",
         epilogue: str = "") -> tuple[str, dict[str, bytes]]:
    before = set(workdir.iterdir())
    if language == "sh":
        command = ["bash", "-e", "-c", code]
    elif language == "python":
        (workdir / "snippet.py").write_text(prelude + code + epilogue, encoding="utf-8")
        command = [sys.executable, "snippet.py"]
    else:
        (workdir / "snippet.mjs").write_text(prelude + code + epilogue, encoding="utf-8")
        command = [require_node("the job page's snippets"), "snippet.mjs"]
    done = subprocess.run(command, cwd=workdir, env={**os.environ, "EXPORT_API_KEY": KEY},
                          capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, f"{language} snippet failed:\n{done.stdout}\n{done.stderr}"
    files = {p.name: p.read_bytes() for p in set(workdir.iterdir()) - before
             if p.name not in ("snippet.py", "snippet.mjs")}
    for line in done.stdout.splitlines():
        if line.startswith("SAVED "):
            saved = json.loads(line.removeprefix("SAVED "))
            files[saved["filename"]] = bytes.fromhex(saved["hex"])
    return done.stdout, files


def _client_module(mock_url: str, workdir: Path) -> None:
    """The browser client as the mock serves it, where the snippet imports it from."""
    response = httpx.get(mock_url.removesuffix("/api") + "/export-client.js")
    response.raise_for_status()
    (workdir / "export-client.js").write_bytes(response.content)


def test_the_job_page_holds_every_snippet(snippets: dict[tuple[str, str], str]) -> None:
    assert set(snippets) == {(LIFECYCLE, "sh"), (LIFECYCLE, "python"), (LIFECYCLE, "js"),
                             ("Cancel a job", "js"), ("List jobs", "python"),
                             ("Verify the signature", "python"), ("Verify the signature", "js")}


@pytest.mark.parametrize("language", ["sh", "python", "js"])
def test_lifecycle_snippet_saves_a_complete_jobs_zip_with_its_manifest(
        snippets: dict[tuple[str, str], str], mock_url: str, tmp_path: Path,
        language: str) -> None:
    if language == "js":
        _client_module(mock_url, tmp_path)
    _, files = _run(language, snippets[LIFECYCLE, language], tmp_path,
                    prelude=NODE_PRELUDE if language == "js" else "",
                    epilogue=NODE_EPILOGUE if language == "js" else "")
    files.pop("export-client.js", None)
    assert list(files) == ["floor plans.zip"]
    with zipfile.ZipFile(io.BytesIO(files["floor plans.zip"])) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        entries = {info.filename: info.file_size for info in archive.infolist()}
    job = httpx.get(f"{mock_url}/viewer/exports/jobs/{manifest['jobId']}",
                    headers={"x-api-key": KEY}).json()
    assert job["state"] == "complete"
    results = manifest["results"]
    assert [r["sourceFileUrl"] for r in results] == JOB_ITEMS
    assert [r["success"] for r in results] == [True, True, False]
    assert results[2]["error"] == "not_found"
    assert {r["filename"]: r["bytes"] for r in results[:2]} == {
        name: size for name, size in entries.items() if name != "manifest.json"}
    assert manifest["summary"] == {"total": 3, "succeeded": 2, "failed": 1}


def test_cancel_snippet_cancels_a_processing_job(
        snippets: dict[tuple[str, str], str], mock_url: str, tmp_path: Path) -> None:
    _client_module(mock_url, tmp_path)
    stdout, _ = _run("js", snippets["Cancel a job", "js"], tmp_path)
    job_id, state = stdout.split()[0], stdout.split()[-1]
    assert state == "cancelled"
    job = httpx.get(f"{mock_url}/viewer/exports/jobs/{job_id}", headers={"x-api-key": KEY})
    assert job.json()["state"] == "cancelled"


def test_list_snippet_pages_through_every_complete_job(
        snippets: dict[tuple[str, str], str], mock_url: str, tmp_path: Path) -> None:
    # More jobs than one page of the snippet's 20 holds, each complete at once.
    created = []
    for _ in range(23):
        response = httpx.post(f"{mock_url}/viewer/exports/jobs",
                              headers={"x-api-key": KEY, "Prefer": "job-duration=0"},
                              json={"items": [{"sourceFileUrl": JOB_ITEMS[0]}]})
        created.append(response.json()["id"])
    stdout, _ = _run("python", snippets["List jobs", "python"], tmp_path)
    listed = [line.split()[0] for line in stdout.splitlines()]
    assert set(created) <= set(listed)
    assert len(listed) == len(set(listed))
    assert {line.split()[1] for line in stdout.splitlines()} == {"complete"}


def _verdicts(language: str, code: str, workdir: Path, cases: list[dict[str, str]]) -> list[str]:
    (workdir / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
    driver = PYTHON_VERIFY_DRIVER if language == "python" else NODE_VERIFY_DRIVER
    if language == "js":
        require_node("the job page's verification snippet")
    stdout, _ = _run(language, code, workdir, epilogue=driver)
    return stdout.split()


@pytest.mark.parametrize("language", ["python", "js"])
def test_verification_snippet_accepts_the_mocks_delivery_and_refuses_tampered_ones(
        snippets: dict[tuple[str, str], str], delivery: Delivery, tmp_path: Path,
        language: str) -> None:
    header = delivery.headers["x-export-signature"]
    body = delivery.body
    tampered = body.replace(b'"complete"', b'"cancelled"')
    assert tampered != body
    old = sign_webhook(SECRET.encode(), body, timestamp=int(time.time()) - 3600)
    cases = [
        {"secret": SECRET, "body": body.hex(), "header": header},
        {"secret": SECRET, "body": tampered.hex(), "header": header},
        {"secret": "another-secret-0123456789", "body": body.hex(), "header": header},
        {"secret": SECRET, "body": body.hex(), "header": old},
        {"secret": SECRET, "body": body.hex(), "header": header.replace("v1=", "v1=0")[:-1]},
        {"secret": SECRET, "body": body.hex(), "header": "t=1,v1=abc"},
    ]
    verdicts = _verdicts(language, snippets["Verify the signature", language], tmp_path, cases)
    assert verdicts == ["ACCEPT", "REJECT", "REJECT", "REJECT", "REJECT", "REJECT"]
