"""Blobs in an S3-compatible bucket (`--blob-store s3://bucket/prefix`), against moto's server."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from job_support import items, job_client, job_settings, register
from s3_server import S3Server

from export_contract.settings import Settings
from reference_impl.storage import ExportStore, StorageError, UploadTooLarge, open_store

PDF = "https://canvas.example.com/files/floor-plan.pdf"
NOTES = "https://canvas.example.com/files/notes.txt"
# Over the 8 MiB part size: stored as a multipart upload.
LARGE = bytes(range(256)) * (40 * 1024 * 9 // 10 * 10)


def _store(tmp_path: Path, bucket: str) -> ExportStore:
    return ExportStore(tmp_path / "data", blob_store_url=f"s3://{bucket}/exports")


def test_a_registered_export_is_an_object_in_the_bucket_and_none_in_the_data_dir(
        tmp_path: Path, s3_bucket: str, s3_server: S3Server) -> None:
    with _store(tmp_path, s3_bucket) as store:
        export, created = store.register(PDF, io.BytesIO(LARGE), filename="plan.pdf",
                                         content_type="application/pdf",
                                         max_bytes=len(LARGE))
        assert created and len(LARGE) > 8 * 2**20
        assert s3_server.keys(s3_bucket) == [f"exports/{export.sha256[:2]}/{export.sha256}"]
        with store.check_blob(export).open("rb") as body:
            assert body.read() == LARGE
    assert not (tmp_path / "data" / "blobs").exists()
    assert list((tmp_path / "data" / "tmp").rglob("upload-*")) == []


def test_an_upload_over_the_limit_leaves_no_object(tmp_path: Path, s3_bucket: str,
                                                    s3_server: S3Server) -> None:
    with _store(tmp_path, s3_bucket) as store, pytest.raises(UploadTooLarge):
        store.register(PDF, io.BytesIO(b"x" * 100), filename="plan.pdf",
                       content_type="application/pdf", max_bytes=10)
    assert s3_server.keys(s3_bucket) == []


def test_deleting_the_last_export_of_an_object_removes_it(tmp_path: Path, s3_bucket: str,
                                                          s3_server: S3Server) -> None:
    with _store(tmp_path, s3_bucket) as store:
        store.register(PDF, io.BytesIO(b"%PDF-1.4 x"), filename="plan.pdf",
                       content_type="application/pdf", max_bytes=100)
        assert store.delete(PDF)
    assert s3_server.keys(s3_bucket) == []


def test_a_missing_bucket_is_named_with_what_to_check(tmp_path: Path, s3_bucket: str) -> None:
    with pytest.raises(StorageError, match=r"^the bucket no-such-bucket cannot be used.*"
                                           r"AWS_ENDPOINT_URL"):
        ExportStore(tmp_path / "data", blob_store_url="s3://no-such-bucket")


@pytest.mark.anyio
async def test_downloads_urls_and_job_zips_come_from_the_bucket(
        tmp_path: Path, s3_bucket: str, s3_server: S3Server, settings: Settings,
        completed_job: Any) -> None:
    in_bucket = job_settings(settings, blob_store=f"s3://{s3_bucket}/exports")
    async with job_client(in_bucket) as client:
        await register(client, PDF, b"%PDF-1.4 floor plan")
        await register(client, NOTES, b"notes\n" * 5000)
        single = await client.post("/viewer/exports/download", json={"sourceFileUrl": PDF})
        assert single.status_code == 200 and single.content == b"%PDF-1.4 floor plan"
        batch = await client.post("/viewer/exports/download-batch",
                                  json=items(PDF, NOTES, PDF))
        with zipfile.ZipFile(io.BytesIO(batch.content)) as archive:
            assert archive.read("notes.txt") == b"notes\n" * 5000
            assert archive.read("floor-plan (1).pdf") == b"%PDF-1.4 floor plan"
        exported = (await client.post("/viewer/exports/download",
                                      params={"responseType": "urls"},
                                      json={"sourceFileUrl": PDF})).json()["exportedUrl"]
        assert exported.startswith(s3_server.endpoint)
        assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in exported  # SigV4, which every bucket takes
        followed = httpx.get(exported)
        assert followed.status_code == 200 and followed.content == b"%PDF-1.4 floor plan"
        assert followed.headers["content-disposition"] == (
            'attachment; filename="floor-plan.pdf"')
        ranged = httpx.get(exported, headers={"range": "bytes=9-13"})
        assert ranged.status_code == 206 and ranged.content == b"floor"
        done = await completed_job(client, PDF, NOTES)
        response = await client.get(done["downloadUrl"], headers={"x-api-key": ""})
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert archive.read("notes.txt") == b"notes\n" * 5000
        part = await client.get(done["downloadUrl"], headers={"x-api-key": "",
                                                                "range": "bytes=0-1"})
        assert part.status_code == 206 and part.content == b"PK"
        whole = response.content
        parts = await client.get(done["downloadUrl"], headers={"x-api-key": "",
                                                                 "range": "bytes=0-1,-22"})
        assert parts.status_code == 206
        assert parts.headers["content-type"].startswith("multipart/byteranges; boundary=")
        assert int(parts.headers["content-length"]) == len(parts.content)
        for span, content in ((f"0-1/{len(whole)}", b"PK"),
                              (f"{len(whole) - 22}-{len(whole) - 1}/{len(whole)}", whole[-22:])):
            assert f"Content-Range: bytes {span}\r\n\r\n".encode() + content in parts.content
    # The job's zip was written back to the bucket beside the two exports, and built
    # straight into it: nothing of it stays on (or passed through) the instance's disk.
    assert len(s3_server.keys(s3_bucket)) == 3
    assert not (tmp_path / "data" / "blobs").exists()
    assert [path.name for path in (tmp_path / "data" / "tmp").rglob("*")
            if path.is_file() and path.suffix != ".lock"] == []


def test_a_url_ttl_past_what_a_presigned_url_allows_is_refused_at_start(
        tmp_path: Path, s3_bucket: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", blob_store=f"s3://{s3_bucket}/exports",
                        url_ttl_seconds=8 * 24 * 3600)
    with pytest.raises(StorageError, match=r"--url-ttl is 691200 s.*at most 7 days"):
        open_store(settings)
