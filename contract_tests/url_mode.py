"""Judging URL-mode answers (U1-U3) and what their exported URLs serve (U4-U6).

Exported URLs are opaque: they are matched to items only by fetching them and comparing bytes,
never by position. Their order is Q7's SHOULD, judged apart.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from .client import Exchange, ProbeClient, ProbeFailed
from .content_disposition import ContentDispositionError, parse_content_disposition
from .exports import KnownExport, name_key
from .results import Evidence
from .showing import shown, shown_body
from .verdicts import Verdicts

__all__ = ["IssuedUrls", "everything_skipped", "follow_exported_urls", "is_absolute_http_url",
           "judge_batch_urls", "judge_single_url"]

_REVISIT_AT_MOST = 4


def is_absolute_http_url(value: object) -> bool:
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        return False
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        return False
    return url.scheme in ("http", "https") and bool(url.host)


def everything_skipped(exchange: Exchange) -> bool:
    """A batch URL-mode 200 with no exported URL and the items in skipped (allowed by S2)."""
    if exchange.status != 200:
        return False
    try:
        body = exchange.json()
    except ValueError:
        return False
    return (isinstance(body, dict) and body.get("exportedUrls") == []
            and isinstance(body.get("skipped"), list) and bool(body["skipped"]))


@dataclass
class IssuedUrls:
    """Exported URLs seen early in the run, to fetch again at its end (U6), at least
    ``after_seconds`` after they were issued."""

    after_seconds: float = 3.0
    issued: list[tuple[str, KnownExport, float]] = field(default_factory=list)

    def remember(self, url: str, export: KnownExport) -> None:
        if len(self.issued) < _REVISIT_AT_MOST and all(u != url for u, _, _ in self.issued):
            self.issued.append((url, export, time.monotonic()))

    def revisit(self, client: ProbeClient, verdicts: Verdicts) -> None:
        if not self.issued:
            return
        wait = self.issued[-1][2] + self.after_seconds - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        for url, export, at in self.issued:
            age = time.monotonic() - at
            try:
                fetched = client.send("GET", url, key=None)
            except ProbeFailed as exc:
                verdicts.skip("exported-url-stays-valid", f"could not check: {exc}")
                continue
            same = (fetched.status == 200
                    and hashlib.sha256(fetched.content).hexdigest() == export.sha256)
            verdicts.judge("exported-url-stays-valid", [] if same else [fetched.evidence(
                f"the exported URL of {export.source_file_url}, issued {age:.1f} s earlier, "
                f"answered {fetched.status}"
                + (" with other bytes" if fetched.status == 200 else "")
                + "; it should stay valid for at least a minute")])


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
                                          shown_body(exchange.content)))
    if body is not None and not isinstance(body, dict):
        problems.append(exchange.evidence("a URL-mode 200 body is not a JSON object",
                                          shown_body(exchange.content)))
        body = None
    if body is not None and body.get("success") is not True:
        value = body.get("success")
        problems.append(exchange.evidence(
            f"'success' is {shown(value)} ({type(value).__name__}), not the JSON literal true",
            shown_body(exchange.content)))
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
        f"exportedUrl is {shown(url)}, not an absolute http(s) URL")])
    return url if ok and isinstance(url, str) else None


def judge_batch_urls(exchange: Exchange, items: Sequence[str],
                     resolved: Sequence[KnownExport | None], verdicts: Verdicts
                     ) -> list[str] | None:
    """Judge a batch URL-mode 200; ``resolved`` pairs each item with its export (or None).

    Returns the exported URLs when they are a list of usable URLs.
    """
    size = len(items)
    body = _envelope(exchange, verdicts, size)
    if body is None:
        return None
    problems = list(_list_problems(exchange, body, items, resolved))
    verdicts.judge("url-mode-batch-lists", problems, size)
    urls, skipped = body.get("exportedUrls"), body.get("skipped")
    unresolved = [item for item, export in zip(items, resolved, strict=True) if export is None]
    if isinstance(skipped, list) and unresolved:
        # B1 (MUST): unresolved items are listed in skipped; how many records is U3's SHOULD.
        verdicts.judge("batch-partial-resolution", [] if skipped else [exchange.evidence(
            f"{len(unresolved)} items did not resolve but skipped is empty",
            "unresolved: " + ", ".join(shown(u) for u in unresolved))], size)
    if isinstance(skipped, list):
        _judge_skipped(exchange, skipped, unresolved, verdicts, size)
    if isinstance(urls, list) and not problems:
        found = [e for e in resolved if e is not None]
        verdicts.judge("batch-order-and-repeats", [] if len(urls) == len(found) else [
            exchange.evidence(
                f"{len(found)} items resolved (repeats included) but exportedUrls has "
                f"{len(urls)}: a repeated item should repeat its outcome",
                shown_body(exchange.content))], size)
        return list(urls)
    return None


def _list_problems(exchange: Exchange, body: dict[str, Any], items: Sequence[str],
                   resolved: Sequence[KnownExport | None]) -> Iterator[Evidence]:
    shown_all = shown_body(exchange.content)
    urls, skipped = body.get("exportedUrls"), body.get("skipped")
    for key, value in (("exportedUrls", urls), ("skipped", skipped)):
        if not isinstance(value, list):
            state = "missing" if key not in body else f"a {type(value).__name__}"
            yield exchange.evidence(f"'{key}' is {state}, not an array", shown_all)
    found = [e.source_file_url for e in resolved if e is not None]
    if isinstance(urls, list):
        distinct = len(set(found))
        if not distinct <= len(urls) <= len(found):
            wanted = (f"{len(found)}" if distinct == len(found)
                      else f"{distinct} to {len(found)} (repeats included or not)")
            yield exchange.evidence(
                f"{len(found)} items resolved but exportedUrls has {len(urls)} URLs; "
                f"expected {wanted}", shown_all)
        for url in urls:
            if not is_absolute_http_url(url):
                yield exchange.evidence(f"exported URL {shown(url)} is not an absolute http(s) "
                                        "URL", shown_all)


def _judge_skipped(exchange: Exchange, skipped: list[Any], unresolved: Sequence[str],
                   verdicts: Verdicts, size: int) -> None:
    distinct = len(set(unresolved))
    verdicts.judge("url-mode-skipped-per-item", [] if distinct <= len(skipped) <= len(unresolved)
                   else [exchange.evidence(
                       f"{len(unresolved)} items did not resolve but skipped has "
                       f"{len(skipped)} records", shown_body(exchange.content),
                       "unresolved: " + ", ".join(unresolved))], size)
    wanted = [{"sourceFileUrl": item, "reason": "not_found"} for item in unresolved]
    verdicts.judge("url-mode-skipped-record", [] if skipped == wanted else [exchange.evidence(
        "skipped should be one {\"sourceFileUrl\", \"reason\": \"not_found\"} record per "
        "unresolved item, in request order", shown_body(exchange.content))], size)


def follow_exported_urls(client: ProbeClient, urls: Sequence[str],
                         exports: Sequence[KnownExport], verdicts: Verdicts, source: Exchange,
                         issued: IssuedUrls | None = None) -> None:
    """GET every exported URL without the key; match what they serve to the items by bytes.

    U4: each URL serves some resolved item's bytes, and together they serve every item. U5:
    the answer names the file like default mode. Q7 (SHOULD): in request order.
    """
    served: list[str | None] = []
    by_digest: dict[str, list[KnownExport]] = {}
    for export in exports:
        by_digest.setdefault(export.sha256, []).append(export)
    for url in urls:
        try:
            fetched = client.send("GET", url, key=None)
        except ProbeFailed as exc:
            verdicts.skip("exported-url-serves-same-bytes", f"could not check: {exc}")
            served.append(None)
            continue
        digest = hashlib.sha256(fetched.content).hexdigest() if fetched.status == 200 else None
        served.append(digest)
        if fetched.status != 200:
            verdicts.fail("exported-url-serves-same-bytes", fetched.evidence(
                f"GET on an exported URL without the API key answered {fetched.status}, not "
                "the file", f"from {source.request_line}", shown_body(fetched.content)))
            continue
        owners = by_digest.get(digest or "")
        if not owners:
            verdicts.fail("exported-url-serves-same-bytes", fetched.evidence(
                f"an exported URL serves {len(fetched.content):,} bytes that are no requested "
                "item's single download", f"from {source.request_line}"))
            continue
        verdicts.ok("exported-url-serves-same-bytes")
        _judge_names_file(fetched, owners, verdicts)
        if issued is not None:
            issued.remember(url, owners[0])
    _judge_served_set(served, exports, verdicts, source)


def _judge_names_file(fetched: Exchange, owners: Sequence[KnownExport],
                      verdicts: Verdicts) -> None:
    """U5: the exported URL's answer carries the default-mode filename."""
    wanted = {name_key(e.filename) for e in owners if e.filename}
    if not wanted:
        return
    header = fetched.headers.get("content-disposition")
    name = None
    if header is not None:
        try:
            name = parse_content_disposition(header).effective_filename
        except ContentDispositionError:
            name = None
    ok = name is not None and name_key(name) in wanted
    expected = " or ".join(sorted(repr(e.filename) for e in owners if e.filename))
    verdicts.judge("exported-url-names-file", [] if ok else [fetched.evidence(
        "the exported URL's answer does not name the file "
        + (f"(Content-Disposition names {name!r})" if name else
           "(no readable Content-Disposition filename)")
        + f"; expected {expected}: a browser would save it under the URL's last segment",
        f"Content-Disposition: {header or '(missing)'}")])


def _judge_served_set(served: Sequence[str | None], exports: Sequence[KnownExport],
                      verdicts: Verdicts, source: Exchange) -> None:
    if None in served:
        return
    wanted = [export.sha256 for export in exports]
    if set(served) != set(wanted):
        missing = [e.source_file_url for e in exports if e.sha256 not in set(served)]
        if missing:
            verdicts.fail("exported-url-serves-same-bytes", source.evidence(
                "no exported URL serves these items: " + ", ".join(missing)))
        return
    if Counter(served) == Counter(wanted) and list(served) != wanted:
        url_of = {export.sha256: export.source_file_url for export in exports}
        verdicts.fail("batch-order-and-repeats", source.evidence(
            "exportedUrls are not in request order: fetched, they serve the items in another "
            "order (the contract asks for request order as strong practice)",
            "in order, the exported URLs serve: " + ", ".join(url_of[str(d)] for d in served),
            "request order: " + ", ".join(export.source_file_url for export in exports)),
            len(exports))
    elif list(served) == wanted:
        verdicts.ok("batch-order-and-repeats")
