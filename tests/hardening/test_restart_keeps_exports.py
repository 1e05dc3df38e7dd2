"""A restart, clean or a crash (SIGKILL), loses no registration and breaks no exported URL.

Exported URLs are issued against a fixed public base URL (`--public-url`), as behind a load
balancer; after the restart the new process (on another free port) stands behind that base.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import httpx
import pytest
from hardening_samples import BATCH, SINGLE
from server_processes import ServerProcess

pytestmark = pytest.mark.e2e

PUBLIC = "https://exports.example.test/api"
EXPORTS = {f"https://canvas.example.com/files/{n}/page.pdf": b"%PDF-1.4\n" + os.urandom(4096 + n)
           for n in range(25)}


def _serve(data_dir: Path) -> ServerProcess:
    return ServerProcess(["serve", "--no-auth", "--data-dir", str(data_dir),
                          "--public-url", PUBLIC])


def _behind(url: str, server: ServerProcess) -> str:
    """An exported URL issued under the public base, as reached through `server`."""
    assert url.startswith(PUBLIC + "/")
    return server.base_url + url[len(PUBLIC):]


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_registrations_and_exported_urls_survive_a_restart(tmp_path: Path, how: str) -> None:
    data_dir = tmp_path / "data"
    with _serve(data_dir) as first, httpx.Client(base_url=first.base_url, timeout=30) as client:
        for url, content in EXPORTS.items():
            response = client.post("/viewer/exports", data={"sourceFileUrl": url},
                                   files={"file": ("page.pdf", content, "application/pdf")})
            assert response.status_code == 201, response.text
        listed_before = client.get("/viewer/exports").json()
        issued = client.post(BATCH, params={"responseType": "urls"}, json={
            "items": [{"sourceFileUrl": url} for url in EXPORTS]}).json()["exportedUrls"]
        assert httpx.get(_behind(issued[0], first)).content == EXPORTS[next(iter(EXPORTS))]
        if how == "SIGKILL":
            assert first.process is not None
            first.process.kill()  # no shutdown at all, right after the last 201
        first.stop()

    with _serve(data_dir) as second, httpx.Client(base_url=second.base_url,
                                                  timeout=30) as client:
        assert client.get("/viewer/exports").json() == listed_before
        for url, exported in zip(EXPORTS, issued, strict=True):
            fetched = httpx.get(_behind(exported, second))
            assert fetched.status_code == 200 and fetched.content == EXPORTS[url]
        single = client.post(SINGLE, json={"sourceFileUrl": next(iter(EXPORTS))})
        assert single.content == EXPORTS[next(iter(EXPORTS))]
        zipped = client.post(BATCH, json={"items": [{"sourceFileUrl": u} for u in EXPORTS]})
        with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
            assert archive.testzip() is None
            assert [archive.read(name) for name in archive.namelist()] == list(EXPORTS.values())
    assert list((data_dir / "tmp").iterdir()) == []
