"""Clients that hang up mid-download leave nothing behind in the server process.

Against a real server process: 100 batch-zip downloads (and 100 single downloads) are cut
off after the first bytes. Afterwards the server holds no more open descriptors (sockets,
blobs) and threads than before, and its memory has not grown; it still answers normally.
"""

from __future__ import annotations

import io
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from hardening_samples import BATCH, SINGLE
from server_processes import ServerProcess, open_fd_targets, rss_mib, thread_count

from reference_impl.storage import ExportStore

pytestmark = pytest.mark.e2e

REPETITIONS = 100
WARM_UP = 5
MiB = 1024 * 1024
URLS = [f"https://canvas.example.com/renders/{n}/render.png" for n in range(3)]
TEXT_URL = "https://canvas.example.com/files/log.txt"
SETTLE_SECONDS = 10.0
RSS_GROWTH_MIB = 30


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp("disconnect-data")
    store = ExportStore(data_dir)
    for url in URLS:
        content = os.urandom(8 * MiB)
        store.register(url, io.BytesIO(content), filename="render.png", content_type="image/png",
                       max_bytes=len(content))
    text = b"a log line that deflates well\n" * 400_000
    store.register(TEXT_URL, io.BytesIO(text), filename="log.txt", content_type="text/plain",
                   max_bytes=len(text))
    with ServerProcess(["serve", "--no-auth", "--data-dir", str(data_dir)]) as process:
        yield process


def _hang_up_after_first_bytes(base_url: str, path: str, body: object) -> None:
    """Send the request on a raw socket, read the start of the body, then close abruptly."""
    host, port = base_url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    payload = json.dumps(body).encode()
    request = (f"POST /api{path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
               ).encode() + payload
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        received = 0
        while received < 256 * 1024:
            chunk = sock.recv(65536)
            assert chunk, "the server closed the connection first"
            received += len(chunk)
        # RST instead of FIN: the way a killed browser tab or a dropped network goes.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def _is_database(target: str) -> bool:
    return "exports.sqlite3" in target


def _kinds(targets: list[str]) -> dict[str, int]:
    """How many descriptors of each kind (blob, socket, pipe, ...), for failure messages."""
    kinds: dict[str, int] = {}
    for target in targets:
        kind = "blob" if "/blobs/" in target else target.split(":", 1)[0].rsplit("/", 1)[-1]
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def _resources(pid: int) -> tuple[int, int]:
    """(open descriptors other than SQLite's, threads)."""
    targets = [t for t in open_fd_targets(pid) if not _is_database(t)]
    return len(targets), thread_count(pid)


def _client_connections(pid: int) -> int:
    """The server's descriptors that are still client connections.

    Every socket but the listening one and the event loop's own Unix sockets. Read from the
    descriptors, not only the kernel's TCP table: a client's reset takes its connection out of
    the table at once, while the process holds the socket until it notices.
    """
    own = {c.fd for c in psutil.Process(pid).net_connections(kind="all")
           if c.status == psutil.CONN_LISTEN or c.family == socket.AF_UNIX}
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:  # closed in the meantime
            continue
        count += target.startswith("socket:") and int(fd) not in own
    return count


def _without_client_connections(pid: int) -> None:
    """Wait until the server has closed every connection of the clients that hung up."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while (left := _client_connections(pid)) > 0:
        assert time.monotonic() < deadline, f"{left} hung-up connections still open"
        time.sleep(0.05)


def _settled(pid: int, before: tuple[int, int]) -> tuple[int, int]:
    """The process's resources once they are back to `before`, or after SETTLE_SECONDS."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        now = _resources(pid)
        if (now[0] <= before[0] and now[1] <= before[1]) or time.monotonic() > deadline:
            return now
        time.sleep(0.05)


@pytest.mark.parametrize(("path", "body"), [
    (BATCH, {"items": [{"sourceFileUrl": u} for u in [*URLS, TEXT_URL]]}),
    (SINGLE, {"sourceFileUrl": URLS[0]}),
], ids=["batch-zip", "single-file"])
def test_hanging_up_mid_download_leaks_no_descriptors_threads_or_memory(
        server: ServerProcess, path: str, body: object) -> None:
    for _ in range(WARM_UP):
        _hang_up_after_first_bytes(server.base_url, path, body)
    # Settled after the warm-up: its thread pool, not its connections, is what "before" means.
    _without_client_connections(server.pid)
    before = _resources(server.pid)
    rss_before = rss_mib(server.pid)

    for _ in range(REPETITIONS):
        _hang_up_after_first_bytes(server.base_url, path, body)

    fds, threads = _settled(server.pid, before)
    assert fds <= before[0], f"open descriptors grew from {before[0]} to {fds}: " \
                             f"{_kinds(open_fd_targets(server.pid))}"
    assert threads <= before[1], f"threads grew from {before[1]} to {threads}"
    assert rss_mib(server.pid) - rss_before < RSS_GROWTH_MIB
    # And the server is still fine.
    with httpx.Client(timeout=30) as client:
        response = client.post(server.base_url + path, json=body)
    assert response.status_code == 200


def test_no_temp_or_partial_files_are_left_in_the_data_dir(server: ServerProcess,
                                                           tmp_path: Path) -> None:
    for _ in range(10):
        _hang_up_after_first_bytes(server.base_url, BATCH,
                                   {"items": [{"sourceFileUrl": u} for u in URLS]})
    data_dir = Path(server.args[server.args.index("--data-dir") + 1])
    # Only the running server's own lock file: no upload, spool or partial file.
    assert [p.name for p in (data_dir / "tmp").rglob("*")
            if p.is_file() and p.suffix != ".lock"] == []
