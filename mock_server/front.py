"""The mock's outermost layer: journal, one log line per request, and the wire-level scenarios.

It wraps the whole app (CORS included), so it sees every response as the client will:
that is where `no-expose-headers` and `missing-content-disposition` take headers away,
`slow-stream` throttles the body and `truncated-zip` cuts it and drops the connection.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass, field

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from export_contract.access_log import RequestLabels, logged_method
from export_contract.routes import RouteTable

from .admin import ADMIN_PREFIX
from .context import RequestState, reset_state, set_state
from .journal import MAX_BODY_BYTES, Journal
from .options import MockOptions

__all__ = ["ConnectionDropped", "MockFront", "is_deliberate_drop"]

logger = logging.getLogger("mock_server")

_SLOW_PIECES = 20
# The console polls these every second; logging each read would drown the API's lines.
_QUIET_READS = frozenset({f"{ADMIN_PREFIX}/requests", f"{ADMIN_PREFIX}/scenario"})


class ConnectionDropped(Exception):
    """Raised after a response was cut on purpose (`truncated-zip`), so the server drops it."""


def is_deliberate_drop(record: logging.LogRecord) -> bool:
    """Whether a server log record is about a connection this layer dropped on purpose."""
    exc_info = record.exc_info
    return exc_info is not None and isinstance(exc_info[1], ConnectionDropped)


@dataclass(slots=True)
class _Exchange:
    """One request/response as the front layer sees it."""

    state: RequestState
    body_chunks: list[bytes] = field(default_factory=list)
    body_size: int = 0
    status: int = 0
    content_type: str = ""
    sent_bytes: int = 0
    problem: bytes = b""
    # Wire scenarios, fixed when the response starts.
    cut_at: int | None = None
    piece_bytes: int = 0
    dropped: bool = False


class MockFront:
    def __init__(self, app: ASGIApp, *, routes: RouteTable, labels: RequestLabels,
                 journal: Journal, options: MockOptions) -> None:
        self.app = app
        self.routes = routes
        self.labels = labels
        self.journal = journal
        self.options = options
        self.api_prefix = routes.base_path
        self._spec_path = routes.base_path + "/openapi.json"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        # The journal is about the API; the demo page and the admin API are only logged.
        api = path.startswith(self.api_prefix + "/") and path != self._spec_path
        route = self.routes.match(scope["method"], path) if api else None
        exchange = _Exchange(RequestState(scope, route.operation_id if route else None,
                                          scope.get("root_path", "")))
        token = set_state(exchange.state)
        started = time.perf_counter()
        wall = time.time()
        try:
            if api and self.journal.enabled:
                receive = await self._recording(exchange, scope, receive)
            await self.app(scope, receive, self._shaping(exchange, send))
        finally:
            reset_state(token)
            duration_ms = (time.perf_counter() - started) * 1000
            self._record(exchange, scope, wall, duration_ms, journal=api)
        if exchange.dropped:
            raise ConnectionDropped(f"{path}: connection dropped after {exchange.cut_at} bytes "
                                    "(scenario truncated-zip)")

    # -- request side ----------------------------------------------------------------------

    async def _recording(self, exchange: _Exchange, scope: Scope, receive: Receive) -> Receive:
        """`receive`, keeping a copy of the body for the journal.

        A small JSON body is read up front, so the journal has it even when the request is
        refused before anything reads it (a wrong key); others are copied as they are read.
        """
        if _small_json(scope):
            buffered: list[Message] = []
            while True:
                message = await receive()
                buffered.append(message)
                self._keep(exchange, message)
                if message["type"] != "http.request" or not message.get("more_body", False):
                    break

            async def replayed() -> Message:
                return buffered.pop(0) if buffered else await receive()

            return replayed

        async def copied() -> Message:
            message = await receive()
            self._keep(exchange, message)
            return message

        return copied

    @staticmethod
    def _keep(exchange: _Exchange, message: Message) -> None:
        chunk = message.get("body", b"")
        if chunk:
            exchange.body_size += len(chunk)
            if exchange.body_size <= MAX_BODY_BYTES:
                exchange.body_chunks.append(chunk)

    # -- response side ---------------------------------------------------------------------

    def _shaping(self, exchange: _Exchange, send: Send) -> Send:
        async def shaped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = self._start(exchange, message)
            elif message["type"] == "http.response.body":
                await self._body(exchange, message, send)
                return
            await send(message)

        return shaped

    def _start(self, exchange: _Exchange, message: Message) -> Message:
        exchange.status = message["status"]
        raw_headers = message.get("headers", ())
        length: int | None = None
        attachment = False
        for name, value in raw_headers:
            if name == b"content-type":
                exchange.content_type = value.decode("latin-1")
            elif name == b"content-length":
                length = int(value)
            elif name == b"content-disposition":
                attachment = True
        state = exchange.state
        if state.scenario is None:
            return message
        success = 200 <= exchange.status < 300
        # A file or a zip (default mode), as opposed to URL-mode JSON or a problem.
        download = success and attachment
        drop: set[bytes] = set()
        if state.has("no-expose-headers"):
            drop.add(b"access-control-expose-headers")
        if state.has("missing-content-disposition"):
            drop.add(b"content-disposition")
        headers = [(n, v) for n, v in raw_headers if n.lower() not in drop]
        if download and state.has("truncated-zip"):
            exchange.cut_at = max(1, (length or 2) // 2)
        if success and state.has("slow-stream"):
            exchange.piece_bytes = max(1, math.ceil((length or 4096) / _SLOW_PIECES))
        return {**message, "headers": headers}

    async def _body(self, exchange: _Exchange, message: Message, send: Send) -> None:
        body: bytes = message.get("body", b"")
        if exchange.content_type.startswith("application/problem+json"):
            exchange.problem += body
        if exchange.dropped:
            return
        if exchange.cut_at is not None and exchange.sent_bytes + len(body) >= exchange.cut_at:
            body = body[: exchange.cut_at - exchange.sent_bytes]
            exchange.dropped = True
            await self._send_body(exchange, body, True, send)
            return
        await self._send_body(exchange, body, message.get("more_body", False), send)

    async def _send_body(self, exchange: _Exchange, body: bytes, more_body: bool,
                         send: Send) -> None:
        if not exchange.piece_bytes or not body:
            exchange.sent_bytes += len(body)
            await send({"type": "http.response.body", "body": body, "more_body": more_body})
            return
        interval = self.options.slow_stream_seconds / _SLOW_PIECES
        for offset in range(0, len(body), exchange.piece_bytes):
            piece = body[offset:offset + exchange.piece_bytes]
            last = offset + exchange.piece_bytes >= len(body)
            exchange.sent_bytes += len(piece)
            await send({"type": "http.response.body", "body": piece,
                        "more_body": more_body or not last})
            if not last or more_body:
                await anyio.sleep(interval)

    # -- journal and log -------------------------------------------------------------------

    def _record(self, exchange: _Exchange, scope: Scope, wall: float, duration_ms: float,
                *, journal: bool) -> None:
        state = exchange.state
        status = exchange.status or 500
        if journal:
            self.journal.record(
                time=wall, method=scope["method"], path=scope["path"],
                query=scope.get("query_string", b""), headers=scope.get("headers", []),
                body=b"".join(exchange.body_chunks), body_size=exchange.body_size,
                status=status, duration_ms=duration_ms, scenario=state.label)
        if not self.options.log_requests or not logger.isEnabledFor(logging.INFO):
            return
        if scope["method"] == "GET" and scope["path"] in _QUIET_READS and status < 400:
            return
        # Built like the shared access log: a key pasted into the path or the query by mistake
        # never reaches it (see export_contract.access_log).
        line = (f"{logged_method(scope['method'])} {self.labels.target(scope)} -> {status} "
                f"{exchange.content_type.split(';')[0] or '-'} {exchange.sent_bytes} B "
                f"{duration_ms:.1f} ms")
        if state.label:
            line += f" [scenario {state.label}]"
        if exchange.dropped:
            line += " (connection dropped on purpose)"
        detail = _problem_detail(exchange.problem)
        # A detail may quote the path or the query (`No route matches /api/…`): only a request
        # whose path and query are the spec's own text gets it logged.
        if detail and self._nothing_sent_in_the_target(scope):
            line += f": {detail}"
        logger.info(line)

    def _nothing_sent_in_the_target(self, scope: Scope) -> bool:
        return (self.labels.is_known(scope["path"])
                and self.labels.query(scope.get("query_string", b""))[1] == 0)


def _small_json(scope: Scope) -> bool:
    content_type = length = b""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            content_type = value
        elif name == b"content-length":
            length = value
    return b"json" in content_type.lower() and length.isdigit() and int(length) <= MAX_BODY_BYTES


def _problem_detail(body: bytes) -> str:
    if not body:
        return ""
    try:
        detail = json.loads(body).get("detail", "")
    except (ValueError, AttributeError):
        return ""
    return str(detail)
