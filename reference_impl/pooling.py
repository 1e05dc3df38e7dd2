"""A small, bounded pool of SQLite connections, checked out for one operation at a time.

Storage calls run on anyio's worker threads, which come and go (up to 40 by default). A
connection per thread made the process's descriptors follow the thread count (three per
connection: the database, its WAL and its shared-memory index). The pool keeps at most
`size` connections whatever the threads do, and closes them all on `close()`.
"""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator

__all__ = ["ConnectionPool", "PoolExhausted"]


class PoolExhausted(TimeoutError):
    """Every connection stayed checked out for longer than the wait allowed."""


class ConnectionPool:
    """At most `size` connections, opened on demand; each is used by one thread at a time."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], *, size: int,
                 wait_seconds: float) -> None:
        if size < 1:
            raise ValueError(f"a connection pool needs at least one connection, got {size}")
        self._connect = connect
        self._size = size
        self._wait_seconds = wait_seconds
        # Last in, first out: the busiest connections stay warm, the others stay idle.
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._opened = 0
        self._closed = False

    @property
    def opened(self) -> int:
        """How many connections are open now (idle or checked out)."""
        return self._opened

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        db = self._check_out()
        try:
            yield db
        finally:
            self._check_in(db)

    def close(self) -> None:
        """Close every idle connection now, and each checked-out one when it comes back."""
        with self._lock:
            self._closed = True
        while True:
            try:
                db = self._idle.get_nowait()
            except queue.Empty:
                return
            self._discard(db)

    def _check_out(self) -> sqlite3.Connection:
        with contextlib.suppress(queue.Empty):
            return self._idle.get_nowait()
        with self._lock:
            if self._closed:
                raise sqlite3.ProgrammingError("the export store was closed")
            may_open = self._opened < self._size
            if may_open:
                self._opened += 1
        if may_open:
            try:
                return self._connect()
            except BaseException:
                with self._lock:
                    self._opened -= 1
                raise
        try:
            return self._idle.get(timeout=self._wait_seconds)
        except queue.Empty:
            raise PoolExhausted(f"all {self._size} database connections stayed busy for "
                                f"{self._wait_seconds:g} s") from None

    def _check_in(self, db: sqlite3.Connection) -> None:
        with self._lock:
            closed = self._closed
        if closed:
            self._discard(db)
        else:
            self._idle.put(db)

    def _discard(self, db: sqlite3.Connection) -> None:
        with contextlib.suppress(sqlite3.Error):
            db.close()
        with self._lock:
            self._opened -= 1
