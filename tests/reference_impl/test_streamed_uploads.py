"""Registration streams the upload into the blob store as it arrives (directory or bucket).

The bodies here are sent without a Content-Length, piece by piece, so each test can look at
the store while the upload is still arriving, cut it off, or let the store fail halfway.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from s3_server import S3Server

from export_contract.settings import Settings
from reference_impl import create_app
from reference_impl.s3_blobs import S3Upload

pytestmark = pytest.mark.anyio

URL = "https://canvas.example.com/files/site-survey.pdf"
BOUNDARY = "export-contract-test-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
MiB = 1024 * 1024
PIECE = b"%PDF" + bytes(range(256)) * (MiB // 256 - 1) + b"\x00" * 252  # one MiB
CLOSE = f"--{BOUNDARY}--\r\n".encode()


def _field(name: str, value: str) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
            f"{value}\r\n").encode()


def _file_head(filename: str = "survey.pdf", media_type: str = "application/pdf") -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{filename}\"\r\nContent-Type: {media_type}\r\n\r\n").encode()


@dataclasses.dataclass
class Body:
    """A multipart body sent piece by piece, counting what the server has taken."""

    pieces: list[bytes]
    midway: Callable[[], Awaitable[None]] | None = None
    midway_after: int = 0
    taken: int = 0

    async def stream(self) -> AsyncIterator[bytes]:
        for index, piece in enumerate(self.pieces):
            if self.midway is not None and index == self.midway_after:
                await self.midway()
            self.taken += len(piece)
            yield piece

    @property
    def size(self) -> int:
        return sum(map(len, self.pieces))


def _upload(mib: int, *, before: list[bytes] | None = None, after: list[bytes] | None = None,
            closed: bool = True) -> list[bytes]:
    fields = [_field("sourceFileUrl", URL)] if before is None else before
    # CRLF ends the file's data; each field ends with its own.
    ending = [b"\r\n", *(after or []), CLOSE] if closed else []
    return [*fields, _file_head(), *[PIECE] * mib, *ending]


async def _post(app: Any, body: Body) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver/api") as client:
        return await client.post("/viewer/exports", content=body.stream(),
                                 headers={"content-type": MULTIPART, "x-api-key": "test-key"})


async def _exports(app: Any) -> list[Any]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver/api") as client:
        listed = await client.get("/viewer/exports", headers={"x-api-key": "test-key"})
    return list(listed.json()["exports"])


def _uploads_in(data_dir: Path) -> list[tuple[str, int]]:
    return [(path.name, path.stat().st_size) for path in (data_dir / "tmp").rglob("upload-*")]


@pytest.fixture
def dir_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", api_keys=("test-key",),
                    url_secret=b"test-url-signing-secret-32-bytes")


@pytest.fixture
def s3_settings(dir_settings: Settings, s3_bucket: str) -> Settings:
    return dataclasses.replace(dir_settings, blob_store=f"s3://{s3_bucket}/exports")


@pytest.fixture
def system_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temp directory, empty, for this test (where a spooled form part would go)."""
    directory = tmp_path / "system-temp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


# -- a directory store -------------------------------------------------------------------------

async def test_an_upload_is_written_into_the_data_dir_as_it_arrives_and_not_spooled(
        dir_settings: Settings, system_temp: Path) -> None:
    app = create_app(dir_settings)
    seen: list[list[tuple[str, int]]] = []

    async def look() -> None:
        seen.append(_uploads_in(dir_settings.data_dir))
        assert list(system_temp.iterdir()) == []

    response = await _post(app, Body(_upload(6), midway=look, midway_after=6))
    assert response.status_code == 201, response.text
    assert len(seen[0]) == 1 and seen[0][0][1] >= 3 * MiB, seen
    assert _uploads_in(dir_settings.data_dir) == [] and list(system_temp.iterdir()) == []


async def test_a_bad_source_url_is_refused_before_the_file_is_read(
        dir_settings: Settings) -> None:
    body = Body(_upload(16, before=[_field("sourceFileUrl", "not a url")]))
    response = await _post(create_app(dir_settings), body)
    assert response.status_code == 400 and "sourceFileUrl" in response.json()["detail"]
    assert body.taken < 2 * MiB
    assert _uploads_in(dir_settings.data_dir) == []


