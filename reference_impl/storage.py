"""Embedded storage: SQLite (WAL) for metadata, a content-addressed blob directory for bytes.

A registration streams into the blob store as it arrives (`blob_uploads`: a temp file,
fsynced, or a stage in the bucket), and only then, inside one write transaction, is placed
under its content address and recorded: a failure at any step leaves nothing behind.
Blobs are named by their SHA-256, so re-registering the same bytes costs no space.

A crash can still leave two things: temp files (in the crashed process's own temp directory,
see `temp_dirs`) and, when it strikes between placing a blob and committing its row, a blob
no row refers to. `sweep()` removes both; it runs when a store opens and periodically.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import logging
import os
import sqlite3
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

import psycopg
import xxhash
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError
from psycopg_pool import PoolTimeout

from export_contract.outcomes import export_record
from export_contract.settings import Settings

from .blob_uploads import (
    BlobUpload,
    EmptyUpload,
    FileUpload,
    StagedObject,
    UploadedBlob,
    UploadTooLarge,
)
from .migrations import STEPS, SchemaTooNew, migrate
from .pooling import ConnectionPool, PoolExhausted
from .postgres import PostgresDatabase, SchemaTooNewError, is_postgres_url
from .s3_blobs import MAX_PRESIGNED_SECONDS, S3Blobs, S3Object, S3Unavailable, is_s3_url
from .temp_dirs import ProcessTempDir, process_is_live, remove_abandoned_temp_dirs

__all__ = [
    "BlobStoreFailed",
    "BlobUnreadable",
    "EmptyUpload",
    "ExportStore",
    "StorageBusy",
    "StorageError",
    "StorageFull",
    "StorageReadOnly",
    "StoredExport",
    "SweepResult",
    "UploadTooLarge",
    "open_store",
]

logger = logging.getLogger("reference_impl")

_COPY_CHUNK = 1024 * 1024
_DEFAULT_BUSY_TIMEOUT = 30.0
# SQLite runs one writer at a time and readers take microseconds: a few connections serve
# any number of threads, and bound the descriptors (three per connection).
_POOL_SIZE = 4
_BLOB_NAME_LENGTH = 64
# Puts of a new object before the write transaction finds it there (see `_place_object`).
_PLACE_ATTEMPTS = 3

# A blob is in use while an export or a job's zip refers to it.
_BLOB_IN_USE = ("SELECT 1 FROM exports WHERE sha256 = :sha256 UNION ALL "
                "SELECT 1 FROM jobs WHERE zip_sha256 = :sha256 LIMIT 1")
_BLOBS_IN_USE = ("SELECT sha256 FROM exports UNION "
                 "SELECT zip_sha256 FROM jobs WHERE zip_sha256 IS NOT NULL")

_EXPORT_COLUMNS = ("source_file_url, filename, content_type, size, sha256, xxh3, crc32, "
                   "registered_at")

# Every column but the key, from the row an upsert proposed (SQL both engines accept).
_EXPORT_UPDATES = ", ".join(f"{column} = excluded.{column}" for column in
                            _EXPORT_COLUMNS.split(", ")[1:])

T = TypeVar("T")
# A blob's bytes: a file of the directory store, or an object of the bucket.
BlobSource = Path | S3Object


@dataclass(frozen=True)
class StoredExport:
    source_file_url: str
    filename: str
    content_type: str
    size: int
    sha256: str
    # A fast checksum, verified while streaming (SHA-256 would halve the throughput).
    xxh3: str = ""
    # The CRC-32 a zip entry needs, recorded with the checksums; None until computed for an
    # export registered before it was recorded (`ExportStore.with_crc32`).
    crc32: int | None = None
    # When it was registered (Unix time): the date its zip entries carry, so the same batch
    # zips to the same bytes every time.
    registered_at: float = 0.0

    def as_json(self) -> dict[str, object]:
        return export_record(self.source_file_url, self.filename, self.content_type, self.size,
                             self.sha256)


class StorageError(OSError):
    """The data directory or its database failed; the message says what, for the operator."""


class StorageFull(StorageError):
    """The disk filled up during a registration; nothing was recorded."""


class BlobStoreFailed(StorageError):
    """The bucket did not answer as it should (unreachable, an error status)."""


class StorageBusy(StorageError):
    """Another writer held the database's lock for longer than the busy timeout."""


