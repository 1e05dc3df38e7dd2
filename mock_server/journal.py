"""The request journal behind `GET /__mock/requests`: what the frontend sent, and the answer.

It also holds the webhook deliveries the mock made (`"kind": "webhook"`): the callback URL,
the event, its id and attempt number, and the receiver's answer (a status code, or the
transport error). Request entries say `"kind": "request"`.

Recording is cheap (raw bytes into a bounded deque); entries are turned into JSON only when
someone reads the journal. Secrets in headers, and credential-like query parameters (a key
sent in the query string by mistake), are redacted.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

from export_contract.guards import MAX_JSON_DEPTH, json_nesting_depth

from .redaction import REDACTED, is_secret_name

__all__ = ["MAX_BODY_BYTES", "Journal", "JournalEntry", "WebhookEntry"]

_SECRET_HEADERS = frozenset({b"x-api-key", b"authorization", b"cookie", b"proxy-authorization"})
# A journal is for reading what a UI sent; huge uploads are summarised, not kept.
MAX_BODY_BYTES = 64 * 1024


class JournalEntry(NamedTuple):
    id: int
    time: float
    method: str
    path: str
    query: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    body_size: int
    status: int
    duration_ms: float
    scenario: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": "request",
            "time": _time(self.time),
            "method": self.method,
            "path": self.path,
            "query": {k: REDACTED if is_secret_name(k) else v if len(v) > 1 else v[0]
                      for k, v in parse_qs(self.query.decode("latin-1"),
                                           keep_blank_values=True).items()},
            "headers": _headers(self.headers),
            "body": self._body(),
            "status": self.status,
            "durationMs": round(self.duration_ms, 3),
            "scenario": self.scenario,
        }

    def _body(self) -> Any:
        if not self.body_size:
            return None
        content_type = dict(self.headers).get(b"content-type", b"").decode("latin-1")
        media_type = content_type.split(";", 1)[0].strip().lower()
        if len(self.body) < self.body_size or media_type.startswith("multipart/"):
            return {"contentType": media_type, "size": self.body_size}
        text = self.body.decode("utf-8", errors="replace")
        # A body the guard refused for its depth is shown as text: parsing it could recurse.
        if "json" in media_type and json_nesting_depth(self.body) <= MAX_JSON_DEPTH:
            try:
                return json.loads(text)
            except ValueError:
                pass
        return text


class WebhookEntry(NamedTuple):
    """One webhook delivery attempt the mock made, and what the receiver answered."""

    id: int
    time: float
    url: str
    job_id: str
    event: str
    event_id: str
    attempt: int
    headers: dict[str, str]
    body: bytes
    # The receiver's status code, or None with `error` when no answer came.
    status: int | None
    error: str | None
    duration_ms: float
    scenario: str | None

    def as_json(self) -> dict[str, Any]:
        parts = urlsplit(self.url)
        return {
            "id": self.id,
            "kind": "webhook",
            "time": _time(self.time),
            "method": "POST",
            "url": urlunsplit(parts._replace(query=_redacted_query(parts.query))),
            "path": parts.path or "/",
            "jobId": self.job_id,
            "event": self.event,
            "eventId": self.event_id,
            "attempt": self.attempt,
            "headers": self.headers,
            "body": json.loads(self.body),
            "status": self.status,
            "error": self.error,
            "durationMs": round(self.duration_ms, 3),
            "scenario": self.scenario,
        }


def _time(timestamp: float) -> str:
    return (datetime.fromtimestamp(timestamp, tz=UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"))


def _redacted_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, REDACTED if is_secret_name(k) else v) for k, v in pairs])


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        text = REDACTED if name.lower() in _SECRET_HEADERS else value.decode("latin-1")
        key = name.decode("latin-1").lower()
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


class Journal:
    """The last `size` requests, oldest first."""

    def __init__(self, size: int) -> None:
        self._entries: deque[JournalEntry | WebhookEntry] = deque(maxlen=size)
        self._ids = itertools.count(1)
        self.enabled = size > 0

    def record(self, *, time: float, method: str, path: str, query: bytes,
               headers: list[tuple[bytes, bytes]], body: bytes, body_size: int, status: int,
               duration_ms: float, scenario: str | None) -> None:
        if not self.enabled:
            return
        self._entries.append(JournalEntry(next(self._ids), time, method, path, query,
                                          headers, body[:MAX_BODY_BYTES], body_size,
                                          status, duration_ms, scenario))

    def record_webhook(self, *, time: float, url: str, job_id: str, event: str,
                       event_id: str, attempt: int, headers: dict[str, str], body: bytes,
                       status: int | None, error: str | None, duration_ms: float,
                       scenario: str | None) -> None:
        if not self.enabled:
            return
        self._entries.append(WebhookEntry(next(self._ids), time, url, job_id, event, event_id,
                                          attempt, headers, body, status, error, duration_ms,
                                          scenario))

    def entries(self) -> list[JournalEntry | WebhookEntry]:
        return list(self._entries)

    def as_json(self, since: int = 0) -> list[dict[str, Any]]:
        """The entries whose id is above `since`, oldest first."""
        return [entry.as_json() for entry in self._entries if entry.id > since]

    def clear(self) -> int:
        count = len(self._entries)
        self._entries.clear()
        return count
