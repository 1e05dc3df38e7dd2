"""Webhook receivers on a free loopback port, for the job tests and the jobs benchmark.

`hook_server` serves one handler as `POST /hooks/exports` from a uvicorn thread; `Receiver`
is the tests' handler: it records every delivery and answers as the test scripts it. The
checker has a receiver of its own (`contract_tests/webhook_receiver.py`): it is shipped, so
it cannot lean on this harness, and the servers' tests do not lean on the checker.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import uvicorn
from job_waits import until
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from export_contract.serving import base_url_of, bind_socket

__all__ = ["HOOK_PATH", "Delivery", "Receiver", "hook_server", "webhook_receiver"]

HOOK_PATH = "/hooks/exports"
# How long a held request waits for `released` before it is answered anyway.
_HOLD_SECONDS = 10


@contextlib.contextmanager
def hook_server(handle: Callable[[Request], Awaitable[Response]]) -> Iterator[str]:
    """Serve `handle` as `POST /hooks/exports` on a free loopback port; yields its URL.

    The socket listens before the server thread starts, so an early delivery waits in the
    backlog rather than finding the port closed.
    """
    sock = bind_socket("127.0.0.1", 0)
    app = Starlette(routes=[Route(HOOK_PATH, handle, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield base_url_of(sock, HOOK_PATH)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    received_at: float


@dataclass
class Receiver:
    """Records deliveries and answers the scripted statuses in order (then 200)."""

    url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    # Statuses to answer, in order; once used up, 200.
    statuses: list[int] = field(default_factory=list)
    # While set, requests wait (up to 10 s) for `released` before being answered.
    hold: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        with self._changed:
            self.deliveries.append(Delivery(dict(request.headers), body, time.time()))
            status = self.statuses.pop(0) if self.statuses else 200
            self._changed.notify_all()
        if self.hold.is_set():
            await asyncio.get_running_loop().run_in_executor(None, self.released.wait,
                                                             _HOLD_SECONDS)
        return Response(status_code=status)

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Delivery]:
        """The deliveries once there are `count`, blocking (for servers in another thread)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.deliveries) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{count} deliveries expected within {timeout} s, got "
                                         f"{len(self.deliveries)}")
                self._changed.wait(left)
            return list(self.deliveries)

    async def received(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """The deliveries once there are `count`, polling (for a server on this loop)."""
        async def probe() -> list[Delivery]:
            with self._changed:
                return list(self.deliveries)

        return await until(probe, lambda got: len(got) >= count, timeout=timeout,
                           what=f"{count} webhook deliveries")


@contextlib.contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    """A `Receiver` served on a free loopback port for as long as the block runs."""
    receiver = Receiver()
    with hook_server(receiver.handle) as url:
        receiver.url = url
        try:
            yield receiver
        finally:
            receiver.released.set()  # held requests answer, so the server can stop
