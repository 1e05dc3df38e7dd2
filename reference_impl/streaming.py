"""Reading stored blobs as streams, checked against what was recorded at registration.

The size is checked before the response starts (a missing or truncated blob becomes a clean
5xx). The checksum can only be known at the end: a mismatch raises before the last chunk
leaves, which aborts the connection mid-body, so no client can save a corrupt file as
complete. Chunks are produced on a thread of their own, a few ahead of the socket, so
checksumming and zip framing run on one core while the event loop sends on the other.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path

import xxhash

from .s3_blobs import S3Object

__all__ = ["BlobChanged", "prefetched", "read_verified", "rechunk"]

_PREFETCH_DEPTH = 4
_END = object()


class BlobChanged(OSError):
    """A blob's bytes no longer match the checksum recorded at registration."""


def read_verified(path: Path | S3Object, size: int, xxh3: str, chunk_bytes: int) -> Iterator[bytes]:
    digest = xxhash.xxh3_128()
    seen = 0
    with path.open("rb") as blob:
        while chunk := blob.read(chunk_bytes):
            seen += len(chunk)
            if seen > size:
                raise BlobChanged(f"blob {path.name} grew past its recorded {size} bytes")
            digest.update(chunk)
            if seen == size and digest.hexdigest() != xxh3:
                raise BlobChanged(f"blob {path.name} no longer matches its checksum")
            yield chunk
    if seen != size:
        raise BlobChanged(f"blob {path.name} shrank to {seen} of {size} bytes while streaming")


def rechunk(pieces: Iterable[bytes], chunk_bytes: int) -> Iterator[bytes]:
    """Coalesce small pieces (zip headers) into chunks of about `chunk_bytes`.

    Each chunk costs a hop between threads, so small pieces are gathered; large pieces pass
    through uncopied.
    """
    buffer = bytearray()
    for piece in pieces:
        if len(piece) >= chunk_bytes:
            if buffer:
                yield bytes(buffer)
                buffer.clear()
            yield piece
            continue
        buffer += piece
        if len(buffer) >= chunk_bytes:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


async def prefetched(chunks: Iterator[bytes], depth: int = _PREFETCH_DEPTH
                     ) -> AsyncIterator[bytes]:
    """Iterate `chunks` on a worker thread, at most `depth` chunks ahead of the consumer.

    When the consumer stops early (client gone), the worker stops and closes `chunks`, so
    open files are released.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue(maxsize=depth)
    stop = threading.Event()
    worker = threading.Thread(target=_produce, args=(chunks, queue, loop, stop),
                              name="export-stream", daemon=True)
    worker.start()
    try:
        while (item := await queue.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, bytes)
            yield item
    finally:
        stop.set()
        while not queue.empty():
            queue.get_nowait()


def _produce(chunks: Iterator[bytes], queue: asyncio.Queue[object],
             loop: asyncio.AbstractEventLoop, stop: threading.Event) -> None:
    outcome: object = _END
    try:
        for chunk in chunks:
            if not _put(chunk, queue, loop, stop):
                return
    except BaseException as exc:  # handed to the consumer, which re-raises it
        outcome = exc
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    _put(outcome, queue, loop, stop)


def _put(item: object, queue: asyncio.Queue[object], loop: asyncio.AbstractEventLoop,
         stop: threading.Event) -> bool:
    """Block until `item` is queued; False when the consumer has gone away."""
    if loop.is_closed():
        return False
    future = asyncio.run_coroutine_threadsafe(queue.put(item), loop)
    while not stop.is_set():
        try:
            future.result(timeout=0.2)
            return True
        except concurrent.futures.TimeoutError:
            continue
    future.cancel()
    return False
