"""`Range` and `If-Range` on GET downloads (RFC 9110 §14), decided alike by both servers.

Werkzeug parses the header. What is decided here: a range the server will not honour (bad
syntax, another unit, a stale `If-Range`, several ranges not all satisfiable) means the full
`200`; a single range wholly past the end means `416` with `Content-Range: bytes */size`,
as problem details like every other error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from werkzeug.http import parse_range_header

from .problems import ApiProblem

__all__ = ["RangeAnswer", "content_range", "range_not_satisfiable", "requested_ranges"]


@dataclass(frozen=True)
class RangeAnswer:
    """What to send: `ranges` (half-open `(start, stop)`) for a `206`, none for the full
    representation; `unsatisfiable` for a `416`."""

    ranges: tuple[tuple[int, int], ...] = ()
    unsatisfiable: bool = False


def requested_ranges(headers: Mapping[str, str], etag: str, size: int) -> RangeAnswer:
    """The ranges of `headers` (a request's) to send of a representation of `size` bytes
    whose strong validator is `etag` (quoted)."""
    value = headers.get("range")
    if value is None:
        return RangeAnswer()
    if_range = headers.get("if-range")
    if if_range is not None and if_range.strip() != etag:
        # A changed representation (or a date, which we cannot compare strongly): whole.
        return RangeAnswer()
    parsed = parse_range_header(value)
    if parsed is None or parsed.units != "bytes":
        return RangeAnswer()
    ranges = [_resolved(start, stop, size) for start, stop in parsed.ranges]
    satisfiable = tuple(r for r in ranges if r is not None)
    if len(ranges) == 1:
        return RangeAnswer(satisfiable, unsatisfiable=not satisfiable)
    return RangeAnswer(satisfiable if len(satisfiable) == len(ranges) else ())


def content_range(start: int, stop: int, size: int) -> str:
    return f"bytes {start}-{stop - 1}/{size}"


def range_not_satisfiable(size: int) -> ApiProblem:
    return ApiProblem(416, f"Range: no requested byte range starts before the end of the file "
                           f"({size} bytes); ask for bytes 0-{size - 1} or fewer.",
                      title="Range not satisfiable", slug="range-not-satisfiable",
                      headers={"Content-Range": f"bytes */{size}"})


def _resolved(start: int, stop: int | None, size: int) -> tuple[int, int] | None:
    """Werkzeug's `(start, stop)` (negative start: a suffix; stop None: to the end) within
    `size`, or None when it starts at or past the end."""
    if start < 0:
        return (max(size + start, 0), size) if size else None
    if start >= size:
        return None
    return (start, size if stop is None else min(stop, size))
