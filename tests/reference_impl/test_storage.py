from __future__ import annotations

import errno
import io
from pathlib import Path

import pytest

from reference_impl.storage import BlobUnreadable, ExportStore, StorageFull, UploadTooLarge

URL = "https://c.example/files/a.pdf"


def _register(store: ExportStore, url: str, content: bytes, max_bytes: int = 1 << 20) -> None:
    store.register(url, io.BytesIO(content), filename="a.pdf", content_type="application/pdf",
                   max_bytes=max_bytes)


def _files(store: ExportStore) -> list[Path]:
    return sorted(p for p in store.blob_dir.rglob("*") if p.is_file())


def test_registrations_survive_a_new_store_on_the_same_dir(tmp_path: Path) -> None:
    _register(ExportStore(tmp_path), URL, b"abc")
    reopened = ExportStore(tmp_path)
    export = reopened.get(URL)
    assert export is not None and reopened.check_blob(export).read_bytes() == b"abc"


def test_identical_bytes_share_one_blob(tmp_path: Path) -> None:
    store = ExportStore(tmp_path)
    _register(store, URL, b"same")
    _register(store, URL + "2", b"same")
    assert len(_files(store)) == 1


def test_replaced_and_deleted_blobs_are_removed_when_unused(tmp_path: Path) -> None:
    store = ExportStore(tmp_path)
    _register(store, URL, b"one")
    _register(store, URL, b"two")
    assert len(_files(store)) == 1
    store.delete(URL)
    assert _files(store) == []


def test_too_large_upload_leaves_nothing_behind(tmp_path: Path) -> None:
    store = ExportStore(tmp_path)
    with pytest.raises(UploadTooLarge):
        _register(store, URL, b"x" * 100, max_bytes=10)
    assert store.get(URL) is None
    assert _files(store) == [] and list(store.tmp_dir.iterdir()) == []


def test_disk_full_during_write_leaves_metadata_and_blobs_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ExportStore(tmp_path)
    _register(store, URL, b"original")

    class FullDisk(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(StorageFull):
        store.register(URL, FullDisk(), filename="a.pdf", content_type="application/pdf",
                       max_bytes=100)
    export = store.get(URL)
    assert export is not None and store.check_blob(export).read_bytes() == b"original"
    assert list(store.tmp_dir.iterdir()) == []


def test_failed_commit_removes_the_new_blob(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    store = ExportStore(tmp_path)
    monkeypatch.setattr("reference_impl.storage._fsync_dir",
                        lambda _: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    with pytest.raises(OSError):
        _register(store, URL, b"abc")
    assert store.get(URL) is None
    assert _files(store) == [] and list(store.tmp_dir.iterdir()) == []


def test_truncated_blob_is_detected_against_its_recorded_size(tmp_path: Path) -> None:
    store = ExportStore(tmp_path)
    _register(store, URL, b"abcdef")
    export = store.get(URL)
    assert export is not None
    store.blob_path(export.sha256).write_bytes(b"abc")
    with pytest.raises(BlobUnreadable):
        store.check_blob(export)
