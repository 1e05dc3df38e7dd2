"""The disk filling up, a locked database and a read-only data dir, against a real server.

Each failure is a clean problem+json answer whose detail says what happened and what to do
(507, 503 with Retry-After, 500), never a traceback; nothing half-written is left behind and
what was registered before is untouched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hardening_samples import SINGLE
from mounts import read_only, small_tmpfs
from server_processes import ServerProcess

from export_contract.settings import Settings
from reference_impl import blob_uploads, storage
from reference_impl.urls import load_or_create_secret

pytestmark = pytest.mark.e2e

KEPT = "https://canvas.example.com/files/kept.pdf"
KEPT_BYTES = b"%PDF-1.4 registered before the fault\n" * 100
NEW = "https://canvas.example.com/files/new.pdf"
REGISTER = "/viewer/exports"


def _register(client: httpx.Client, url: str, content: bytes) -> httpx.Response:
    return client.post(REGISTER, data={"sourceFileUrl": url},
                       files={"file": ("upload.pdf", content, "application/pdf")})


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _blobs_and_temps(data_dir: Path) -> tuple[set[str], set[str]]:
    # The running server's lock file on its own temp directory is no temp file.
    temps = {name for name in _files(data_dir / "tmp") if not name.endswith(".lock")}
    return _files(data_dir / "blobs"), temps


def _assert_problem(response: httpx.Response, status: int, *words: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    detail: str = response.json()["detail"]
    for word in words:
        assert word in detail, detail
    assert "Traceback" not in response.text
    return detail


def _serve(data_dir: Path, **env: str) -> ServerProcess:
    return ServerProcess(["serve", "--no-auth", "--data-dir", str(data_dir)], env=env)


# -- disk full ------------------------------------------------------------------------------------

def test_a_full_disk_during_registration_is_a_clean_507_leaving_nothing_behind(
        tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "small", "4m") as small:
        data_dir = small / "data"
        with _serve(data_dir) as server, httpx.Client(base_url=server.base_url,
                                                      timeout=60) as client:
            assert _register(client, KEPT, KEPT_BYTES).status_code == 201
            listed = client.get(REGISTER).json()
            blobs, temps = _blobs_and_temps(data_dir)

            response = _register(client, NEW, os.urandom(6 * 1024 * 1024))

            _assert_problem(response, 507, "no storage space", "nothing was registered")
            assert client.get(REGISTER).json() == listed
            assert _blobs_and_temps(data_dir) == (blobs, temps) == (blobs, set())
            kept = client.post(SINGLE, json={"sourceFileUrl": KEPT})
            assert kept.status_code == 200 and kept.content == KEPT_BYTES
            # The space the failed upload took is free again.
            assert _register(client, NEW, b"%PDF-1.4 small enough\n").status_code == 201


def test_a_full_disk_is_a_507_also_where_no_small_disk_can_be_mounted(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.testclient import TestClient

    from reference_impl import create_app

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with TestClient(create_app(settings), base_url="http://testserver/api",
                    headers={"x-api-key": settings.api_keys[0]}) as client:
        monkeypatch.setattr(blob_uploads.FileUpload, "write", full)
        response = client.post(REGISTER, data={"sourceFileUrl": NEW},
                               files={"file": ("upload.pdf", b"%PDF-1.4", "application/pdf")})
    _assert_problem(response, 507, "no storage space", "nothing was registered")
    assert storage.ExportStore(settings.data_dir).list() == []


# -- a locked database ----------------------------------------------------------------------------

@pytest.fixture
def locked_server(tmp_path: Path) -> Iterator[tuple[ServerProcess, Path]]:
    data_dir = tmp_path / "data"
    with _serve(data_dir, EXPORT_DB_BUSY_TIMEOUT_SECONDS="0.5") as server:
        yield server, data_dir


@contextlib.contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    """The database's write lock, held by a connection of the test's own as another writer."""
    other = sqlite3.connect(data_dir / "exports.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_locked_database_makes_writes_a_clean_503_and_reads_go_on(
        locked_server: tuple[ServerProcess, Path]) -> None:
    server, data_dir = locked_server
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        assert _register(client, KEPT, KEPT_BYTES).status_code == 201
        blobs, _ = _blobs_and_temps(data_dir)
        with _locked(data_dir):
            started = time.monotonic()
            response = _register(client, NEW, b"%PDF-1.4 new\n")
            waited = time.monotonic() - started
            _assert_problem(response, 503, "locked", "nothing was registered", "Retry")
            assert response.headers["retry-after"] == "1"
            # It waited for the lock first (a sleep never ends early: no wall-clock flake).
            assert waited > 0.4
            deleted = client.delete(REGISTER, params={"sourceFileUrl": KEPT})
            _assert_problem(deleted, 503, "locked", "nothing was deleted")
            # Readers are not blocked by a writer (WAL).
            kept = client.post(SINGLE, json={"sourceFileUrl": KEPT})
            assert kept.status_code == 200 and kept.content == KEPT_BYTES
        assert _blobs_and_temps(data_dir) == (blobs, set())
        # Once the lock is gone, the same connections of the server write again.
        assert _register(client, NEW, b"%PDF-1.4 new\n").status_code == 201
        assert client.delete(REGISTER, params={"sourceFileUrl": KEPT}).status_code == 200


@pytest.mark.timing
def test_a_locked_database_gives_up_after_the_configured_busy_timeout(
        locked_server: tuple[ServerProcess, Path]) -> None:
    server, data_dir = locked_server
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        assert _register(client, KEPT, KEPT_BYTES).status_code == 201
        with _locked(data_dir):
            started = time.monotonic()
            response = _register(client, NEW, b"%PDF-1.4 new\n")
            waited = time.monotonic() - started
    assert response.status_code == 503
    assert waited < 10  # the configured 0.5 s, not the default 30 s


# -- a read-only data dir -------------------------------------------------------------------------

@pytest.fixture
def prepared_data_dir(tmp_path: Path) -> Path:
    """A data dir where one export was registered (and the URL secret created) earlier."""
    data_dir = tmp_path / "data"
    with _serve(data_dir) as server, httpx.Client(base_url=server.base_url) as client:
        assert _register(client, KEPT, KEPT_BYTES).status_code == 201
    load_or_create_secret(data_dir)
    return data_dir


def test_serve_on_a_read_only_data_dir_exits_with_a_clear_message(
        prepared_data_dir: Path) -> None:
    with read_only(prepared_data_dir):
        result = subprocess.run(
            [sys.executable, "-m", "export_contract_cli", "serve", "--no-auth", "--port", "0",
             "--data-dir", str(prepared_data_dir)],
            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "read-only" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_uploads_into_a_read_only_blob_store_are_a_clean_500_and_downloads_go_on(
        prepared_data_dir: Path) -> None:
    with _serve(prepared_data_dir) as server, httpx.Client(base_url=server.base_url,
                                                           timeout=60) as client:
        with read_only(prepared_data_dir / "tmp"), read_only(prepared_data_dir / "blobs"):
            response = _register(client, NEW, b"%PDF-1.4 new\n")
            kept = client.post(SINGLE, json={"sourceFileUrl": KEPT})
        _assert_problem(response, 500, "cannot be written", "nothing was registered",
                        "writable")
        assert kept.status_code == 200 and kept.content == KEPT_BYTES
        assert _register(client, NEW, b"%PDF-1.4 new\n").status_code == 201
    assert "Traceback" not in server.stop()


def test_a_read_only_database_makes_writes_a_clean_500_and_reads_go_on(
        prepared_data_dir: Path) -> None:
    # SQLite opens a WAL database on a read-only mount only while its -wal and -shm files
    # exist, i.e. while another process has it open, as this reader does.
    reader = sqlite3.connect(prepared_data_dir / "exports.sqlite3")
    try:
        assert reader.execute("SELECT count(*) FROM exports").fetchone() == (1,)
        with read_only(prepared_data_dir), _serve(prepared_data_dir) as server, \
                httpx.Client(base_url=server.base_url, timeout=60) as client:
            registered = _register(client, NEW, b"%PDF-1.4 new\n")
            deleted = client.delete(REGISTER, params={"sourceFileUrl": KEPT})
            kept = client.post(SINGLE, json={"sourceFileUrl": KEPT})
            listed = client.get(REGISTER)
            output = server.stop()
    finally:
        reader.close()
    _assert_problem(registered, 500, "nothing was registered", "writable")
    _assert_problem(deleted, 500, "read-only", "nothing was deleted", "writable")
    assert kept.status_code == 200 and kept.content == KEPT_BYTES
    assert [e["sourceFileUrl"] for e in listed.json()["exports"]] == [KEPT]
    assert "Traceback" not in output
