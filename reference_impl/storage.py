"""Embedded storage: SQLite (WAL) for metadata, a content-addressed blob directory for bytes.

A registration streams to a temp file, fsyncs it, and only then, inside one write
transaction, moves it into place and records it: a failure at any step leaves nothing
behind. Blobs are named by their SHA-256, so re-registering the same bytes costs no space.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import xxhash

from export_contract.outcomes import export_record

__all__ = [
    "BlobUnreadable",
    "EmptyUpload",
    "ExportStore",
    "StorageBusy",
    "StorageError",
    "StorageFull",
    "StorageReadOnly",
    "StoredExport",
    "UploadTooLarge",
]

logger = logging.getLogger("reference_impl")

_COPY_CHUNK = 1024 * 1024
_DEFAULT_BUSY_TIMEOUT = 30.0
_STALE_TEMP_SECONDS = 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS exports (
    source_file_url TEXT PRIMARY KEY,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    xxh3 TEXT NOT NULL,
    registered_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS exports_by_blob ON exports (sha256);
"""


@dataclass(frozen=True)
class StoredExport:
    source_file_url: str
    filename: str
    content_type: str
    size: int
    sha256: str
    # A fast checksum, verified while streaming (SHA-256 would halve the throughput).
    xxh3: str = ""

    def as_json(self) -> dict[str, object]:
        return export_record(self.source_file_url, self.filename, self.content_type, self.size,
                             self.sha256)


class StorageError(OSError):
    """The data directory or its database failed; the message says what, for the operator."""


class StorageFull(StorageError):
    """The disk filled up during a registration; nothing was recorded."""


class StorageBusy(StorageError):
    """Another writer held the database's lock for longer than the busy timeout."""


class StorageReadOnly(StorageError):
    """The data directory or its database cannot be written (read-only mount, permissions)."""


class UploadTooLarge(ValueError):
    pass


class EmptyUpload(ValueError):
    pass


class BlobUnreadable(OSError):
    """A recorded blob is missing or does not have its recorded size."""


