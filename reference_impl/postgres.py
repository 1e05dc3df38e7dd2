"""The export database on PostgreSQL, shared by every instance (`--database-url postgresql://…`).

The store's SQL is written once, in the dialect both engines accept (`?` and `:name`
parameters, `ON CONFLICT` upserts); `PgConnection` hands it to psycopg with psycopg's
placeholders, so `storage`, `job_store` and `outbox` run unchanged on either engine.

Every write transaction first takes one transaction-level advisory lock, the counterpart of
SQLite's `BEGIN IMMEDIATE`: writes are serialised across instances exactly as they are across
processes on one data dir, so every argument the store makes about its write lock (a blob
placed and its row committed together, a job moved only from the state it is in, a webhook
leased once) holds across machines too. Writes are short (bytes are stored before the
transaction opens), so one lock costs little next to the network round trips.

A process shows it is alive by holding a session-level advisory lock named after it on a
connection of its own; PostgreSQL drops the lock when that connection ends, however the
process ends (`kill -9` included): the counterpart of the `flock` in `temp_dirs`.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

__all__ = ["PgConnection", "PostgresDatabase", "is_postgres_url"]

# Advisory lock keys: (namespace, key) pairs in int4 space, so pg_locks shows them plainly.
_NAMESPACE = 0x45585043  # "EXPC"
_WRITE_KEY = 1
_MIGRATE_KEY = 2
_PROCESS_NAMESPACE = _NAMESPACE + 1
_POOL_SIZE = 8
_LEASE_KEEPALIVES = (("tcp_keepalives_idle", 10), ("tcp_keepalives_interval", 5),
                     ("tcp_keepalives_count", 3))
# No transaction of the store waits on anything but the database (bytes are moved before or
# after it): one idle this long belongs to a process that stopped.
_IDLE_IN_TRANSACTION_SECONDS = 30

_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def is_postgres_url(url: str | None) -> bool:
    return url is not None and url.lower().startswith(_SCHEMES)


class PgConnection:
    """A psycopg connection that takes the store's SQL as written for SQLite."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
                ) -> psycopg.Cursor[Any]:
        return self._conn.execute(_translate(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> psycopg.Cursor[Any]:
        cursor = self._conn.cursor()
        cursor.executemany(_translate(sql), rows)
        return cursor


class PostgresDatabase:
    def __init__(self, url: str, *, timeout_seconds: float) -> None:
        conninfo = re.sub(r"^postgresql\+psycopg://", "postgresql://", url, flags=re.I)
        self._conninfo = conninfo
        self._pool = ConnectionPool(conninfo, min_size=1, max_size=_POOL_SIZE,
                                    timeout=timeout_seconds, kwargs={"autocommit": True},
                                    configure=_bounded_waits(timeout_seconds), open=False)
        try:
            self._pool.open(wait=True, timeout=timeout_seconds)
        except PoolTimeout:
            self._pool.close()
            _raise_why_unreachable(conninfo)
            raise
        self._holder: psycopg.Connection[Any] | None = None
        self._holder_lock = threading.Lock()

    @contextlib.contextmanager
    def connection(self) -> Iterator[PgConnection]:
        with self._pool.connection() as conn:
            yield PgConnection(conn)

    @contextlib.contextmanager
    def transaction(self, *, serialised: bool = True) -> Iterator[PgConnection]:
        """One transaction; `serialised` (the default) under the one write lock."""
        with self._pool.connection() as conn, conn.transaction():
            if serialised:
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_NAMESPACE, _WRITE_KEY))
            yield PgConnection(conn)

    def migrate(self, steps: Sequence[Sequence[str]]) -> int:
        """Run the steps past the recorded version, under an advisory lock so instances
        starting together upgrade once; returns the version it was at."""
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_NAMESPACE, _MIGRATE_KEY))
            conn.execute("CREATE TABLE IF NOT EXISTS export_schema (version INTEGER NOT NULL)")
            row = conn.execute("SELECT version FROM export_schema").fetchone()
            found = int(row[0]) if row else 0
            if found > len(steps):
                raise SchemaTooNewError(found, len(steps))
            for statements in steps[found:]:
                for statement in statements:
                    conn.execute(for_postgres(statement))
            if row is None:
                conn.execute("INSERT INTO export_schema (version) VALUES (%s)", (len(steps),))
            elif found < len(steps):
                conn.execute("UPDATE export_schema SET version = %s", (len(steps),))
        return found

    def hold_process(self, name: str) -> None:
        """Mark process `name` alive for as long as this database is open."""
        with self._holder_lock:
            if self._holder is None:
                self._holder = psycopg.connect(self._conninfo, autocommit=True)
                # A machine that vanishes sends no FIN: the server's keepalives (about 25 s
                # here, hours by default) end the session, and with it the lease.
                for setting, value in _LEASE_KEEPALIVES:
                    self._holder.execute(f"SET {setting} = {value}")
            self._holder.execute("SELECT pg_advisory_lock(%s, %s)",
                                 (_PROCESS_NAMESPACE, _process_key(name)))

    def is_live(self, name: str) -> bool:
        with self.connection() as db:
            row = db.execute(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = ? AND objid = ? AND objsubid = 2",
                (_PROCESS_NAMESPACE, _process_key(name))).fetchone()
        return row is not None

    def close(self) -> None:
        with self._holder_lock:
            if self._holder is not None:
                with contextlib.suppress(psycopg.Error):
                    # Released before the connection closes: the server ends a closed
                    # session's locks only once its backend notices, a moment later.
                    self._holder.execute("SELECT pg_advisory_unlock_all()")
                    self._holder.close()
                self._holder = None
        self._pool.close()


