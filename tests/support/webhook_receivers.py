"""Webhook receivers on a free loopback port, for the job tests and the jobs benchmark.

`hook_server` serves one handler as `POST /hooks/exports` from a uvicorn thread. The checker
has a receiver of its own (`contract_tests/webhook_receiver.py`): it is shipped, so it cannot
lean on this harness, and the servers' tests do not lean on the checker.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Awaitable, Callable, Iterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from export_contract.serving import base_url_of, bind_socket

__all__ = ["HOOK_PATH", "hook_server"]

HOOK_PATH = "/hooks/exports"


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
