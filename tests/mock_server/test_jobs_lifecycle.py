"""Export jobs in the mock over simulated time: progress, ends, cancel, delete (J1-J5, J8)."""

from __future__ import annotations

import json

import httpx
import pytest
from job_helpers import JOBS, Clock, create, get, items, job_app, job_client
from job_waits import until
from mock_helpers import MISSING_URL, PDF_URL, TEXT_URL

from export_contract.settings import Settings

pytestmark = pytest.mark.anyio


async def test_progress_grows_with_simulated_time_and_the_job_completes_on_time() -> None:
    clock = Clock()
    urls = [f"https://canvas.example.com/files/{n}.pdf" for n in range(10)]
    async with job_client(job_app(clock=clock)) as client:
        job = await create(client, *urls, prefer="job-duration=10")
        assert job["state"] == "processing" and job["progress"] == {"done": 0, "total": 10}
        seen = []
        for _ in range(9):
            clock.advance(1)
            now = await get(client, job["id"])
            assert now["state"] == "processing" and now["downloadUrl"] is None
            seen.append(now["progress"]["done"])
        clock.advance(1)
        done = await get(client, job["id"])
    assert seen == sorted(seen) and seen[0] > 0 and seen[-1] < 10
    assert done["state"] == "complete" and done["progress"] == {"done": 10, "total": 10}
    assert done["downloadUrl"].startswith("http://testserver/api/viewer/exports/jobs/")
    assert done["expiresAt"] is not None and done["error"] is None


async def test_create_answers_202_with_the_job_url_in_location_and_the_default_name() -> None:
    async with job_client(job_app(clock=Clock())) as client:
        response = await client.post(JOBS, json=items(PDF_URL))
        job = response.json()
    assert response.status_code == 202
    assert response.headers["location"] == f"http://testserver/api{JOBS}/{job['id']}"
    assert job["name"] == "exports" and job["success"] is True
    assert job["createdAt"].endswith("Z") and job["updatedAt"] == job["createdAt"]


async def test_jobs_take_the_job_seconds_option_by_default() -> None:
    clock = Clock()
    async with job_client(job_app(clock=clock, job_seconds=30)) as client:
        job = await create(client, PDF_URL)
        clock.advance(29)
        assert (await get(client, job["id"]))["state"] == "processing"
        clock.advance(1)
        assert (await get(client, job["id"]))["state"] == "complete"


async def test_a_job_ends_on_time_when_nobody_polls() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    app = job_app(job_seconds=0.2, transport=httpx.MockTransport(answer))
    async with job_client(app) as client:
        await create(client, PDF_URL, callbackUrl="https://app.example.com/hooks")

        async def deliveries() -> list[httpx.Request]:
            return list(sent)

        # Nothing reads the job: only the mock's own clock can end it and send the webhook.
        delivered = await until(deliveries, bool, what="the job's webhook")
    assert json.loads(delivered[0].content)["event"] == "export.complete"


async def test_a_job_whose_items_all_fail_ends_error_not_found() -> None:
    clock = Clock()
    async with job_client(job_app(clock=clock)) as client:
        job = await create(client, MISSING_URL, "https://other.invalid/a.png",
                           prefer="job-duration=1")
        clock.advance(1)
        ended = await get(client, job["id"])
    assert ended["state"] == "error" and ended["error"]["code"] == "not_found"
    assert "2 items" in ended["error"]["message"]
    assert ended["downloadUrl"] is None and ended["progress"] == {"done": 2, "total": 2}


async def test_a_job_with_some_failing_items_completes() -> None:
    clock = Clock()
    async with job_client(job_app(clock=clock)) as client:
        job = await create(client, PDF_URL, MISSING_URL, prefer="job-duration=1")
        clock.advance(1)
        assert (await get(client, job["id"]))["state"] == "complete"


async def test_cancelling_a_processing_job_is_final() -> None:
    clock = Clock()
    async with job_client(job_app(clock=clock)) as client:
        job = await create(client, PDF_URL, TEXT_URL, prefer="job-duration=10")
        clock.advance(6)
        cancelled = (await client.delete(f"{JOBS}/{job['id']}")).json()
        clock.advance(60)
        later = await get(client, job["id"])
        again = await client.delete(f"{JOBS}/{job['id']}")
    assert cancelled["state"] == "cancelled" and cancelled["progress"]["done"] == 1
    assert later["state"] == "cancelled" and later["progress"]["done"] == 1
    assert again.status_code == 200 and again.json()["state"] == "cancelled"


