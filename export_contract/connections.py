"""Connection timeouts and a connection cap: what uvicorn's HTTP/1.1 protocol lacks.

uvicorn (0.54, httptools and h11 alike) times out only a keep-alive connection that stays
idle *after* a response (`timeout_keep_alive`, which we use as it is). A connection that
never sends a request, a request head that stops half-way and a body that stops are held for
ever. Its `limit_concurrency` answers 503 once that many connections are open, but to every
request, those on established connections included, and only once a newcomer's head is
complete, so an idle flood above the limit still holds a descriptor per connection.

`GuardedHttpProtocol` is uvicorn's httptools protocol (what `uvicorn[standard]` picks) with:

- a head timeout, counted from the connection opening (first request) or from the first byte
  of a keep-alive request: a partial head gets `408`, a connection that sent nothing is
  closed without a word;
- a body timeout, reset by every byte received: `408` when no response has started, else the
  connection is closed. Silence while the server itself stopped reading (back-pressure from a
  slow handler) does not count against the client;
- a connection cap: a connection over `max_connections` is answered `503` (problem details,
  `Retry-After`, `Connection: close`) as soon as it opens, without reading its request, so an
  idle flood cannot hold descriptors until the process runs out. Established connections keep
  being served. The refused connection lingers at most a second for the client to read the
  answer (closing at once could reset it first).

Trade-offs: it relies on uvicorn's protocol internals (the parser callbacks, `cycle`,
`flow`, `connections`), so a uvicorn upgrade that reshapes them breaks it loudly (the
hardening tests drive every timeout through a real server). The alternatives were another
server (hypercorn has read and keep-alive timeouts, granian a header timeout, but either
replaces the serving layer and its worker supervisor) or a reverse proxy, which production
deployments should have anyway (README, "Operating it"); these limits keep a bare server
safe on its own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
from dataclasses import dataclass
from typing import Any, ClassVar

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .problems import PROBLEM_MEDIA_TYPE, problem_body
from .settings import Settings

__all__ = ["ConnectionLimits", "GuardedHttpProtocol", "LimitedConfig",
           "default_max_connections"]

logger = logging.getLogger("uvicorn.error")

# Descriptors kept apart from connections: the listening socket, logs, pipes, the database.
_RESERVED_DESCRIPTORS = 64
# Each connection may hold its socket and the blob it streams; a refused one lingers with its
# socket for up to `_LINGER_SECONDS`, and as many may linger as may be served.
_DESCRIPTORS_PER_CONNECTION = 3
_MIN_CONNECTIONS = 16
_LINGER_SECONDS = 1.0
_RETRY_AFTER_SECONDS = 1


def default_max_connections() -> int:
    """The cap that keeps a process below its descriptor limit (`ulimit -n`)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        soft = 1 << 20
    return max(_MIN_CONNECTIONS, (soft - _RESERVED_DESCRIPTORS) // _DESCRIPTORS_PER_CONNECTION)


@dataclass(frozen=True)
class ConnectionLimits:
    head_timeout: float = 10.0
    body_timeout: float = 30.0
    keep_alive_timeout: float = 5.0
    max_connections: int = 1000

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionLimits:
        return cls(settings.request_head_timeout_seconds, settings.request_body_timeout_seconds,
                   settings.keep_alive_timeout_seconds,
                   settings.max_connections or default_max_connections())


class LimitedConfig(uvicorn.Config):
    """uvicorn's configuration, serving with `GuardedHttpProtocol` under `limits`.

    A module-level class, so it survives the pickling that hands it to worker processes.
    """

    def __init__(self, app: Any, *, limits: ConnectionLimits, **kwargs: Any) -> None:
        # uvicorn annotates timeout_keep_alive as int, but only hands it to call_later.
        super().__init__(app, http=GuardedHttpProtocol,
                         timeout_keep_alive=limits.keep_alive_timeout,  # type: ignore[arg-type]
                         **kwargs)
        self.connection_limits = limits


class GuardedHttpProtocol(HttpToolsProtocol):
    # Refused connections still lingering in this process (one server per process).
    _lingering: ClassVar[int] = 0

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.limits: ConnectionLimits = getattr(config, "connection_limits", ConnectionLimits())
        self._timer: asyncio.TimerHandle | None = None
        self._in_head = False
        self._refused = False

    # -- connection ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            self._refuse()
            return
        self._arm(self.limits.head_timeout, self._head_timed_out)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._refused:
            self._refused = False
            GuardedHttpProtocol._lingering -= 1
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self._refused:  # the refused request is never read
            super().data_received(data)

    # -- parser callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        if self._timer is None:  # a keep-alive request: its head time starts now
            self._arm(self.limits.head_timeout, self._head_timed_out)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm()
        super().on_headers_complete()
        # Cancelled at once by on_message_complete when there is no body.
        self._arm(self.limits.body_timeout, self._body_timed_out)

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._arm(self.limits.body_timeout, self._body_timed_out)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    # -- timeouts and refusal --------------------------------------------------------------

    def _head_timed_out(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if not self._in_head:  # connected, sent nothing
            self.transport.close()
            return
        self._answer(408, "The request's head did not arrive within "
                          f"{self.limits.head_timeout:g} s; send the whole request at once.")

    def _body_timed_out(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if self.flow.read_paused:  # the handler is slow to read, not the client to send
            self._arm(self.limits.body_timeout, self._body_timed_out)
            return
        cycle = self.cycle
        if cycle is None or cycle.response_started:
            self.transport.close()
            return
        # The handler waiting for the rest of the body sees a disconnect; its answer is dropped.
        cycle.disconnected = True
        cycle.message_event.set()
        self._answer(408, f"The request's body stopped for {self.limits.body_timeout:g} s; "
                          "nothing was done with it. Send it again.")

    def _refuse(self) -> None:
        self.connections.discard(self)  # only served connections count towards the cap
        if GuardedHttpProtocol._lingering >= self.limits.max_connections:
            self.transport.abort()
            return
        self._refused = True
        GuardedHttpProtocol._lingering += 1
        logger.warning("refused a connection: %d are open, the limit is %d",
                       len(self.connections), self.limits.max_connections)
        self.transport.write(self._response(
            503, f"The server has {self.limits.max_connections} connections open, its limit; "
                 "retry in a moment.", {"retry-after": str(_RETRY_AFTER_SECONDS)}))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._arm(_LINGER_SECONDS, self.transport.close)

    def _answer(self, status: int, detail: str) -> None:
        logger.info("closing a connection with %d: %s", status, detail)
        self.transport.write(self._response(status, detail, {}))
        self.transport.close()

    def _response(self, status: int, detail: str, headers: dict[str, str]) -> bytes:
        body = json.dumps(problem_body(status, detail), ensure_ascii=False).encode("utf-8")
        fields = [*self.server_state.default_headers,
                  (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                  (b"content-length", str(len(body)).encode()),
                  (b"connection", b"close"),
                  *((name.encode(), value.encode()) for name, value in headers.items())]
        reason = {408: b"Request Timeout", 503: b"Service Unavailable"}[status]
        head = b"HTTP/1.1 %d %s\r\n" % (status, reason)
        head += b"".join(name + b": " + value + b"\r\n" for name, value in fields)
        return head + b"\r\n" + body

    def _arm(self, seconds: float, callback: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
