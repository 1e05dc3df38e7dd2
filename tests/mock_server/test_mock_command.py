"""`export-contract mock` as a real process: banner, downloads over a socket, a real drop."""

from __future__ import annotations

import httpx
import pytest
from click.testing import CliRunner
from mock_helpers import BATCH, PDF_URL, SINGLE, TEXT_URL, batch, single
from server_processes import ServerProcess

from export_contract_cli import main
from mock_server import DEV_API_KEY


def test_mock_help_names_the_development_key() -> None:
    result = CliRunner().invoke(main, ["mock", "--help"])
    assert result.exit_code == 0 and DEV_API_KEY in result.output



@pytest.mark.e2e
def test_mock_command_serves_with_the_printed_key_and_drops_truncated_zips() -> None:
    with ServerProcess(["mock"]) as server:
        root = server.base_url.removesuffix("/api")
        headers = {"x-api-key": DEV_API_KEY}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as client:
            file = client.post(SINGLE, json=single())
            assert file.status_code == 200 and file.content.startswith(b"%PDF-")
            assert "Backend export download" in client.get(root + "/").text
            with pytest.raises(httpx.RemoteProtocolError):
                client.post(BATCH, json=batch(PDF_URL, TEXT_URL),
                            headers={"Prefer": "scenario=truncated-zip"})
            assert client.post(SINGLE, json=single()).status_code == 200
    output = "\n".join(server.banner)
    assert f"x-api-key: {DEV_API_KEY}" in output
    assert f"demo page: {root}/" in output and "curl " in output
    assert "POST /api/viewer/exports/download -> 200 application/pdf" in output
    assert "(connection dropped on purpose)" in output
    assert "Traceback" not in output and "Exception in ASGI application" not in output


def test_mock_command_refuses_an_admin_origin_that_is_no_origin() -> None:
    result = CliRunner().invoke(main, ["mock", "--admin-origin", "localhost:5173"])
    assert result.exit_code == 2
    assert "scheme://host" in result.output


@pytest.mark.e2e
def test_mock_command_takes_admin_origins_and_an_upload_cap() -> None:
    import httpx

    with ServerProcess(["mock", "--no-auth", "--quiet", "--admin-origin",
                        "http://localhost:5173", "--max-upload-total", "10"]) as server:
        root = server.base_url.removesuffix("/api")
        allowed = httpx.get(root + "/__mock/requests",
                            headers={"Origin": "http://localhost:5173"})
        refused = httpx.get(root + "/__mock/requests", headers={"Origin": "https://x.example"})
        too_much = httpx.post(server.base_url + "/viewer/exports",
                              data={"sourceFileUrl": "https://canvas.example.com/a.txt"},
                              files={"file": ("a.txt", b"x" * 11, "text/plain")})
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert refused.status_code == 403
    assert too_much.status_code == 413