def _bounded_waits(timeout_seconds: float) -> Callable[[psycopg.Connection[Any]], None]:
    """Settings of every pooled session, so one stuck instance cannot stop the others' writes:
    waiting for the write lock gives up after the busy timeout (a 503 the client retries), a
    session that stops in the middle of a transaction (a process paused, a machine gone) is
    ended by the server and its lock released, and keepalives find a vanished peer."""
    settings = [("lock_timeout", f"{int(timeout_seconds * 1000)}ms"),
                ("idle_in_transaction_session_timeout", f"{_IDLE_IN_TRANSACTION_SECONDS}s"),
                *((name, str(value)) for name, value in _LEASE_KEEPALIVES)]

    def configure(conn: psycopg.Connection[Any]) -> None:
        for name, value in settings:
            conn.execute("SELECT set_config(%s, %s, false)", (name, value))

    return configure


def _raise_why_unreachable(conninfo: str) -> None:
    """The pool only says it timed out; one direct attempt says why (refused, bad password)."""
    with psycopg.connect(conninfo, connect_timeout=5):
        pass


class SchemaTooNewError(psycopg.DatabaseError):
    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"the export database is at schema version {found}, newer than this "
                         f"release's {known}; run the newer release")


def _process_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") & 0x7FFFFFFF


_PARAM = re.compile(r"IS \?|\?|(?<!:):([A-Za-z_]\w*)")


def _translate(sql: str) -> str:
    """SQLite's parameter styles (`?`, `:name`, `IS ?`) as psycopg's."""

    def swap(match: re.Match[str]) -> str:
        if match.group(1):
            return f"%({match.group(1)})s"
        return "IS NOT DISTINCT FROM %s" if match.group(0).startswith("IS") else "%s"

    return _PARAM.sub(swap, sql)


_TYPES = ((re.compile(r"INTEGER PRIMARY KEY AUTOINCREMENT"), "BIGSERIAL PRIMARY KEY"),
          (re.compile(r"\bINTEGER\b"), "BIGINT"),
          (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
          (re.compile(r"\bBLOB\b"), "BYTEA"))


def for_postgres(statement: str) -> str:
    """A migration step written for SQLite, with PostgreSQL's names for its column types."""
    for pattern, replacement in _TYPES:
        statement = pattern.sub(replacement, statement)
    return statement
