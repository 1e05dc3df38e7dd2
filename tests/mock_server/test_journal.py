"""The request journal: what the frontend sent (key redacted) and what it got back."""

from __future__ import annotations

import httpx
import pytest
from mock_helpers import BATCH, MISSING_URL, PDF_URL, SINGLE, MakeApp, batch, client_for, single

pytestmark = pytest.mark.anyio


async def test_journal_records_request_and_answer_with_the_key_redacted(
        client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    await client.post(BATCH, params={"responseType": "urls"}, json=batch(PDF_URL, MISSING_URL),
                      headers={"Authorization": "Bearer secret", "Prefer": "delay=0"})
    await client.post(SINGLE, json=single(), headers={"x-api-key": "wrong"})
    entries = (await admin.get("/__mock/requests")).json()["requests"]
    first, second = entries
    assert first["method"] == "POST" and first["path"] == "/api" + BATCH
    assert first["query"] == {"responseType": "urls"}
    assert first["body"] == batch(PDF_URL, MISSING_URL)
    assert first["status"] == 200 and first["scenario"] is None
    assert first["headers"]["x-api-key"] == "[redacted]"
    assert first["headers"]["authorization"] == "[redacted]"
    assert first["headers"]["prefer"] == "delay=0"
    assert second["status"] == 403 and second["body"] == single()
    assert second["id"] == first["id"] + 1 and first["time"].endswith("Z")
    assert "mock-test-key" not in str(entries) and "wrong" not in str(entries)


async def test_journal_since_returns_only_entries_after_that_id(
        client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    await client.post(SINGLE, json=single())
    first = (await admin.get("/__mock/requests")).json()["requests"]
    await client.post(SINGLE, json=single(), headers={"Prefer": "code=404"})
    newer = (await admin.get(f"/__mock/requests?since={first[-1]['id']}")).json()["requests"]
    assert [e["status"] for e in newer] == [404]
    assert (await admin.get("/__mock/requests?since=999")).json()["requests"] == []
    bad = await admin.get("/__mock/requests?since=last")
    assert bad.status_code == 400 and "since must be a journal entry id" in bad.json()["detail"]


async def test_journal_names_the_scenario_and_skips_admin_and_page_requests(
        client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    await client.post(SINGLE, json=single(), headers={"Prefer": "code=404"})
    await client.post(SINGLE, json=single(), headers={"Prefer": "scenario=slow-stream"})
    await admin.get("/")
    await admin.get("/__mock/scenarios")
    entries = (await admin.get("/__mock/requests")).json()["requests"]
    assert [(e["status"], e["scenario"]) for e in entries] == [
        (404, "not-found"), (200, "slow-stream")]


async def test_uploads_are_summarised_and_bad_json_kept_as_text(
        client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    await client.post("/viewer/exports", data={"sourceFileUrl": PDF_URL},
                      files={"file": ("a.pdf", b"%PDF")})
    await client.post(SINGLE, content=b"{not json", headers={"Content-Type": "application/json"})
    upload, broken = (await admin.get("/__mock/requests")).json()["requests"]
    assert upload["body"]["contentType"] == "multipart/form-data"
    assert upload["body"]["size"] > 0
    assert broken["body"] == "{not json" and broken["status"] == 400


async def test_delete_clears_the_journal(client: httpx.AsyncClient,
                                         admin: httpx.AsyncClient) -> None:
    await client.post(SINGLE, json=single())
    assert (await admin.delete("/__mock/requests")).json() == {"success": True, "cleared": 1}
    assert (await admin.get("/__mock/requests")).json()["requests"] == []


async def test_journal_keeps_only_the_latest_entries(make_app: MakeApp) -> None:
    app = make_app(journal_size=2)
    async with client_for(app) as client:
        for url in ("https://x.example/1.png", "https://x.example/2.png",
                    "https://x.example/3.png"):
            await client.post(SINGLE, json=single(url))
    assert [e["body"]["sourceFileUrl"][-5:] for e in app.journal.as_json()] == [
        "2.png", "3.png"]
