"""What the mock's browser tests share: a page on a freshly reset mock process, and small
HTTP servers on loopback beside it (another origin, a webhook receiver)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from browsers import open_page
from server_processes import ServerProcess

__all__ = ["fresh_mock_page", "loopback_http", "mock_root"]


def mock_root(mock: ServerProcess) -> str:
    """The mock's root (pages and /__mock), above its API's base URL."""
    return mock.base_url.removesuffix("/api")


@contextmanager
def fresh_mock_page(browser: Any, mock: ServerProcess, *, width: int) -> Iterator[Any]:
    """A page that accepts downloads, on a mock reset first: no scenario, an empty journal."""
    with open_page(browser, width=width, accept_downloads=True) as page:
        httpx.post(mock_root(mock) + "/__mock/reset", timeout=10).raise_for_status()
        yield page


@contextmanager
def loopback_http(handler: Callable[..., http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served on a free loopback port from a thread; yields the server's URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
