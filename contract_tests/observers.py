"""Checks that apply to every response, whichever probe provoked it.

S3 (allowed statuses), S4 (no 5xx for well-formed input), A3 (a valid key is never refused),
E1/E2 (error bodies), R1 (rate limits), D2 (Content-Length) and X2 (expose headers) are judged
here, on each exchange the client hands over.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import httpx

from .client import Exchange
from .content_disposition import ContentDispositionError, parse_content_disposition
from .results import Evidence
from .showing import shown_body
from .verdicts import Verdicts

__all__ = ["ALLOWED_STATUSES", "BATCH_PATH", "FUZZ_TAG", "SINGLE_PATH", "ExchangeObserver",
           "is_allowed_status", "operation_of"]

SINGLE_PATH = "/viewer/exports/download"
BATCH_PATH = "/viewer/exports/download-batch"
FUZZ_TAG = "fuzz"
# Rule S3: these, or any 5xx.
ALLOWED_STATUSES = frozenset({200, 400, 401, 403, 404, 413, 415, 429})
_ERROR_MEDIA_TYPES = ("application/json", "application/problem+json")
_PROBLEM_MEMBERS = (("type", str), ("title", str), ("detail", str))


def is_allowed_status(status: int) -> bool:
    return status in ALLOWED_STATUSES or 500 <= status <= 599


def operation_of(exchange: Exchange, base_url: str) -> str | None:
    """``SINGLE_PATH`` or ``BATCH_PATH`` when the exchange called a download operation."""
    if exchange.method != "POST" or not exchange.url.startswith(base_url):
        return None
    path = httpx.URL(exchange.url).path
    base_path = httpx.URL(base_url).path.rstrip("/")
    relative = path[len(base_path):] if path.startswith(base_path) else path
    return relative if relative in (SINGLE_PATH, BATCH_PATH) else None


class ExchangeObserver:
    """Judges the response-wide rules on every exchange."""

    def __init__(self, verdicts: Verdicts, base_url: str, origin: str | None,
                 api_key: str | None) -> None:
        self.verdicts = verdicts
        self.base_url = base_url
        self.origin = origin
        self.api_key = api_key
        # sha256 of every known export: an error whose body is one of them is a download.
        self.export_digests: set[str] = set()

    def __call__(self, exchange: Exchange) -> None:
        v = self.verdicts
        operation = operation_of(exchange, self.base_url)
        v.judge("content-length-matches-body", _content_length_problems(exchange))
        if operation is None:
            return
        v.judge("status-allowed", [] if is_allowed_status(exchange.status) else [
            exchange.evidence(f"status {exchange.status} is not one the contract allows",
                              "allowed: 200, 400, 401, 403, 404, 413, 415, 429 or a 5xx",
                              shown_body(exchange.content))])
        if exchange.well_formed:
            v.judge("no-server-error", [] if exchange.status < 500 else [exchange.evidence(
                f"a well-formed request got {exchange.status}", shown_body(exchange.content))])
        if self.api_key is not None and exchange.key_is_valid:
            v.judge("auth-valid-key-accepted", [] if exchange.status not in (401, 403) else [
                exchange.evidence(f"the valid API key was answered {exchange.status}",
                                  shown_body(exchange.content))])
        if exchange.status == 429:
            self._rate_limited(exchange)
        elif exchange.status >= 400:
            v.judge("error-not-a-download", _download_like_problems(exchange,
                                                                     self.export_digests))
            v.judge("error-body-readable", _readable_problems(exchange))
            v.judge("error-problem-details", _problem_detail_problems(exchange))
        elif (exchange.status == 200 and self.origin is not None
              and exchange.media_type != "application/json"):
            v.judge("cors-exposes-content-disposition", _expose_problems(exchange, self.origin))

    def _rate_limited(self, exchange: Exchange) -> None:
        self.verdicts.judge("rate-limited-not-a-download",
                            _download_like_problems(exchange, self.export_digests))
        retry_after = exchange.headers.get("retry-after")
        self.verdicts.judge("rate-limited-retry-after", [] if retry_after else [
            exchange.evidence("a 429 has no Retry-After header: the client cannot tell when "
                              "to try again")])


def _content_length_problems(exchange: Exchange) -> Iterator[Evidence]:
    if exchange.read_error is not None:
        yield exchange.evidence(f"the body could not be read in full: {exchange.read_error}",
                                f"Content-Length: {exchange.headers.get('content-length')}")
        return
    values = exchange.header_values("content-length")
    if not values or exchange.method == "HEAD" or exchange.status in (204, 304):
        return
    lengths = {v.strip() for value in values for v in value.split(",")}
    if len(lengths) != 1 or not next(iter(lengths)).isdigit():
        yield exchange.evidence("Content-Length is not one number",
                                *(f"Content-Length: {v}" for v in values))
        return
    declared = int(next(iter(lengths)))
    if declared != exchange.wire_length:
        yield exchange.evidence(
            f"Content-Length says {declared} bytes, the body has {exchange.wire_length}",
            f"Content-Length: {values[0]}")


def _download_like_problems(exchange: Exchange, digests: set[str]) -> Iterator[Evidence]:
    """E1 (MUST) / R1 (MUST): an error never carries an attachment or an export's bytes."""
    status = exchange.status
    disposition = exchange.headers.get("content-disposition")
    if disposition is not None and _is_attachment(disposition):
        yield exchange.evidence(f"a {status} error carries a download header",
                                f"Content-Disposition: {disposition}")
    if exchange.content and hashlib.sha256(exchange.content).hexdigest() in digests:
        yield exchange.evidence(f"a {status} error's body is an export's bytes",
                                f"{len(exchange.content):,} bytes, "
                                f"Content-Type {exchange.headers.get('content-type', '(none)')}")


