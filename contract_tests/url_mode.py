"""Judging URL-mode answers (U1-U3) and, on request, what their exported URLs serve (U4)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from .client import Exchange, ProbeClient, ProbeFailed
from .exports import KnownExport
from .reproduce import curl_command
from .results import Evidence
from .verdicts import Verdicts

__all__ = ["follow_exported_urls", "is_absolute_http_url", "judge_batch_urls",
           "judge_single_url"]


def is_absolute_http_url(value: object) -> bool:
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        return False
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        return False
    return url.scheme in ("http", "https") and bool(url.host)


def _envelope(exchange: Exchange, verdicts: Verdicts, size: int) -> dict[str, Any] | None:
    """Judge U1 and return the JSON object, or ``None`` when it is not one."""
    problems: list[Evidence] = []
    body: Any
    if exchange.media_type != "application/json":
        problems.append(exchange.evidence(
            "a URL-mode 200 is not application/json",
            f"Content-Type: {exchange.headers.get('content-type', '(missing)')}"))
    try:
        body = exchange.json()
    except ValueError:
        body = None
        problems.append(exchange.evidence("a URL-mode 200 body is not JSON",
                                          f"body: {exchange.content[:120]!r}"))
    if body is not None and not isinstance(body, dict):
        problems.append(exchange.evidence("a URL-mode 200 body is not a JSON object",
                                          f"body: {exchange.content[:120]!r}"))
        body = None
    if body is not None and body.get("success") is not True:
        problems.append(exchange.evidence(
            f"'success' is {body.get('success')!r} ({type(body.get('success')).__name__}), "
            "not the JSON literal true", f"body: {exchange.content[:160]!r}"))
    verdicts.judge("url-mode-envelope", problems, size)
    return body if isinstance(body, dict) else None


def judge_single_url(exchange: Exchange, verdicts: Verdicts) -> str | None:
    """Judge a single URL-mode 200; return its exported URL when usable."""
    body = _envelope(exchange, verdicts, 1)
    if body is None:
        return None
    url = body.get("exportedUrl")
    ok = is_absolute_http_url(url)
    verdicts.judge("url-mode-single-exported-url", [] if ok else [exchange.evidence(
        f"exportedUrl is {url!r}, not an absolute http(s) URL")])
    return url if ok and isinstance(url, str) else None


def judge_batch_urls(exchange: Exchange, items: Sequence[str],
                     resolved: Sequence[KnownExport | None], verdicts: Verdicts
                     ) -> list[str] | None:
    """Judge a batch URL-mode 200; ``resolved`` pairs each item with its export (or None).

    Returns the exported URLs when they line up with the resolved items.
    """
    size = len(items)
    body = _envelope(exchange, verdicts, size)
    if body is None:
        return None
    problems = list(_list_problems(exchange, body, items, resolved))
    verdicts.judge("url-mode-batch-lists", problems, size)
    urls, skipped = body.get("exportedUrls"), body.get("skipped")
    if isinstance(urls, list) and isinstance(skipped, list):
        wanted = len(items)
        verdicts.judge("batch-items-not-collapsed", [] if len(urls) + len(skipped) == wanted
                       else [exchange.evidence(
                           f"{wanted} items but {len(urls)} exported URLs + {len(skipped)} "
                           "skipped records", f"body: {exchange.content[:200]!r}")], size)
    return list(urls) if not problems and isinstance(urls, list) else None


def _list_problems(exchange: Exchange, body: dict[str, Any], items: Sequence[str],
                   resolved: Sequence[KnownExport | None]) -> Iterator[Evidence]:
    shown = f"body: {exchange.content[:200]!r}"
    urls, skipped = body.get("exportedUrls"), body.get("skipped")
    for key, value in (("exportedUrls", urls), ("skipped", skipped)):
        if not isinstance(value, list):
            state = "missing" if key not in body else f"a {type(value).__name__}"
            yield exchange.evidence(f"'{key}' is {state}, not an array", shown)
    unresolved = [item for item, export in zip(items, resolved, strict=True) if export is None]
    resolved_count = len(items) - len(unresolved)
    if isinstance(urls, list):
        if len(urls) != resolved_count:
            yield exchange.evidence(
                f"{resolved_count} items resolved but exportedUrls has {len(urls)} URLs", shown)
        for url in urls:
            if not is_absolute_http_url(url):
                yield exchange.evidence(f"exported URL {url!r} is not an absolute http(s) URL",
                                        shown)
    if isinstance(skipped, list):
        if len(skipped) != len(unresolved):
            yield exchange.evidence(
                f"{len(unresolved)} items did not resolve but skipped has {len(skipped)} "
                "records", shown, "unresolved: " + ", ".join(unresolved))
        else:
            for record, item in zip(skipped, unresolved, strict=True):
                named = record.get("sourceFileUrl") if isinstance(record, dict) else None
                if named != item:
                    yield exchange.evidence(
                        f"skipped record {record!r} should name {item!r} (one record per "
                        "unresolved item, in request order)", shown)


def follow_exported_urls(client: ProbeClient, urls: Sequence[str],
                         exports: Sequence[KnownExport], verdicts: Verdicts, source: Exchange
                         ) -> None:
    """GET every exported URL without the key and compare with the single downloads (U4).

    When every URL serves some item's bytes, but not in request order, the list itself is out
    of order (U3): only fetching can show that, since exported URLs are opaque.
    """
    served: list[str | None] = []
    for url, export in zip(urls, exports, strict=True):
        try:
            fetched = client.send("GET", url, key=None, observe=True)
        except ProbeFailed as exc:
            verdicts.fail("exported-url-serves-same-bytes", Evidence(
                f"exported URL gave no response: {exc}", f"GET {url}", None,
                (f"from {source.request_line}",), curl_command("GET", url, {}, None)))
            served.append(None)
            continue
        problems = []
        digest = hashlib.sha256(fetched.content).hexdigest() if fetched.status == 200 else None
        served.append(digest)
        if fetched.status != 200:
            problems.append(fetched.evidence(
                f"GET on the exported URL of {export.source_file_url} got {fetched.status}",
                f"from {source.request_line}"))
        elif digest != export.sha256:
            problems.append(fetched.evidence(
                f"the exported URL of {export.source_file_url} serves {len(fetched.content)} "
                f"bytes that differ from its single download ({export.size} bytes)"))
        verdicts.judge("exported-url-serves-same-bytes", problems)
    _judge_url_order(served, exports, verdicts, source)


def _judge_url_order(served: Sequence[str | None], exports: Sequence[KnownExport],
                     verdicts: Verdicts, source: Exchange) -> None:
    wanted = [export.sha256 for export in exports]
    if None in served or list(served) == wanted or sorted(map(str, served)) != sorted(wanted):
        return
    url_of = {export.sha256: export.source_file_url for export in exports}
    verdicts.fail("url-mode-batch-lists", source.evidence(
        "exportedUrls are not in request order: fetched, they serve the items' bytes in "
        "another order",
        "in order, the exported URLs serve: " + ", ".join(url_of[str(d)] for d in served),
        "request order: " + ", ".join(export.source_file_url for export in exports)),
        len(exports))
