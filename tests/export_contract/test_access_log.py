"""Access-log lines hold the route template and the spec's own values, never the raw target."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from export_contract.access_log import RequestLabels
from export_contract.routes import RouteTable
from export_contract.settings import Settings
from export_contract.spec import load_spec
from reference_impl import create_app

SECRET = "sEcReT-0123456789"


@pytest.fixture
def labels() -> RequestLabels:
    spec = load_spec()
    return RequestLabels(RouteTable.from_spec(spec), spec, ["/__mock/scenarios"])


@pytest.mark.parametrize(("path", "query", "target"), [
    ("/api/viewer/exports/download", b"responseType=urls",
     "/api/viewer/exports/download?responseType=urls"),
    ("/api/viewer/exports/download", b"", "/api/viewer/exports/download"),
    ("/api/viewer/exports/files/" + SECRET, b"", "/api/viewer/exports/files/{token}"),
    ("/api/viewer/exports", f"k={SECRET}".encode(),
     "/api/viewer/exports [1 query parameter not logged]"),
    ("/api/viewer/exports", f"={SECRET}".encode(),
     "/api/viewer/exports [1 query parameter not logged]"),
    ("/api/viewer/exports", SECRET.encode(), "/api/viewer/exports [1 query parameter not logged]"),
    ("/api/viewer/exports/download", f"responseType={SECRET}&x-api-key={SECRET}".encode(),
     "/api/viewer/exports/download [2 query parameters not logged]"),
    ("/api/viewer/exports/download", f"responseType=urls&{SECRET}".encode(),
     "/api/viewer/exports/download?responseType=urls [1 query parameter not logged]"),
    ("/api/viewer/exports/download", b"&&", "/api/viewer/exports/download"
                                            " [1 query parameter not logged]"),
    ("/api/" + SECRET, b"", "/api/…"),
    (f"/api/{SECRET}/viewer/{SECRET}/download", b"", "/api/…/viewer/…/download"),
    ("/" + SECRET, b"", "/…"),
    ("/__mock/scenarios", b"", "/__mock/scenarios"),
    ("/api/viewer" * 50, b"", "/api/viewer/api/viewer/api/viewer/api/viewer/api/viewer/api/…"),
])
def test_the_target_holds_only_what_the_spec_defines(labels: RequestLabels, path: str,
                                                     query: bytes, target: str) -> None:
    assert labels.target({"path": path, "query_string": query}) == target


def test_only_the_routes_own_text_counts_as_known(labels: RequestLabels) -> None:
    assert labels.is_known("/api/viewer/exports")
    assert labels.is_known("/__mock/scenarios")
    assert not labels.is_known("/api/viewer/exports/files/abc")
    assert not labels.is_known("/api/unknown")


@pytest.mark.anyio
async def test_the_reference_logs_one_line_per_request_without_the_key(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="export_contract.access")
    app = create_app(Settings(data_dir=tmp_path, api_keys=(SECRET,)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver/api") as client:
        await client.get("/viewer/exports", headers={"x-api-key": SECRET})
        await client.get(f"/viewer/exports?k={SECRET}", headers={"x-api-key": SECRET})
        await client.get(f"/viewer/exports?{SECRET}")
        await client.get(f"/viewer/exports/files/{SECRET}")
        await client.request(SECRET.upper(), "/viewer/exports")
    records = [r for r in caplog.records if r.name == "export_contract.access"]
    lines = [r.getMessage() for r in records]
    assert len(lines) == 5, lines
    assert all(SECRET not in line and SECRET.upper() not in line for line in lines), lines
    assert " GET /api/viewer/exports 200 " in lines[0] and lines[0].endswith(" ms")
    assert "GET /api/viewer/exports [1 query parameter not logged] 401" in lines[2]
    # Not a token in the issued form: 400 by the spec's pattern, the route still templated.
    assert "GET /api/viewer/exports/files/{token} 400" in lines[3]
    assert "OTHER /api/viewer/exports 401" in lines[4]
    assert records[3].__dict__["route"] == "/api/viewer/exports/files/{token}"
    assert records[3].__dict__["status"] == 400
