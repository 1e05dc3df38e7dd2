"""A job's download in the mock (J6): zip with manifest.json, name, no key, Range, 410."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import httpx
import pytest
from job_helpers import Clock, create, get, job_app, job_client
from mock_helpers import MISSING_URL, PDF_URL, TEXT_URL

pytestmark = pytest.mark.anyio

MANIFEST_URL = "https://canvas.example.com/files/manifest.json"


async def _complete(client: httpx.AsyncClient, *urls: str, **extra: Any) -> dict[str, Any]:
    job = await create(client, *urls, prefer="job-duration=0", **extra)
    complete = await get(client, job["id"])
    assert complete["state"] == "complete", complete
    return complete


async def test_the_zip_holds_the_resolved_items_and_a_manifest_in_request_order() -> None:
    async with job_client(job_app(clock=Clock())) as client:
        job = await _complete(client, PDF_URL, MISSING_URL, MANIFEST_URL, PDF_URL,
                              name="floor plans")
        # The download URL is signed: it needs no API key.
        response = await client.get(job["downloadUrl"], headers={"x-api-key": ""})
        pdf = (await client.post("/viewer/exports/download",
                                 json={"sourceFileUrl": PDF_URL})).content
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == 'attachment; filename="floor plans.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == ["manifest.json", "floor-plan.pdf", "manifest (1).json",
                                  "floor-plan (1).pdf"]
    assert archive.read("floor-plan.pdf") == pdf
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["jobId"] == job["id"]
    assert manifest["summary"] == {"total": 4, "succeeded": 3, "failed": 1}
    results = manifest["results"]
    assert [r["sourceFileUrl"] for r in results] == [PDF_URL, MISSING_URL, MANIFEST_URL,
                                                     PDF_URL]
    assert results[0] == {"sourceFileUrl": PDF_URL, "success": True,
                          "filename": "floor-plan.pdf", "bytes": len(pdf)}
    assert results[1]["success"] is False and results[1]["error"] == "not_found"
    assert results[2]["filename"] == "manifest (1).json"


async def test_a_zip_name_gets_zip_added_once_and_non_ascii_names_get_filename_star() -> None:
    async with job_client(job_app(clock=Clock())) as client:
        plain = await _complete(client, PDF_URL, name="report.zip")
        accented = await _complete(client, PDF_URL, name="résumé")
        plain_cd = (await client.get(plain["downloadUrl"])).headers["content-disposition"]
        accented_cd = (await client.get(accented["downloadUrl"])).headers["content-disposition"]
    assert plain_cd == 'attachment; filename="report.zip"'
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9.zip" in accented_cd


async def test_ranges_resume_a_download_under_a_stable_etag() -> None:
    async with job_client(job_app(clock=Clock())) as client:
        job = await _complete(client, PDF_URL, TEXT_URL)
        whole = await client.get(job["downloadUrl"])
        first = await client.get(job["downloadUrl"], headers={"Range": "bytes=0-99"})
        rest = await client.get(job["downloadUrl"], headers={
            "Range": "bytes=100-", "If-Range": whole.headers["etag"]})
        tail = await client.get(job["downloadUrl"], headers={"Range": "bytes=-10"})
        stale = await client.get(job["downloadUrl"], headers={
            "Range": "bytes=100-", "If-Range": '"another-version"'})
        beyond = await client.get(job["downloadUrl"], headers={"Range": "bytes=999999-"})
    size = len(whole.content)
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["etag"].startswith('"') and not whole.headers["etag"].startswith("W/")
    assert first.status_code == 206 and first.headers["content-range"] == f"bytes 0-99/{size}"
    assert rest.status_code == 206 and first.content + rest.content == whole.content
    assert {first.headers["etag"], rest.headers["etag"]} == {whole.headers["etag"]}
    assert tail.status_code == 206 and tail.content == whole.content[-10:]
    assert stale.status_code == 200 and stale.content == whole.content
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"


async def test_a_range_past_the_end_is_a_problem_like_every_other_error() -> None:
    async with job_client(job_app(clock=Clock())) as client:
        job = await _complete(client, PDF_URL)
        beyond = await client.get(job["downloadUrl"], headers={"Range": "bytes=999999-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-type"] == "application/problem+json"
    assert "bytes 0-" in beyond.json()["detail"]


async def test_a_tampered_or_foreign_download_url_is_403() -> None:
    async with job_client(job_app(clock=Clock())) as client:
        one = await _complete(client, PDF_URL)
        other = await _complete(client, TEXT_URL)
        token = other["downloadUrl"].split("token=")[1]
        foreign = await client.get(one["downloadUrl"].split("token=")[0] + "token=" + token)
        tampered = await client.get(one["downloadUrl"][:-2] + "xx")
    assert foreign.status_code == 403 and tampered.status_code == 403
    assert "exactly as the mock issued it" in foreign.json()["detail"]


async def test_the_download_url_is_the_same_on_every_read() -> None:
    clock = Clock()
    async with job_client(job_app(clock=clock)) as client:
        job = await _complete(client, PDF_URL)
        clock.advance(5)
        assert (await get(client, job["id"]))["downloadUrl"] == job["downloadUrl"]
