"""What a crash leaves in the data dir is gone once the backend is back: no temp file of an
upload killed half-way, no blob that no registration refers to.

Before, temp files survived a restart (the start-up sweep removed only files older than an
hour: 247 MiB after one crash test), and a blob placed by a registration that died before
its COMMIT stayed for ever.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import httpx
import pytest
from raw_connections import connect, request_head
from server_processes import ServerProcess

pytestmark = pytest.mark.e2e

KEPT = "https://canvas.example.com/files/kept.pdf"
KEPT_BYTES = b"%PDF-1.4 kept\n" * 100
# Large enough that copying it into the store takes a while to catch it at.
UPLOAD_MIB = 256
ATTEMPTS = 3
BOUNDARY = "crash-test-boundary"
DEADLINE_SECONDS = 60.0


def _serve(data_dir: Path, **env: str) -> ServerProcess:
    return ServerProcess(["serve", "--no-auth", "--data-dir", str(data_dir)], env=env)


def _register(base_url: str, url: str, content: bytes) -> None:
    response = httpx.post(base_url + "/viewer/exports", data={"sourceFileUrl": url},
                          files={"file": ("kept.pdf", content, "application/pdf")}, timeout=30)
    assert response.status_code in (200, 201), response.text


def _upload_in_background(base_url: str, url: str) -> threading.Thread:
    """POST a large multipart registration over a raw socket; the server may die meanwhile."""
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"sourceFileUrl\"\r\n\r\n"
            f"{url}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            "filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    chunk = b"%PDF" + b"\0" * (1024 * 1024 - 4)

    def send() -> None:
        try:
            with connect(base_url) as sock:
                sock.sendall(request_head("POST", "/api/viewer/exports", {
                    "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                    "Content-Length": str(len(head) + UPLOAD_MIB * len(chunk) + len(tail))}))
                sock.sendall(head)
                for _ in range(UPLOAD_MIB):
                    sock.sendall(chunk)
                sock.sendall(tail)
                sock.recv(1024)
        except OSError:  # the server was killed under it
            pass

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def _upload_files(tmp_root: Path) -> list[Path]:
    return list(tmp_root.rglob("upload-*"))


def _temp_files(data_dir: Path) -> list[str]:
    """Every file under tmp/ but the live servers' lock files."""
    return sorted(p.relative_to(data_dir).as_posix() for p in (data_dir / "tmp").rglob("*")
                  if p.is_file() and p.suffix != ".lock")


def _kill_while_copying_an_upload(data_dir: Path) -> bool:
    """Start a server, kill -9 it while it writes an upload into its temp dir."""
    with _serve(data_dir) as server:
        assert server.process is not None
        _register(server.base_url, KEPT, KEPT_BYTES)
        upload = _upload_in_background(server.base_url, "https://canvas.example.com/big.pdf")
        while upload.is_alive():
            if _upload_files(data_dir / "tmp"):
                server.process.kill()
                server.process.wait()
                upload.join()
                return True
        return False


def test_a_server_killed_mid_upload_leaves_no_temp_file_nor_orphan_blob_after_restart(
        tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert any(_kill_while_copying_an_upload(data_dir) for _ in range(ATTEMPTS)), \
        "the upload was never caught half-way"
    assert _temp_files(data_dir), "the kill left nothing to sweep"
    # What a kill between placing a blob and committing its row leaves behind.
    orphan = os.urandom(64)
    orphan_path = data_dir / "blobs" / (digest := hashlib.sha256(orphan).hexdigest())[:2] / digest
    orphan_path.parent.mkdir(exist_ok=True)
    orphan_path.write_bytes(orphan)

    with _serve(data_dir) as server:
        assert _temp_files(data_dir) == []
        assert len(list((data_dir / "tmp").glob("*.lock"))) == 1  # the new server's own
        assert not orphan_path.exists()
        single = httpx.post(server.base_url + "/viewer/exports/download",
                            json={"sourceFileUrl": KEPT}, timeout=30)
        assert single.status_code == 200 and single.content == KEPT_BYTES
    assert list((data_dir / "tmp").iterdir()) == []  # a clean stop removes its own


def test_a_periodic_sweep_removes_an_orphan_blob_and_keeps_live_ones(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with _serve(data_dir, EXPORT_SWEEP_INTERVAL_SECONDS="0.2") as server:
        _register(server.base_url, KEPT, KEPT_BYTES)
        kept_blobs = sorted((data_dir / "blobs").glob("*/*"))
        orphan_path = data_dir / "blobs" / "00" / ("0" * 64)
        orphan_path.parent.mkdir(exist_ok=True)
        orphan_path.write_bytes(b"no row refers to me")
        deadline = time.monotonic() + DEADLINE_SECONDS
        while orphan_path.exists():
            assert time.monotonic() < deadline, "the periodic sweep never ran"
            time.sleep(0.05)
        assert sorted((data_dir / "blobs").glob("*/*")) == kept_blobs
        single = httpx.post(server.base_url + "/viewer/exports/download",
                            json={"sourceFileUrl": KEPT}, timeout=30)
        assert single.status_code == 200 and single.content == KEPT_BYTES
