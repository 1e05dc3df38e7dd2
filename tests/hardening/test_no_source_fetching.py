"""Neither server ever connects to a `sourceFileUrl`: it is an identifier, not a location.

Every source URL used here points at a socket this test listens on; registrations,
downloads in both modes, batches, unknown URLs and exported URLs all go through, and not a
single connection may arrive (no SSRF through the backend).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hardening_samples import BATCH, SINGLE
from server_processes import ServerProcess

pytestmark = pytest.mark.e2e


class _Listener:
    """A loopback TCP socket that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        """Stop listening, counting the connections still waiting to be accepted."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.setblocking(False)
        while True:
            try:
                connection, _ = self.sock.accept()
            except BlockingIOError:
                break
            self.connections += 1
            connection.close()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[_Listener]:
    opened = _Listener()
    yield opened
    opened.close()


def _use_every_route(base_url: str, listener: _Listener, headers: dict[str, str]) -> None:
    here = f"http://127.0.0.1:{listener.port}"
    registered = f"{here}/files/plan.pdf"
    unknown = f"{here}/files/never-registered.pdf"
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        response = client.post("/viewer/exports", data={"sourceFileUrl": registered},
                               files={"file": ("plan.pdf", b"%PDF-1.4 local\n")})
        assert response.status_code in (200, 201), response.text
        for url in (registered, unknown, f"{here}/", f"https://127.0.0.1:{listener.port}/x.png"):
            client.post(SINGLE, json={"sourceFileUrl": url})
            issued = client.post(SINGLE, params={"responseType": "urls"},
                                 json={"sourceFileUrl": url})
            if issued.status_code == 200:
                assert httpx.get(issued.json()["exportedUrl"]).status_code == 200
            client.post(BATCH, json={"items": [{"sourceFileUrl": url}, {"sourceFileUrl": url}]})
            client.post(BATCH, params={"responseType": "urls"},
                        json={"items": [{"sourceFileUrl": url}]})
        assert client.post(SINGLE, json={"sourceFileUrl": registered}).content == \
            b"%PDF-1.4 local\n"
        client.delete("/viewer/exports", params={"sourceFileUrl": registered})


def test_the_reference_backend_never_connects_to_a_source_url(listener: _Listener,
                                                              tmp_path: Path) -> None:
    with ServerProcess(["serve", "--no-auth", "--data-dir", str(tmp_path / "data")]) as server:
        _use_every_route(server.base_url, listener, {})
    listener.close()
    assert listener.connections == 0


def test_the_mock_never_connects_to_a_source_url(listener: _Listener) -> None:
    with ServerProcess(["mock", "--no-auth", "--quiet"]) as server:
        _use_every_route(server.base_url, listener, {})
    listener.close()
    assert listener.connections == 0


def test_the_listener_would_notice_a_connection(listener: _Listener) -> None:
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5):
        pass
    listener.close()
    assert listener.connections == 1
