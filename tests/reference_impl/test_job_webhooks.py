"""Webhooks of export jobs (rules J7, J8): signed deliveries, retries, refused targets."""

from __future__ import annotations

import ipaddress
import itertools
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from job_support import JOBS, ended, items, job_client, job_settings, register
from webhook_receivers import Receiver, webhook_receiver

from export_contract.settings import Settings
from export_contract.webhook_signing import SignatureMismatch, verify_webhook
from reference_impl.job_store import JobStore
from reference_impl.job_zip import BuiltZip, JobZipBuilder
from reference_impl.outbox import Outbox
from reference_impl.storage import ExportStore

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

A = "https://canvas.example.com/files/plan.pdf"
MISSING = "https://unknown.invalid/missing.pdf"
SECRET = b"job-test-webhook-secret"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


def _private_allowed(settings: Settings, **changes: Any) -> Settings:
    return job_settings(settings, allow_private_callbacks=True, **changes)


async def test_a_complete_job_posts_a_signed_event(settings: Settings,
                                                   receiver: Receiver) -> None:
    async with job_client(_private_allowed(settings)) as client:
        await register(client, A, b"%PDF-1.4 a")
        job = (await client.post(JOBS, json=items(A) | {"callbackUrl": receiver.url})).json()
        done = await ended(client, job["id"])
        (delivery,) = receiver.wait_for(1)
        assert (await client.get(f"{JOBS}/{job['id']}")).json() == done
    assert delivery.headers["content-type"] == "application/json"
    assert delivery.headers["x-export-event-id"].startswith("evt_")
    signed_at = verify_webhook(SECRET, delivery.body, delivery.headers["x-export-signature"])
    assert abs(signed_at - delivery.received_at) < 5
    event = json.loads(delivery.body)
    assert event == {"event": "export.complete", "job": done}
    with pytest.raises(SignatureMismatch):
        verify_webhook(b"another-secret-0123", delivery.body,
                       delivery.headers["x-export-signature"])


