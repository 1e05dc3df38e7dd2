"""Raw TCP connections to a server under test, for what no HTTP client will do on purpose:
say nothing, stop half-way through a head or a body, hold a connection open."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

# Far above the timeouts under test; a server that never answers fails the test, not hangs it.
READ_DEADLINE_SECONDS = 10.0


def connect(base_url: str) -> socket.socket:
    parts = urlsplit(base_url)
    assert parts.hostname is not None and parts.port is not None
    return socket.create_connection((parts.hostname, parts.port), timeout=READ_DEADLINE_SECONDS)


def read_until_closed(sock: socket.socket) -> bytes:
    """What the server sends until it closes the connection (TimeoutError if it never does)."""
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else 0


def request_head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1",
             *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
