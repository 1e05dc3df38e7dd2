"""In-memory bytes (an exported URL's file, a job's zip) answering a GET with `Range`.

The decisions are the core's (`export_contract.byte_ranges`, shared with the reference
backend): one range is a `206`, a range wholly past the end a `416` problem, anything else
(several ranges, bad syntax, a stale `If-Range`) the whole representation, as HTTP allows.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from export_contract.byte_ranges import content_range, range_not_satisfiable, requested_ranges

__all__ = ["ranged_response"]


def ranged_response(content: bytes, *, etag: str, media_type: str, headers: Mapping[str, str],
                    request_headers: Mapping[str, str]) -> Response:
    """`content` under the strong validator `etag` (quoted), or the one range asked for."""
    sent = {**headers, "ETag": etag, "Accept-Ranges": "bytes"}
    answer = requested_ranges(request_headers, etag, len(content))
    if answer.unsatisfiable:
        raise range_not_satisfiable(len(content))
    if len(answer.ranges) != 1:
        return Response(content, media_type=media_type, headers=sent)
    start, stop = answer.ranges[0]
    sent["Content-Range"] = content_range(start, stop, len(content))
    return Response(content[start:stop], status_code=206, media_type=media_type, headers=sent)
