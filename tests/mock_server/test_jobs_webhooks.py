"""The mock's job webhooks (J7): signed, retried with the same event id, journalled."""

from __future__ import annotations

import json

import httpx
import pytest
from job_helpers import JOBS, Clock, create, get, job_app, job_client
from job_waits import until
from mock_helpers import API_KEY, MISSING_URL, PDF_URL, client_for
from webhook_receivers import webhook_receiver

from export_contract.settings import Settings
from export_contract.webhook_signing import SignatureMismatch, verify_webhook
from mock_server.options import DEV_WEBHOOK_SECRET
from mock_server.webhooks import WRONG_SECRET

pytestmark = pytest.mark.anyio


async def test_a_loopback_receiver_gets_a_signed_webhook_retried_after_a_500() -> None:
    with webhook_receiver() as receiver:
        receiver.statuses = [500]
        async with job_client(job_app()) as client:
            job = await create(client, PDF_URL, prefer="job-duration=0",
                               callbackUrl=receiver.url)
            first, retry = await receiver.received(2)
            complete = await get(client, job["id"])
    assert first.body == retry.body
    assert first.headers["x-export-event-id"] == retry.headers["x-export-event-id"]
    assert first.headers["x-export-event-id"].startswith("evt_")
    for delivery in (first, retry):
        assert delivery.headers["content-type"] == "application/json"
        # The development secret, unless --webhook-secret gives another.
        verify_webhook(DEV_WEBHOOK_SECRET, delivery.body,
                       delivery.headers["x-export-signature"])
    event = json.loads(first.body)
    assert event == {"event": "export.complete", "job": complete}


async def test_the_webhook_secret_setting_signs_the_deliveries() -> None:
    secret = b"a-secret-of-our-own-0123"
    settings = Settings(api_keys=(API_KEY,), webhook_secret=secret)
    with webhook_receiver() as receiver:
        async with job_client(job_app(settings=settings)) as client:
            await create(client, PDF_URL, prefer="job-duration=0", callbackUrl=receiver.url)
            (delivery,) = await receiver.received(1)
    verify_webhook(secret, delivery.body, delivery.headers["x-export-signature"])


async def test_a_job_that_fails_sends_export_error() -> None:
    with webhook_receiver() as receiver:
        async with job_client(job_app()) as client:
            await create(client, MISSING_URL, prefer="job-duration=0", callbackUrl=receiver.url)
            (delivery,) = await receiver.received(1)
    body = json.loads(delivery.body)
    assert body["event"] == "export.error" and body["job"]["error"]["code"] == "not_found"


async def test_cancelling_sends_export_cancelled_and_nothing_else() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    clock = Clock()
    app = job_app(clock=clock, transport=httpx.MockTransport(answer))
    async with job_client(app) as client:
        job = await create(client, PDF_URL, prefer="job-duration=10",
                           callbackUrl="http://localhost:9/hooks")
        await client.delete(f"{JOBS}/{job['id']}")
        clock.advance(20)
        await get(client, job["id"])

        async def events() -> list[str]:
            return [json.loads(r.content)["event"] for r in sent]

        assert await until(events, bool) == ["export.cancelled"]


async def test_the_journal_records_each_attempt_with_its_answer() -> None:
    attempts = iter([httpx.ConnectError("connection refused"), httpx.Response(503),
                     httpx.Response(204)])

    def answer(request: httpx.Request) -> httpx.Response:
        outcome = next(attempts)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    app = job_app(transport=httpx.MockTransport(answer))
    async with job_client(app) as client, client_for(app, key=None,
                                                      base_url="http://testserver") as admin:
        job = await create(client, PDF_URL, prefer="job-duration=0",
                           callbackUrl="https://app.example.com/hooks?token=s3cret")

        async def webhooks() -> list[dict[str, object]]:
            entries = (await admin.get("/__mock/requests")).json()["requests"]
            return [e for e in entries if e["kind"] == "webhook"]

        entries = await until(webhooks, lambda found: len(found) == 3)
    assert [e["attempt"] for e in entries] == [1, 2, 3]
    assert [e["status"] for e in entries] == [None, 503, 204]
    assert "ConnectError: connection refused" in str(entries[0]["error"])
    assert entries[1]["error"] is None
    assert len({e["eventId"] for e in entries}) == 1
    first = entries[0]
    assert first["event"] == "export.complete" and first["jobId"] == job["id"]
    assert first["url"] == "https://app.example.com/hooks?token=%5Bredacted%5D"
    assert first["method"] == "POST" and first["path"] == "/hooks"
    assert first["body"]["job"]["id"] == job["id"]
    assert first["headers"]["X-Export-Event-Id"] == first["eventId"]


async def test_deliveries_give_up_when_the_retry_schedule_runs_out() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    settings = Settings(api_keys=(API_KEY,), webhook_retry_delays_seconds=(0.01, 0.02))
    app = job_app(settings=settings, transport=httpx.MockTransport(answer))
    async with job_client(app) as client:
        await create(client, PDF_URL, prefer="job-duration=0",
                     callbackUrl="https://app.example.com/hooks")

        async def done() -> int:
            return 0 if app.webhooks.pending else len(sent)

        assert await until(done, bool) == 3


def test_the_default_schedule_makes_at_least_5_attempts_over_a_minute() -> None:
    app = job_app()
    delays = Settings().webhook_retry_delays_seconds
    assert len(delays) + 1 >= 5 and sum(delays[:4]) >= 60
    assert Settings().webhook_timeout_seconds == app.webhooks.timeout_seconds == 10


async def test_webhook_duplicate_delivers_each_event_twice_with_one_id() -> None:
    with webhook_receiver() as receiver:
        async with job_client(job_app()) as client:
            await create(client, PDF_URL, prefer="job-duration=0, scenario=webhook-duplicate",
                         callbackUrl=receiver.url)
            first, second = await receiver.received(2)
    assert first.body == second.body
    assert first.headers["x-export-event-id"] == second.headers["x-export-event-id"]


async def test_webhook_bad_signature_signs_with_a_wrong_secret() -> None:
    with webhook_receiver() as receiver:
        async with job_client(job_app()) as client:
            await create(client, PDF_URL, prefer="job-duration=0, scenario=webhook-bad-signature",
                         callbackUrl=receiver.url)
            (delivery,) = await receiver.received(1)
    signature = delivery.headers["x-export-signature"]
    with pytest.raises(SignatureMismatch, match="HMAC does not match"):
        verify_webhook(DEV_WEBHOOK_SECRET, delivery.body, signature)
    verify_webhook(WRONG_SECRET, delivery.body, signature)
