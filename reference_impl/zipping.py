"""The batch zip (rules Z1-Z7): streamed with constant memory by zipstream-ng.

Names arrive already safe and de-duplicated (export_contract.zipnames); zipstream-ng does no
name checking of its own. Already-compressed types are stored, text-like types deflated.
A zip of stored entries only has a size known in advance, so it gets a Content-Length.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from zipstream import ZipStream

from .streaming import read_verified, rechunk

__all__ = ["EntryFailed", "ZipEntry", "build_zip", "compress_type_for"]

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
    path: Path
    size: int
    xxh3: str
    content_type: str


def compress_type_for(content_type: str) -> int:
    base = content_type.split(";", 1)[0].strip().lower()
    compressible = (
        base.startswith(_COMPRESSIBLE_PREFIXES)
        or base in _COMPRESSIBLE_TYPES
        or base.endswith(("+xml", "+json"))
    )
    return zipfile.ZIP_DEFLATED if compressible else zipfile.ZIP_STORED


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
    compress_types = [compress_type_for(entry.content_type) for entry in entries]
    leading_types = [compress_type_for(media_type) for _name, _data, media_type in leading]
    sized = all(ct == zipfile.ZIP_STORED for ct in [*compress_types, *leading_types])
    archive = ZipStream(sized=sized)
    for (name, data, _media_type), compress_type in zip(leading, leading_types, strict=True):
        archive.add(data, name, compress_type=compress_type)
    for index, (entry, compress_type) in enumerate(zip(entries, compress_types, strict=True)):
        chunks: Iterable[bytes] = read_verified(entry.path, entry.size, entry.xxh3, chunk_bytes)
        if on_entry_done is not None:
            chunks = _reported(chunks, index, on_entry_done)
        archive.add(chunks, entry.name, size=entry.size, compress_type=compress_type)
    length = len(archive) if sized else None
    return rechunk(archive, chunk_bytes), length


def _reported(chunks: Iterable[bytes], index: int, done: Callable[[int], None]
              ) -> Iterator[bytes]:
    try:
        yield from chunks
    except OSError as exc:
        raise EntryFailed(index, exc) from exc
    done(index)