async def test_the_fields_may_follow_the_file(dir_settings: Settings) -> None:
    app = create_app(dir_settings)
    body = Body(_upload(2, before=[], after=[_field("sourceFileUrl", URL),
                                             _field("filename", "Survey 2026.pdf")]))
    response = await _post(app, body)
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "Survey 2026.pdf"
    assert response.json()["size"] == 2 * MiB


async def test_two_file_parts_are_refused_and_leave_nothing(dir_settings: Settings) -> None:
    app = create_app(dir_settings)
    body = Body([*_upload(1, closed=False), b"\r\n", _file_head(), PIECE, b"\r\n", CLOSE])
    response = await _post(app, body)
    assert response.status_code == 400
    assert "one file part" in response.json()["detail"]
    assert _uploads_in(dir_settings.data_dir) == [] and await _exports(app) == []


async def test_a_body_without_its_closing_boundary_registers_nothing(
        dir_settings: Settings) -> None:
    app = create_app(dir_settings)
    response = await _post(app, Body(_upload(3, closed=False)))
    assert response.status_code == 400 and "cut off" in response.json()["detail"]
    assert _uploads_in(dir_settings.data_dir) == [] and await _exports(app) == []


# -- a bucket ----------------------------------------------------------------------------------

async def test_an_upload_is_a_multipart_upload_in_the_bucket_while_it_arrives(
        s3_settings: Settings, s3_bucket: str, s3_server: S3Server, system_temp: Path) -> None:
    app = create_app(s3_settings)
    seen: list[list[str]] = []

    async def look() -> None:
        seen.append(s3_server.uploads_in_progress(s3_bucket))
        assert _uploads_in(s3_settings.data_dir) == []
        assert list(system_temp.iterdir()) == []

    response = await _post(app, Body(_upload(20), midway=look, midway_after=14))
    assert response.status_code == 201, response.text
    assert len(seen[0]) == 1 and seen[0][0].startswith("exports/uploads/"), seen
    sha = response.json()["sha256"]
    assert s3_server.keys(s3_bucket) == [f"exports/{sha[:2]}/{sha}"]
    assert s3_server.uploads_in_progress(s3_bucket) == []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver/api") as client:
        download = await client.post("/viewer/exports/download", json={"sourceFileUrl": URL},
                                     headers={"x-api-key": "test-key"})
    assert download.content == PIECE * 20


async def test_a_small_upload_is_put_under_its_address_with_no_stage(
        s3_settings: Settings, s3_bucket: str, s3_server: S3Server) -> None:
    response = await _post(create_app(s3_settings), Body(_upload(1)))
    assert response.status_code == 201
    sha = response.json()["sha256"]
    assert s3_server.keys(s3_bucket) == [f"exports/{sha[:2]}/{sha}"]


async def test_an_upload_cut_off_halfway_leaves_no_multipart_upload(
        s3_settings: Settings, s3_bucket: str, s3_server: S3Server) -> None:
    app = create_app(s3_settings)
    response = await _post(app, Body(_upload(12, closed=False)))
    assert response.status_code == 400 and "nothing was registered" in response.text
    assert s3_server.uploads_in_progress(s3_bucket) == []
    assert s3_server.keys(s3_bucket) == [] and await _exports(app) == []


async def test_an_upload_over_the_limit_stops_as_it_crosses_it(
        s3_settings: Settings, s3_bucket: str, s3_server: S3Server) -> None:
    app = create_app(dataclasses.replace(s3_settings, max_upload_bytes=10 * MiB))
    body = Body(_upload(24))
    response = await _post(app, body)
    assert response.status_code == 413
    assert body.taken <= 11 * MiB
    assert s3_server.uploads_in_progress(s3_bucket) == [] and s3_server.keys(s3_bucket) == []


async def test_a_bucket_failing_halfway_aborts_the_upload_and_registers_nothing(
        s3_settings: Settings, s3_bucket: str, s3_server: S3Server,
        monkeypatch: pytest.MonkeyPatch) -> None:
    upload_part = S3Upload._upload_part

    def second_part_fails(upload: S3Upload, number: int, body: bytes) -> dict[str, Any]:
        if number == 2:
            raise ClientError({"Error": {"Code": "InternalError",
                                         "Message": "We encountered an internal error."}},
                              "UploadPart")
        return upload_part(upload, number, body)

    monkeypatch.setattr(S3Upload, "_upload_part", second_part_fails)
    app = create_app(s3_settings)
    response = await _post(app, Body(_upload(20)))
    assert response.status_code == 503 and response.headers["retry-after"]
    detail = response.json()["detail"]
    assert "nothing was registered" in detail and "InternalError on UploadPart" in detail
    assert "uploadId" not in detail and s3_server.endpoint not in detail
    assert s3_server.uploads_in_progress(s3_bucket) == []
    assert s3_server.keys(s3_bucket) == [] and await _exports(app) == []


