"""Export jobs on the reference backend: creation, states and moves (rules J1-J5)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from job_support import JOBS, KEY, ended, items, job_client, job_settings, register
from job_waits import until
from openapi_schema_validator import OAS30Validator

from export_contract.settings import Settings
from export_contract.spec import load_spec
from export_contract.spec_files import dereference
from reference_impl.job_zip import BuiltZip, JobZipBuilder

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

A = "https://canvas.example.com/files/plan.pdf"
B = "https://canvas.example.com/archive/plan.pdf"
MISSING = "https://unknown.invalid/missing.pdf"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
JOB_FIELDS = {"success", "id", "state", "name", "createdAt", "updatedAt", "progress",
              "downloadUrl", "expiresAt", "error"}


class HeldBuilds:
    """Builds wait until released, so a job stays `processing` as long as a test needs."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.finished = threading.Event()


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldBuilds]:
    state = HeldBuilds()
    original = JobZipBuilder.build

    def build(self: JobZipBuilder, *args: Any, **kwargs: Any) -> BuiltZip:
        state.release.wait(20)
        try:
            return original(self, *args, **kwargs)
        finally:
            state.finished.set()

    monkeypatch.setattr(JobZipBuilder, "build", build)
    yield state
    state.release.set()


@pytest.fixture
async def client(settings: Settings) -> Any:
    async with job_client(job_settings(settings)) as http:
        await register(http, A, b"%PDF-1.4 a")
        await register(http, B, b"%PDF-1.4 b")
        yield http


async def test_creating_a_job_answers_202_with_location_and_the_job(
        client: httpx.AsyncClient) -> None:
    response = await client.post(JOBS, json=items(A, B, MISSING))
    assert response.status_code == 202
    job = response.json()
    assert set(job) == JOB_FIELDS
    assert job["success"] is True and job["state"] == "processing"
    assert job["name"] == "exports"
    assert job["progress"] == {"done": 0, "total": 3}
    assert (job["downloadUrl"], job["expiresAt"], job["error"]) == (None, None, None)
    assert response.headers["location"] == f"http://testserver/api{JOBS}/{job['id']}"
    assert (await client.get(response.headers["location"])).json()["id"] == job["id"]


async def test_times_are_rfc3339_with_a_zone(client: httpx.AsyncClient) -> None:
    job = (await client.post(JOBS, json=items(A))).json()
    done = await ended(client, job["id"])
    for value in (done["createdAt"], done["updatedAt"], done["expiresAt"]):
        assert RFC3339.match(value), value
        assert datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    assert done["updatedAt"] >= done["createdAt"]


async def test_a_job_where_some_items_resolve_completes_with_a_download(
        client: httpx.AsyncClient) -> None:
    job = (await client.post(JOBS, json=items(A, MISSING))).json()
    done = await ended(client, job["id"])
    assert done["state"] == "complete" and done["error"] is None
    assert done["progress"] == {"done": 2, "total": 2}
    assert done["downloadUrl"].startswith("http://testserver/api/viewer/exports/jobs/")
    assert done["expiresAt"] is not None


async def test_a_job_where_nothing_resolves_ends_error_not_found(
        client: httpx.AsyncClient) -> None:
    job = (await client.post(JOBS, json=items(MISSING, MISSING + "2"))).json()
    done = await ended(client, job["id"])
    assert done["state"] == "error"
    assert done["error"]["code"] == "not_found"
    assert MISSING in done["error"]["message"]
    assert (done["downloadUrl"], done["expiresAt"]) == (None, None)


async def test_jobs_and_pages_match_the_reference_schemas(client: httpx.AsyncClient) -> None:
    spec = dereference(load_spec("reference"))
    schemas = spec["components"]["schemas"]
    job = (await client.post(JOBS, json=items(A, MISSING) | {"name": "plans"})).json()
    OAS30Validator(schemas["Job"]).validate(job)
    OAS30Validator(schemas["Job"]).validate(await ended(client, job["id"]))
    failed = (await client.post(JOBS, json=items(MISSING))).json()
    OAS30Validator(schemas["Job"]).validate(await ended(client, failed["id"]))
    OAS30Validator(schemas["JobList"]).validate((await client.get(JOBS)).json())


