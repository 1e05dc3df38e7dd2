"""Operations whose handler reads the request body itself, as it arrives.

connexion reads a form body completely before it calls a handler (an upload is spooled to
the system temp directory first). A handler marked `streams_request` is instead called by
`StreamedOperations`, a middleware behind connexion's routing, with the Starlette request:
its body unread, the guards (key, rate limit, media type, size limit) already applied. It
returns a Response; its errors are rendered like any handler's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from connexion.middleware.abstract import ROUTING_CONTEXT
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["StreamedOperations", "is_streamed", "streams_request"]

StreamedHandler = Callable[[Request], Awaitable[Response]]
F = TypeVar("F", bound=Callable[..., Any])
_MARK = "_streams_request"


def streams_request(handler: F) -> F:
    """Mark an operation's handler as taking the request with its body unread."""
    setattr(handler, _MARK, True)
    return handler


def is_streamed(handler: object) -> bool:
    return bool(getattr(handler, _MARK, False))


class StreamedOperations:
    """Answers the operations in `handlers` (operationId → handler) before connexion would
    parse their bodies; every other request passes through."""

    def __init__(self, app: ASGIApp, *, handlers: Mapping[str, StreamedHandler]) -> None:
        self.app = app
        self.handlers = dict(handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = None
        if scope["type"] == "http":
            routing = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})
            handler = self.handlers.get(routing.get("operation_id"))
        if handler is None:
            await self.app(scope, receive, send)
            return
        response = await handler(Request(scope, receive))
        await response(scope, receive, send)
