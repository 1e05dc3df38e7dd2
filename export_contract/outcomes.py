"""What both servers answer the same way: export records, batch limits and batch outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .problems import ApiProblem

__all__ = ["batch_source_urls", "export_record", "nothing_resolved", "url_mode_batch"]


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
