"""Batch zips with the standard library: built in a spooled temporary file, then streamed."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = ["Member", "build_zip", "build_zip_unclosed", "chunks"]

_SPOOL_IN_MEMORY = 8 * 1024 * 1024
_CHUNK = 64 * 1024
# Already-compressed formats gain nothing from deflate.
_STORED_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "application/zip"})


@dataclass(frozen=True)
class Member:
    path: Path
    name: str
    media_type: str

    @property
    def compression(self) -> int:
        stored = self.media_type.split(";")[0].strip() in _STORED_TYPES
        return zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED


def build_zip(members: Sequence[Member]) -> tuple[IO[bytes], int]:
    """The finished archive, rewound, and its size. The caller closes the file."""
    # Returned open: the response closes it once sent.
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115
    try:
        # Leaving the with block writes the central directory: only then is the zip complete.
        with zipfile.ZipFile(spool, "w") as archive:
            for member in members:
                archive.write(member.path, arcname=member.name,
                              compress_type=member.compression)
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    return spool, size


def build_zip_unclosed(members: Sequence[Member]) -> bytes:
    """BUG zip-unclosed: returns the bytes from inside the with block, before close() has
    written the central directory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in members:
            archive.write(member.path, arcname=member.name, compress_type=member.compression)
        return buffer.getvalue()


def chunks(file: IO[bytes]) -> Iterator[bytes]:
    while chunk := file.read(_CHUNK):
        yield chunk