async def test_an_unknown_job_id_is_404(client: httpx.AsyncClient) -> None:
    for job_id in ("0" * 32, "no-such-job", "x" * 5000, "%00"):
        for method in ("GET", "DELETE"):
            response = await client.request(method, f"{JOBS}/{job_id}")
            assert response.status_code == 404, (method, job_id, response.text)
            assert "No export job has id" in response.json()["detail"]


@pytest.mark.parametrize(("body", "fragment"), [
    ({}, "items"), ({"items": []}, "items"), ({"items": [{}]}, "sourceFileUrl"),
    ({"items": [{"sourceFileUrl": ""}]}, "sourceFileUrl"),
    ({"items": [{"sourceFileUrl": A}, {"sourceFileUrl": "not a url"}]}, "items[1]"),
    ({"items": [{"sourceFileUrl": A}], "name": 7}, "name"),
])
async def test_a_body_without_usable_items_is_400_naming_what_to_fix(
        client: httpx.AsyncClient, body: dict[str, Any], fragment: str) -> None:
    response = await client.post(JOBS, json=body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["detail"]


async def test_jobs_need_the_key(client: httpx.AsyncClient) -> None:
    assert (await client.post(JOBS, json=items(A), headers={"x-api-key": ""})).status_code == 401
    assert (await client.get(JOBS, headers={"x-api-key": "wrong"})).status_code == 403


async def test_a_job_over_ten_thousand_items_is_413(client: httpx.AsyncClient) -> None:
    accepted = await client.post(JOBS, json=items(*[A] * 10_000))
    assert accepted.status_code == 202, accepted.text
    refused = await client.post(JOBS, json=items(*[A] * 10_001))
    assert refused.status_code == 413
    assert "at most 10000 per job" in refused.json()["detail"]


async def test_a_job_body_may_be_far_larger_than_a_batch_body(
        client: httpx.AsyncClient) -> None:
    long_url = A + "?" + "v" * 150
    large = items(*[long_url] * 9000)  # about 1.5 MiB, over the batch route's 1 MiB
    assert (await client.post(JOBS, json=large)).status_code == 202
    oversized = await client.post(JOBS, content=b'{"items": [' + b" " * (9 * 1024 * 1024) + b"]}",
                                  headers={"content-type": "application/json"})
    assert oversized.status_code == 413


async def test_a_null_name_or_callback_means_none(client: httpx.AsyncClient) -> None:
    response = await client.post(JOBS, json=items(A) | {"name": None, "callbackUrl": None})
    assert response.status_code == 202, response.text
    assert response.json()["name"] == "exports"


@pytest.mark.parametrize(("name", "expected"), [
    (None, "exports"), ("  ", "exports"), ("../../etc/passwd", "_.._etc_passwd"),
    ("a\r\nb", "a__b"), ("CON", "_CON"), ("ré sumé", "ré sumé"), ("x" * 300, "x" * 255),
])
async def test_hostile_names_are_made_safe(client: httpx.AsyncClient, name: str | None,
                                           expected: str) -> None:
    body = items(A) | ({} if name is None else {"name": name})
    job = (await client.post(JOBS, json=body)).json()
    assert job["name"] == expected


async def test_delete_cancels_a_processing_job_which_then_never_completes(
        client: httpx.AsyncClient, held: HeldBuilds, settings: Settings) -> None:
    job = (await client.post(JOBS, json=items(A, B))).json()
    cancelled = await client.delete(f"{JOBS}/{job['id']}")
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    held.release.set()
    assert held.finished.wait(10)
    after = (await client.get(f"{JOBS}/{job['id']}")).json()
    assert after["state"] == "cancelled" and after["downloadUrl"] is None
    # The zip built meanwhile was discarded, not left in the blob store.
    blobs = [p for p in (Path(settings.data_dir) / "blobs").rglob("*") if p.is_file()]
    assert len(blobs) == 2


async def test_delete_turns_a_complete_job_gone_and_leaves_final_states_alone(
        client: httpx.AsyncClient) -> None:
    job = (await client.post(JOBS, json=items(A))).json()
    await ended(client, job["id"])
    gone = (await client.delete(f"{JOBS}/{job['id']}")).json()
    assert gone["state"] == "gone"
    assert (gone["downloadUrl"], gone["expiresAt"]) == (None, None)
    again = await client.delete(f"{JOBS}/{job['id']}")
    assert again.status_code == 200 and again.json() == gone
    failed = (await client.post(JOBS, json=items(MISSING))).json()
    errored = await ended(client, failed["id"])
    assert (await client.delete(f"{JOBS}/{failed['id']}")).json() == errored


async def test_progress_never_decreases_and_ends_at_total(client: httpx.AsyncClient) -> None:
    job = (await client.post(JOBS, json=items(*[A, B, MISSING] * 400))).json()
    seen: list[int] = []
    while True:
        current = (await client.get(f"{JOBS}/{job['id']}")).json()
        seen.append(current["progress"]["done"])
        if current["state"] != "processing":
            break
    assert seen == sorted(seen)
    assert current["state"] == "complete" and seen[-1] == 1200


async def test_the_list_is_newest_first_in_pages_with_a_cursor(
        client: httpx.AsyncClient) -> None:
    created = [(await client.post(JOBS, json=items(A))).json()["id"] for _ in range(5)]
    first = (await client.get(JOBS, params={"limit": 2})).json()
    assert [j["id"] for j in first["jobs"]] == created[::-1][:2]
    second = (await client.get(JOBS, params={"limit": 2, "cursor": first["nextCursor"]})).json()
    third = (await client.get(JOBS, params={"limit": 2, "cursor": second["nextCursor"]})).json()
    assert [j["id"] for j in second["jobs"] + third["jobs"]] == created[::-1][2:]
    assert third["nextCursor"] is None
    everything = (await client.get(JOBS)).json()
    assert everything["success"] is True and len(everything["jobs"]) == 5
    assert everything["nextCursor"] is None


async def test_the_list_filters_by_state(client: httpx.AsyncClient) -> None:
    failed = (await client.post(JOBS, json=items(MISSING))).json()
    good = (await client.post(JOBS, json=items(A))).json()
    await ended(client, failed["id"])
    await ended(client, good["id"])
    errors = (await client.get(JOBS, params={"state": "error"})).json()["jobs"]
    assert [j["id"] for j in errors] == [failed["id"]]
    complete = (await client.get(JOBS, params={"state": "complete"})).json()["jobs"]
    assert [j["id"] for j in complete] == [good["id"]]


async def test_limit_is_capped_at_200(client: httpx.AsyncClient) -> None:
    for _ in range(201):
        assert (await client.post(JOBS, json=items(MISSING))).status_code == 202
    page = (await client.get(JOBS, params={"limit": 5000})).json()
    assert len(page["jobs"]) == 200 and page["nextCursor"] is not None
    assert len((await client.get(JOBS)).json()["jobs"]) == 50


@pytest.mark.parametrize("params", [
    {"state": "finished"}, {"cursor": "made-up"}, {"cursor": "eyJjIjoxfQ.c2ln"},
    {"limit": "0"}, {"limit": "many"},
])
async def test_an_unknown_state_or_a_cursor_not_issued_is_400(
        client: httpx.AsyncClient, params: dict[str, str]) -> None:
    response = await client.get(JOBS, params=params)
    assert response.status_code == 400, response.text
    assert response.json()["detail"]


async def test_a_cursor_is_refused_with_another_state(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await client.post(JOBS, json=items(A))
    cursor = (await client.get(JOBS, params={"limit": 1})).json()["nextCursor"]
    response = await client.get(JOBS, params={"cursor": cursor, "state": "complete"})
    assert response.status_code == 400
    assert "same state" in response.json()["detail"]


async def test_a_tiny_ttl_turns_a_complete_job_gone(settings: Settings) -> None:
    async with job_client(job_settings(settings, job_ttl_seconds=0.5)) as client:
        await register(client, A, b"%PDF-1.4 a")
        job = (await client.post(JOBS, json=items(A))).json()
        done = await ended(client, job["id"])
        assert done["state"] == "complete"

        async def state() -> dict[str, Any]:
            found: dict[str, Any] = (await client.get(f"{JOBS}/{job['id']}")).json()
            return found

        gone = await until(state, lambda j: j["state"] == "gone", timeout=5,
                           what="the job turning gone")
        assert gone["updatedAt"] == done["expiresAt"]
        assert (gone["downloadUrl"], gone["expiresAt"]) == (None, None)
        assert (await client.get(done["downloadUrl"])).status_code == 410
        listed = (await client.get(JOBS, params={"state": "gone"})).json()["jobs"]
        assert [j["id"] for j in listed] == [job["id"]]


async def test_the_key_is_never_echoed(client: httpx.AsyncClient) -> None:
    job = (await client.post(JOBS, json=items(A))).json()
    assert KEY not in str(job) and KEY not in str(await ended(client, job["id"]))
