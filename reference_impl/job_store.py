"""Export jobs in the export database (rules J2-J5): every state change is one transaction.

A move is made only from the state it starts from (`... WHERE state = 'processing'`), so a
job cancelled by one process can never be completed by another (rule J5), and `done` is only
ever raised (rule J4). A `complete` job whose `expiresAt` has passed reads as `gone` at once;
`expire_due` makes that permanent and frees its zip.

Each job belongs to the process building it (`owner`, see `ExportStore.process_name`); a
job whose owner has ended is taken over by another (`orphans` / `adopt`). On PostgreSQL the
workers of every instance `claim` jobs instead, each for a lease (`lease_until`) its claimer
renews while building; a lease not renewed expires and the job is claimed again.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from export_contract.jobs import EVENTS, may_move

from .blob_uploads import UploadedBlob
from .outbox import enqueue_event
from .storage import ExportStore

__all__ = ["JobRecord", "JobStore", "NewZip", "Notice"]

_COLUMNS = ("seq, id, name, state, created_at, updated_at, done, total, callback_url, "
            "base_url, zip_sha256, zip_size, zip_xxh3, expires_at, error_code, error_message, "
            "owner, attempts")
# What `state` reads as at :now (a complete job past its expiry is gone).
_GONE = "(state = 'gone' OR (state = 'complete' AND expires_at <= :now))"
_SKIP_LOCKED = " FOR UPDATE SKIP LOCKED"
_STATE_FILTERS = {
    "complete": "(state = 'complete' AND expires_at > :now)",
    "gone": _GONE,
}


@dataclass(frozen=True)
class JobRecord:
    seq: int
    id: str
    name: str
    state: str
    created_at: float
    updated_at: float
    done: int
    total: int
    callback_url: str | None
    base_url: str
    zip_sha256: str | None
    zip_size: int | None
    zip_xxh3: str | None
    expires_at: float | None
    error_code: str | None
    error_message: str | None
    owner: str | None
    attempts: int

    def as_of(self, now: float) -> JobRecord:
        """The job as it reads at `now`: a complete job past `expires_at` is gone."""
        if self.state == "complete" and self.expires_at is not None and self.expires_at <= now:
            return replace(self, state="gone", updated_at=self.expires_at)
        return self


# A built zip, written into the blob store's staging (a temp file or a bucket stage), to be
# placed as the job's download.
NewZip = UploadedBlob


# Renders the webhook body of a job that just changed (inside the transaction).
Notice = Callable[[str, JobRecord], bytes]


class JobStore:
    def __init__(self, store: ExportStore) -> None:
        self.store = store

    # -- reading -----------------------------------------------------------------------------

    def get(self, job_id: str, now: float) -> JobRecord | None:
        with self.store.reading() as db:
            record = _one(db, job_id)
        return record.as_of(now) if record else None

    def items(self, job_id: str) -> list[str]:
        with self.store.reading() as db:
            row = db.execute("SELECT items FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return list(json.loads(row[0])) if row else []

    def page(self, *, limit: int, before_seq: int | None, state: str | None, now: float
             ) -> list[JobRecord]:
        """Up to `limit` jobs, newest first, older than `before_seq`, in `state` at `now`."""
        conditions = ["seq < :before"]
        if state is not None:
            conditions.append(_STATE_FILTERS.get(state, "state = :state"))
        query = (f"SELECT {_COLUMNS} FROM jobs WHERE {' AND '.join(conditions)} "
                 "ORDER BY seq DESC LIMIT :limit")
        params = {"before": before_seq if before_seq is not None else 2**62, "state": state,
                  "now": now, "limit": limit}
        with self.store.reading() as db:
            rows = db.execute(query, params).fetchall()
        return [JobRecord(*row).as_of(now) for row in rows]

    def orphans(self) -> list[JobRecord]:
        """Processing jobs owned by a process that has ended (or by none)."""
        with self.store.reading() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE state = 'processing'"
                              ).fetchall()
        records = [JobRecord(*row) for row in rows]
        return [r for r in records if r.owner is None or not self.store.is_live_process(r.owner)]

    # -- writing -----------------------------------------------------------------------------

    def create(self, *, name: str, items: Sequence[str], callback_url: str | None,
               base_url: str, owner: str, now: float) -> JobRecord:
        job_id = uuid.uuid4().hex
        with self.store.writing("no job was created") as db:
            db.execute(
                "INSERT INTO jobs (id, name, state, created_at, updated_at, done, total, items, "
                "callback_url, base_url, owner) VALUES (?, ?, 'processing', ?, ?, 0, ?, ?, ?, ?, "
                "?)", (job_id, name, now, now, len(items), json.dumps(list(items)),
                       callback_url, base_url, owner))
            record = _one(db, job_id)
        assert record is not None
        return record

    def adopt(self, record: JobRecord, owner: str) -> bool:
        """Take over `record` (an orphan) for `owner`; False when another process was first."""
        with self.store.writing("the job was not taken over") as db:
            return db.execute("UPDATE jobs SET owner = ? WHERE id = ? AND state = 'processing' "
                              "AND owner IS ?", (owner, record.id, record.owner)).rowcount == 1

    def claim(self, owner: str, *, now: float, lease_seconds: float, limit: int) -> list[str]:
        """Up to `limit` processing jobs nobody holds a lease on, oldest first, now leased to
        `owner` until `now + lease_seconds` (PostgreSQL: rows another instance is claiming
        are skipped, not waited for, so a row is never claimed twice at once)."""
        with self.store.row_locking("no job was claimed") as db:
            rows = db.execute(
                "UPDATE jobs SET owner = ?, lease_until = ? WHERE id IN (SELECT id FROM jobs "
                "WHERE state = 'processing' AND (lease_until IS NULL OR lease_until <= ?) "
                f"ORDER BY seq LIMIT ?{_SKIP_LOCKED if self.store.shared_database else ''}) "
                "RETURNING id", (owner, now + lease_seconds, now, limit)).fetchall()
        return [row[0] for row in rows]

    def renew(self, job_ids: Sequence[str], owner: str, *, until: float) -> set[str]:
        """Extend `owner`'s leases on `job_ids`; the ids whose lease `owner` no longer holds
        (the job left processing, or its lease expired and another claimed it)."""
        lost: set[str] = set()
        with self.store.row_locking("the job's lease was not renewed") as db:
            for job_id in job_ids:
                if db.execute("UPDATE jobs SET lease_until = ? WHERE id = ? AND owner = ? AND "
                              "state = 'processing'", (until, job_id, owner)).rowcount != 1:
                    lost.add(job_id)
        return lost

    def release(self, job_id: str, owner: str | None) -> bool:
        """Free the lease `owner` holds on a processing job, for any instance to claim now."""
        with self.store.row_locking("the job's lease was not released") as db:
            return db.execute("UPDATE jobs SET lease_until = NULL WHERE id = ? AND owner IS ? "
                              "AND state = 'processing' AND lease_until IS NOT NULL",
                              (job_id, owner)).rowcount == 1

    def start_attempt(self, job_id: str, owner: str) -> JobRecord | None:
        """Count a build attempt; None when the job is no longer this process's to build."""
        with self.store.writing("the job was not started") as db:
            changed = db.execute("UPDATE jobs SET attempts = attempts + 1 WHERE id = ? AND "
                                 "state = 'processing' AND owner = ?", (job_id, owner)).rowcount
            return _one(db, job_id) if changed else None

    def advance(self, job_id: str, done: int, now: float) -> bool:
        """Raise `progress.done` to `done` (never lower); False once the job left processing."""
        with self.store.writing("the job's progress was not recorded") as db:
            row = db.execute("SELECT state, done FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None or row[0] != "processing":
                return False
            if done > row[1]:
                db.execute("UPDATE jobs SET done = ?, updated_at = ? WHERE id = ?",
                           (done, now, job_id))
        return True

    def complete(self, job_id: str, new_zip: NewZip, *, expires_at: float, now: float,
                 notice: Notice) -> JobRecord | None:
        """Place the zip and mark the job complete, in one transaction; None (and the zip
        discarded) when the job was cancelled meanwhile."""

        def record(db: sqlite3.Connection) -> JobRecord | None:
            return _move(db, job_id, "complete", now, notice,
                         "zip_sha256 = :sha256, zip_size = :size, zip_xxh3 = :xxh3, "
                         "expires_at = :expires, done = total",
                         {"sha256": new_zip.sha256, "size": new_zip.size, "xxh3": new_zip.xxh3,
                          "expires": expires_at})

        try:
            return self.store.place_blob(new_zip.staged, new_zip.sha256, _or_undo(record))
        except _NotMoved:
            return None
        finally:
            self.store.discard_upload(new_zip)

    def fail(self, job_id: str, code: str, message: str, *, now: float, notice: Notice
             ) -> JobRecord | None:
        """Mark a processing job `error`; None when it had already left processing."""
        with self.store.writing("the job's error was not recorded") as db:
            return _move(db, job_id, "error", now, notice,
                         "error_code = :code, error_message = :message",
                         {"code": code, "message": message})

    def delete(self, job_id: str, *, now: float, notice: Notice) -> JobRecord | None:
        """Rule J5: processing -> cancelled, complete -> gone, a final state unchanged.

        Returns the job as it is afterwards (None: no such job).
        """
        freed: str | None = None
        with self.store.writing("the job was not changed") as db:
            current = _one(db, job_id)
            if current is None:
                return None
            current = current.as_of(now)
            if current.state == "processing":
                moved = _move(db, job_id, "cancelled", now, notice)
            elif current.state == "complete":
                freed = current.zip_sha256
                moved = _move(db, job_id, "gone", now, notice, "zip_sha256 = NULL")
            else:
                moved = None
            after = moved or current
        if freed:
            self.store.drop_blob_if_unused(freed)
        return after

    def expire_due(self, now: float) -> int:
        """Make complete jobs past `expires_at` gone for good and free their zips."""
        with self.store.reading() as db:  # most rounds find none: no write lock for them
            (due,) = db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'complete' AND "
                                "expires_at <= ?", (now,)).fetchone()
        if not due:
            return 0
        with self.store.writing("expired jobs were kept") as db:
            rows = db.execute("SELECT id, zip_sha256 FROM jobs WHERE state = 'complete' AND "
                              "expires_at <= ?", (now,)).fetchall()
            db.execute("UPDATE jobs SET state = 'gone', updated_at = expires_at, "
                       "zip_sha256 = NULL WHERE state = 'complete' AND expires_at <= ?", (now,))
        for _job_id, sha256 in rows:
            if sha256:
                self.store.drop_blob_if_unused(sha256)
        return len(rows)


