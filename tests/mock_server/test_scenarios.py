"""Scenarios on demand: by `Prefer` header and by the admin API, each behaving as named."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

import httpx
import pytest
from mock_helpers import (
    BATCH,
    MISSING_URL,
    PDF_URL,
    SINGLE,
    TEXT_URL,
    MakeApp,
    batch,
    client_for,
    single,
)

from mock_server import SCENARIOS
from mock_server.front import ConnectionDropped

pytestmark = pytest.mark.anyio

ERRORS = {name: s.status for name, s in SCENARIOS.items() if s.status is not None}
ORIGIN = "http://frontend.example.com"


async def _set(admin: httpx.AsyncClient, name: str | None, count: int | None = None) -> None:
    payload: dict[str, object] = {"name": name}
    if count is not None:
        payload["count"] = count
    response = await admin.put("/__mock/scenario", json=payload)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("name", "status"), sorted(ERRORS.items()))
async def test_error_scenarios_answer_their_status_by_header_and_by_admin_api(
        client: httpx.AsyncClient, admin: httpx.AsyncClient, name: str, status: int) -> None:
    by_header = await client.post(SINGLE, json=single(), headers={"Prefer": f"scenario={name}",
                                                                   "Origin": ORIGIN})
    await _set(admin, name, count=1)
    by_admin = await client.post(BATCH, json=batch(PDF_URL), headers={"Origin": ORIGIN})
    for response in (by_header, by_admin):
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        assert "content-disposition" not in response.headers
        assert response.headers["access-control-allow-origin"] == "*"
        problem = response.json()
        assert problem["status"] == status and problem["success"] is False
        assert f"scenario {name}" in problem["detail"]
        assert ("retry-after" in response.headers) == (status == 429)
    assert (await client.post(SINGLE, json=single())).status_code == 200


async def test_rate_limited_sends_a_readable_retry_after(client: httpx.AsyncClient) -> None:
    response = await client.post(SINGLE, json=single(), headers={
        "Prefer": "scenario=rate-limited", "Origin": ORIGIN})
    assert response.headers["retry-after"] == "30"
    assert "Retry-After" in response.headers["access-control-expose-headers"]


async def test_prefer_code_gives_the_named_scenario_or_a_plain_problem(
        client: httpx.AsyncClient) -> None:
    not_found = await client.post(SINGLE, json=single(), headers={"Prefer": "code=404"})
    assert not_found.json()["detail"] == SCENARIOS["not-found"].detail
    unavailable = await client.post(BATCH, json=batch(PDF_URL), headers={"Prefer": "code=503"})
    assert unavailable.status_code == 503
    assert "Prefer: code=503" in unavailable.json()["detail"]
    ok = await client.post(SINGLE, json=single(), headers={"Prefer": "code=200"})
    assert ok.status_code == 200 and ok.content.startswith(b"%PDF")


@pytest.mark.parametrize(("prefer", "message"), [
    ("code=418", "use one of 200, 400, 401"),
    ("code=abc", "expected a whole number"),
    ("scenario=teapot", "known: server-error, bad-gateway"),
    ("delay=-5", "from 0 to 120000 milliseconds"),
])
async def test_an_unusable_prefer_value_gets_a_400_saying_what_works(
        client: httpx.AsyncClient, prefer: str, message: str) -> None:
    response = await client.post(SINGLE, json=single(), headers={"Prefer": prefer})
    assert response.status_code == 400
    assert message in response.json()["detail"]


async def test_other_preferences_are_ignored(client: httpx.AsyncClient) -> None:
    response = await client.post(SINGLE, json=single(),
                                 headers={"Prefer": 'return=minimal, respond-async; wait="5"'})
    assert response.status_code == 200


async def test_admin_scenario_lasts_count_requests_and_header_wins_without_using_it(
        client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    await _set(admin, "server-error", count=2)
    assert (await admin.get("/__mock/scenario")).json() == {
        "success": True, "scenario": "server-error", "remaining": 2}
    overridden = await client.post(SINGLE, json=single(), headers={"Prefer": "code=404"})
    assert overridden.status_code == 404
    statuses = [(await client.post(SINGLE, json=single())).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert (await admin.get("/__mock/scenario")).json()["scenario"] is None


async def test_admin_scenario_without_count_lasts_until_switched_off(
        client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    await _set(admin, "not-found")
    for _ in range(3):
        assert (await client.post(SINGLE, json=single())).status_code == 404
    assert (await admin.delete("/__mock/scenario")).json()["scenario"] is None
    assert (await client.post(SINGLE, json=single())).status_code == 200
    await _set(admin, "not-found")
    assert (await admin.post("/__mock/reset")).status_code == 200
    assert (await client.post(SINGLE, json=single())).status_code == 200


async def test_post_sets_a_scenario_too_and_bad_admin_input_gets_400(
        client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    assert (await admin.post("/__mock/scenario", json={"name": "forbidden"})).status_code == 200
    assert (await client.post(SINGLE, json=single())).status_code == 403
    for payload in ({"name": "nope"}, {"name": "forbidden", "count": 0},
                    {"name": "forbidden", "count": "2"}, [1]):
        response = await admin.put("/__mock/scenario", json=payload)
        assert response.status_code == 400, payload
        assert response.headers["content-type"] == "application/problem+json"


async def test_scenarios_leave_registration_routes_alone(
        client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    await _set(admin, "server-error", count=1)
    listed = await client.get("/viewer/exports", headers={"Prefer": "scenario=not-found"})
    assert listed.status_code == 200
    assert (await client.post(SINGLE, json=single())).status_code == 500


async def test_scenario_list_is_json_by_default_and_one_line_each_as_text(
        admin: httpx.AsyncClient) -> None:
    for accept in (None, "*/*", "application/json", "text/plain, application/json"):
        as_json = await admin.get("/__mock/scenarios",
                                  headers={"Accept": accept} if accept else {})
        assert as_json.headers["content-type"].startswith("application/json"), accept
        assert [s["name"] for s in as_json.json()["scenarios"]] == list(SCENARIOS)
    listed = {s["name"]: s for s in as_json.json()["scenarios"]}
    assert listed["server-error"]["status"] == 500
    assert listed["job-slow"]["operations"] == ["createExportJob"]
    text = await admin.get("/__mock/scenarios", headers={"Accept": "text/plain"})
    assert text.headers["content-type"].startswith("text/plain")
    assert [line.split()[0] for line in text.text.splitlines()] == list(SCENARIOS)


async def test_missing_content_disposition_drops_the_header_from_files_and_zips(
        client: httpx.AsyncClient) -> None:
    prefer = {"Prefer": "scenario=missing-content-disposition"}
    file = await client.post(SINGLE, json=single(), headers=prefer)
    archive = await client.post(BATCH, json=batch(PDF_URL, TEXT_URL), headers=prefer)
    for response in (file, archive):
        assert response.status_code == 200 and "content-disposition" not in response.headers
    urls = await client.post(SINGLE, params={"responseType": "urls"}, json=single(),
                             headers=prefer)
    assert urls.json()["success"] is True


async def test_no_expose_headers_hides_content_disposition_from_other_origins(
        client: httpx.AsyncClient) -> None:
    normal = await client.post(SINGLE, json=single(), headers={"Origin": ORIGIN})
    assert "Content-Disposition" in normal.headers["access-control-expose-headers"]
    hidden = await client.post(SINGLE, json=single(), headers={
        "Origin": ORIGIN, "Prefer": "scenario=no-expose-headers"})
    assert hidden.status_code == 200
    assert "access-control-expose-headers" not in hidden.headers
    assert hidden.headers["access-control-allow-origin"] == "*"
    assert "content-disposition" in hidden.headers


async def test_non_ascii_filename_sends_filename_star_with_a_fallback(
        client: httpx.AsyncClient) -> None:
    prefer = {"Prefer": "scenario=non-ascii-filename"}
    file = await client.post(SINGLE, json=single(), headers=prefer)
    assert file.headers["content-disposition"] == (
        "attachment; filename=\"resume floor-plan .pdf\"; "
        "filename*=UTF-8''r%C3%A9sum%C3%A9%20floor-plan%20%E5%A0%B1%E5%91%8A.pdf")
    archive = await client.post(BATCH, json=batch(PDF_URL, PDF_URL), headers=prefer)
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9-exports.zip" in archive.headers[
        "content-disposition"]
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        assert opened.namelist() == ["résumé floor-plan 報告.pdf", "résumé floor-plan 報告 (1).pdf"]
        assert all(info.flag_bits & 0x800 for info in opened.infolist())


async def test_duplicate_names_numbers_every_entry_after_the_first(
        client: httpx.AsyncClient) -> None:
    archive = await client.post(
        BATCH, json=batch(PDF_URL, TEXT_URL, MISSING_URL, "https://x.example/site.png"),
        headers={"Prefer": "scenario=duplicate-names"})
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        assert opened.namelist() == ["floor-plan.pdf", "floor-plan (1).pdf",
                                     "floor-plan (2).pdf"]


async def _call_directly(app: object, path: str, body: bytes, scenario: str,
                        sent: list[dict[str, Any]]) -> None:
    """One request straight to the ASGI app, its messages (each piece of the body) in `sent`."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/api" + path,
             "raw_path": ("/api" + path).encode(),
             "query_string": b"", "root_path": "", "server": ("testserver", 80),
             "client": ("127.0.0.1", 1),
             "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                         (b"x-api-key", b"mock-test-key"),
                         (b"prefer", b"scenario=" + scenario.encode()),
                         (b"content-length", str(len(body)).encode())]}

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)  # type: ignore[operator]