class StorageReadOnly(StorageError):
    """The data directory or its database cannot be written (read-only mount, permissions)."""


@dataclass(frozen=True)
class SweepResult:
    temp_files: int
    orphan_blobs: int


class BlobUnreadable(OSError):
    """A recorded blob is missing or does not have its recorded size."""


class ExportStore:
    def __init__(self, data_dir: Path, *, busy_timeout_seconds: float = _DEFAULT_BUSY_TIMEOUT,
                 database_url: str | None = None, blob_dir: Path | None = None,
                 blob_store_url: str | None = None) -> None:
        """`database_url`: None (SQLite in the data dir), `sqlite:///path` or a PostgreSQL
        URL; `blob_dir`: None (`blobs/` in the data dir) or a directory, maybe shared;
        `blob_store_url`: `s3://bucket/prefix` instead of any directory."""
        self.data_dir = data_dir
        self.busy_timeout_seconds = busy_timeout_seconds
        self.blob_dir = blob_dir if blob_dir is not None else data_dir / "blobs"
        self.tmp_root = data_dir / "tmp"
        self.db_path = _sqlite_path(database_url) or data_dir / "exports.sqlite3"
        self._pool = ConnectionPool(self._connect, size=_POOL_SIZE,
                                    wait_seconds=busy_timeout_seconds)
        self._pg: PostgresDatabase | None = None
        self._s3: S3Blobs | None = None
        self._temp: ProcessTempDir | None = None
        try:
            with _storage_errors("the backend cannot start on it"):
                s3 = blob_store_url is not None and is_s3_url(blob_store_url)
                local = (self.data_dir, self.tmp_root) if s3 else (
                    self.data_dir, self.blob_dir, self.tmp_root)
                for directory in local:
                    directory.mkdir(parents=True, exist_ok=True)
                if s3:
                    assert blob_store_url is not None
                    self._s3 = S3Blobs(blob_store_url)
                if is_postgres_url(database_url):
                    assert database_url is not None
                    self._pg = PostgresDatabase(database_url,
                                                timeout_seconds=busy_timeout_seconds)
                    self._pg.migrate(STEPS)
                else:
                    with self._connection() as db:
                        migrate(db)
        except (SchemaTooNew, SchemaTooNewError) as exc:
            self.close()
            raise StorageError(str(exc)) from exc
        except StorageError as exc:
            self.close()
            if os.access(self.data_dir, os.W_OK):
                raise
            raise StorageReadOnly(f"the data directory {self.data_dir} is read-only: the "
                                  f"backend needs to write its database there ({exc.__cause__})"
                                  ) from exc
        try:
            with _storage_errors("nothing was swept"):
                self._temp_dir()
                self._sweep()
        except StorageError as exc:
            # A read-only data dir still serves every download, and a database locked by
            # another writer is swept next time: neither keeps the backend from starting.
            logger.warning("%s", exc)

    @property
    def tmp_dir(self) -> Path:
        """This process's own temp directory (uploads in progress, multipart spools)."""
        return self._temp_dir()

    def close(self) -> None:
        """Close the database connections and remove this process's temp directory."""
        self._pool.close()
        if self._pg is not None:
            self._pg.close()
        if self._s3 is not None:
            self._s3.close()
        if self._temp is not None:
            self._temp.close()

    def __enter__(self) -> ExportStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------------------

    def get(self, source_file_url: str) -> StoredExport | None:
        with _storage_errors("cannot read the export database"), self._connection() as db:
            row = db.execute(
                f"SELECT {_EXPORT_COLUMNS} FROM exports WHERE source_file_url = ?",
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
        with _storage_errors("cannot read the export database"), self._connection() as db:
            rows = db.execute(
                f"SELECT {_EXPORT_COLUMNS} FROM exports ORDER BY source_file_url"
            ).fetchall()
        return [StoredExport(*row) for row in rows]

    def blob_path(self, sha256: str) -> Path:
        return self.blob_dir / sha256[:2] / sha256

    @property
    def object_store(self) -> S3Blobs | None:
        """The bucket blobs are in, or None for a directory."""
        return self._s3

    def blob_source(self, sha256: str) -> BlobSource:
        """Where the blob's bytes are read from: its file, or its object in the bucket."""
        if self._s3 is not None:
            return S3Object(self._s3, sha256)
        return self.blob_path(sha256)

    def check_blob(self, export: StoredExport) -> BlobSource:
        """The blob, after checking it exists with its recorded size."""
        if self._s3 is not None:
            with _storage_errors("cannot read the bucket"):
                size = self._s3.size(export.sha256)
            if size is None:
                raise BlobUnreadable(f"blob {export.sha256} is missing from the bucket")
            if size != export.size:
                raise BlobUnreadable(f"blob {export.sha256} has {size} bytes, "
                                     f"{export.size} recorded")
            return S3Object(self._s3, export.sha256)
        path = self.blob_path(export.sha256)
        try:
            size = path.stat().st_size
        except FileNotFoundError as exc:
            raise BlobUnreadable(f"blob {export.sha256} is missing") from exc
        if size != export.size:
            raise BlobUnreadable(f"blob {export.sha256} has {size} bytes, {export.size} recorded")
        return path

    def with_crc32(self, export: StoredExport) -> StoredExport:
        """`export` with its CRC-32: recorded at registration, or computed here once for an
        export registered before CRCs were (and recorded for every export of that blob).

        Raises BlobUnreadable when the blob no longer matches its checksum.
        """
        if export.crc32 is not None:
            return export
        path = self.check_blob(export)
        crc, fast = 0, xxhash.xxh3_128()
        with path.open("rb") as blob:
            while chunk := blob.read(_COPY_CHUNK):
                crc = zlib.crc32(chunk, crc)
                fast.update(chunk)
        if fast.hexdigest() != export.xxh3:
            raise BlobUnreadable(f"blob {export.sha256} no longer matches its checksum")
        with _storage_errors("the CRC-32 was not recorded"), self._transaction() as db:
            db.execute("UPDATE exports SET crc32 = ? WHERE sha256 = ? AND crc32 IS NULL",
                       (crc, export.sha256))
        return dataclasses.replace(export, crc32=crc)

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
        upload = self.start_upload(max_bytes)
        try:
            with _storage_errors("nothing was registered"):
                while chunk := content.read(_COPY_CHUNK):
                    upload.write(chunk)
                uploaded = upload.finish()
        except BaseException:
            self.abort_upload(upload)
            raise
        return self.register_upload(source_file_url, uploaded, filename=filename,
                                    content_type=content_type)

    def start_upload(self, max_bytes: int) -> BlobUpload:
        """An upload of at most `max_bytes` into this store; `write` it, then `finish` it and
        give it to `register_upload`, or `abort_upload` it."""
        with _storage_errors("nothing was registered"):
            if self._s3 is not None:
                return _StorageErrors(self._s3.start_upload(max_bytes))
            return _StorageErrors(FileUpload(self._temp_dir() / f"upload-{uuid.uuid4().hex}",
                                             max_bytes))

    def discard_upload(self, uploaded: UploadedBlob) -> None:
        """Drop a finished upload that will not be registered."""
        try:
            uploaded.discard()
        except (OSError, BotoCoreError, ClientError) as exc:
            logger.warning("could not remove an upload's stage: %s", exc)

    def abort_upload(self, upload: BlobUpload) -> None:
        """Undo an unfinished upload; a failure here only leaves a stage the sweep removes."""
        try:
            upload.abort()
        except (OSError, BotoCoreError, ClientError) as exc:
            logger.warning("could not abort an upload: %s", exc)

    def register_upload(self, source_file_url: str, uploaded: UploadedBlob, *, filename: str,
                        content_type: str) -> tuple[StoredExport, bool]:
        """Record a finished upload for `source_file_url`, its blob placed in the same step;
        the stage is gone afterwards either way. Returns the export and whether it is new."""
        try:
            with _storage_errors("nothing was registered"):
                if uploaded.size == 0:
                    raise EmptyUpload("the uploaded file is empty")
                export = StoredExport(source_file_url, filename, content_type, uploaded.size,
                                      uploaded.sha256, uploaded.xxh3, uploaded.crc32,
                                      time.time())
                created = self._commit(export, uploaded)
            return export, created
        finally:
            self.discard_upload(uploaded)

    def delete(self, source_file_url: str) -> bool:
        with _storage_errors("nothing was deleted"):
            with self._transaction() as db:
                row = db.execute(
                    "SELECT sha256 FROM exports WHERE source_file_url = ?", (source_file_url,)
                ).fetchone()
                if row is None:
                    return False
                db.execute("DELETE FROM exports WHERE source_file_url = ?", (source_file_url,))
            self.drop_blob_if_unused(row[0])
        return True

    def _commit(self, export: StoredExport, uploaded: UploadedBlob) -> bool:
        def record(db: sqlite3.Connection) -> tuple[str] | None:
            previous: tuple[str] | None = db.execute(
                "SELECT sha256 FROM exports WHERE source_file_url = ?",
                (export.source_file_url,),
            ).fetchone()
            db.execute(
                f"INSERT INTO exports ({_EXPORT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                f"ON CONFLICT (source_file_url) DO UPDATE SET {_EXPORT_UPDATES}",
                (export.source_file_url, export.filename, export.content_type,
                 export.size, export.sha256, export.xxh3, export.crc32, export.registered_at),
            )
            return previous

        previous = self.place_blob(uploaded.staged, export.sha256, record)
        if previous and previous[0] != export.sha256:
            self.drop_blob_if_unused(previous[0])
        return previous is None

    def place_blob(self, staged: Path | StagedObject, sha256: str,
                   record: Callable[[sqlite3.Connection], T]) -> T:
        """Put `staged` (a temp file, or an upload staged in the bucket) into the blob store
        as `sha256` and run `record` in the same write transaction: if either fails, neither
        happened (a blob placed here is removed again).

        Under the write lock, so a concurrent delete cannot unlink the blob in between.
        """
        if self._s3 is not None:
            assert not isinstance(staged, Path), "a file given to a bucket store"
            return self._place_object(staged, sha256, record)
        assert isinstance(staged, Path), "a bucket stage given to a directory store"
        blob = self.blob_path(sha256)
        placed_new_blob = False
        try:
            with self._transaction() as db:
                blob.parent.mkdir(exist_ok=True)
                blob_is_new = not blob.exists()
                os.replace(staged, blob)
                placed_new_blob = blob_is_new
                _fsync_dir(blob.parent)
                return record(db)
        except BaseException:
            # Nothing was recorded (the COMMIT itself may have failed): no blob stays behind.
            if placed_new_blob:
                blob.unlink(missing_ok=True)
            raise

    def _place_object(self, staged: StagedObject, sha256: str,
                      record: Callable[[sqlite3.Connection], T]) -> T:
        """`place_blob` for a bucket: the object is put (or copied from its stage) before the
        write transaction, and checked again inside it: deletes of unused objects happen
        only under the write lock, so an object seen there stays until the commit. One
        swept in between is put again, outside the lock (which must never wait on the
        bucket's transfers), and the transaction retried."""
        s3 = self._s3
        assert s3 is not None
        with _storage_errors("nothing was stored in the bucket"):
            is_new = missing = s3.size(sha256) is None
        try:
            for _attempt in range(_PLACE_ATTEMPTS):
                with _storage_errors("nothing was stored in the bucket"):
                    if missing:
                        staged.place(sha256)
                    with self._transaction() as db:
                        if s3.size(sha256) is not None:
                            return record(db)
                missing = True
            raise StorageBusy("the blob store kept losing the new object (a sweep of another "
                              "instance removed it each time); nothing was stored")
        except BaseException:
            # Nothing was recorded: an object this upload created goes again.
            if is_new:
                self.drop_blob_if_unused(sha256)
            raise

    def drop_blob_if_unused(self, sha256: str) -> None:
        """Remove a blob no export and no job refers to any more.

        Only after the change that orphaned it is committed (a failed COMMIT must not lose
        the blob of an export that is still recorded), and under the write lock again, so a
        registration of the same bytes cannot start using it in between.
        """
        try:
            with self._transaction() as db:
                in_use = db.execute(_BLOB_IN_USE, {"sha256": sha256}).fetchone()
                if not in_use and self._s3 is not None:
                    self._s3.delete(sha256)
                elif not in_use:
                    with contextlib.suppress(FileNotFoundError):
                        self.blob_path(sha256).unlink()
        except (sqlite3.Error, psycopg.Error, OSError, BotoCoreError, ClientError) as exc:
            # The change itself is committed; an unused blob only costs space until the next
            # sweep.
            logger.warning("could not remove unused blob %s: %s", sha256, exc)

    # -- housekeeping ------------------------------------------------------------------------

    def sweep(self) -> SweepResult:
        """Remove what a crash left: ended processes' temp files and blobs no row refers to.

        Safe beside other live processes on the same data dir: their temp directories are
        locked (see `temp_dirs`), and a blob is placed and its row committed under the
        database's write lock, which the blob sweep holds too, so no blob it sees unreferenced
        is one whose row is about to be committed.
        """
        with _storage_errors("nothing was swept"):
            return self._sweep()

    def _sweep(self) -> SweepResult:
        temp_files = remove_abandoned_temp_dirs(self.tmp_root)
        listed: list[str] = []
        if self._s3 is not None:
            # Listed before the write lock, which must not wait on a long listing: an object
            # put since is not deleted, and one listed whose row is committed meanwhile is
            # seen referenced below.
            temp_files += self._s3.remove_abandoned_stages()
            listed = list(self._s3.names())
        with self._transaction() as db:
            referenced = {row[0] for row in db.execute(_BLOBS_IN_USE)}
            if self._s3 is not None:
                unused = [name for name in listed if name not in referenced]
                for name in unused:
                    self._s3.delete(name)
                orphans: list[object] = list(unused)
            else:
                paths = [path for path in self.blob_dir.glob("*/*")
                         if len(path.name) == _BLOB_NAME_LENGTH and path.name not in referenced]
                for path in paths:
                    path.unlink(missing_ok=True)
                orphans = list(paths)
        if orphans:
            logger.info("removed %d blob(s) no export refers to", len(orphans))
        return SweepResult(temp_files, len(orphans))

    # -- for the job store ------------------------------------------------------------------

    @contextlib.contextmanager
    def reading(self, consequence: str = "cannot read the export database"
                ) -> Iterator[sqlite3.Connection]:
        """A connection for reads; failures become StorageError saying `consequence`."""
        with _storage_errors(consequence), self._connection() as db:
            yield db

    @contextlib.contextmanager
    def writing(self, consequence: str) -> Iterator[sqlite3.Connection]:
        """One write transaction; failures become StorageError saying `consequence`."""
        with _storage_errors(consequence), self._transaction() as db:
            yield db

    @property
    def shared_database(self) -> bool:
        """Whether the database is PostgreSQL (row locks, `SKIP LOCKED`) rather than SQLite."""
        return self._pg is not None

    @contextlib.contextmanager
    def row_locking(self, consequence: str) -> Iterator[sqlite3.Connection]:
        """A transaction that relies on row locks alone (PostgreSQL; on SQLite the one write
        lock, as `writing`): for claims that lock only the rows they take."""
        if self._pg is None:
            with self.writing(consequence) as db:
                yield db
            return
        with _storage_errors(consequence), self._pg.transaction(serialised=False) as pg:
            yield pg  # type: ignore[misc]

    @property
    def process_name(self) -> str:
        """This process's name among those sharing the data dir (its temp directory's)."""
        with _storage_errors("cannot write in the data directory"):
            return self._temp_dir().name

    def is_live_process(self, name: str) -> bool:
        """Whether the process named `name` (see `process_name`) still runs."""
        if name == self.process_name:
            return True
        if self._pg is not None:
            # Processes of other instances have their temp dirs on other machines.
            with _storage_errors("cannot read the export database"):
                return self._pg.is_live(name)
        return process_is_live(self.tmp_root, name)

    # -- plumbing ----------------------------------------------------------------------------

    def _temp_dir(self) -> Path:
        # Made on first need when the data dir was read-only at start and is writable now.
        if self._temp is None:
            self._temp = ProcessTempDir(self.tmp_root)
            if self._pg is not None:
                self._pg.hold_process(self._temp.path.name)
        return self._temp.path

    def _connect(self) -> sqlite3.Connection:
        # check_same_thread off: the pool hands a connection to one thread at a time, but not
        # always the thread that opened it.
        db = sqlite3.connect(self.db_path, timeout=self.busy_timeout_seconds,
                             isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._pg is not None:
            with self._pg.connection() as pg:
                yield pg  # type: ignore[misc]
            return
        try:
            with self._pool.connection() as db:
                yield db
        except PoolExhausted as exc:
            raise StorageBusy(f"the export database is busy ({exc})") from exc

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        if self._pg is not None:
            with self._pg.transaction() as pg:
                yield pg  # type: ignore[misc]
            return
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (disk full, I/O error) may leave the transaction open, or
                # SQLite may have rolled it back already; either way the connection must end
                # up idle before it goes back to the pool.
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise


class _StorageErrors:
    """An upload whose failures are StorageErrors saying nothing was registered."""

    def __init__(self, upload: BlobUpload) -> None:
        self._upload = upload

    def write(self, data: bytes) -> None:
        with _storage_errors("nothing was registered"):
            self._upload.write(data)

    def finish(self) -> UploadedBlob:
        with _storage_errors("nothing was registered"):
            return self._upload.finish()

    def abort(self) -> None:
        self._upload.abort()


@contextlib.contextmanager
def _storage_errors(consequence: str) -> Iterator[None]:
    """Turn file-system and SQLite failures into StorageError subclasses with a clear message."""
    try:
        yield
    except StorageError:
        raise
    except PoolTimeout as exc:
        raise StorageBusy(f"the export database is busy ({exc}); {consequence}") from exc
    except psycopg.errors.LockNotAvailable as exc:
        raise StorageBusy(f"the export database is locked by another writer; "
                          f"{consequence}") from exc
    except psycopg.Error as exc:
        raise StorageError(f"the export database failed ({exc}); {consequence}") from exc
    except (BotoCoreError, ClientError) as exc:
        # The full error (endpoint, upload id) is for the operator's log, not the client.
        logger.error("blob store failure: %s", exc)
        raise BlobStoreFailed(f"the blob store failed ({_boto_reason(exc)}); "
                              f"{consequence}") from exc
    except S3Unavailable as exc:
        raise StorageError(str(exc)) from exc
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


def _boto_reason(exc: BotoCoreError | ClientError) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'error')} on {exc.operation_name}"
    if isinstance(exc, EndpointConnectionError):
        return "the endpoint cannot be reached"
    return type(exc).__name__


def open_store(settings: Settings) -> ExportStore:
    """The store `settings` name: its database URL and blob store, else the data dir's."""
    s3 = settings.blob_store if is_s3_url(settings.blob_store) else None
    if s3 and settings.url_ttl_seconds > MAX_PRESIGNED_SECONDS:
        raise StorageError(f"--url-ttl is {settings.url_ttl_seconds} s, but exported URLs from "
                           f"a bucket are presigned, which lasts at most 7 days "
                           f"({MAX_PRESIGNED_SECONDS} s); set a shorter --url-ttl")
    blob_dir = Path(settings.blob_store) if settings.blob_store and not s3 else None
    return ExportStore(settings.data_dir, busy_timeout_seconds=settings.db_busy_timeout_seconds,
                       database_url=settings.database_url, blob_dir=blob_dir,
                       blob_store_url=s3)


def _sqlite_path(database_url: str | None) -> Path | None:
    if database_url is None or not database_url.lower().startswith("sqlite://"):
        return None
    return Path(database_url[len("sqlite://"):])


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
