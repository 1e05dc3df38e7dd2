"""A stored blob as a GET download: whole and checked as it streams, or the ranges asked for.

The whole blob streams checked against its recorded xxh3 (a blob changed on disk aborts the
connection, see `streaming`). A `Range` the server honours (`export_contract.byte_ranges`
decides) is served by Starlette's FileResponse: one range as a `206`, several as
`multipart/byteranges`. A part cannot be checked against a whole-file checksum; its size
was checked before the first byte, like every download's.
"""

from __future__ import annotations

from collections.abc import Mapping
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
        # One range, asked of the bucket; several are answered whole (RFC 9110 allows it).
        start, stop = answer.ranges[0]
        sent.update({"Content-Range": content_range(start, stop, size),
                     "Content-Length": str(stop - start)})
        return StreamingResponse(prefetched(path.read_range(start, stop, chunk_bytes)),
                                 status_code=206, media_type=media_type, headers=sent)
    sent["Content-Length"] = str(size)
    return StreamingResponse(prefetched(read_verified(path, size, xxh3, chunk_bytes)),
                             media_type=media_type, headers=sent)
