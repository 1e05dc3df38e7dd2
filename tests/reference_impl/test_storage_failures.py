"""Storage failures: what a failed COMMIT, a lock and a full disk leave behind (nothing)."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from reference_impl.storage import ExportStore, StorageBusy, StorageError

URL = "https://canvas.example.com/files/plan.pdf"


def _register(store: ExportStore, content: bytes, url: str = URL) -> None:
    store.register(url, io.BytesIO(content), filename="plan.pdf", content_type="application/pdf",
                   max_bytes=len(content))


def _fail_every_commit(store: ExportStore) -> None:
    """A deferred foreign key that every new row breaks: SQLite refuses the COMMIT itself."""
    with store._connection() as db:
        _break_commits(db)


def _break_commits(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA foreign_keys=ON")
    db.executescript("""
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
        CREATE TRIGGER break_commit AFTER INSERT ON exports BEGIN
            INSERT INTO child VALUES (42);
        END;
        -- A re-registration is an upsert: the replaced row is updated, not inserted.
        CREATE TRIGGER break_replacing_commit AFTER UPDATE ON exports BEGIN
            INSERT INTO child VALUES (42);
        END;
    """)


def _allow_commits(store: ExportStore) -> None:
    with store._connection() as db:
        db.executescript("DROP TRIGGER break_commit; DROP TRIGGER break_replacing_commit;")


def test_a_failed_commit_leaves_no_blob_and_keeps_the_replaced_one(tmp_path: Path) -> None:
    store = ExportStore(tmp_path)
    _register(store, b"%PDF-1.4 first")
    first = store.get(URL)
    assert first is not None
    _fail_every_commit(store)

    with pytest.raises(sqlite3.IntegrityError):
        _register(store, b"%PDF-1.4 second")

    # The old export is still recorded, and so still has its blob; the new blob is gone.
    assert store.get(URL) == first
    assert [p.name for p in store.blob_dir.rglob("*") if p.is_file()] == [first.sha256]
    assert list(store.tmp_dir.iterdir()) == []
    # The connection is usable again once commits can succeed.
    _allow_commits(store)
    _register(store, b"%PDF-1.4 second")
    assert [p.name for p in store.blob_dir.rglob("*") if p.is_file()] != [first.sha256]


def test_a_write_locked_by_another_connection_fails_after_the_busy_timeout(
        tmp_path: Path) -> None:
    store = ExportStore(tmp_path, busy_timeout_seconds=0.1)
    other = sqlite3.connect(store.db_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageBusy, match="locked"):
            _register(store, b"%PDF-1.4 locked out")
        with pytest.raises(StorageBusy):
            store.delete(URL)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert list(store.tmp_dir.iterdir()) == [] and not any(store.blob_dir.rglob("*.*"))
    _register(store, b"%PDF-1.4 now it works")
    assert store.get(URL) is not None


def test_a_data_dir_that_is_a_file_is_a_clear_storage_error(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(StorageError, match="cannot start"):
        ExportStore(tmp_path / "data")
