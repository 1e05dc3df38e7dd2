"""Running an ASGI app on uvicorn with a socket we bind ourselves.

Binding first lets `--port 0` pick a free port and still print the real base URL before
serving, which is what scripts and end-to-end tests read.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import uvicorn

__all__ = ["bind_socket", "run_server"]


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def base_url_of(sock: socket.socket, api_prefix: str = "/api") -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{api_prefix}"


def run_server(app: Any, sock: socket.socket, *, log_level: str = "info",
               on_ready: Callable[[], None] | None = None) -> None:
    config = uvicorn.Config(app, log_level=log_level, access_log=True,
                            timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    if on_ready is not None:
        on_ready()
    server.run(sockets=[sock])
