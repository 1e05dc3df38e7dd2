"""The SQLite connection pool: bounded whatever the threads, closed on shutdown."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from reference_impl.pooling import ConnectionPool, PoolExhausted
from reference_impl.storage import ExportStore, StorageBusy

THREADS = 32


def _pool(tmp_path: Path, size: int, wait_seconds: float = 5.0) -> ConnectionPool:
    return ConnectionPool(lambda: sqlite3.connect(tmp_path / "db", check_same_thread=False),
                          size=size, wait_seconds=wait_seconds)


def test_many_threads_at_once_never_open_more_than_the_pool_size(tmp_path: Path) -> None:
    pool = _pool(tmp_path, size=3)
    everyone_waiting = threading.Barrier(THREADS)
    peak = 0

    def query(_: int) -> int:
        nonlocal peak
        everyone_waiting.wait()
        with pool.connection() as db:
            peak = max(peak, pool.opened)
            return int(db.execute("SELECT 1").fetchone()[0])

    with ThreadPoolExecutor(THREADS) as threads:
        assert sum(threads.map(query, range(THREADS))) == THREADS
    assert peak <= 3 and pool.opened <= 3


def test_closing_the_pool_closes_every_connection_also_those_checked_out(tmp_path: Path) -> None:
    pool = _pool(tmp_path, size=2)
    with pool.connection() as outside, pool.connection() as inside:
        assert pool.opened == 2
    with pool.connection() as checked_out:
        pool.close()
    assert pool.opened == 0
    for db in (outside, inside, checked_out):
        with pytest.raises(sqlite3.ProgrammingError):
            db.execute("SELECT 1")


def test_a_pool_whose_connections_stay_busy_gives_up_after_its_wait(tmp_path: Path) -> None:
    pool = _pool(tmp_path, size=1, wait_seconds=0.05)
    with pool.connection(), pytest.raises(PoolExhausted, match="1 database connections"), \
            pool.connection():
        pass


def test_the_store_reports_an_exhausted_pool_as_busy(tmp_path: Path) -> None:
    store = ExportStore(tmp_path, busy_timeout_seconds=0.05)
    held = [store._pool.connection() for _ in range(4)]
    for connection in held:
        connection.__enter__()
    try:
        with pytest.raises(StorageBusy, match="busy"):
            store.list()
    finally:
        for connection in held:
            connection.__exit__(None, None, None)
    assert store.list() == []
