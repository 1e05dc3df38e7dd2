"""Every client snippet in the generated docs runs, as printed, against the mock server.

curl runs in bash, the httpx snippet in Python, the browser fetch snippet in Node (which has
fetch, Blob and URL.createObjectURL; a stand-in `document` records what would be saved). The
mock requires the API key, and the key is the one the snippets send: the placeholder for the
browser snippet, `$EXPORT_API_KEY` for the others.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from node_runtime import require_node
from page_links import CodeBlock, code_blocks
from server_processes import ServerProcess

from contract_tests.catalogue import CHECKS
from contract_tests.rules import RULES
from docs_site import SiteSettings, build_site

pytestmark = pytest.mark.e2e

KEY = SiteSettings().api_key_placeholder
SINGLE_BODY = {"sourceFileUrl": "https://canvas.example.com/files/floor-plan.pdf"}
BATCH_BODY = {"items": [{"sourceFileUrl": "https://canvas.example.com/files/floor-plan.pdf"},
                        {"sourceFileUrl": "https://canvas.example.com/archive/floor-plan.pdf"},
                        {"sourceFileUrl": "https://unknown.invalid/missing.pdf"}]}
VARIANTS = ("downloadExport: default mode", "downloadExport: responseType=urls",
            "downloadBatch: default mode", "downloadBatch: responseType=urls")
LANGUAGES = ("sh", "js", "python")

# Runs before the browser snippet: a `document` whose links record the download instead of
# saving it, and (when asked) a fetch that hides Content-Disposition as a cross-origin
# response without Access-Control-Expose-Headers would.
NODE_PRELUDE = """\
globalThis.__saved = [];
{
  const blobs = new Map();
  URL.createObjectURL = (blob) => {
    const url = `blob:test/${blobs.size}`;
    blobs.set(url, blob);
    return url;
  };
  URL.revokeObjectURL = () => {};
  const link = () => ({
    click() { __saved.push({ filename: this.download, blob: blobs.get(this.href) }); },
    remove() {},
  });
  globalThis.document = { createElement: link, body: { append() {} } };
  if (process.env.HIDE_CONTENT_DISPOSITION) {
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (...args) => {
      const response = await realFetch(...args);
      const headers = new Headers(response.headers);
      headers.delete("content-disposition");
      return new Response(response.body, { status: response.status, headers });
    };
  }
}
"""
NODE_EPILOGUE = """
for (const { filename, blob } of __saved) {
  const bytes = Buffer.from(await blob.arrayBuffer());
  console.log("SAVED " + JSON.stringify({ filename, hex: bytes.toString("hex") }));
}
process.exit(0);
"""
PYTHON_PRELUDE = """\
import os
if os.environ.get("HIDE_CONTENT_DISPOSITION"):
    import httpx

    _send = httpx.Client.send

    def _send_without_disposition(self, request, **kwargs):
        response = _send(self, request, **kwargs)
        response.headers.pop("content-disposition", None)
        return response

    httpx.Client.send = _send_without_disposition
