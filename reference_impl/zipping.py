"""The batch zip (rules Z1-Z7), streamed with constant memory from the blobs.

Names arrive already safe and de-duplicated (export_contract.zipnames). Already-compressed
types are stored, text-like types deflated. Stored entries are framed with the CRC-32
recorded at registration (`zip_writer`), so their bytes are only read, checked against their
xxh3 (a blob changed on disk aborts the stream) and sent; a zip of stored entries only has a
length known in advance, so it gets a Content-Length.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .s3_blobs import READ_AHEAD, S3Object
from .streaming import read_verified, rechunk
from .zip_writer import ZipMember, ZipWriter, crc32_of

__all__ = ["EntryFailed", "ZipEntry", "build_zip", "deflates"]

_COMPRESSIBLE_PREFIXES = ("text/",)
_COMPRESSIBLE_TYPES = {
    "application/json",
    "application/xml",
    "application/javascript",
    "image/svg+xml",
    "image/bmp",
}


@dataclass(frozen=True)
class ZipEntry:
    name: str
    path: Path | S3Object
    size: int
    xxh3: str
    content_type: str
    crc32: int
    # Unix time the entry's file was registered; the archive is dated by its newest entry.
    modified: float = 0.0


def deflates(content_type: str) -> bool:
    """Whether entries of this media type are deflated (text-like) rather than stored."""
    base = content_type.split(";", 1)[0].strip().lower()
    compressible = (
        base.startswith(_COMPRESSIBLE_PREFIXES)
        or base in _COMPRESSIBLE_TYPES
        or base.endswith(("+xml", "+json"))
    )
    return compressible


class EntryFailed(OSError):
    """Reading the blob of entry `index` failed while the zip was written."""

    def __init__(self, index: int, cause: BaseException) -> None:
        super().__init__(f"entry {index}: {cause}")
        self.index = index


def build_zip(entries: Sequence[ZipEntry], chunk_bytes: int, *,
              leading: Sequence[tuple[str, bytes, str]] = (),
              on_entry_done: Callable[[int], None] | None = None,
              ) -> tuple[Iterator[bytes], int | None]:
    """The zip as an iterator of chunks, and its length when it can be known up front.

    `leading`: in-memory entries `(name, bytes, media type)` written first (a manifest).
    `on_entry_done(i)` is called once entry `i` is written; with it, a blob that fails to
    read raises EntryFailed naming its entry.
    """
    members = [ZipMember(name, len(data), crc32_of(data), functools.partial(iter, [data]),
                         deflate=deflates(media_type)) for name, data, media_type in leading]
    for index, entry in enumerate(entries):
        members.append(ZipMember(entry.name, entry.size, entry.crc32,
                                 functools.partial(_entry_chunks, entries, index, chunk_bytes,
                                                   on_entry_done),
                                 deflate=deflates(entry.content_type)))
    newest = max((entry.modified for entry in entries), default=0.0)
    archive = ZipWriter(members, modified=datetime.fromtimestamp(newest) if newest else None)
    return rechunk(archive, chunk_bytes), archive.length


def _entry_chunks(entries: Sequence[ZipEntry], index: int, chunk_bytes: int,
                  done: Callable[[int], None] | None) -> Iterable[bytes]:
    # Objects in a bucket: the next few GETs start now, so each entry's first byte is
    # already on its way when the zip reaches it.
    for ahead in entries[index + 1:index + 1 + READ_AHEAD]:
        if isinstance(ahead.path, S3Object):
            ahead.path.prefetch()
    entry = entries[index]
    chunks = read_verified(entry.path, entry.size, entry.xxh3, chunk_bytes)
    return chunks if done is None else _reported(chunks, index, done)


def _reported(chunks: Iterable[bytes], index: int, done: Callable[[int], None]
              ) -> Iterator[bytes]:
    try:
        yield from chunks
    except OSError as exc:
        raise EntryFailed(index, exc) from exc
    done(index)