async def test_error_and_cancelled_jobs_post_their_events(
        settings: Settings, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    original = JobZipBuilder.build

    def held(self: JobZipBuilder, job_id: str, urls: list[str], *args: Any) -> BuiltZip:
        if urls == [A]:
            release.wait(10)
        return original(self, job_id, urls, *args)

    monkeypatch.setattr(JobZipBuilder, "build", held)
    async with job_client(_private_allowed(settings)) as client:
        await register(client, A, b"%PDF-1.4 a")
        failing = (await client.post(JOBS, json=items(MISSING) | {
            "callbackUrl": receiver.url})).json()
        failed = await ended(client, failing["id"])
        cancelling = (await client.post(JOBS, json=items(A) | {
            "callbackUrl": receiver.url})).json()
        cancelled = (await client.delete(f"{JOBS}/{cancelling['id']}")).json()
        release.set()
        deliveries = receiver.wait_for(2)
    events = sorted((json.loads(d.body) for d in deliveries), key=lambda e: e["event"])
    assert events == [{"event": "export.cancelled", "job": cancelled},
                      {"event": "export.error", "job": failed}]
    assert failed["error"]["code"] == "not_found"


async def test_a_failed_delivery_is_retried_with_the_same_event_id(
        settings: Settings, receiver: Receiver) -> None:
    receiver.statuses = [500, 503, 404]
    async with job_client(_private_allowed(settings)) as client:
        await register(client, A, b"%PDF-1.4 a")
        job = (await client.post(JOBS, json=items(A) | {"callbackUrl": receiver.url})).json()
        await ended(client, job["id"])
        deliveries = receiver.wait_for(4)
    assert len({d.headers["x-export-event-id"] for d in deliveries}) == 1
    assert len({d.body for d in deliveries}) == 1
    for delivery in deliveries:  # each attempt carries a signature of its own that verifies
        verify_webhook(SECRET, delivery.body, delivery.headers["x-export-signature"])
    gaps = [b.received_at - a.received_at for a, b in itertools.pairwise(deliveries)]
    assert gaps[0] >= 0.05 and gaps[2] >= 0.2  # the growing delays of the schedule


async def test_deliveries_stop_when_the_schedule_runs_out(settings: Settings,
                                                          receiver: Receiver) -> None:
    receiver.statuses = [500] * 10
    async with job_client(_private_allowed(settings, webhook_retry_delays_seconds=(0.05, 0.05))
                          ) as client:
        await register(client, A, b"%PDF-1.4 a")
        job = (await client.post(JOBS, json=items(A) | {"callbackUrl": receiver.url})).json()
        await ended(client, job["id"])
        receiver.wait_for(3)
    # Read once the app has stopped: every attempt made is recorded by then.
    assert _outbox_states(settings, job["id"]) == [("failed", 3)]
    assert len(receiver.deliveries) == 3


def _outbox_states(settings: Settings, job_id: str) -> list[tuple[str, int]]:
    db = sqlite3.connect(settings.data_dir / "exports.sqlite3")
    try:
        rows = db.execute("SELECT state, attempts FROM webhook_outbox WHERE job_id = ?",
                          (job_id,)).fetchall()
    finally:
        db.close()
    return [(str(state), int(attempts)) for state, attempts in rows]


async def test_a_slow_receiver_never_holds_up_the_job(settings: Settings,
                                                      receiver: Receiver) -> None:
    receiver.hold.set()
    async with job_client(_private_allowed(settings, webhook_timeout_seconds=0.3)) as client:
        await register(client, A, b"%PDF-1.4 a")
        job = (await client.post(JOBS, json=items(A) | {"callbackUrl": receiver.url})).json()
        done = await ended(client, job["id"])
        assert done["state"] == "complete"
        # The first attempt timed out and was retried, with the same event.
        deliveries = receiver.wait_for(2)
        receiver.released.set()
    assert deliveries[0].headers["x-export-event-id"] == deliveries[1].headers[
        "x-export-event-id"]


@pytest.mark.parametrize("callback", [
    "http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.1.2.3/hook",
    "https://192.168.0.10/hook", "http://169.254.169.254/latest/meta-data",
    "http://[::1]:8080/hook", "http://[fe80::1]/hook", "http://0.0.0.0/hook",
    "http://2130706433/hook", "http://[::ffff:127.0.0.1]/hook",
])
async def test_private_callback_targets_are_refused(settings: Settings, callback: str) -> None:
    async with job_client(job_settings(settings)) as client:
        response = await client.post(JOBS, json=items(A) | {"callbackUrl": callback})
        assert response.status_code == 400, response.text
        assert "loopback, private or link-local" in response.json()["detail"]
        assert (await client.get(JOBS)).json()["jobs"] == []


async def test_an_unresolvable_public_name_is_accepted(settings: Settings) -> None:
    async with job_client(job_settings(settings)) as client:
        response = await client.post(JOBS, json=items(A) | {
            "callbackUrl": "https://hooks.unknown.invalid/exports"})
        assert response.status_code == 202, response.text


@pytest.mark.parametrize("callback", [
    "ftp://hooks.example.com/x", "/relative/hook", "hooks.example.com/x", "", "http://",
    "javascript:alert(1)", "http://[::1/x",
])
@pytest.mark.parametrize("allowed", [False, True])
async def test_a_callback_that_is_not_an_absolute_http_url_is_400(
        settings: Settings, callback: str, allowed: bool) -> None:
    async with job_client(job_settings(settings, allow_private_callbacks=allowed)) as client:
        response = await client.post(JOBS, json=items(A) | {"callbackUrl": callback})
        assert response.status_code == 400, response.text
        assert "callbackUrl" in response.json()["detail"]


async def test_a_delivery_leased_by_an_ended_process_is_sent_without_waiting_out_its_lease(
        settings: Settings, receiver: Receiver) -> None:
    # bench/jobs.py found it: after a kill -9, the events the killed process had claimed
    # waited out their lease (40 s) before the restarted server sent them.
    settings = _private_allowed(settings)
    other = ExportStore(settings.data_dir)  # a process that claims a delivery, then dies
    jobs = JobStore(other)
    job = jobs.create(name="exports", items=[A], callback_url=receiver.url,
                      base_url="http://testserver/api", owner=other.process_name, now=1.0)
    jobs.fail(job.id, "export_failed", "failed", now=1.0,
              notice=lambda event, record: json.dumps({"event": event}).encode())
    (claimed,) = Outbox(other).claim_due(time.time(), lease_seconds=3600, limit=1)
    other.close()
    async with job_client(settings):
        (delivery,) = receiver.wait_for(1, timeout=10)
    assert delivery.headers["x-export-event-id"] == claimed.event_id


def test_a_delivery_leased_by_a_live_process_is_left_to_it(settings: Settings) -> None:
    with ExportStore(settings.data_dir) as sender, ExportStore(settings.data_dir) as other:
        jobs = JobStore(sender)
        job = jobs.create(name="exports", items=[A], callback_url="http://127.0.0.1:9/hook",
                          base_url="http://testserver/api", owner=sender.process_name, now=1.0)
        jobs.fail(job.id, "export_failed", "failed", now=1.0,
                  notice=lambda event, record: json.dumps({"event": event}).encode())
        assert len(Outbox(sender).claim_due(time.time(), lease_seconds=3600, limit=1)) == 1
        assert Outbox(other).release_ended_leases(time.time()) == 0
        assert Outbox(other).claim_due(time.time(), lease_seconds=3600, limit=1) == []


async def test_a_delivery_goes_to_the_address_that_was_checked_not_to_a_second_lookup(
        settings: Settings, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    # DNS rebinding: the name resolves (here, only through the sender's own check) to an
    # address that passes; a second lookup by the HTTP client would get another answer (here,
    # none at all, the .test name is not in DNS). The request must go where was checked.
    from reference_impl import webhooks

    port = urlsplit(receiver.url).port
    checked: list[str] = []

    def resolve(host: str) -> list[Any]:
        checked.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(webhooks, "resolve_host", resolve)
    monkeypatch.setattr(webhooks, "refused_address", lambda addresses: None)
    callback = f"http://hooks.rebinding.test:{port}{urlsplit(receiver.url).path}"
    async with job_client(job_settings(settings)) as client:
        response = await client.post(JOBS, json=items(A) | {"callbackUrl": callback})
        assert response.status_code == 202, response.text
        (delivery,) = receiver.wait_for(1, timeout=10)
    assert checked and set(checked) == {"hooks.rebinding.test"}
    assert delivery.headers["host"] == f"hooks.rebinding.test:{port}"
