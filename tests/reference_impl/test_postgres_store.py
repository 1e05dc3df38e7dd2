"""The reference backend on PostgreSQL: the same store, jobs and outbox on a shared database."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from job_support import ended, job_client, job_settings, register

from export_contract.settings import Settings
from reference_impl import job_runner
from reference_impl.job_store import JobStore
from reference_impl.outbox import Outbox, enqueue_event
from reference_impl.storage import ExportStore, StorageBusy

URL = "https://app.example.com/reports/q3.pdf"


def _store(tmp_path: Path, name: str, database_url: str, blobs: Path) -> ExportStore:
    return ExportStore(tmp_path / name, database_url=database_url, blob_dir=blobs)


@contextmanager
def _two_instances(tmp_path: Path, database_url: str) -> Iterator[tuple[ExportStore, ExportStore]]:
    """Instances `a` and `b`: data dirs of their own, one database and one blob directory."""
    blobs = tmp_path / "blobs"
    with _store(tmp_path, "a", database_url, blobs) as first, \
            _store(tmp_path, "b", database_url, blobs) as second:
        yield first, second


def test_an_export_registered_through_one_instance_is_read_by_another(
        tmp_path: Path, postgres_url: str) -> None:
    with _two_instances(tmp_path, postgres_url) as (first, second):
        export, created = first.register(URL, io.BytesIO(b"%PDF-1.4 q3"), filename="q3.pdf",
                                         content_type="application/pdf", max_bytes=1000)
        assert created
        seen = second.get(URL)
        assert seen == export
        assert second.check_blob(seen).read_bytes() == b"%PDF-1.4 q3"
    assert not (tmp_path / "a" / "blobs").exists() and not (tmp_path / "b" / "blobs").exists()


def test_re_registering_replaces_the_export_and_frees_its_old_blob(
        tmp_path: Path, postgres_url: str) -> None:
    blobs = tmp_path / "blobs"
    with _store(tmp_path, "a", postgres_url, blobs) as store:
        store.register(URL, io.BytesIO(b"old bytes"), filename="q3.pdf",
                       content_type="application/pdf", max_bytes=1000)
        new, created = store.register(URL, io.BytesIO(b"new bytes"), filename="q3.pdf",
                                      content_type="application/pdf", max_bytes=1000)
        assert not created and store.get(URL) == new
        assert [p.name for p in blobs.glob("*/*")] == [new.sha256]
        assert store.delete(URL) and store.get(URL) is None
        assert list(blobs.glob("*/*")) == []


def test_instances_starting_together_migrate_the_database_once(
        tmp_path: Path, postgres_url: str) -> None:
    errors: list[BaseException] = []

    def start(name: str) -> None:
        try:
            _store(tmp_path, name, postgres_url, tmp_path / "blobs").close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(f"d{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_a_live_process_of_another_instance_is_seen_alive_until_it_closes(
        tmp_path: Path, postgres_url: str) -> None:
    with _two_instances(tmp_path, postgres_url) as (first, second):
        name = first.process_name
        assert second.is_live_process(name)
        first.close()
        assert not second.is_live_process(name)


def test_a_postgres_url_that_cannot_connect_says_so(tmp_path: Path) -> None:
    from reference_impl.storage import StorageError

    with pytest.raises(StorageError, match="export database"):
        ExportStore(tmp_path / "d", database_url="postgresql://nobody@127.0.0.1:1/none",
                    busy_timeout_seconds=2)


@pytest.mark.anyio
async def test_jobs_and_downloads_run_on_postgres(tmp_path: Path, postgres_url: str,
                                                  settings: Settings,
                                                  completed_job: Any) -> None:
    on_postgres = job_settings(settings, database_url=postgres_url,
                               blob_store=str(tmp_path / "blobs"))
    async with job_client(on_postgres) as client:
        await register(client, URL, b"%PDF-1.4 served")
        single = await client.post("/viewer/exports/download", json={"sourceFileUrl": URL})
        assert single.status_code == 200 and single.content == b"%PDF-1.4 served"
        done = await completed_job(client, URL, URL)
        response = await client.get(done["downloadUrl"], headers={"x-api-key": ""})
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert archive.read("q3.pdf") == b"%PDF-1.4 served"
    assert not (tmp_path / "data" / "blobs").exists()


def _enqueue(store: ExportStore, count: int) -> None:
    with store.writing("test") as db:
        for n in range(count):
            enqueue_event(db, event_id=f"evt_{n}", job_id="job", url="https://hooks.example.com",
                          body=b"{}", now=1.0)


def test_webhook_claims_of_two_instances_never_overlap(tmp_path: Path,
                                                       postgres_url: str) -> None:
    with _two_instances(tmp_path, postgres_url) as (first, second):
        _enqueue(first, 40)
        claimed: list[list[str]] = [[], []]

        def claim(index: int, store: ExportStore) -> None:
            while batch := Outbox(store).claim_due(2.0, lease_seconds=60, limit=3):
                claimed[index].extend(d.event_id for d in batch)

        threads = [threading.Thread(target=claim, args=(i, s))
                   for i, s in enumerate((first, second))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        every = claimed[0] + claimed[1]
        assert sorted(every) == sorted(f"evt_{n}" for n in range(40))


def test_a_webhook_row_another_instance_is_claiming_is_skipped_not_waited_for(
        tmp_path: Path, postgres_url: str) -> None:
    with _two_instances(tmp_path, postgres_url) as (first, second):
        _enqueue(first, 2)
        with first.row_locking("test") as db:
            db.execute("SELECT event_id FROM webhook_outbox WHERE event_id = 'evt_0' "
                       "FOR UPDATE")
            taken = Outbox(second).claim_due(2.0, lease_seconds=60, limit=10)
        assert [d.event_id for d in taken] == ["evt_1"]
        # The lease expires by itself: due again once it has passed.
        again = Outbox(second).claim_due(63.0, lease_seconds=60, limit=10)
        assert sorted(d.event_id for d in again) == ["evt_0", "evt_1"]


def test_register_into_a_data_dir_uses_the_shared_database_it_is_configured_with(
        tmp_path: Path, postgres_url: str) -> None:
    from reference_impl.registration import register_export

    file = tmp_path / "q3.pdf"
    file.write_bytes(b"%PDF-1.4 registered from the command line")
    blobs = tmp_path / "blobs"
    result = register_export(URL, file, data_dir=tmp_path / "a",
                             environ={"EXPORT_DATABASE_URL": postgres_url,
                                      "EXPORT_BLOB_STORE": str(blobs)})
    assert result["outcome"] == "registered"
    with _store(tmp_path, "b", postgres_url, blobs) as other:
        export = other.get(URL)
        assert export is not None
        assert other.check_blob(export).read_bytes() == file.read_bytes()
    assert not (tmp_path / "a" / "exports.sqlite3").exists()


def _new_jobs(jobs: JobStore, count: int, owner: str) -> list[str]:
    return [jobs.create(name=f"job-{n}", items=[URL], callback_url=None,
                        base_url="http://testserver", owner=owner, now=1000.0).id
            for n in range(count)]


def _one_job_claimed(jobs: JobStore, owner: str) -> str:
    """A new job, claimed by ``owner`` at t=1000 under a 30-second lease."""
    [job_id] = _new_jobs(jobs, 1, owner)
    assert jobs.claim(owner, now=1000.0, lease_seconds=30, limit=5) == [job_id]
    return job_id


def test_job_claims_of_two_instances_never_overlap(tmp_path: Path, postgres_url: str) -> None:
    with _two_instances(tmp_path, postgres_url) as (first, second):
        created = _new_jobs(JobStore(first), 40, first.process_name)
        claimed: list[str] = []
        lock = threading.Lock()

        def claim_all(store: ExportStore) -> None:
            jobs = JobStore(store)
            while taken := jobs.claim(store.process_name, now=1000.0, lease_seconds=30,
                                      limit=1):
                with lock:
                    claimed.extend(taken)

        threads = [threading.Thread(target=claim_all, args=(store,))
                   for store in (first, second, first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(claimed) == sorted(created)  # each job once, none twice


def test_a_job_lease_not_renewed_expires_and_another_instance_claims_the_job(
        tmp_path: Path, postgres_url: str) -> None:
    with _two_instances(tmp_path, postgres_url) as (first, second):
        a, b = JobStore(first), JobStore(second)
        job_id = _one_job_claimed(a, first.process_name)
        assert b.claim(second.process_name, now=1029.0, lease_seconds=30, limit=5) == []
        assert a.renew([job_id], first.process_name, until=1060.0) == set()
        assert b.claim(second.process_name, now=1059.0, lease_seconds=30, limit=5) == []
        assert b.claim(second.process_name, now=1060.0, lease_seconds=30, limit=5) == [job_id]
        # The first claimer learns on renewal that the job is no longer its to build.
        assert a.renew([job_id], first.process_name, until=1090.0) == {job_id}
        assert a.start_attempt(job_id, first.process_name) is None
        assert b.start_attempt(job_id, second.process_name) is not None


def test_a_job_stopped_unfinished_is_released_for_another_instance(
        tmp_path: Path, postgres_url: str) -> None:
    with _two_instances(tmp_path, postgres_url) as (first, second):
        a, b = JobStore(first), JobStore(second)
        job_id = _one_job_claimed(a, first.process_name)
        assert not b.release(job_id, second.process_name)  # not its lease to free
        assert a.release(job_id, first.process_name)
        assert b.claim(second.process_name, now=1001.0, lease_seconds=30, limit=5) == [job_id]


@pytest.mark.anyio
async def test_a_job_whose_lease_expires_unrenewed_is_finished_by_another_instance(
        tmp_path: Path, postgres_url: str, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(job_runner, "LEASE_SECONDS", 0.5)
    blobs = tmp_path / "blobs"
    shared = job_settings(settings, database_url=postgres_url, blob_store=str(blobs))
    # An instance that claimed the job and then hung: its process (session) stays alive, so
    # only the lease's expiry hands the job on.
    with _store(tmp_path, "hung", postgres_url, blobs) as hung:
        hung.register(URL, io.BytesIO(b"%PDF-1.4 q3"), filename="q3.pdf",
                      content_type="application/pdf", max_bytes=1000)
        [job_id] = _new_jobs(JobStore(hung), 1, hung.process_name)
        assert JobStore(hung).claim(hung.process_name, now=time.time(), lease_seconds=0.5,
                                    limit=1) == [job_id]
        async with job_client(shared) as client:
            done = await ended(client, job_id)
        assert done["state"] == "complete", done
        record = JobStore(hung).get(job_id, time.time())
        assert record is not None and record.owner != hung.process_name
        assert record.attempts == 1  # the hung instance never built it


def test_a_writer_stuck_inside_a_transaction_makes_others_busy_not_hung(
        tmp_path: Path, postgres_url: str) -> None:
    # A paused process holding the write lock: the other instance's write gives up after its
    # busy timeout (a 503 with Retry-After to its client) instead of waiting forever.
    blobs = tmp_path / "blobs"
    with _store(tmp_path, "a", postgres_url, blobs) as stuck, ExportStore(
            tmp_path / "b", database_url=postgres_url, blob_dir=blobs,
            busy_timeout_seconds=1.0) as other:
        with stuck.writing("held for the test"), \
                pytest.raises(StorageBusy, match="locked by another writer"):
            other.register(URL, io.BytesIO(b"%PDF-1.4 q3"), filename="q3.pdf",
                           content_type="application/pdf", max_bytes=1000)
        assert other.register(URL, io.BytesIO(b"%PDF-1.4 q3"), filename="q3.pdf",
                              content_type="application/pdf", max_bytes=1000)[1]


def test_every_pooled_session_ends_a_transaction_its_process_abandoned(
        tmp_path: Path, postgres_url: str) -> None:
    with _store(tmp_path, "a", postgres_url, tmp_path / "blobs") as store, \
            store.reading() as db:
        row = db.execute("SELECT current_setting('idle_in_transaction_session_timeout'), "
                         "current_setting('tcp_keepalives_idle')").fetchone()
    assert row == ("30s", "10")
