"""A job's zip (rule J6): `manifest.json` first, then one entry per resolved item; and its
download, whole or by byte range.

Entries are named as in a batch zip (`zipnames.EntryNamer`), with `manifest.json` claimed
first so that an item of that name is the one renamed. The zip is built once, in memory, when
the job completes, so every download of it is the same bytes under the same strong `ETag`,
and a broken download resumes with `Range` (`206`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from starlette.responses import Response

from export_contract.jobs import MANIFEST_NAME, ItemResult, manifest_bytes
from export_contract.zipnames import EntryNamer

from .catalog import MockExport
from .zipping import build_zip

__all__ = ["NOT_FOUND_MESSAGE", "JobZip", "build_job_zip", "zip_response"]

NOT_FOUND_MESSAGE = ("No export resolves for this sourceFileUrl (hosts under .invalid never "
                     "do; with --strict only fixtures and registered exports).")
_RANGE = re.compile(r"bytes=(?P<first>[0-9]*)-(?P<last>[0-9]*)")


@dataclass(frozen=True)
class JobZip:
    content: bytes = field(repr=False)
    etag: str
    results: tuple[ItemResult, ...]


def build_job_zip(job_id: str, urls: Sequence[str],
                  exports: Sequence[MockExport | None]) -> JobZip:
    """The zip of a job's resolved `exports` (one per url, None when it did not resolve)."""
    namer = EntryNamer()
    namer.claim(MANIFEST_NAME)  # the manifest keeps its name; an item so named is renamed
    results: list[ItemResult] = []
    entries: list[tuple[str, bytes]] = []
    for url, export in zip(urls, exports, strict=True):
        if export is None:
            results.append(ItemResult(url, error="not_found", message=NOT_FOUND_MESSAGE))
            continue
        name = namer.claim(export.filename)
        results.append(ItemResult(url, filename=name, size=export.size))
        entries.append((name, export.content))
    content = build_zip([(MANIFEST_NAME, manifest_bytes(job_id, results)), *entries])
    return JobZip(content, f'"{hashlib.sha256(content).hexdigest()[:32]}"', tuple(results))


def zip_response(job_zip: JobZip, headers: Mapping[str, str], request_headers: Mapping[str, str]
                 ) -> Response:
    """The zip, or the byte range asked for (`206`, or `416` when none of it exists).

    One range per request (what download managers and browsers resuming send); several
    ranges, a malformed header or an `If-Range` that names another version get the whole zip,
    as RFC 9110 allows.
    """
    content = job_zip.content
    size = len(content)
    sent = {**headers, "ETag": job_zip.etag, "Accept-Ranges": "bytes"}
    wanted = _range(request_headers.get("range"), size)
    if_range = request_headers.get("if-range")
    if wanted is None or (if_range is not None and if_range != job_zip.etag):
        return Response(content, media_type="application/zip", headers=sent)
    if isinstance(wanted, str):  # "unsatisfiable"
        return Response(b"", status_code=416, headers={**sent, "Content-Range": f"bytes */{size}"})
    first, last = wanted
    return Response(content[first:last + 1], status_code=206, media_type="application/zip",
                    headers={**sent, "Content-Range": f"bytes {first}-{last}/{size}"})


def _range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """(first, last) byte of a single `bytes=` range, "unsatisfiable", or None to ignore it."""
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None or (not match["first"] and not match["last"]):
        return None
    if not match["first"]:  # `bytes=-N`: the last N bytes
        suffix = int(match["last"])
        return (max(0, size - suffix), size - 1) if suffix and size else "unsatisfiable"
    first = int(match["first"])
    last = min(int(match["last"]), size - 1) if match["last"] else size - 1
    if match["last"] and int(match["last"]) < first:
        return None  # invalid: ignored (RFC 9110 section 14.1.1)
    return (first, last) if first < size else "unsatisfiable"
