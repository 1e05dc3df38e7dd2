"""Scenarios on the mock's export jobs: the job scenarios, and the error scenarios on jobs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from job_helpers import JOBS, Clock, create, get, items, job_app, job_client
from mock_helpers import PDF_URL, SINGLE, client_for, single

from mock_server import MockApp
from mock_server.front import ConnectionDropped
from mock_server.jobs import GONE_SCENARIO_SECONDS, SLOW_SCENARIO_MIN_SECONDS
from mock_server.scenarios import JOB_SCENARIOS, describe_scenarios

pytestmark = pytest.mark.anyio


async def _arm(app: MockApp, name: str, count: int | None = 1) -> None:
    async with client_for(app, key=None, base_url="http://testserver") as admin:
        payload: dict[str, Any] = {"name": name} | ({"count": count} if count else {})
        assert (await admin.put("/__mock/scenario", json=payload)).status_code == 200


@pytest.mark.parametrize("armed_by", ["prefer", "admin"])
async def test_job_error_ends_the_job_in_error(armed_by: str) -> None:
    clock = Clock()
    app = job_app(clock=clock, job_seconds=2)
    async with job_client(app) as client:
        if armed_by == "admin":
            await _arm(app, "job-error")
        job = await create(client, PDF_URL,
                           prefer="scenario=job-error" if armed_by == "prefer" else None)
        clock.advance(2)
        ended = await get(client, job["id"])
        next_job = await create(client, PDF_URL)
        clock.advance(2)
        next_ended = await get(client, next_job["id"])
    assert ended["state"] == "error" and ended["error"]["code"] == "export_failed"
    assert "job-error" in ended["error"]["message"]
    assert next_ended["state"] == "complete"  # the scenario was for one job


async def test_job_slow_stays_processing_far_longer() -> None:
    clock = Clock()
    async with job_client(job_app(clock=clock, job_seconds=3)) as client:
        job = await create(client, PDF_URL, prefer="scenario=job-slow")
        clock.advance(SLOW_SCENARIO_MIN_SECONDS - 1)
        slow = await get(client, job["id"])
        clock.advance(1)
        ended = await get(client, job["id"])
    assert slow["state"] == "processing" and ended["state"] == "complete"


async def test_job_gone_completes_then_its_download_is_410_and_the_job_gone() -> None:
    clock = Clock()
    async with job_client(job_app(clock=clock)) as client:
        job = await create(client, PDF_URL, prefer="scenario=job-gone, job-duration=0")
        complete = await get(client, job["id"])
        download = await client.get(complete["downloadUrl"])
        clock.advance(GONE_SCENARIO_SECONDS)
        gone = await get(client, job["id"])
    assert complete["state"] == "complete" and download.status_code == 410
    assert "job-gone" in download.json()["detail"]
    assert gone["state"] == "gone"


async def test_a_job_scenario_armed_by_the_admin_api_waits_for_a_job() -> None:
    clock = Clock()
    app = job_app(clock=clock)
    async with job_client(app) as client:
        await _arm(app, "job-error")
        download = await client.post(SINGLE, json=single())
        job = await create(client, PDF_URL, prefer="job-duration=0")
        ended = await get(client, job["id"])
    assert download.status_code == 200
    assert ended["state"] == "error"


@pytest.mark.parametrize("armed_by", ["prefer", "admin"])
async def test_rate_limited_applies_to_job_creation_with_retry_after(armed_by: str) -> None:
    app = job_app(clock=Clock())
    async with job_client(app) as client:
        if armed_by == "admin":
            await _arm(app, "rate-limited")
        headers = {"Prefer": "scenario=rate-limited"} if armed_by == "prefer" else {}
        limited = await client.post(JOBS, json=items(PDF_URL), headers=headers)
        listed = await client.get(JOBS)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "30"
    assert listed.status_code == 200 and listed.json()["jobs"] == []


@pytest.mark.parametrize(("method", "path_of"), [
    ("GET", lambda job: f"{JOBS}/{job['id']}"),
    ("DELETE", lambda job: f"{JOBS}/{job['id']}"),
    ("GET", lambda job: JOBS),
    ("GET", lambda job: job["downloadUrl"]),
])
async def test_server_error_applies_to_every_job_route(method: str, path_of: Any) -> None:
    async with job_client(job_app(clock=Clock())) as client:
        job = await get(client, (await create(client, PDF_URL, prefer="job-duration=0"))["id"])
        response = await client.request(method, path_of(job),
                                        headers={"Prefer": "scenario=server-error"})
    assert response.status_code == 500 and "server-error" in response.json()["detail"]


async def test_truncated_zip_cuts_a_job_download() -> None:
    async with job_client(job_app(clock=Clock())) as client:
        job = await get(client, (await create(client, PDF_URL, prefer="job-duration=0"))["id"])
        whole = await client.get(job["downloadUrl"])
        with pytest.raises(ConnectionDropped, match="truncated-zip"):
            await client.get(job["downloadUrl"], headers={"Prefer": "scenario=truncated-zip"})
    assert whole.status_code == 200


async def test_a_scenario_that_does_not_apply_is_400_naming_where_it_does(
        client: httpx.AsyncClient) -> None:
    on_download = await client.post(SINGLE, json=single(),
                                    headers={"Prefer": "scenario=job-error"})
    on_job = await client.post(JOBS, json=items(PDF_URL),
                               headers={"Prefer": "scenario=duplicate-names"})
    assert on_download.status_code == 400
    assert "does not apply to downloadExport; it applies to createExportJob" in \
        on_download.json()["detail"]
    assert on_job.status_code == 400 and "downloadBatch" in on_job.json()["detail"]


async def test_prefer_code_404_on_a_job_is_a_plain_problem(client: httpx.AsyncClient) -> None:
    job = (await client.post(JOBS, json=items(PDF_URL))).json()
    response = await client.get(f"{JOBS}/{job['id']}", headers={"Prefer": "code=404"})
    assert response.status_code == 404 and "Prefer: code=404" in response.json()["detail"]


async def test_the_job_scenarios_are_listed(admin: httpx.AsyncClient) -> None:
    listed = {s["name"] for s in (await admin.get("/__mock/scenarios")).json()["scenarios"]}
    names = {line.split()[0] for line in describe_scenarios()}
    job_scenarios = {"job-error", "job-slow", "job-gone", "webhook-duplicate",
                     "webhook-bad-signature"}
    assert job_scenarios == JOB_SCENARIOS
    assert names >= job_scenarios
    assert listed >= JOB_SCENARIOS