async def test_deleting_a_complete_job_makes_it_gone_and_its_download_410() -> None:
    clock = Clock()
    async with job_client(job_app(clock=clock)) as client:
        job = await create(client, PDF_URL, prefer="job-duration=0")
        complete = await get(client, job["id"])
        gone = (await client.delete(f"{JOBS}/{job['id']}")).json()
        download = await client.get(complete["downloadUrl"])
    assert complete["state"] == "complete" and gone["state"] == "gone"
    assert gone["downloadUrl"] is None and gone["expiresAt"] is None
    assert download.status_code == 410
    assert download.headers["content-type"] == "application/problem+json"


async def test_a_complete_job_turns_gone_at_expires_at() -> None:
    clock = Clock()
    settings = Settings(api_keys=("mock-test-key",), job_ttl_seconds=60)
    async with job_client(job_app(clock=clock, settings=settings)) as client:
        job = await create(client, PDF_URL, prefer="job-duration=0")
        complete = await get(client, job["id"])
        clock.advance(59)
        assert (await client.get(complete["downloadUrl"])).status_code == 200
        clock.advance(1)
        expired = await client.get(complete["downloadUrl"])
        gone = await get(client, job["id"])
    assert expired.status_code == 410 and "expired" in expired.json()["detail"]
    assert gone["state"] == "gone"


async def test_unknown_job_ids_are_404() -> None:
    async with job_client(job_app(clock=Clock())) as client:
        got = await client.get(f"{JOBS}/nope")
        deleted = await client.delete(f"{JOBS}/nope")
    assert got.status_code == 404 and deleted.status_code == 404
    assert "GET /viewer/exports/jobs" in got.json()["detail"]


@pytest.mark.parametrize("callback", ["ftp://hooks.example.com/x", "/hooks/exports",
                                      "not a url"])
async def test_a_callback_url_that_is_not_absolute_http_is_400(callback: str) -> None:
    async with job_client(job_app(clock=Clock())) as client:
        response = await client.post(JOBS, json=items(PDF_URL, callbackUrl=callback))
    assert response.status_code == 400
    assert "absolute http(s) URL" in response.json()["detail"]


async def test_jobs_beyond_the_item_limit_are_413() -> None:
    settings = Settings(api_keys=("mock-test-key",), max_job_items=3)
    async with job_client(job_app(clock=Clock(), settings=settings)) as client:
        response = await client.post(JOBS, json=items(*[PDF_URL] * 4))
    assert response.status_code == 413 and "at most 3" in response.json()["detail"]


async def test_the_reference_item_limit_of_10000_is_the_default() -> None:
    async with job_client(job_app(clock=Clock())) as client:
        at_limit = await client.post(JOBS, json=items(*[PDF_URL] * 10_000))
        beyond = await client.post(JOBS, json=items(*[PDF_URL] * 10_001))
    assert at_limit.status_code == 202 and beyond.status_code == 413


@pytest.mark.parametrize("value", ["-1", "abc", "3601", "nan", "1e3"])
async def test_an_unusable_prefer_job_duration_is_400_saying_what_to_send(value: str) -> None:
    async with job_client(job_app(clock=Clock())) as client:
        response = await client.post(JOBS, json=items(PDF_URL),
                                     headers={"Prefer": f"job-duration={value}"})
    assert response.status_code == 400
    assert "seconds from 0 to 3600" in response.json()["detail"]


async def test_jobs_need_the_api_key(client: httpx.AsyncClient) -> None:
    response = await client.post(JOBS, json=items(PDF_URL), headers={"x-api-key": ""})
    assert response.status_code == 401


async def test_past_jobs_kept_the_oldest_ended_jobs_are_forgotten() -> None:
    clock = Clock()
    async with job_client(job_app(clock=clock, jobs_kept=3)) as client:
        busy = await create(client, PDF_URL, prefer="job-duration=100")
        ended = [await create(client, PDF_URL, prefer="job-duration=0") for _ in range(2)]
        await get(client, ended[0]["id"])  # both end
        newest = await create(client, PDF_URL, prefer="job-duration=0")
        forgotten = await client.get(f"{JOBS}/{ended[0]['id']}")
        listed = (await client.get(JOBS)).json()["jobs"]
    assert forgotten.status_code == 404
    assert [j["id"] for j in listed] == [newest["id"], ended[1]["id"], busy["id"]]
