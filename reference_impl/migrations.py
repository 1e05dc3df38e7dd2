"""The database schema, by version: a data dir of any earlier release opens and is upgraded.

SQLite's `user_version` holds the version a database is at; each step after it runs in one
write transaction, so several processes opening the same data dir at once upgrade it once,
and a step that fails leaves the database as it was. Steps are only ever appended.
"""

from __future__ import annotations

import sqlite3

__all__ = ["SCHEMA_VERSION", "STEPS", "SchemaTooNew", "migrate"]

# Each step: the statements that take the schema from the version before to this one.
_STEPS: tuple[tuple[str, ...], ...] = (
    # 1: exports (releases before versioning created exactly this, with IF NOT EXISTS).
    (
        """CREATE TABLE IF NOT EXISTS exports (
            source_file_url TEXT PRIMARY KEY,
            filename TEXT NOT NULL,
            content_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            xxh3 TEXT NOT NULL,
            registered_at REAL NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS exports_by_blob ON exports (sha256)",
    ),
    # 2: export jobs and the webhook outbox.
    (
        """CREATE TABLE jobs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            state TEXT NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            done INTEGER NOT NULL DEFAULT 0,
            total INTEGER NOT NULL,
            items TEXT NOT NULL,
            callback_url TEXT,
            base_url TEXT NOT NULL,
            zip_sha256 TEXT,
            zip_size INTEGER,
            zip_xxh3 TEXT,
            expires_at REAL,
            error_code TEXT,
            error_message TEXT,
            owner TEXT,
            attempts INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX jobs_by_state ON jobs (state, seq)",
        "CREATE INDEX jobs_by_blob ON jobs (zip_sha256)",
        """CREATE TABLE webhook_outbox (
            event_id TEXT PRIMARY KEY,
            job_id TEXT NOT NULL,
            url TEXT NOT NULL,
            body BLOB NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL,
            created_at REAL NOT NULL,
            last_result TEXT
        )""",
        "CREATE INDEX webhook_outbox_due ON webhook_outbox (state, next_attempt_at)",
    ),
    # 3: which process holds a delivery's lease, so a crashed process's are taken at once.
    ("ALTER TABLE webhook_outbox ADD COLUMN leased_by TEXT",),
    # 4: each export's CRC-32, for zips framed without reading the bytes twice. NULL for
    # exports registered before: the store computes it once, on first need (storage.py).
    ("ALTER TABLE exports ADD COLUMN crc32 INTEGER",),
    # 5: until when a job's claim holds (PostgreSQL: any instance's workers claim jobs; a
    # claim not renewed expires, so the job of a vanished instance is claimed again).
    ("ALTER TABLE jobs ADD COLUMN lease_until REAL",),
)
SCHEMA_VERSION = len(_STEPS)
# The same steps run on PostgreSQL (`postgres.PostgresDatabase.migrate`).
STEPS = _STEPS


class SchemaTooNew(sqlite3.DatabaseError):
    """The database was written by a newer release than this one."""


def migrate(db: sqlite3.Connection) -> int:
    """Bring `db` (autocommit mode) up to SCHEMA_VERSION; returns the version it was at."""
    db.execute("BEGIN IMMEDIATE")
    try:
        # Read under the write lock: another process may have upgraded it a moment ago.
        (found,) = db.execute("PRAGMA user_version").fetchone()
        if found > SCHEMA_VERSION:
            raise SchemaTooNew(f"the export database is at schema version {found}, newer than "
                               f"this release's {SCHEMA_VERSION}; run the newer release")
        for statements in _STEPS[found:]:
            for statement in statements:
                db.execute(statement)
        if found < SCHEMA_VERSION:
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return int(found)
