"""The webhook outbox: events written in the same transaction as the job's state change.

A state change and its event commit together, so a crash can lose neither one without the
other, and the job never waits for a delivery (rule J7). Deliveries claim due rows for a
lease, so several processes sharing the data dir do not send the same attempt twice. A lease
names its process: one left by a process that has ended (a crash mid-delivery) is released at
once (`release_ended_leases`, at start-up and then periodically) rather than waited out; the
receiver may then see the event twice, with the same event id.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .storage import ExportStore

__all__ = ["Delivery", "Outbox", "enqueue_event"]

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
# Settled rows are kept this long for the operator, then removed.
_KEEP_SETTLED_SECONDS = 7 * 86400


@dataclass(frozen=True)
class Delivery:
    event_id: str
    job_id: str
    url: str
    body: bytes
    attempts: int


def enqueue_event(db: sqlite3.Connection, *, event_id: str, job_id: str, url: str,
                  body: bytes, now: float) -> None:
    """Record an event to deliver, inside the caller's write transaction."""
    db.execute("INSERT INTO webhook_outbox (event_id, job_id, url, body, state, attempts, "
               "next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
               (event_id, job_id, url, body, PENDING, now, now))


class Outbox:
    def __init__(self, store: ExportStore) -> None:
        self.store = store

    def claim_due(self, now: float, *, lease_seconds: float, limit: int) -> list[Delivery]:
        """Up to `limit` due deliveries, each leased to this process for `lease_seconds`."""
        owner = self.store.process_name
        if self.store.shared_database:
            return self._claim_skipping_locked(now, owner, lease_seconds, limit)
        with self.store.writing("no webhook was sent") as db:
            rows = db.execute(
                "SELECT event_id, job_id, url, body, attempts FROM webhook_outbox "
                "WHERE state = ? AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?",
                (PENDING, now, limit)).fetchall()
            db.executemany("UPDATE webhook_outbox SET next_attempt_at = ?, leased_by = ? "
                           "WHERE event_id = ?",
                           [(now + lease_seconds, owner, row[0]) for row in rows])
        return [Delivery(row[0], row[1], row[2], bytes(row[3]), row[4]) for row in rows]

    def _claim_skipping_locked(self, now: float, owner: str, lease_seconds: float,
                               limit: int) -> list[Delivery]:
        """On PostgreSQL: rows another instance is claiming right now are skipped rather than
        waited for; the lease (`next_attempt_at` moved on) expires by itself if the claimer
        stops answering, and is released at once when its process ends."""
        with self.store.row_locking("no webhook was sent") as db:
            rows = db.execute(
                "UPDATE webhook_outbox SET next_attempt_at = ?, leased_by = ? WHERE event_id IN "
                "(SELECT event_id FROM webhook_outbox WHERE state = ? AND next_attempt_at <= ? "
                "ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED) "
                "RETURNING event_id, job_id, url, body, attempts",
                (now + lease_seconds, owner, PENDING, now, limit)).fetchall()
        return [Delivery(row[0], row[1], row[2], bytes(row[3]), row[4]) for row in rows]

    def release_ended_leases(self, now: float) -> int:
        """Make deliveries leased by processes that have ended due now; how many there were."""
        with self.store.reading() as db:  # most rounds find none: no write lock for them
            leases = db.execute("SELECT event_id, leased_by FROM webhook_outbox WHERE state = ? "
                                "AND leased_by IS NOT NULL AND next_attempt_at > ?",
                                (PENDING, now)).fetchall()
        ended = [(now, event_id, owner) for event_id, owner in leases
                 if not self.store.is_live_process(owner)]
        if not ended:
            return 0
        with self.store.writing("webhooks of an ended process were left leased") as db:
            # Only if still leased by the ended process (another may have released it first).
            return db.executemany("UPDATE webhook_outbox SET next_attempt_at = ?, leased_by = "
                                  "NULL WHERE event_id = ? AND leased_by = ? AND state = ?",
                                  [(*lease, PENDING) for lease in ended]).rowcount

    def settle(self, event_id: str, *, result: str, delivered: bool,
               retry_at: float | None) -> None:
        """Record an attempt: delivered, to be retried at `retry_at`, or given up (None)."""
        state = DELIVERED if delivered else (PENDING if retry_at is not None else FAILED)
        with self.store.writing("the webhook attempt was not recorded") as db:
            db.execute("UPDATE webhook_outbox SET state = ?, attempts = attempts + 1, "
                       "next_attempt_at = COALESCE(?, next_attempt_at), last_result = ?, "
                       "leased_by = NULL WHERE event_id = ?",
                       (state, retry_at, result[:500], event_id))

    def next_due(self) -> float | None:
        """When the earliest pending delivery is due (None: nothing pending)."""
        with self.store.reading() as db:
            (due,) = db.execute("SELECT MIN(next_attempt_at) FROM webhook_outbox WHERE "
                                "state = ?", (PENDING,)).fetchone()
        return None if due is None else float(due)

    def forget_settled(self, now: float) -> int:
        with self.store.writing("old webhook records were kept") as db:
            return db.execute("DELETE FROM webhook_outbox WHERE state != ? AND created_at < ?",
                              (PENDING, now - _KEEP_SETTLED_SECONDS)).rowcount

    def events(self, job_id: str) -> list[tuple[str, str, int, str | None]]:
        """(event id, state, attempts, last result) of a job's events, oldest first."""
        with self.store.reading() as db:
            rows = db.execute("SELECT event_id, state, attempts, last_result FROM "
                              "webhook_outbox WHERE job_id = ? ORDER BY created_at",
                              (job_id,)).fetchall()
        return [(row[0], row[1], row[2], row[3]) for row in rows]
