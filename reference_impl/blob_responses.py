"""A stored blob as a GET download: whole and checked as it streams, or the ranges asked for.

The whole blob streams checked against its recorded xxh3 (a blob changed on disk aborts the
connection, see `streaming`). A `Range` the server honours (`export_contract.byte_ranges`
decides) is served by Starlette's FileResponse: one range as a `206`, several as
`multipart/byteranges`; from a bucket, each range is asked of the bucket. A part cannot be
checked against a whole-file checksum; its size was checked before the first byte, like
every download's.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from starlette.responses import FileResponse, Response, StreamingResponse

from export_contract.byte_ranges import content_range, range_not_satisfiable, requested_ranges

from .s3_blobs import S3Object
from .streaming import prefetched, read_verified

__all__ = ["blob_response"]


class _BigChunkFileResponse(FileResponse):
    # Starlette's 64 KiB default costs a hop through the event loop per 64 KiB.
    chunk_size = 1024 * 1024


def blob_response(path: Path | S3Object, size: int, xxh3: str, *, etag: str, media_type: str,
                  headers: Mapping[str, str], request_headers: Mapping[str, str],
                  chunk_bytes: int) -> Response:
    """The blob at `path` (checked to have `size` bytes) answering a GET with `etag`."""
    sent = {**headers, "ETag": etag, "Accept-Ranges": "bytes"}
    answer = requested_ranges(request_headers, etag, size)
    if answer.unsatisfiable:
        raise range_not_satisfiable(size)
    if answer.ranges and isinstance(path, Path):
        return _BigChunkFileResponse(path, media_type=media_type, headers=sent)
    if len(answer.ranges) == 1 and isinstance(path, S3Object):
        # Asked of the bucket, which answers ranges itself.
        start, stop = answer.ranges[0]
        sent.update({"Content-Range": content_range(start, stop, size),
                     "Content-Length": str(stop - start)})
        return StreamingResponse(prefetched(path.read_range(start, stop, chunk_bytes)),
                                 status_code=206, media_type=media_type, headers=sent)
    if answer.ranges and isinstance(path, S3Object):
        return _bucket_byteranges(path, answer.ranges, size, media_type, sent, chunk_bytes)
    sent["Content-Length"] = str(size)
    return StreamingResponse(prefetched(read_verified(path, size, xxh3, chunk_bytes)),
                             media_type=media_type, headers=sent)


def _bucket_byteranges(blob: S3Object, ranges: Sequence[tuple[int, int]], size: int,
                       media_type: str, headers: dict[str, str], chunk_bytes: int
                       ) -> Response:
    """Several ranges of a bucket object as `multipart/byteranges`, each asked of the bucket
    (the layout Starlette's FileResponse gives a file, so both stores answer alike)."""
    boundary = secrets.token_hex(13)
    heads = [(f"--{boundary}\r\nContent-Type: {media_type}\r\n"
              f"Content-Range: {content_range(start, stop, size)}\r\n\r\n").encode()
             for start, stop in ranges]
    tail = f"--{boundary}--".encode()
    length = sum(len(head) + stop - start + 2 for head, (start, stop) in zip(heads, ranges,
                                                                               strict=True))

    def parts() -> Iterator[bytes]:
        for head, (start, stop) in zip(heads, ranges, strict=True):
            yield head
            yield from blob.read_range(start, stop, chunk_bytes)
            yield b"\r\n"
        yield tail

    headers["Content-Length"] = str(length + len(tail))
    return StreamingResponse(prefetched(parts()), status_code=206, headers=headers,
                             media_type=f"multipart/byteranges; boundary={boundary}")
