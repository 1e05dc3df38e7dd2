"""Readable 400 details naming the field, and one readable log line per request."""

from __future__ import annotations

import logging

import httpx
import pytest
from mock_helpers import BATCH, PDF_URL, SINGLE, MakeApp, client_for, single

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(("path", "body", "detail"), [
    (SINGLE, {}, "body: missing required field sourceFileUrl."),
    (SINGLE, {"sourceFileUrl": 5}, "sourceFileUrl: expected a string, got 5."),
    (SINGLE, {"sourceFileUrl": "files/a.pdf"},
     "sourceFileUrl: expected an absolute http(s) URL of at most 2048 characters, got "
     "'files/a.pdf'."),
    (BATCH, {"items": []}, "items: must hold at least one item."),
    (BATCH, {"items": [{"sourceFileUrl": PDF_URL}, {"url": PDF_URL}]},
     "items[1]: missing required field sourceFileUrl."),
    (BATCH, [PDF_URL], "body: expected a"),
])
async def test_a_400_names_the_field_and_what_was_expected(
        client: httpx.AsyncClient, path: str, body: object, detail: str) -> None:
    response = await client.post(path, json=body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)


async def test_unknown_response_type_and_query_parameters_are_named(
        client: httpx.AsyncClient) -> None:
    wrong_mode = await client.post(SINGLE, params={"responseType": "url"}, json=single())
    assert wrong_mode.json()["detail"] == "responseType: expected one of urls, got 'url'."
    extra = await client.post(SINGLE, params={"mode": "x"}, json=single())
    assert extra.status_code == 400 and "mode" in extra.json()["detail"]


async def test_the_consoles_polled_reads_are_not_logged_but_changes_are(
        make_app: MakeApp, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mock_server")
    async with client_for(make_app(log_requests=True), key=None,
                          base_url="http://testserver") as admin:
        await admin.get("/__mock/requests?since=0")
        await admin.get("/__mock/scenario")
        await admin.put("/__mock/scenario", json={"name": "server-error", "count": 1})
        await admin.get("/__mock/requests?since=x")
    lines = [r.getMessage() for r in caplog.records if r.name == "mock_server"]
    assert [line.split(" -> ")[0] for line in lines] == [
        "PUT /__mock/scenario", "GET /__mock/requests [1 query parameter not logged]"], lines


async def test_each_request_logs_one_readable_line(make_app: MakeApp,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mock_server")
    app = make_app(log_requests=True)
    async with client_for(app) as client, client_for(
            app, key=None, base_url="http://testserver") as admin:
        await client.post(SINGLE, json=single())
        await client.post(BATCH, json={"items": []})
        await client.post(SINGLE, json=single(), headers={"Prefer": "scenario=not-found"})
        await admin.get("/__mock/scenarios")
    lines = [r.getMessage() for r in caplog.records if r.name == "mock_server"]
    assert len(lines) == 4
    assert lines[0].startswith("POST /api/viewer/exports/download -> 200 application/pdf ")
    assert lines[1].endswith(": items: must hold at least one item.")
    assert "[scenario not-found]" in lines[2]
    assert lines[3].startswith("GET /__mock/scenarios -> 200 application/json ")
