"""Access-log lines that cannot carry a secret (REF: keys never appear in logs).

A request target is whatever the client sent: a key pasted under any query name (`?k=KEY`,
`?=KEY`, a bare `?KEY`) or into the path ends up in a log that writes it, and masking known
parameter names cannot catch those. So the line is built only from what the spec defines: the
method, the route template the path matched (`/api/viewer/exports/files/{token}`, never the
token), the query parameters whose value is one the spec enumerates (`responseType=urls`), the
status and the duration. Anything else is counted, never written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .routes import RouteTable

__all__ = ["UNKNOWN_SEGMENT", "AccessLogMiddleware", "RequestLabels", "enumerated_parameters",
           "logged_method"]

logger = logging.getLogger("export_contract.access")

# Stands for each run of path segments that no route has: `/api/…/download`.
UNKNOWN_SEGMENT = "…"
_MAX_SEGMENTS = 12
# Any token is a valid method on the wire; only these are written as sent.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
                      "CONNECT"})


class RequestLabels:
    """What may be logged about a request, derived from the spec's routes."""

    def __init__(self, routes: RouteTable, spec: dict[str, Any],
                 literal_paths: Iterable[str] = ()) -> None:
        self.routes = routes
        self.literal_paths = frozenset(literal_paths)
        templates = [routes.base_path + route.path for route in routes.routes]
        self._known_segments = frozenset(
            segment for path in [*templates, *self.literal_paths]
            for segment in path.split("/") if not segment.startswith("{"))
        self._enumerated = enumerated_parameters(spec)

    def route(self, path: str) -> str:
        """The template `path` matched, or `path` with every unknown segment left out."""
        if path in self.literal_paths:
            return path
        template = self.routes.template_of(path)
        return template if template is not None else self._normalised(path)

    def is_known(self, path: str) -> bool:
        """Whether `path` is a route's own text: nothing in it came from the client."""
        return path in self.literal_paths or self.routes.template_of(path) == path

    def query(self, query_string: bytes) -> tuple[str, int]:
        """`responseType=urls`-style pairs the spec allows, and how many others were left out."""
        kept: list[str] = []
        left_out = 0
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        for name, value in pairs:
            if value in self._enumerated.get(name, ()):
                kept.append(f"{name}={value}")
            else:
                left_out += 1
        if not pairs and query_string:  # e.g. "?&": no pair, but not nothing either
            left_out = 1
        return "&".join(kept), left_out

    def target(self, scope: Scope) -> str:
        """The route and logged query: `/api/viewer/exports/download?responseType=urls`."""
        query, left_out = self.query(scope.get("query_string", b""))
        target = self.route(scope["path"]) + (f"?{query}" if query else "")
        if left_out:
            plural = "s" if left_out > 1 else ""
            target += f" [{left_out} query parameter{plural} not logged]"
        return target

    def _normalised(self, path: str) -> str:
        shown: list[str] = []
        for segment in path.split("/")[:_MAX_SEGMENTS]:
            if segment in self._known_segments:
                shown.append(segment)
            elif not shown or shown[-1] != UNKNOWN_SEGMENT:
                shown.append(UNKNOWN_SEGMENT)
        if path.count("/") >= _MAX_SEGMENTS and shown[-1] != UNKNOWN_SEGMENT:
            shown.append(UNKNOWN_SEGMENT)
        return "/".join(shown)


def logged_method(method: str) -> str:
    return method if method in _METHODS else "OTHER"


def enumerated_parameters(spec: dict[str, Any]) -> dict[str, frozenset[str]]:
    """Query parameters whose values the spec enumerates, with those values."""
    found: dict[str, frozenset[str]] = {}
    candidates = list(spec.get("components", {}).get("parameters", {}).values())
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict):
                candidates += operation.get("parameters", [])
    for parameter in candidates:
        enum = parameter.get("schema", {}).get("enum")
        if parameter.get("in") == "query" and enum:
            found[parameter["name"]] = frozenset(str(value) for value in enum)
    return found


class AccessLogMiddleware:
    """One INFO line per HTTP request on `export_contract.access`, with the fields as extras."""

    def __init__(self, app: ASGIApp, *, labels: RequestLabels) -> None:
        self.app = app
        self.labels = labels

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app raises before a response starts

        async def recorded(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recorded)
        finally:
            self._log(scope, status, (time.perf_counter() - started) * 1000)

    def _log(self, scope: Scope, status: int, duration_ms: float) -> None:
        if not logger.isEnabledFor(logging.INFO):
            return
        client = scope.get("client")
        peer = f"{client[0]}:{client[1]}" if client else "-"
        method = logged_method(scope["method"])
        logger.info("%s %s %s %d %.1f ms", peer, method, self.labels.target(scope), status,
                    duration_ms,
                    extra={"client": peer, "method": method,
                           "route": self.labels.route(scope["path"]), "status": status,
                           "duration_ms": round(duration_ms, 3)})
