"""A stored blob that breaks after registration never reaches a client as a complete file.

Deleted or truncated: caught against the recorded size before the first byte, so the answer
is a clean problem+json 500 (single, batch, exported URL), never a 200 with a broken body.
Altered in place (same size, other bytes): only the checksum can tell, at the end of the
stream; the connection is then aborted, so curl and httpx both see an incomplete body.
"""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hardening_samples import BATCH, SINGLE
from real_clients import require
from server_processes import ServerProcess

from export_contract.settings import Settings
from reference_impl.storage import ExportStore

pytestmark = pytest.mark.anyio

PLAN = "https://canvas.example.com/files/plan.pdf"
NOTES = "https://canvas.example.com/files/notes.txt"
PLAN_BYTES = b"%PDF-1.4\n" + os.urandom(64 * 1024)
NOTES_BYTES = b"Meeting notes, compressible.\n" * 2000


async def _register(client: httpx.AsyncClient, url: str, content: bytes) -> str:
    response = await client.post("/viewer/exports", data={"sourceFileUrl": url},
                                 files={"file": ("upload", content)})
    assert response.status_code == 201, response.text
    sha256: str = response.json()["sha256"]
    return sha256


def _blob(settings: Settings, sha256: str) -> Path:
    return ExportStore(settings.data_dir).blob_path(sha256)


def _break(blob: Path, how: str) -> None:
    if how == "deleted":
        blob.unlink()
    else:
        with blob.open("r+b") as opened:
            opened.truncate(blob.stat().st_size // 2)


def _assert_clean_500(response: httpx.Response, settings: Settings) -> None:
    assert response.status_code == 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "content-disposition" not in response.headers
    problem = response.json()
    assert problem["success"] is False and "re-register" in problem["detail"]
    assert "Traceback" not in response.text and str(settings.data_dir) not in response.text


@pytest.mark.parametrize("how", ["deleted", "truncated"])
async def test_a_broken_blob_is_a_clean_500_for_a_single_download(
        reference_client: httpx.AsyncClient, settings: Settings, how: str) -> None:
    sha256 = await _register(reference_client, PLAN, PLAN_BYTES)
    _break(_blob(settings, sha256), how)
    _assert_clean_500(await reference_client.post(SINGLE, json={"sourceFileUrl": PLAN}),
                      settings)


@pytest.mark.parametrize("how", ["deleted", "truncated"])
async def test_a_broken_blob_is_a_clean_500_for_a_batch_not_a_broken_zip(
        reference_client: httpx.AsyncClient, settings: Settings, how: str) -> None:
    await _register(reference_client, NOTES, NOTES_BYTES)
    sha256 = await _register(reference_client, PLAN, PLAN_BYTES)
    _break(_blob(settings, sha256), how)
    items = {"items": [{"sourceFileUrl": NOTES}, {"sourceFileUrl": PLAN}]}
    _assert_clean_500(await reference_client.post(BATCH, json=items), settings)
    # The export that is intact still downloads on its own.
    intact = await reference_client.post(SINGLE, json={"sourceFileUrl": NOTES})
    assert intact.status_code == 200 and intact.content == NOTES_BYTES


@pytest.mark.parametrize("how", ["deleted", "truncated"])
async def test_a_broken_blob_is_a_clean_500_behind_an_exported_url(
        reference_client: httpx.AsyncClient, settings: Settings, how: str) -> None:
    sha256 = await _register(reference_client, PLAN, PLAN_BYTES)
    issued = await reference_client.post(SINGLE, params={"responseType": "urls"},
                                         json={"sourceFileUrl": PLAN})
    _break(_blob(settings, sha256), how)
    _assert_clean_500(await reference_client.get(issued.json()["exportedUrl"]), settings)


async def test_re_registering_the_same_bytes_repairs_a_damaged_blob(
        reference_client: httpx.AsyncClient, settings: Settings) -> None:
    sha256 = await _register(reference_client, PLAN, PLAN_BYTES)
    _break(_blob(settings, sha256), "truncated")
    again = await reference_client.post("/viewer/exports", data={"sourceFileUrl": PLAN},
                                        files={"file": ("upload", PLAN_BYTES)})
    assert again.status_code == 200
    repaired = await reference_client.post(SINGLE, json={"sourceFileUrl": PLAN})
    assert repaired.status_code == 200 and repaired.content == PLAN_BYTES


# -- altered in place, against a real server ----------------------------------------------------

BIG = "https://canvas.example.com/renders/big.pdf"
BIG_BYTES = b"%PDF-1.4\n" + os.urandom(3 * 1024 * 1024)


@pytest.fixture
def altered_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server whose big export's blob had a byte flipped after registration (same size)."""
    store = ExportStore(tmp_path / "data")
    for url, content in ((BIG, BIG_BYTES), (NOTES, NOTES_BYTES)):
        store.register(url, io.BytesIO(content), filename=url.rsplit("/", 1)[-1],
                       content_type="application/pdf" if url == BIG else "text/plain",
                       max_bytes=len(content))
    export = store.get(BIG)
    assert export is not None
    blob = store.blob_path(export.sha256)
    with blob.open("r+b") as opened:
        opened.seek(len(BIG_BYTES) - 10)
        byte = opened.read(1)
        opened.seek(-1, os.SEEK_CUR)
        opened.write(bytes([byte[0] ^ 0xFF]))
    assert blob.stat().st_size == len(BIG_BYTES)
    with ServerProcess(["serve", "--no-auth", "--data-dir", str(tmp_path / "data")]) as server:
        yield server




def _streamed(server: ServerProcess, path: str, body: object) -> tuple[int, bytes, str]:
    """(status, the bytes that arrived, the error that ended the body) for one request."""
    received = bytearray()
    with httpx.Client(timeout=30) as client, client.stream(
            "POST", server.base_url + path, json=body) as response:
        try:
            for chunk in response.iter_raw():
                received += chunk
        except httpx.RemoteProtocolError as exc:
            return response.status_code, bytes(received), str(exc)
    return response.status_code, bytes(received), ""


@pytest.mark.e2e
def test_an_altered_blob_aborts_the_single_download_before_it_completes(
        altered_server: ServerProcess) -> None:
    status, received, error = _streamed(altered_server, SINGLE, {"sourceFileUrl": BIG})
    assert status == 200  # the headers were sent before the checksum could be known
    assert error, "the body ended cleanly although the blob no longer matches its checksum"
    assert len(received) < len(BIG_BYTES)


@pytest.mark.e2e
@pytest.mark.parametrize("items", [[BIG], [NOTES, BIG]], ids=["stored", "stored-and-deflated"])
def test_an_altered_blob_aborts_the_batch_zip_before_it_completes(
        altered_server: ServerProcess, items: list[str]) -> None:
    status, received, error = _streamed(altered_server, BATCH,
                                        {"items": [{"sourceFileUrl": u} for u in items]})
    assert status == 200
    assert error, "the zip ended cleanly although an entry no longer matches its checksum"
    assert b"PK\x05\x06" not in received  # no end of central directory: visibly truncated


@pytest.mark.e2e
def test_curl_reports_the_altered_download_as_a_partial_transfer(
        altered_server: ServerProcess, tmp_path: Path) -> None:
    require("curl")
    result = subprocess.run(
        ["curl", "-sS", "-o", str(tmp_path / "big.pdf"), "-H", "Content-Type: application/json",
         "--data-binary", f'{{"sourceFileUrl": "{BIG}"}}', altered_server.base_url + SINGLE],
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 18, result.stderr  # CURLE_PARTIAL_FILE
    assert (tmp_path / "big.pdf").stat().st_size < len(BIG_BYTES)
