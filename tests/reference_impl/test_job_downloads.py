"""A job's zip (rule J6): its entries, `manifest.json`, the signed download, ranges and 410."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from job_support import JOBS, ended, items, job_client, job_settings, register

from export_contract.settings import Settings
from export_contract.signing import UrlSigner

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

A = "https://canvas.example.com/files/plan.pdf"
B = "https://canvas.example.com/archive/plan.pdf"
C = "https://canvas.example.com/files/PLAN.PDF"
NOTES = "https://canvas.example.com/files/notes.txt"
MANIFEST_ITEM = "https://canvas.example.com/files/manifest.json"
MISSING = "https://unknown.invalid/missing.pdf"
CONTENT = {A: b"%PDF-1.4 a" * 100, B: b"%PDF-1.4 b" * 50, C: b"%PDF-1.4 c",
           NOTES: "zürich notes\n".encode() * 200, MANIFEST_ITEM: b'{"mine": true}'}


@pytest.fixture
async def client(settings: Settings) -> Any:
    async with job_client(job_settings(settings)) as http:
        for url, content in CONTENT.items():
            await register(http, url, content)
        yield http


async def _complete(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    job = (await client.post(JOBS, json=body)).json()
    done = await ended(client, job["id"])
    assert done["state"] == "complete", done
    return done


async def test_the_zip_holds_the_manifest_then_each_resolved_item(
        client: httpx.AsyncClient) -> None:
    urls = [A, MISSING, B, C, NOTES, A]
    job = await _complete(client, items(*urls) | {"name": "Floor plans"})
    response = await client.get(job["downloadUrl"], headers={"x-api-key": ""})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == 'attachment; filename="Floor plans.zip"'
    assert int(response.headers["content-length"]) == len(response.content)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert names == ["manifest.json", "plan.pdf", "plan (1).pdf", "PLAN (2).PDF",
                         "notes.txt", "plan (3).pdf"]
        manifest = json.loads(archive.read("manifest.json"))
        for entry, url in zip(names[1:], [A, B, C, NOTES, A], strict=True):
            assert archive.read(entry) == CONTENT[url]
    assert manifest == {
        "jobId": job["id"],
        "results": [
            {"sourceFileUrl": A, "success": True, "filename": "plan.pdf",
             "bytes": len(CONTENT[A])},
            {"sourceFileUrl": MISSING, "success": False, "error": "not_found",
             "message": manifest["results"][1]["message"]},
            {"sourceFileUrl": B, "success": True, "filename": "plan (1).pdf",
             "bytes": len(CONTENT[B])},
            {"sourceFileUrl": C, "success": True, "filename": "PLAN (2).PDF",
             "bytes": len(CONTENT[C])},
            {"sourceFileUrl": NOTES, "success": True, "filename": "notes.txt",
             "bytes": len(CONTENT[NOTES])},
            {"sourceFileUrl": A, "success": True, "filename": "plan (3).pdf",
             "bytes": len(CONTENT[A])},
        ],
        "summary": {"total": 6, "succeeded": 5, "failed": 1},
    }
    assert manifest["results"][1]["message"]


async def test_an_item_named_manifest_json_is_renamed_and_the_manifest_keeps_its_name(
        client: httpx.AsyncClient) -> None:
    job = await _complete(client, items(MANIFEST_ITEM))
    content = (await client.get(job["downloadUrl"])).content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.namelist() == ["manifest.json", "manifest (1).json"]
        assert archive.read("manifest (1).json") == CONTENT[MANIFEST_ITEM]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["results"][0]["filename"] == "manifest (1).json"


async def test_a_hostile_name_still_downloads_as_a_safe_zip_name(
        client: httpx.AsyncClient) -> None:
    job = await _complete(client, items(A) | {"name": 'evil"\\name\r\n.pdf'})
    disposition = (await client.get(job["downloadUrl"])).headers["content-disposition"]
    assert disposition == 'attachment; filename="evil__name__.pdf.zip"'
    named_zip = await _complete(client, items(A) | {"name": "résumé.ZIP"})
    disposition = (await client.get(named_zip["downloadUrl"])).headers["content-disposition"]
    assert disposition.endswith("filename*=UTF-8''r%C3%A9sum%C3%A9.ZIP")


async def test_the_download_url_is_stable_and_needs_no_key(client: httpx.AsyncClient) -> None:
    job = await _complete(client, items(A))
    again = (await client.get(f"{JOBS}/{job['id']}")).json()
    assert again["downloadUrl"] == job["downloadUrl"]
    request = client.build_request("GET", job["downloadUrl"])
    del request.headers["x-api-key"]
    response = await client.send(request)
    assert response.status_code == 200
    assert response.content.startswith(b"PK")


async def test_a_range_resumes_the_download(client: httpx.AsyncClient) -> None:
    job = await _complete(client, items(A, B, NOTES))
    whole = await client.get(job["downloadUrl"])
    assert whole.headers["accept-ranges"] == "bytes"
    etag = whole.headers["etag"]
    part = await client.get(job["downloadUrl"], headers={"Range": "bytes=100-"})
    assert part.status_code == 206
    assert part.content == whole.content[100:]
    assert part.headers["etag"] == etag
    assert part.headers["content-range"] == f"bytes 100-{len(whole.content) - 1}/" \
                                            f"{len(whole.content)}"
    changed = await client.get(job["downloadUrl"],
                               headers={"Range": "bytes=100-", "If-Range": '"other"'})
    assert changed.status_code == 200 and changed.content == whole.content


async def test_a_range_past_the_end_of_the_job_zip_is_a_416_problem(
        client: httpx.AsyncClient) -> None:
    job = await _complete(client, items(A))
    size = len((await client.get(job["downloadUrl"])).content)
    response = await client.get(job["downloadUrl"], headers={"Range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{size}"
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_tampered_token_is_403_and_another_jobs_token_too(
        client: httpx.AsyncClient, settings: Settings) -> None:
    first = await _complete(client, items(A))
    second = await _complete(client, items(B))
    url = first["downloadUrl"]
    token = parse_qs(urlsplit(url).query)["token"][0]
    tampered = url.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert (await client.get(tampered)).status_code == 403
    swapped = second["downloadUrl"].split("?")[0] + "?token=" + token
    refused = await client.get(swapped)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "content-disposition" not in refused.headers
    assert (await client.get(url.split("?")[0])).status_code == 400  # no token at all


async def test_a_gone_or_expired_download_is_410(client: httpx.AsyncClient,
                                                 settings: Settings) -> None:
    job = await _complete(client, items(A))
    await client.delete(f"{JOBS}/{job['id']}")
    gone = await client.get(job["downloadUrl"])
    assert gone.status_code == 410
    assert "create the job again" in gone.json()["detail"]
    # A token whose time is up (signed by this backend) is 410 as well.
    signer = UrlSigner(settings.url_secret or b"")
    expired = signer.sign({"j": job["id"], "h": "0" * 32}, 60, now=0)
    path = job["downloadUrl"].split("?")[0]
    assert (await client.get(path, params={"token": expired})).status_code == 410


async def test_a_damaged_blob_fails_its_item_not_the_job(client: httpx.AsyncClient,
                                                         settings: Settings) -> None:
    listed = (await client.get("/viewer/exports")).json()["exports"]
    sha256 = next(e["sha256"] for e in listed if e["sourceFileUrl"] == B)
    blob = Path(settings.data_dir) / "blobs" / sha256[:2] / sha256
    blob.write_bytes(b"X" * blob.stat().st_size)  # same size, other bytes: caught mid-copy
    job = await _complete(client, items(A, B))
    with zipfile.ZipFile(io.BytesIO((await client.get(job["downloadUrl"])).content)) as archive:
        assert archive.namelist() == ["manifest.json", "plan.pdf"]
        results = json.loads(archive.read("manifest.json"))["results"]
    assert [r["success"] for r in results] == [True, False]
    assert results[1]["error"] == "export_failed"
    blob.unlink()  # now missing: caught before the zip is written
    failed = (await client.post(JOBS, json=items(B))).json()
    done = await ended(client, failed["id"])
    assert done["state"] == "error" and done["error"]["code"] == "export_failed"


async def test_deleting_a_job_frees_its_zip(client: httpx.AsyncClient,
                                            settings: Settings) -> None:
    blobs = Path(settings.data_dir) / "blobs"
    before = {p.name for p in blobs.rglob("*") if p.is_file()}
    job = await _complete(client, items(A, B))
    during = {p.name for p in blobs.rglob("*") if p.is_file()}
    assert len(during - before) == 1
    await client.delete(f"{JOBS}/{job['id']}")
    assert {p.name for p in blobs.rglob("*") if p.is_file()} == before
