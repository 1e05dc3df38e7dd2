"""Judging a job's download (rule J6): the zip by Z1-Z3, its name by F1/F2/F4, its manifest.

Everything is charged to J6's check: a job zip that breaks Z3 breaks the job rule, not the
batch route's. The zip is read with the checker's own reader; each succeeded item's entry is
compared with the item's single download when the export is known.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from .client import Exchange
from .content_disposition import (
    ContentDispositionError,
    filename_problems,
    parse_content_disposition,
)
from .exports import KnownExport, name_key
from .zip_inspection import ZipReport, duplicate_names, entry_name_problems, inspect_zip

__all__ = ["MANIFEST_NAME", "download_problems"]

MANIFEST_NAME = "manifest.json"
_ERRORS = ("not_found", "export_failed")


def download_problems(exchange: Exchange, job: Mapping[str, Any], items: Sequence[str],
                      known: Mapping[str, KnownExport]) -> list[str]:
    """Why this answer to a complete job's downloadUrl is not its zip (empty when it is)."""
    if exchange.status != 200:
        return [f"the downloadUrl of a complete job answered {exchange.status}, not 200 "
                "(it needs no API key)"]
    problems = _name_problems(exchange, str(job.get("name", "")))
    if exchange.media_type != "application/zip":
        problems.append(f"the job zip is sent as {exchange.media_type or '(no type)'!r}, not "
                        "application/zip")
    report = inspect_zip(exchange.content)
    if report.errors:
        return [*problems, *(f"broken zip: {error}" for error in report.errors[:3])]
    problems += _entry_problems(report)
    entries = {e.name: e for e in report.entries if not e.is_dir}
    manifest = entries.pop(MANIFEST_NAME, None)
    if manifest is None:
        listing = ", ".join(repr(n) for n in entries)
        return [*problems, f"the zip has no manifest.json at its root; entries: {listing}"]
    document = _manifest(exchange.content, MANIFEST_NAME)
    if not isinstance(document, dict):
        return [*problems, "manifest.json is not a JSON object"]
    return problems + _manifest_problems(document, job, items, entries, known)


def _name_problems(exchange: Exchange, job_name: str) -> list[str]:
    header = exchange.headers.get("content-disposition")
    if header is None:
        return ["the job zip has no Content-Disposition (F1)"]
    try:
        name = parse_content_disposition(header).effective_filename
    except ContentDispositionError as exc:
        return [f"the job zip's Content-Disposition does not parse (F1): {exc}"]
    if name is None:
        return [f"the job zip's Content-Disposition names no file (F1): {header}"]
    problems = [f"unsafe filename {name!r} (F2): {p}" for p in filename_problems(name)]
    if not name.lower().endswith(".zip"):
        problems.append(f"the job zip is named {name!r}, which does not end in .zip (F4)")
    wanted = job_name if job_name.lower().endswith(".zip") else job_name + ".zip"
    if job_name and name_key(name) != name_key(wanted):
        problems.append(f"the job zip is named {name!r}, not after the job's name "
                        f"({wanted!r})")
    return problems


def _entry_problems(report: ZipReport) -> list[str]:
    problems = [f"zip entry {e.name!r}: {p}" for e in report.entries
                for p in entry_name_problems(e.name)]
    problems += [f"zip entry {later!r} collides with {first!r} (Z3)"
                 for first, later in duplicate_names(e.name for e in report.entries)]
    return problems


def _manifest(data: bytes, name: str) -> object:
    """manifest.json's parsed content (``None`` when unreadable). The checker's own reader has
    vetted the archive already; the standard library's only decompresses this one entry."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return json.loads(archive.read(name).decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, ValueError, zlib.error, UnicodeDecodeError):
        return None


def _manifest_problems(document: dict[str, Any], job: Mapping[str, Any], items: Sequence[str],
                       entries: Mapping[str, Any], known: Mapping[str, KnownExport]
                       ) -> list[str]:
    problems: list[str] = []
    if document.get("jobId") != job.get("id"):
        problems.append(f"manifest.json's jobId is {document.get('jobId')!r}, not the job's "
                        f"id {job.get('id')!r}")
    results = document.get("results")
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        return [*problems, "manifest.json's results is not a list of objects"]
    order = [r.get("sourceFileUrl") for r in results]
    if order != list(items):
        problems.append("manifest.json's results are not one per item in request order: "
                        f"got {order!r}, sent {list(items)!r}")
    named: set[str] = set()
    for result in results:
        problems += _result_problems(result, entries, known, named)
    extra = sorted(set(entries) - named)
    if extra:
        problems.append(f"zip entries no manifest result names: {extra!r}")
    succeeded = sum(1 for r in results if r.get("success") is True)
    summary = {"total": len(results), "succeeded": succeeded, "failed": len(results) - succeeded}
    if document.get("summary") != summary:
        problems.append(f"manifest.json's summary is {document.get('summary')!r}; its results "
                        f"count {summary}")
    return problems


def _result_problems(result: dict[str, Any], entries: Mapping[str, Any],
                     known: Mapping[str, KnownExport], named: set[str]) -> list[str]:
    url = result.get("sourceFileUrl")
    if result.get("success") is True:
        filename = result.get("filename")
        entry = entries.get(filename) if isinstance(filename, str) else None
        if entry is None:
            return [f"the manifest names {filename!r} for {url}, which is no entry of the zip"]
        named.add(filename)  # type: ignore[arg-type]
        problems = []
        if result.get("bytes") != entry.file_size:
            problems.append(f"the manifest says {filename!r} has {result.get('bytes')!r} bytes; "
                            f"the entry has {entry.file_size}")
        export = known.get(url) if isinstance(url, str) else None
        if export is not None and entry.sha256 != export.sha256:
            problems.append(f"entry {filename!r} is not the single download of {url}")
        if isinstance(url, str) and url not in known:
            problems.append(f"the manifest says {url}, an item no backend knows, succeeded")
        return problems
    if result.get("success") is False:
        if result.get("error") not in _ERRORS or not isinstance(result.get("message"), str):
            return [f"a failed result for {url} has error {result.get('error')!r} (allowed: "
                    "not_found, export_failed) and a message string"]
        if isinstance(url, str) and url in known:
            return [f"the manifest says the known export {url} failed: {result.get('error')}"]
        return []
    return [f"a manifest result for {url} has success {result.get('success')!r}, not a boolean"]
