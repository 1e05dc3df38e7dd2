"""A job's zip (rule J6): `manifest.json` first, then one entry per resolved item; and its
download, whole or by byte range.

Entries are named as in a batch zip (`zipnames.EntryNamer`), with `manifest.json` claimed
first so that an item of that name is the one renamed. The zip is built once, in memory, when
the job completes, so every download of it is the same bytes under the same strong `ETag`,
and a broken download resumes with `Range` (`206`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from starlette.responses import Response

from export_contract.jobs import MANIFEST_NAME, ItemResult, manifest_bytes
from export_contract.zipnames import EntryNamer

from .catalog import MockExport
from .ranged_bytes import ranged_response
from .zipping import build_zip

__all__ = ["NOT_FOUND_MESSAGE", "JobZip", "build_job_zip", "zip_response"]

NOT_FOUND_MESSAGE = ("No export resolves for this sourceFileUrl (hosts under .invalid never "
                     "do; with --strict only fixtures and registered exports).")


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
    """The zip, or the byte range asked for (see `ranged_bytes`)."""
    return ranged_response(job_zip.content, etag=job_zip.etag, media_type="application/zip",
                           headers=headers, request_headers=request_headers)