async def test_slow_stream_sends_the_body_in_pieces_over_the_set_time(
        mock_app: object, client: httpx.AsyncClient) -> None:
    sent: list[dict[str, Any]] = []
    started = time.monotonic()
    await _call_directly(mock_app, SINGLE, json.dumps(single()).encode(), "slow-stream", sent)
    elapsed = time.monotonic() - started
    start, *pieces = sent
    assert start["status"] == 200
    assert len(pieces) > 1 and not pieces[-1].get("more_body", False)
    assert all(piece["more_body"] for piece in pieces[:-1])
    whole = (await client.post(SINGLE, json=single())).content
    assert b"".join(piece["body"] for piece in pieces) == whole
    # A lower bound only: the pauses are sleeps, which never end early, so it cannot flake.
    assert elapsed >= 0.15  # the test app's 0.2 s, less the pause the last piece skips


async def test_truncated_zip_sends_half_then_drops_the_connection(mock_app: object) -> None:
    sent: list[dict[str, Any]] = []
    body = b'{"items": [{"sourceFileUrl": "%s"}]}' % PDF_URL.encode()
    with pytest.raises(ConnectionDropped):
        await _call_directly(mock_app, BATCH, body, "truncated-zip", sent)
    start, *chunks = sent
    assert start["status"] == 200
    length = int(dict(start["headers"])[b"content-length"])
    received = b"".join(c["body"] for c in chunks)
    assert len(received) == length // 2
    assert all(c["more_body"] for c in chunks)  # never completed


async def test_expired_url_issues_urls_that_answer_410(client: httpx.AsyncClient) -> None:
    answer = await client.post(SINGLE, params={"responseType": "urls"}, json=single(),
                               headers={"Prefer": "scenario=expired-url"})
    expired = await client.get(answer.json()["exportedUrl"])
    assert expired.status_code == 410
    assert "expired at" in expired.json()["detail"]
    fresh = await client.post(SINGLE, params={"responseType": "urls"}, json=single())
    assert (await client.get(fresh.json()["exportedUrl"])).status_code == 200
    forced = await client.get(fresh.json()["exportedUrl"],
                              headers={"Prefer": "scenario=expired-url"})
    assert forced.status_code == 410


async def test_delay_and_latency_hold_the_answer_back(make_app: MakeApp) -> None:
    async with client_for(make_app(latency_ms=100)) as client:
        started = time.monotonic()
        await client.post(SINGLE, json=single(), headers={"Prefer": "delay=100"})
        assert time.monotonic() - started >= 0.2
        started = time.monotonic()
        await client.get("/viewer/exports")
        assert time.monotonic() - started >= 0.1
