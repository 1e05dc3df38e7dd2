"""Jobs survive restarts: taken over from ended processes, or ended `interrupted`; schema
upgrades of existing data dirs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from job_support import ended, job_client, job_settings, register

from export_contract.settings import Settings
from reference_impl.job_runner import MAX_ATTEMPTS
from reference_impl.job_store import JobStore
from reference_impl.migrations import SCHEMA_VERSION
from reference_impl.storage import ExportStore, StorageError

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

A = "https://canvas.example.com/files/plan.pdf"
ENDED_PROCESS = "4242-0123456789ab"


def _left_processing(data_dir: Path, *, owner: str, attempts: int = 0, done: int = 0,
                     callback_url: str | None = None) -> str:
    """A job as a process that ended mid-build leaves it."""
    with ExportStore(data_dir) as store:
        record = JobStore(store).create(name="exports", items=[A, A], callback_url=callback_url,
                                        base_url="http://testserver/api", owner=owner, now=1.0)
        with store.writing("test") as db:
            db.execute("UPDATE jobs SET attempts = ?, done = ? WHERE id = ?",
                       (attempts, done, record.id))
    return record.id


async def _registered(settings: Settings) -> None:
    async with job_client(settings) as client:
        await register(client, A, b"%PDF-1.4 a")


async def test_a_job_left_processing_by_an_ended_process_is_resumed(settings: Settings) -> None:
    settings = job_settings(settings)
    await _registered(settings)
    job_id = _left_processing(settings.data_dir, owner=ENDED_PROCESS, attempts=1, done=1)
    async with job_client(settings) as client:
        done = await ended(client, job_id)
    assert done["state"] == "complete"
    assert done["progress"] == {"done": 2, "total": 2}


async def test_a_job_interrupted_again_and_again_ends_error_interrupted(
        settings: Settings) -> None:
    settings = job_settings(settings, allow_private_callbacks=True)
    await _registered(settings)
    job_id = _left_processing(settings.data_dir, owner=ENDED_PROCESS, attempts=MAX_ATTEMPTS,
                              callback_url="http://127.0.0.1:9/unreachable")
    async with job_client(settings) as client:
        done = await ended(client, job_id)
    assert done["state"] == "error"
    assert done["error"]["code"] == "interrupted"
    db = sqlite3.connect(settings.data_dir / "exports.sqlite3")
    try:
        (body,) = db.execute("SELECT body FROM webhook_outbox WHERE job_id = ?",
                             (job_id,)).fetchone()
    finally:
        db.close()
    assert b'"export.error"' in body


async def test_a_job_of_a_live_process_is_left_to_it_until_it_ends(settings: Settings) -> None:
    settings = job_settings(settings)
    await _registered(settings)
    other = ExportStore(settings.data_dir)  # another live process on the same data dir
    job_id = _left_processing(settings.data_dir, owner=other.process_name)
    with ExportStore(settings.data_dir) as store:
        assert job_id not in {record.id for record in JobStore(store).orphans()}
        other.close()
        assert job_id in {record.id for record in JobStore(store).orphans()}
    async with job_client(settings) as client:
        done = await ended(client, job_id)
    assert done["state"] == "complete"


def _old_data_dir(data_dir: Path) -> None:
    """A data dir as releases before export jobs left it: the exports table only."""
    data_dir.mkdir(parents=True)
    db = sqlite3.connect(data_dir / "exports.sqlite3")
    try:
        db.executescript("""
            CREATE TABLE exports (source_file_url TEXT PRIMARY KEY, filename TEXT NOT NULL,
                content_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
                xxh3 TEXT NOT NULL, registered_at REAL NOT NULL);
            CREATE INDEX exports_by_blob ON exports (sha256);
            INSERT INTO exports VALUES ('https://canvas.example.com/old.pdf', 'old.pdf',
                'application/pdf', 3, 'abc', 'def', 1.0);
        """)
    finally:
        db.close()


def test_an_old_data_dir_is_upgraded_and_keeps_its_exports(tmp_path: Path) -> None:
    _old_data_dir(tmp_path / "data")
    with ExportStore(tmp_path / "data") as store:
        assert [e.filename for e in store.list()] == ["old.pdf"]
        with store.reading() as db:
            assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
            assert db.execute("SELECT COUNT(*) FROM jobs").fetchone() == (0,)
    with ExportStore(tmp_path / "data") as store:  # opening again changes nothing
        assert [e.filename for e in store.list()] == ["old.pdf"]


def test_a_data_dir_of_a_newer_release_is_refused_with_a_reason(tmp_path: Path) -> None:
    ExportStore(tmp_path / "data").close()
    db = sqlite3.connect(tmp_path / "data" / "exports.sqlite3")
    try:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        db.commit()
    finally:
        db.close()
    with pytest.raises(StorageError, match="newer than this release"):
        ExportStore(tmp_path / "data")