class _NotMoved(Exception):
    """The job left `processing` before its zip was placed: undo the placement."""


def _or_undo(record: Callable[[sqlite3.Connection], JobRecord | None]
             ) -> Callable[[sqlite3.Connection], JobRecord]:
    def recorded(db: sqlite3.Connection) -> JobRecord:
        moved = record(db)
        if moved is None:
            raise _NotMoved
        return moved

    return recorded


def _one(db: sqlite3.Connection, job_id: str) -> JobRecord | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return JobRecord(*row) if row else None


def _move(db: sqlite3.Connection, job_id: str, state: str, now: float, notice: Notice,
          assignments: str = "", params: dict[str, object] | None = None) -> JobRecord | None:
    """Move the job to `state` if rule J4 allows it from its current state, and queue its
    webhook event; None (nothing changed) otherwise."""
    current = _one(db, job_id)
    if current is None or not may_move(current.state, state):
        return None
    sets = "state = :state, updated_at = :now" + (f", {assignments}" if assignments else "")
    db.execute(f"UPDATE jobs SET {sets} WHERE id = :id AND state = :from",
               {**(params or {}), "state": state, "now": now, "id": job_id,
                "from": current.state})
    moved = _one(db, job_id)
    assert moved is not None
    if moved.callback_url and state in EVENTS:
        enqueue_event(db, event_id="evt_" + uuid.uuid4().hex, job_id=job_id,
                      url=moved.callback_url, body=notice(EVENTS[state], moved), now=now)
    return moved
