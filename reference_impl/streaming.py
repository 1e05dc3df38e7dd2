"""Reading stored blobs as streams, checked against what was recorded at registration.

The size is checked before the response starts (a missing or truncated blob becomes a clean
5xx). The checksum can only be known at the end: a mismatch raises, which aborts the
connection mid-body, so no client can save a corrupt file as complete.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["BlobChanged", "read_verified", "rechunk"]


class BlobChanged(OSError):
    """A blob's bytes no longer match the checksum recorded at registration."""


def read_verified(path: Path, size: int, sha256: str, chunk_bytes: int) -> Iterator[bytes]:
    digest = hashlib.sha256()
    seen = 0
    with path.open("rb") as blob:
        while chunk := blob.read(chunk_bytes):
            seen += len(chunk)
            if seen > size:
                raise BlobChanged(f"blob {sha256} grew past its recorded {size} bytes")
            digest.update(chunk)
            if seen == size and digest.hexdigest() != sha256:
                # Checked before the last chunk leaves, so the body stays visibly incomplete.
                raise BlobChanged(f"blob {sha256} no longer matches its checksum")
            yield chunk
    if seen != size:
        raise BlobChanged(f"blob {sha256} shrank to {seen} of {size} bytes while streaming")


def rechunk(pieces: Iterable[bytes], chunk_bytes: int) -> Iterator[bytes]:
    """Coalesce small pieces (zip headers) into chunks of about `chunk_bytes`.

    Each chunk crosses a thread to reach the event loop, so fewer, larger chunks are faster.
    """
    buffer = bytearray()
    for piece in pieces:
        if not buffer and len(piece) >= chunk_bytes:
            yield piece
            continue
        buffer += piece
        if len(buffer) >= chunk_bytes:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)
