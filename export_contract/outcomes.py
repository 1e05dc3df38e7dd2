"""What both servers answer the same way: export records, batch limits and outcomes, and
the problems of the operations both implement (one text each, whichever server sends it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from .problems import ApiProblem
from .signing import ExportClaims, TokenExpired, TokenInvalid, UrlSigner, export_claims

__all__ = ["batch_source_urls", "empty_upload", "export_not_found", "export_record",
           "exported_url_claims", "exported_url_expired", "exported_url_gone",
           "nothing_deleted", "nothing_resolved", "url_mode_batch"]


def export_record(source_file_url: str, filename: str, content_type: str, size: int,
                  sha256: str) -> dict[str, object]:
    """An export as the spec's `Export` schema shows it (registration, listing)."""
    return {
        "sourceFileUrl": source_file_url,
        "filename": filename,
        "contentType": content_type,
        "size": size,
        "sha256": sha256,
    }


def batch_source_urls(body: dict[str, Any], max_items: int) -> list[str]:
    """The batch's items in request order; over the item limit is a 413 (rule Q5)."""
    urls = [item["sourceFileUrl"] for item in body["items"]]
    if len(urls) > max_items:
        raise ApiProblem(413, f"The batch has {len(urls)} items; this backend accepts at "
                              f"most {max_items} per request. Split the batch.")
    return urls


def nothing_resolved(urls: Sequence[str]) -> ApiProblem:
    """The 404 for a batch where no item resolves (rule S2)."""
    return ApiProblem(404, f"None of the {len(urls)} items is a registered export "
                           f"(first: {urls[0]}); register them first.",
                      title="Export not found")


def url_mode_batch(urls: Sequence[str], exported: Sequence[str | None]) -> dict[str, object]:
    """The URL-mode envelope: one URL per resolved item, one skipped record per other (U3)."""
    return {
        "success": True,
        "exportedUrls": [url for url in exported if url is not None],
        "skipped": [{"sourceFileUrl": source, "reason": "not_found"}
                    for source, url in zip(urls, exported, strict=True) if url is None],
    }


def export_not_found(source_file_url: str, note: str = "") -> ApiProblem:
    """The 404 for a single download of an unregistered export; `note` says why, if known."""
    note = f" ({note})" if note else ""
    return ApiProblem(404, f"No export is registered for sourceFileUrl {source_file_url}; "
                           f"register it first{note}.", title="Export not found")


def nothing_deleted(source_file_url: str) -> ApiProblem:
    """The 404 for deleting an export that is not registered."""
    return ApiProblem(404, f"No export is registered for sourceFileUrl {source_file_url}; "
                           "nothing was deleted.")


def empty_upload() -> ApiProblem:
    """The 400 for registering a file of no bytes."""
    return ApiProblem(400, "file: the uploaded file is empty; exports must have at least "
                           "one byte.")


def exported_url_claims(signer: UrlSigner, token: str) -> ExportClaims:
    """The claims of an exported URL's token, or the problem for an expired (410) or
    altered (403) one (rule U4)."""
    try:
        return export_claims(signer, token)
    except TokenExpired as exc:
        raise exported_url_expired(exc.expired_at) from exc
    except TokenInvalid as exc:
        raise ApiProblem(403, "This exported URL's signature does not match; use the URL "
                              "exactly as the backend issued it.",
                         title="Invalid exported URL", slug="invalid-url") from exc


def exported_url_expired(expired_at: int) -> ApiProblem:
    """The 410 for an exported URL past its expiry (a Unix time)."""
    expired = datetime.fromtimestamp(expired_at, tz=UTC)
    return ApiProblem(410, f"This exported URL expired at {expired:%Y-%m-%dT%H:%M:%SZ}; "
                           "request a new one.")


def exported_url_gone() -> ApiProblem:
    """The 404 for a valid exported URL whose export was removed or replaced since."""
    return ApiProblem(404, "The export behind this URL was removed or replaced; "
                           "request a new URL.", title="Export not found")
