"""`export-contract serve` as a real process on a free loopback port, driven over HTTP."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server_processes import ServerProcess

from export_contract.signing import UrlSigner

pytestmark = pytest.mark.e2e

KEY = "e2e-key-abcdef"
SECRET = "e2e-url-secret-0123456789"
A = "https://canvas.example.com/files/plan.pdf"
B = "https://canvas.example.com/archive/plan.pdf"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp("data")
    env = {"EXPORT_API_KEYS": KEY, "EXPORT_URL_SECRET": SECRET}
    with ServerProcess(["serve", "--data-dir", str(data_dir)], env=env) as process:
        yield process


@pytest.fixture(scope="module")
def client(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers={"x-api-key": KEY}, timeout=10) as c:
        yield c


@pytest.fixture(scope="module")
def registered(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    files = tmp_path_factory.mktemp("files")
    contents = {A: b"%PDF-1.4 a", B: b"%PDF-1.4 b"}
    for number, (url, content) in enumerate(contents.items()):
        path = files / f"upload{number}.pdf"
        path.write_bytes(content)
        result = subprocess.run(
            [sys.executable, "-m", "export_contract_cli", "register", url, str(path),
             "--base-url", server.base_url, "--api-key", KEY],
            capture_output=True, text=True, check=True)
        assert result.stdout.startswith("registered: ")
    return contents


def test_banner_prints_the_base_url(server: ServerProcess) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    assert server.base_url.endswith("/api")


def test_single_download_in_both_modes(client: httpx.Client, registered: dict[str, bytes]) -> None:
    file_response = client.post("/viewer/exports/download", json={"sourceFileUrl": A})
    assert file_response.content == registered[A]
    assert file_response.headers["content-disposition"] == 'attachment; filename="plan.pdf"'
    url_response = client.post("/viewer/exports/download", params={"responseType": "urls"},
                               json={"sourceFileUrl": A})
    exported = url_response.json()["exportedUrl"]
    assert httpx.get(exported).content == registered[A]


def test_batch_download_in_both_modes(client: httpx.Client, registered: dict[str, bytes]) -> None:
    items = {"items": [{"sourceFileUrl": A}, {"sourceFileUrl": B},
                       {"sourceFileUrl": "https://unknown.invalid/x"}]}
    zipped = client.post("/viewer/exports/download-batch", json=items)
    archive = zipfile.ZipFile(io.BytesIO(zipped.content))
    assert archive.namelist() == ["plan.pdf", "plan (1).pdf"]
    assert archive.read("plan (1).pdf") == registered[B]
    urls = client.post("/viewer/exports/download-batch", params={"responseType": "urls"},
                       json=items).json()
    assert [httpx.get(u).content for u in urls["exportedUrls"]] == [registered[A], registered[B]]
    assert urls["skipped"] == [{"sourceFileUrl": "https://unknown.invalid/x",
                                "reason": "not_found"}]


def test_wrong_key_is_403_and_missing_key_is_401(server: ServerProcess) -> None:
    body = {"sourceFileUrl": A}
    url = server.base_url + "/viewer/exports/download"
    assert httpx.post(url, json=body, headers={"x-api-key": "nope"}).status_code == 403
    assert httpx.post(url, json=body).status_code == 401


def test_expired_and_tampered_urls(server: ServerProcess, client: httpx.Client,
                                   registered: dict[str, bytes]) -> None:
    expired = UrlSigner(SECRET.encode()).sign({"u": A, "h": "x"}, ttl_seconds=-5)
    files_route = server.base_url + "/viewer/exports/files/"
    assert httpx.get(files_route + expired).status_code == 410
    exported = client.post("/viewer/exports/download", params={"responseType": "urls"},
                           json={"sourceFileUrl": A}).json()["exportedUrl"]
    # One character of the signature changed (mid-way, where every bit counts): still the
    # issued form, so the signature check answers.
    cut = len(exported) - 20
    tampered = exported[:cut] + ("A" if exported[cut] != "A" else "B") + exported[cut + 1:]
    assert httpx.get(tampered).status_code == 403
    assert httpx.get(exported + "x").status_code == 400  # not the issued form


def test_register_into_a_data_dir_without_a_server(tmp_path: Path) -> None:
    upload = tmp_path / "photo.png"
    upload.write_bytes(b"\x89PNG fake")
    result = subprocess.run(
        [sys.executable, "-m", "export_contract_cli", "register",
         "https://c.example/photos/site", str(upload), "--data-dir", str(tmp_path / "d"),
         "--content-type", "image/png"], capture_output=True, text=True, check=True)
    assert "site.png (image/png, 9 bytes" in result.stdout


def test_serve_without_a_key_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "export_contract_cli", "serve", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "no API key configured" in result.stderr
