"""Listing the mock's export jobs (J3): newest first, pages, cursors, the state filter."""

from __future__ import annotations

import httpx
import pytest
from job_helpers import JOBS, Clock, create, job_app, job_client
from mock_helpers import PDF_URL

pytestmark = pytest.mark.anyio


async def _listing(client: httpx.AsyncClient, **params: object) -> httpx.Response:
    return await client.get(JOBS, params={k: v for k, v in params.items() if v is not None})


async def test_pages_follow_next_cursor_newest_first_to_the_last_page() -> None:
    async with job_client(job_app(clock=Clock())) as client:
        created = [(await create(client, PDF_URL))["id"] for _ in range(5)]
        first = (await _listing(client, limit=2)).json()
        second = (await _listing(client, limit=2, cursor=first["nextCursor"])).json()
        third = (await _listing(client, limit=2, cursor=second["nextCursor"])).json()
    listed = [job["id"] for page in (first, second, third) for job in page["jobs"]]
    assert listed == created[::-1]
    assert third["nextCursor"] is None and first["success"] is True


async def test_the_state_filter_keeps_its_cursor() -> None:
    clock = Clock()
    async with job_client(job_app(clock=clock)) as client:
        done = [(await create(client, PDF_URL, prefer="job-duration=0"))["id"]
                for _ in range(3)]
        busy = (await create(client, PDF_URL, prefer="job-duration=100"))["id"]
        first = (await _listing(client, state="complete", limit=2)).json()
        second = (await _listing(client, state="complete", limit=2,
                                 cursor=first["nextCursor"])).json()
        processing = (await _listing(client, state="processing")).json()
        mixed = await _listing(client, cursor=first["nextCursor"])
    assert [j["id"] for j in first["jobs"] + second["jobs"]] == done[::-1]
    assert [j["id"] for j in processing["jobs"]] == [busy]
    assert mixed.status_code == 400 and "state=complete" in mixed.json()["detail"]


async def test_limit_defaults_to_50_and_is_capped_at_200() -> None:
    async with job_client(job_app(clock=Clock())) as client:
        for _ in range(201):
            await create(client, PDF_URL)
        default = (await _listing(client)).json()
        capped = (await _listing(client, limit=1000)).json()
    assert len(default["jobs"]) == 50 and default["nextCursor"] is not None
    assert len(capped["jobs"]) == 200 and capped["nextCursor"] is not None


@pytest.mark.parametrize(("params", "named"), [
    ({"state": "finished"}, "state: expected one of processing, complete"),
    ({"cursor": "not-a-cursor"}, "cursor: this cursor was not issued by this mock"),
    ({"limit": 0}, "limit: less than the minimum of 1"),
])
async def test_unusable_list_parameters_are_400_naming_the_parameter(
        params: dict[str, object], named: str) -> None:
    async with job_client(job_app(clock=Clock())) as client:
        response = await _listing(client, **params)
    assert response.status_code == 400 and named in response.json()["detail"]