class ExportStore:
    def __init__(self, data_dir: Path, *, busy_timeout_seconds: float = _DEFAULT_BUSY_TIMEOUT
                 ) -> None:
        self.data_dir = data_dir
        self.busy_timeout_seconds = busy_timeout_seconds
        self.blob_dir = data_dir / "blobs"
        self.tmp_dir = data_dir / "tmp"
        self.db_path = data_dir / "exports.sqlite3"
        self._local = threading.local()
        try:
            with _storage_errors("the backend cannot start on it"):
                for directory in (self.data_dir, self.blob_dir, self.tmp_dir):
                    directory.mkdir(parents=True, exist_ok=True)
                self._remove_leftover_temp_files()
                # executescript() manages its own transaction.
                self._db().executescript(_SCHEMA)
        except StorageError as exc:
            if os.access(self.data_dir, os.W_OK):
                raise
            raise StorageReadOnly(f"the data directory {self.data_dir} is read-only: the "
                                  f"backend needs to write its database there ({exc.__cause__})"
                                  ) from exc

    # -- reading -----------------------------------------------------------------------------

    def get(self, source_file_url: str) -> StoredExport | None:
        with _storage_errors("cannot read the export database"):
            row = self._db().execute(
                "SELECT source_file_url, filename, content_type, size, sha256, xxh3 FROM exports "
                "WHERE source_file_url = ?",
                (source_file_url,),
            ).fetchone()
        return StoredExport(*row) if row else None

    def get_many(self, source_file_urls: Iterable[str]) -> dict[str, StoredExport]:
        found: dict[str, StoredExport] = {}
        for url in dict.fromkeys(source_file_urls):
            export = self.get(url)
            if export is not None:
                found[url] = export
        return found

    def list(self) -> list[StoredExport]:
        with _storage_errors("cannot read the export database"):
            rows = self._db().execute(
                "SELECT source_file_url, filename, content_type, size, sha256, xxh3 FROM exports "
                "ORDER BY source_file_url"
            ).fetchall()
        return [StoredExport(*row) for row in rows]

    def blob_path(self, sha256: str) -> Path:
        return self.blob_dir / sha256[:2] / sha256

    def check_blob(self, export: StoredExport) -> Path:
        """The blob's path, after checking it exists with its recorded size."""
        path = self.blob_path(export.sha256)
        try:
            size = path.stat().st_size
        except FileNotFoundError as exc:
            raise BlobUnreadable(f"blob {export.sha256} is missing") from exc
        if size != export.size:
            raise BlobUnreadable(f"blob {export.sha256} has {size} bytes, {export.size} recorded")
        return path

    def open_blob(self, export: StoredExport) -> BinaryIO:
        return self.check_blob(export).open("rb")

    # -- writing -----------------------------------------------------------------------------

    def register(
        self,
        source_file_url: str,
        content: BinaryIO,
        *,
        filename: str,
        content_type: str,
        max_bytes: int,
    ) -> tuple[StoredExport, bool]:
        """Store `content` for `source_file_url`; returns the export and whether it is new."""
        temp = self.tmp_dir / f"upload-{uuid.uuid4().hex}"
        try:
            with _storage_errors("nothing was registered"):
                sha256, xxh3, size = _write_synced(content, temp, max_bytes)
                if size == 0:
                    raise EmptyUpload("the uploaded file is empty")
                export = StoredExport(source_file_url, filename, content_type, size, sha256,
                                      xxh3)
                created = self._commit(export, temp)
            return export, created
        finally:
            with contextlib.suppress(OSError):
                temp.unlink()

    def delete(self, source_file_url: str) -> bool:
        with _storage_errors("nothing was deleted"):
            with self._transaction() as db:
                row = db.execute(
                    "SELECT sha256 FROM exports WHERE source_file_url = ?", (source_file_url,)
                ).fetchone()
                if row is None:
                    return False
                db.execute("DELETE FROM exports WHERE source_file_url = ?", (source_file_url,))
            self._drop_blob_if_unused(row[0])
        return True

    def _commit(self, export: StoredExport, temp: Path) -> bool:
        # Under the write lock, so a concurrent delete cannot unlink the blob in between.
        blob = self.blob_path(export.sha256)
        placed_new_blob = False
        try:
            with self._transaction() as db:
                blob.parent.mkdir(exist_ok=True)
                blob_is_new = not blob.exists()
                os.replace(temp, blob)
                placed_new_blob = blob_is_new
                _fsync_dir(blob.parent)
                previous = db.execute(
                    "SELECT sha256 FROM exports WHERE source_file_url = ?",
                    (export.source_file_url,),
                ).fetchone()
                db.execute(
                    "INSERT OR REPLACE INTO exports VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (export.source_file_url, export.filename, export.content_type,
                     export.size, export.sha256, export.xxh3, time.time()),
                )
        except BaseException:
            # Nothing was recorded (the COMMIT itself may have failed): no blob stays behind.
            if placed_new_blob:
                blob.unlink(missing_ok=True)
            raise
        if previous and previous[0] != export.sha256:
            self._drop_blob_if_unused(previous[0])
        return previous is None

    def _drop_blob_if_unused(self, sha256: str) -> None:
        """Remove a blob no export refers to any more.

        Only after the change that orphaned it is committed (a failed COMMIT must not lose
        the blob of an export that is still recorded), and under the write lock again, so a
        registration of the same bytes cannot start using it in between.
        """
        try:
            with self._transaction() as db:
                in_use = db.execute("SELECT 1 FROM exports WHERE sha256 = ? LIMIT 1",
                                    (sha256,)).fetchone()
                if not in_use:
                    with contextlib.suppress(FileNotFoundError):
                        self.blob_path(sha256).unlink()
        except (sqlite3.Error, OSError) as exc:
            # The change itself is committed; an unused blob only costs space.
            logger.warning("could not remove unused blob %s: %s", sha256, exc)

    # -- plumbing ----------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.db_path, timeout=self.busy_timeout_seconds,
                                 isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            self._local.db = db
        return db

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            # A failed COMMIT (disk full, I/O error) may leave the transaction open, or SQLite
            # may have rolled it back already; either way this connection must end up idle.
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _remove_leftover_temp_files(self) -> None:
        # An upload interrupted by a crash leaves only a temp file; it was never recorded.
        # Recent ones may belong to another worker's upload in progress: leave those.
        cutoff = time.time() - _STALE_TEMP_SECONDS
        for leftover in self.tmp_dir.glob("upload-*"):
            with contextlib.suppress(FileNotFoundError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()


@contextlib.contextmanager
def _storage_errors(consequence: str) -> Iterator[None]:
    """Turn file-system and SQLite failures into StorageError subclasses with a clear message."""
    try:
        yield
    except StorageError:
        raise
    except sqlite3.OperationalError as exc:
        code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
            raise StorageBusy(f"the export database is locked by another writer; "
                              f"{consequence}") from exc
        if code == _SQLITE_READONLY:
            raise StorageReadOnly(f"the export database is read-only ({exc}); "
                                  f"{consequence}") from exc
        if code == _SQLITE_FULL:
            raise StorageFull(f"no space left for the export database; {consequence}") from exc
        raise StorageError(f"the export database failed ({exc}); {consequence}") from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull(f"no space left in the data directory; {consequence}") from exc
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise StorageReadOnly(f"the data directory cannot be written ({reason}); "
                                  f"{consequence}") from exc
        raise StorageError(f"the data directory failed ({reason}); {consequence}") from exc


_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_FULL = 5, 6, 8, 13


def _write_synced(content: BinaryIO, target: Path, max_bytes: int) -> tuple[str, str, int]:
    digest = hashlib.sha256()
    fast = xxhash.xxh3_128()
    size = 0
    with target.open("xb") as out:
        while chunk := content.read(_COPY_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise UploadTooLarge(f"the upload is over the limit of {max_bytes} bytes")
            digest.update(chunk)
            fast.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest(), fast.hexdigest(), size


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
