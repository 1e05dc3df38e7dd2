"""CRC-32s recorded at registration, and computed once for exports registered before."""

from __future__ import annotations

import io
import sqlite3
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from export_contract.settings import Settings
from reference_impl import create_app
from reference_impl.storage import BlobUnreadable, ExportStore, StoredExport

URL = "https://canvas.example.com/files/plan.pdf"
CONTENT = b"%PDF-1.7 a plan\n" * 500


def _register(store: ExportStore, content: bytes = CONTENT) -> None:
    store.register(URL, io.BytesIO(content), filename="plan.pdf",
                   content_type="application/pdf", max_bytes=1 << 20)


def _registered_before_crcs(data_dir: Path) -> None:
    """The export registered, then its CRC forgotten: the state migration 3 leaves exports
    registered before CRCs were recorded in."""
    with ExportStore(data_dir) as store:
        _register(store)
    db = sqlite3.connect(data_dir / "exports.sqlite3")
    try:
        db.execute("UPDATE exports SET crc32 = NULL")
        db.commit()
    finally:
        db.close()


@contextmanager
def _reopened_with_an_old_export(data_dir: Path) -> Iterator[tuple[ExportStore, StoredExport]]:
    """The store opened again after ``_registered_before_crcs``, and that export."""
    _registered_before_crcs(data_dir)
    with ExportStore(data_dir) as store:
        old = store.get(URL)
        assert old is not None
        yield store, old


def test_registration_records_the_crc32_of_the_bytes(tmp_path: Path) -> None:
    with ExportStore(tmp_path) as store:
        _register(store)
        export = store.get(URL)
    assert export is not None and export.crc32 == zlib.crc32(CONTENT)


def test_an_export_without_a_crc_gets_it_computed_once_and_recorded(tmp_path: Path) -> None:
    with _reopened_with_an_old_export(tmp_path) as (store, old):
        assert old.crc32 is None
        assert store.with_crc32(old).crc32 == zlib.crc32(CONTENT)
        recorded = store.get(URL)
    assert recorded is not None and recorded.crc32 == zlib.crc32(CONTENT)


def test_a_damaged_blob_is_found_when_its_crc_is_computed(tmp_path: Path) -> None:
    with _reopened_with_an_old_export(tmp_path) as (store, old):
        store.blob_path(old.sha256).write_bytes(CONTENT.replace(b"plan", b"PLAN"))
        with pytest.raises(BlobUnreadable, match="no longer matches"):
            store.with_crc32(old)


@pytest.mark.anyio
async def test_a_batch_zip_of_old_exports_has_right_crcs(settings: Settings) -> None:
    assert settings.data_dir is not None
    _registered_before_crcs(settings.data_dir)
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver/api",
                                 headers={"x-api-key": settings.api_keys[0]}) as client:
        response = await client.post("/viewer/exports/download-batch",
                                     json={"items": [{"sourceFileUrl": URL}]})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.testzip() is None
        assert archive.read("plan.pdf") == CONTENT
    with ExportStore(settings.data_dir) as store:
        export = store.get(URL)
    assert export is not None and export.crc32 == zlib.crc32(CONTENT)
