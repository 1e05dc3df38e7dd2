"""The batch zip (rules Z1-Z7): streamed with constant memory by zipstream-ng.

Names arrive already safe and de-duplicated (export_contract.zipnames); zipstream-ng does no
name checking of its own. Already-compressed types are stored, text-like types deflated.
A zip of stored entries only has a size known in advance, so it gets a Content-Length.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from zipstream import ZipStream

from .streaming import read_verified, rechunk

__all__ = ["ZipEntry", "build_zip", "compress_type_for"]

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


def build_zip(entries: Sequence[ZipEntry], chunk_bytes: int) -> tuple[Iterator[bytes], int | None]:
    """The zip as an iterator of chunks, and its length when it can be known up front."""
    compress_types = [compress_type_for(entry.content_type) for entry in entries]
    sized = all(ct == zipfile.ZIP_STORED for ct in compress_types)
    archive = ZipStream(sized=sized)
    for entry, compress_type in zip(entries, compress_types, strict=True):
        archive.add(
            read_verified(entry.path, entry.size, entry.xxh3, chunk_bytes),
            entry.name,
            size=entry.size,
            compress_type=compress_type,
        )
    length = len(archive) if sized else None
    return rechunk(archive, chunk_bytes), length
