"""The checker's own webhook receiver (rule J7): records deliveries, answers as scripted.

A Starlette app served by uvicorn in a thread, on ``--callback-listen`` (loopback on a free port
by default). Each job under test gets a path of its own (``/hooks/<tag>``), so deliveries are
told apart without trusting their bodies. The socket listens before the server thread starts:
a delivery arriving early waits in the backlog, never finds the port closed.

Signatures are checked with the checker's own HMAC code, never the backend's.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["EVENT_ID_HEADER", "SIGNATURE_HEADER", "Delivery", "WebhookReceiver",
           "signature_problems", "webhook_receiver"]

EVENT_ID_HEADER = "x-export-event-id"
SIGNATURE_HEADER = "x-export-signature"
_SIGNATURE = re.compile(r"t=(?P<t>[0-9]+),v1=(?P<v1>[0-9a-f]{64})")
_HOOKS = "/hooks/"


@dataclass(frozen=True)
class Delivery:
    """One POST the backend made to the receiver, as it arrived."""

    tag: str
    headers: dict[str, str]
    body: bytes
    received_at: float
    answered: int


@dataclass
class WebhookReceiver:
    """Deliveries by tag; ``fail_first`` tags get a 500 on their first delivery."""

    base_url: str
    deliveries: list[Delivery] = field(default_factory=list)
    fail_first: set[str] = field(default_factory=set)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def url(self, tag: str) -> str:
        return f"{self.base_url.rstrip('/')}{_HOOKS}{tag}"

    def of(self, tag: str) -> list[Delivery]:
        with self._changed:
            return [d for d in self.deliveries if d.tag == tag]

    def wait_for(self, tag: str, count: int, timeout: float) -> list[Delivery]:
        """The deliveries to ``tag`` once there are ``count``, or all there are at ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                mine = [d for d in self.deliveries if d.tag == tag]
                left = deadline - time.monotonic()
                if len(mine) >= count or left <= 0:
                    return mine
                self._changed.wait(left)

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        tag = request.path_params["tag"]
        with self._changed:
            first = not any(d.tag == tag for d in self.deliveries)
            status = 500 if first and tag in self.fail_first else 200
            self.deliveries.append(Delivery(tag, {k.lower(): v for k, v in
                                                  request.headers.items()},
                                            body, time.monotonic(), status))
            self._changed.notify_all()
        return Response(status_code=status)


@contextmanager
def webhook_receiver(host: str, port: int, public_base_url: str | None
                     ) -> Iterator[WebhookReceiver]:
    """Serve a receiver on ``host:port`` (0: a free port) for as long as the block runs."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    receiver = WebhookReceiver(public_base_url or f"http://{shown}:{bound_port}")
    app = Starlette(routes=[Route(_HOOKS + "{tag}", receiver.handle, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off",
                                           access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="verify-webhooks")
    thread.start()
    try:
        yield receiver
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def signature_problems(header: str | None, body: bytes, secret: str | None) -> list[str]:
    """Why ``X-Export-Signature`` is not ``t=<int>,v1=<hex HMAC-SHA256 of "<t>.<body>">``."""
    if header is None:
        return ["no X-Export-Signature header"]
    match = _SIGNATURE.fullmatch(header.strip())
    if match is None:
        return [f"X-Export-Signature {header[:120]!r} is not t=<unix seconds>,v1=<64 lowercase "
                "hex digits>"]
    if secret is None:
        return []
    expected = hmac.new(secret.encode("utf-8"), match["t"].encode("ascii") + b"." + body,
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match["v1"]):
        return ["v1 is not the HMAC-SHA256 of '<t>.<raw body>' under the webhook secret given "
                "with --webhook-secret"]
    return []
