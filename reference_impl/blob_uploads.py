"""An upload on its way into the blob store, written as its bytes arrive.

Both stores take an upload the same way: `write` each piece, then `finish` (or `abort`).
The directory store writes a temp file in the process's own temp directory; the bucket
(`s3_blobs.S3Upload`) sends parts of a multipart upload. Either way the checksums the
export is recorded with (SHA-256 names the blob, xxh3 checks reads, CRC-32 frames zips) are
computed on the way, and the size limit is enforced before a byte past it is kept.

A finished upload is *staged*: complete, but not yet under its content address. The store
places it (`ExportStore.register_upload`) in the same step that records the export, then
discards the stage, so a failure at any point leaves no export and no partial blob.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import xxhash

__all__ = ["BlobUpload", "Digests", "EmptyUpload", "FileUpload", "StagedObject",
           "UploadTooLarge", "UploadedBlob"]


class UploadTooLarge(ValueError):
    pass


class EmptyUpload(ValueError):
    pass


class StagedObject(Protocol):
    """A complete upload in the bucket, waiting to be placed under its content address."""

    def place(self, sha256: str) -> None: ...

    def discard(self) -> None: ...


@dataclass(frozen=True)
class UploadedBlob:
    """A finished upload: its checksums and where its bytes wait (a temp file or a bucket
    stage)."""

    sha256: str
    xxh3: str
    crc32: int
    size: int
    staged: Path | StagedObject

    def discard(self) -> None:
        """Remove the stage (after placing, or instead of it)."""
        if isinstance(self.staged, Path):
            self.staged.unlink(missing_ok=True)
        else:
            self.staged.discard()


class BlobUpload(Protocol):
    def write(self, data: bytes) -> None: ...

    def finish(self) -> UploadedBlob: ...

    def abort(self) -> None: ...


class Digests:
    """The running checksums and size of an upload; past `max_bytes` it stops it."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._sha256 = hashlib.sha256()
        self._xxh3 = xxhash.xxh3_128()
        self._crc32 = 0

    def update(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise UploadTooLarge(f"the upload is over the limit of {self.max_bytes} bytes")
        self._sha256.update(data)
        self._xxh3.update(data)
        self._crc32 = zlib.crc32(data, self._crc32)

    def uploaded(self, staged: Path | StagedObject) -> UploadedBlob:
        return UploadedBlob(self._sha256.hexdigest(), self._xxh3.hexdigest(), self._crc32,
                            self.size, staged)


class FileUpload:
    """An upload written to `path` (a new file), made durable by `finish`."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path = path
        self._digests = Digests(max_bytes)
        self._out = path.open("xb")

    def write(self, data: bytes) -> None:
        self._digests.update(data)
        self._out.write(data)

    def finish(self) -> UploadedBlob:
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        return self._digests.uploaded(self.path)

    def abort(self) -> None:
        self._out.close()
        self.path.unlink(missing_ok=True)
