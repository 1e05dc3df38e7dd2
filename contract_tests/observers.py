"""Checks that apply to every response, whichever probe provoked it.

S3 (documented status), S4 (no 5xx for well-formed input), A3 (a valid key is never refused),
E1/E2 (error bodies), D2 (Content-Length) and X2 (expose headers) are judged here, on each
exchange the client hands over.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator

import httpx

from export_contract.spec import load_spec

from .client import Exchange
from .content_disposition import ContentDispositionError, parse_content_disposition
from .results import Evidence
from .verdicts import Verdicts

__all__ = ["BATCH_PATH", "FUZZ_TAG", "SINGLE_PATH", "ExchangeObserver", "documented_statuses",
           "operation_of"]

SINGLE_PATH = "/viewer/exports/download"
BATCH_PATH = "/viewer/exports/download-batch"
# Fuzzed exchanges have S3/S4 judged by schemathesis' own checks instead.
FUZZ_TAG = "fuzz"
_ERROR_MEDIA_TYPES = ("application/json", "application/problem+json")
_PROBLEM_MEMBERS = (("type", str), ("title", str), ("detail", str))


@functools.lru_cache(maxsize=1)
def documented_statuses() -> dict[str, frozenset[int]]:
    """The statuses the spec documents for the two download operations, by path."""
    paths = load_spec()["paths"]
    return {path: frozenset(int(code) for code in paths[path]["post"]["responses"]
                            if code.isdigit())
            for path in (SINGLE_PATH, BATCH_PATH)}


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

    def __call__(self, exchange: Exchange) -> None:
        v = self.verdicts
        operation = operation_of(exchange, self.base_url)
        v.judge("content-length-matches-body", _content_length_problems(exchange))
        if operation is None:
            return
        fuzzed = FUZZ_TAG in exchange.tags
        statuses = documented_statuses()[operation]
        if not fuzzed:
            v.judge("status-documented", [] if exchange.status in statuses else [
                exchange.evidence(f"status {exchange.status} is not documented for POST "
                                  f"{operation}", "documented: "
                                  + ", ".join(str(s) for s in sorted(statuses)))])
        if exchange.well_formed and not fuzzed:
            v.judge("no-server-error", [] if exchange.status < 500 else [exchange.evidence(
                f"a well-formed request got {exchange.status}", _body_excerpt(exchange))])
        if self.api_key is not None and exchange.key_is_valid:
            v.judge("auth-valid-key-accepted", [] if exchange.status not in (401, 403) else [
                exchange.evidence(f"the valid API key was answered {exchange.status}",
                                  _body_excerpt(exchange))])
        if exchange.status >= 400:
            v.judge("error-not-a-download", _error_shape_problems(exchange))
            v.judge("error-problem-details", _problem_detail_problems(exchange))
        elif (exchange.status == 200 and self.origin is not None
              and exchange.media_type != "application/json"):
            v.judge("cors-exposes-content-disposition", _expose_problems(exchange, self.origin))


def _body_excerpt(exchange: Exchange, limit: int = 200) -> str:
    text = exchange.content[:limit].decode("utf-8", errors="replace")
    return f"body: {text!r}" if text else "body: (empty)"


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


def _error_shape_problems(exchange: Exchange) -> Iterator[Evidence]:
    status = exchange.status
    disposition = exchange.headers.get("content-disposition")
    if disposition is not None and _is_attachment(disposition):
        yield exchange.evidence(f"a {status} error carries a download header",
                                f"Content-Disposition: {disposition}")
    if exchange.media_type not in _ERROR_MEDIA_TYPES:
        yield exchange.evidence(
            f"a {status} error is not JSON: Content-Type "
            f"{exchange.headers.get('content-type', '(none)')!r}", _body_excerpt(exchange))
        return
    try:
        exchange.json()
    except ValueError:
        yield exchange.evidence(f"a {status} error's body does not parse as JSON",
                                _body_excerpt(exchange))


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
                                _body_excerpt(exchange))
        return
    if not isinstance(body, dict):
        yield exchange.evidence(f"a {exchange.status} error body is not a JSON object",
                                _body_excerpt(exchange))
        return
    missing = [name for name, kind in _PROBLEM_MEMBERS if not isinstance(body.get(name), kind)]
    if missing:
        yield exchange.evidence("problem detail lacks string member(s) " + ", ".join(missing),
                                _body_excerpt(exchange))
    status = body.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or status != exchange.status:
        yield exchange.evidence(
            f"problem detail 'status' is {json.dumps(status)}, the response status "
            f"{exchange.status}", _body_excerpt(exchange))
    if body.get("success") is not False:
        yield exchange.evidence(
            f"problem detail 'success' is {json.dumps(body.get('success'))}, not false",
            _body_excerpt(exchange))


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