"""


@dataclass(frozen=True)
class Run:
    stdout: str
    files: dict[str, bytes]


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    with ServerProcess(["mock", "--api-key", KEY, "--quiet"]) as server:
        yield server.base_url


@pytest.fixture(scope="module")
def snippets(mock_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], str]:
    site = build_site(tmp_path_factory.mktemp("site"), rules=RULES, checks=CHECKS,
                      settings=SiteSettings(base_url=mock_url))
    blocks: list[CodeBlock] = code_blocks((site.root / "api.md").read_text(encoding="utf-8"))
    return {(b.heading, b.language): b.code for b in blocks if b.language in LANGUAGES}


def _run(language: str, code: str, workdir: Path, *, hide_disposition: bool = False) -> Run:
    env = {**os.environ, "EXPORT_API_KEY": KEY}
    if hide_disposition:
        env["HIDE_CONTENT_DISPOSITION"] = "1"
    if language == "sh":
        command = ["bash", "-c", code]
    elif language == "python":
        (workdir / "snippet.py").write_text(PYTHON_PRELUDE + code, encoding="utf-8")
        command = [sys.executable, "snippet.py"]
    else:
        node = require_node("the docs' fetch snippets")
        (workdir / "snippet.mjs").write_text(NODE_PRELUDE + code + NODE_EPILOGUE,
                                             encoding="utf-8")
        command = [node, "snippet.mjs"]
    done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, f"{language} snippet failed:\n{done.stdout}\n{done.stderr}"
    files = {p.name: p.read_bytes() for p in workdir.iterdir()
             if p.name not in ("snippet.py", "snippet.mjs")}
    for line in done.stdout.splitlines():
        if line.startswith("SAVED "):
            saved = json.loads(line.removeprefix("SAVED "))
            files[saved["filename"]] = bytes.fromhex(saved["hex"])
    return Run(done.stdout, files)


def _zip_entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _urls(stdout: str) -> list[str]:
    return re.findall(r"https?://[^\s\"',]+", stdout)


def test_the_docs_hold_every_snippet(snippets: dict[tuple[str, str], str]) -> None:
    assert set(snippets) == {(variant, language) for variant in VARIANTS
                             for language in LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_single_download_snippet_saves_the_file_under_its_name(
        snippets: dict[tuple[str, str], str], mock_url: str, tmp_path: Path,
        language: str) -> None:
    run = _run(language, snippets["downloadExport: default mode", language], tmp_path)
    expected = httpx.post(f"{mock_url}/viewer/exports/download", json=SINGLE_BODY,
                          headers={"x-api-key": KEY})
    assert run.files == {"floor-plan.pdf": expected.content}


@pytest.mark.parametrize("language", LANGUAGES)
def test_batch_download_snippet_saves_the_zip_under_its_name(
        snippets: dict[tuple[str, str], str], mock_url: str, tmp_path: Path,
        language: str) -> None:
    run = _run(language, snippets["downloadBatch: default mode", language], tmp_path)
    expected = httpx.post(f"{mock_url}/viewer/exports/download-batch", json=BATCH_BODY,
                          headers={"x-api-key": KEY})
    [(name, data)] = run.files.items()
    assert name.endswith(".zip")
    assert _zip_entries(data) == _zip_entries(expected.content)
    assert list(_zip_entries(data)) == ["floor-plan.pdf", "floor-plan (1).pdf"]


@pytest.mark.parametrize(("language", "expected"), [("js", "canvas-export.pdf"),
                                                    ("python", "canvas-export.pdf")])
def test_single_snippet_falls_back_when_the_name_is_hidden(
        snippets: dict[tuple[str, str], str], tmp_path: Path, language: str,
        expected: str) -> None:
    run = _run(language, snippets["downloadExport: default mode", language], tmp_path,
               hide_disposition=True)
    assert list(run.files) == [expected]
    assert run.files[expected].startswith(b"%PDF")


@pytest.mark.parametrize("language", ["js", "python"])
def test_batch_snippet_falls_back_when_the_name_is_hidden(
        snippets: dict[tuple[str, str], str], tmp_path: Path, language: str) -> None:
    run = _run(language, snippets["downloadBatch: default mode", language], tmp_path,
               hide_disposition=True)
    assert list(run.files) == ["canvas-exports.zip"]
    assert zipfile.is_zipfile(io.BytesIO(run.files["canvas-exports.zip"]))


@pytest.mark.parametrize("language", LANGUAGES)
def test_single_url_mode_snippet_prints_a_working_exported_url(
        snippets: dict[tuple[str, str], str], mock_url: str, tmp_path: Path,
        language: str) -> None:
    run = _run(language, snippets["downloadExport: responseType=urls", language], tmp_path)
    assert run.files == {}
    [url] = _urls(run.stdout)
    single = httpx.post(f"{mock_url}/viewer/exports/download", json=SINGLE_BODY,
                        headers={"x-api-key": KEY})
    fetched = httpx.get(url)
    assert fetched.status_code == 200
    assert hashlib.sha256(fetched.content).digest() == hashlib.sha256(single.content).digest()


@pytest.mark.parametrize("language", LANGUAGES)
def test_batch_url_mode_snippet_prints_urls_and_skipped_items(
        snippets: dict[tuple[str, str], str], tmp_path: Path, language: str) -> None:
    run = _run(language, snippets["downloadBatch: responseType=urls", language], tmp_path)
    assert run.files == {}
    urls = _urls(run.stdout)
    skipped = [u for u in urls if "unknown.invalid" in u]
    exported = [u for u in urls if u not in skipped]
    assert len(exported) == 2 and len(skipped) == 1
    assert all(httpx.get(url).status_code == 200 for url in exported)