async def test_fields_refused_after_the_upload_leave_no_stage(
        s3_settings: Settings, s3_bucket: str, s3_server: S3Server) -> None:
    app = create_app(s3_settings)
    body = Body(_upload(10, before=[], after=[_field("sourceFileUrl", URL),
                                              _field("filename", "survey.pdf"),
                                              _field("contentType", "image/png")]))
    response = await _post(app, body)
    assert response.status_code == 400 and "contentType" in response.json()["detail"]
    assert s3_server.uploads_in_progress(s3_bucket) == [] and s3_server.keys(s3_bucket) == []


@pytest.mark.parametrize("store", ["directory", "bucket"])
async def test_a_client_going_away_mid_upload_leaves_nothing(
        store: str, dir_settings: Settings, request: pytest.FixtureRequest) -> None:
    settings = (request.getfixturevalue("s3_settings") if store == "bucket"
                else dir_settings)
    app = create_app(settings)
    pieces = iter(_upload(12, closed=False))

    async def receive() -> dict[str, Any]:
        piece = next(pieces, None)
        if piece is None:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": piece, "more_body": True}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/api/viewer/exports",
             "raw_path": b"/api/viewer/exports", "root_path": "", "query_string": b"",
             "headers": [(b"host", b"testserver"), (b"content-type", MULTIPART.encode()),
                         (b"x-api-key", b"test-key")],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    await app(scope, receive, send)
    assert _uploads_in(settings.data_dir) == [] and await _exports(app) == []
    if store == "bucket":
        s3: S3Server = request.getfixturevalue("s3_server")
        bucket: str = request.getfixturevalue("s3_bucket")
        assert s3.uploads_in_progress(bucket) == [] and s3.keys(bucket) == []


def test_the_sweep_removes_stages_a_dead_process_left_and_keeps_blobs(
        s3_settings: Settings, s3_bucket: str, s3_server: S3Server,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from reference_impl import s3_blobs
    from reference_impl.storage import open_store

    with open_store(s3_settings) as store:
        kept, _ = store.register(URL, io.BytesIO(PIECE), filename="survey.pdf",
                                 content_type="application/pdf", max_bytes=MiB)
        unfinished = store.start_upload(64 * MiB)  # as if its process had died mid-upload
        for _ in range(9):
            unfinished.write(PIECE)
        finished = store.start_upload(64 * MiB)
        for _ in range(9):
            finished.write(PIECE)
        finished.finish()  # completed, never placed
        assert len(s3_server.uploads_in_progress(s3_bucket)) == 1
        # A day on: every stage is old enough to be abandoned.
        monkeypatch.setattr(s3_blobs, "_ABANDONED_SECONDS", -60)
        swept = store.sweep()
    assert swept.temp_files == 2 and swept.orphan_blobs == 0
    assert s3_server.uploads_in_progress(s3_bucket) == []
    assert s3_server.keys(s3_bucket) == [f"exports/{kept.sha256[:2]}/{kept.sha256}"]


async def test_an_upload_past_the_single_copy_limit_is_copied_in_parts(
        s3_settings: Settings, s3_bucket: str, s3_server: S3Server,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from reference_impl import s3_blobs

    # S3 copies at most 5 GiB in one request; the limit lowered so 20 MiB is past it.
    monkeypatch.setattr(s3_blobs, "_SINGLE_COPY_BYTES", 8 * MiB)
    response = await _post(create_app(s3_settings), Body(_upload(20)))
    assert response.status_code == 201, response.text
    sha = response.json()["sha256"]
    body = s3_server.client().get_object(Bucket=s3_bucket, Key=f"exports/{sha[:2]}/{sha}")
    assert body["Body"].read() == PIECE * 20
    assert s3_server.keys(s3_bucket) == [f"exports/{sha[:2]}/{sha}"]