def _readable_problems(exchange: Exchange) -> Iterator[Evidence]:
    """E1 (SHOULD): the body is JSON with a message a person can read."""
    status = exchange.status
    if exchange.media_type not in _ERROR_MEDIA_TYPES and not exchange.media_type.endswith(
            "+json"):
        yield exchange.evidence(
            f"a {status} error is not JSON: Content-Type "
            f"{exchange.headers.get('content-type', '(none)')!r}", shown_body(exchange.content))
        return
    try:
        body = exchange.json()
    except ValueError:
        yield exchange.evidence(f"a {status} error's body does not parse as JSON",
                                shown_body(exchange.content))
        return
    if not _has_message(body):
        yield exchange.evidence(f"a {status} error's JSON holds no message a person can read",
                                shown_body(exchange.content))


def _has_message(body: object) -> bool:
    """A non-empty string anywhere in the top two levels counts as a message."""
    if isinstance(body, str):
        return bool(body.strip())
    if isinstance(body, dict):
        return any(_has_message(value) if not isinstance(value, (dict, list))
                   else any(isinstance(v, str) and v.strip() for v in
                            (value.values() if isinstance(value, dict) else value))
                   for value in body.values())
    if isinstance(body, list):
        return any(isinstance(v, (str, dict)) and _has_message(v) for v in body)
    return False


def _is_attachment(value: str) -> bool:
    try:
        return parse_content_disposition(value).disposition_type == "attachment"
    except ContentDispositionError:
        return value.strip().lower().startswith("attachment")


def _problem_detail_problems(exchange: Exchange) -> Iterator[Evidence]:
    try:
        body = exchange.json()
    except ValueError:
        yield exchange.evidence(f"a {exchange.status} error is not a JSON problem detail",
                                shown_body(exchange.content))
        return
    if not isinstance(body, dict):
        yield exchange.evidence(f"a {exchange.status} error body is not a JSON object",
                                shown_body(exchange.content))
        return
    missing = [name for name, kind in _PROBLEM_MEMBERS if not isinstance(body.get(name), kind)]
    if missing:
        yield exchange.evidence("problem detail lacks string member(s) " + ", ".join(missing),
                                shown_body(exchange.content))
    status = body.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or status != exchange.status:
        yield exchange.evidence(
            f"problem detail 'status' is {json.dumps(status)}, the response status "
            f"{exchange.status}", shown_body(exchange.content))
    if body.get("success") is not False:
        yield exchange.evidence(
            f"problem detail 'success' is {json.dumps(body.get('success'))}, not false",
            shown_body(exchange.content))


def _header_tokens(exchange: Exchange, name: str) -> set[str]:
    return {token.strip().lower() for value in exchange.header_values(name)
            for token in value.split(",") if token.strip()}


def _expose_problems(exchange: Exchange, origin: str) -> Iterator[Evidence]:
    allow_origin = exchange.headers.get("access-control-allow-origin")
    if allow_origin not in (origin, "*"):
        yield exchange.evidence(
            f"a cross-origin response from Origin {origin} is not allowed to be read",
            f"Access-Control-Allow-Origin: {allow_origin or '(missing)'}")
    exposed = _header_tokens(exchange, "access-control-expose-headers")
    if "content-disposition" not in exposed and "*" not in exposed:
        shown = ", ".join(exchange.header_values("access-control-expose-headers")) or "(missing)"
        yield exchange.evidence(
            "Content-Disposition is not exposed: the browser hides the filename from the "
            "frontend", f"Access-Control-Expose-Headers: {shown}")
