"""The request journal behind `GET /__mock/requests`: what the frontend sent, and the answer.

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
from urllib.parse import parse_qs

from export_contract.guards import MAX_JSON_DEPTH, json_nesting_depth

from .redaction import REDACTED, is_secret_name

__all__ = ["MAX_BODY_BYTES", "Journal", "JournalEntry"]

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
            "time": datetime.fromtimestamp(self.time, tz=UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
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
        self._entries: deque[JournalEntry] = deque(maxlen=size)
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

    def entries(self) -> list[JournalEntry]:
        return list(self._entries)

    def as_json(self) -> list[dict[str, Any]]:
        return [entry.as_json() for entry in self._entries]

    def clear(self) -> int:
        count = len(self._entries)
        self._entries.clear()
        return count
