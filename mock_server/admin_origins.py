"""Which web pages may drive the admin API: the mock's own, and origins named with --admin-origin.

The admin API needs no key (a development tool), so a page on any other origin must not reach
it: it could read the journal (other requests' `sourceFileUrl`s) or reset the mock. CORS
headers alone cannot prevent that: a simple request (a form post, `text/plain`) reaches the
server with no preflight, and its effect happens whether or not the page may read the answer.
So the `Origin` header, which browsers send with every cross-origin request (and same-origin
POSTs), is checked here, and a request from another origin is refused with `403` before the
admin API sees it. A request without `Origin` (curl, tests, tools) comes from no web page.

The mock's own origin is its address as the browser reached it (`Host`), and counts only for a
loopback address or the host the mock was started on: a DNS-rebinding page (a name of its own
resolving to 127.0.0.1) is not the mock's own. Allowed origins get CORS headers naming them;
the `*` the download routes answer with never reaches an admin response.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from export_contract.problems import PROBLEM_MEDIA_TYPE, problem_body

__all__ = ["AdminOriginGuard"]

_METHODS = "GET, PUT, POST, DELETE"
_PREFLIGHT_MAX_AGE = "600"
_UNSPECIFIED_HOSTS = {"", "0.0.0.0", "::"}


class AdminOriginGuard:
    def __init__(self, app: ASGIApp, *, prefix: str, allowed_origins: Iterable[str],
                 server_host: str) -> None:
        self.app = app
        self.prefix = prefix
        self.allowed_origins = {origin.rstrip("/") for origin in allowed_origins}
        self.server_host = server_host.strip("[]").lower()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not (scope["path"] == self.prefix
                                           or scope["path"].startswith(self.prefix + "/")):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is not None and not self._allowed(origin, scope["scheme"], headers.get("host")):
            await _refuse(origin, send)
            return
        if origin is not None and scope["method"] == "OPTIONS" \
                and "access-control-request-method" in headers:
            await _preflight(origin, send)
            return
        await self.app(scope, receive, _with_cors(origin, send))

    def _allowed(self, origin: str, scheme: str, host: str | None) -> bool:
        if origin in self.allowed_origins:
            return True
        if host is None or origin != f"{scheme}://{host}":
            return False
        hostname = (urlsplit(origin).hostname or "").lower()
        return _is_loopback(hostname) or (hostname == self.server_host
                                          and hostname not in _UNSPECIFIED_HOSTS)


def _is_loopback(hostname: str) -> bool:
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def _with_cors(origin: str | None, send: Send) -> Send:
    """`send`, with the response's CORS headers naming `origin` (or none without one)."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name in [n for n in headers if n.startswith("access-control-")]:
                del headers[name]
            if origin is not None:
                headers["access-control-allow-origin"] = origin
                headers.add_vary_header("Origin")
        await send(message)

    return sending


async def _preflight(origin: str, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-allow-methods", _METHODS.encode()),
        (b"access-control-allow-headers", b"content-type"),
        (b"access-control-max-age", _PREFLIGHT_MAX_AGE.encode()),
        (b"vary", b"Origin"),
    ]})
    await send({"type": "http.response.body", "body": b""})


async def _refuse(origin: str, send: Send) -> None:
    detail = (f"The mock's admin API answers only its own pages and the origins given with "
              f"--admin-origin; {origin[:100]} is neither. Start the mock with --admin-origin "
              f"{origin[:100]} to let that page drive it.")
    body = json.dumps(problem_body(403, detail, title="Origin not allowed",
                                   slug="origin-not-allowed"), ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 403, "headers": [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"vary", b"Origin"),
    ]})
    await send({"type": "http.response.body", "body": body})
