"""The mock's job webhooks (rule J7): signed, retried with growing delays, journalled.

Each event is one asyncio task: `POST` the body with its event id (the same on every retry)
and a signature made for that attempt; a `2xx` ends it, anything else (another status, a
timeout, a refused connection) is retried after the next delay of the schedule until it runs
out. Tasks never touch a job: its state changed before the event was sent. Every attempt
lands in the journal with the receiver's answer.

Unlike the reference backend, any target is called, loopback and private addresses included
(rule J8 lets the mock allow them): the frontend developer's receiver runs on their machine.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from export_contract.webhook_signing import EVENT_ID_HEADER, SIGNATURE_HEADER, sign_webhook

from .journal import Journal

__all__ = ["USER_AGENT", "WRONG_SECRET", "WebhookSender"]

logger = logging.getLogger("mock_server")

USER_AGENT = "export-contract-mock-webhooks/1"
# `webhook-bad-signature` signs with this instead of the mock's secret.
WRONG_SECRET = b"export-contract mock: not the webhook secret"


class WebhookSender:
    def __init__(self, secret: bytes, journal: Journal, *, timeout_seconds: float,
                 retry_delays: Sequence[float],
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.secret = secret
        self.journal = journal
        self.timeout_seconds = timeout_seconds
        self.retry_delays = tuple(retry_delays)
        # Tests may inject one (httpx.MockTransport); None is the network.
        self.transport = transport
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, *, url: str, job_id: str, event: str, job: dict[str, Any],
             scenario: str | None) -> None:
        """Deliver `event` in the background (needs a running event loop)."""
        body = json.dumps({"event": event, "job": job}, ensure_ascii=False).encode("utf-8")
        delivery = _Delivery(url, job_id, event, f"evt_{uuid.uuid4().hex}", body, scenario)
        task = asyncio.get_running_loop().create_task(self._deliver(delivery),
                                                      name=f"webhook {delivery.event_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def pending(self) -> int:
        """How many events are still being delivered (or waiting for a retry)."""
        return len(self._tasks)

    async def aclose(self) -> None:
        """Drop the deliveries still under way (when the server stops)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _deliver(self, delivery: _Delivery) -> None:
        # `webhook-duplicate`: the whole delivery again once the first one ended.
        rounds = 2 if delivery.scenario == "webhook-duplicate" else 1
        for _ in range(rounds):
            await self._until_delivered(delivery)

    async def _until_delivered(self, delivery: _Delivery) -> None:
        for attempt in range(1, len(self.retry_delays) + 2):
            if await self._attempt(delivery, attempt):
                return
            if attempt > len(self.retry_delays):
                logger.warning("webhook %s for job %s: giving up after %d attempts",
                               delivery.event_id, delivery.job_id, attempt)
                return
            await asyncio.sleep(self.retry_delays[attempt - 1])

    async def _attempt(self, delivery: _Delivery, attempt: int) -> bool:
        secret = WRONG_SECRET if delivery.scenario == "webhook-bad-signature" else self.secret
        headers = {"Content-Type": "application/json", EVENT_ID_HEADER: delivery.event_id,
                   SIGNATURE_HEADER: sign_webhook(secret, delivery.body),
                   "User-Agent": USER_AGENT}
        wall, started = time.time(), time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            # No redirects (a 3xx is an answer, not a 2xx); no proxies from the environment.
            async with httpx.AsyncClient(timeout=self.timeout_seconds, follow_redirects=False,
                                         trust_env=False, transport=self.transport) as client:
                response = await client.post(delivery.url, content=delivery.body,
                                             headers=headers)
                status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        self.journal.record_webhook(
            time=wall, url=delivery.url, job_id=delivery.job_id, event=delivery.event,
            event_id=delivery.event_id, attempt=attempt, headers=headers, body=delivery.body,
            status=status, error=error, duration_ms=(time.perf_counter() - started) * 1000,
            scenario=delivery.scenario)
        logger.info("webhook %s %s attempt %d -> %s", delivery.event, delivery.event_id,
                    attempt, status if status is not None else error)
        return status is not None and 200 <= status < 300


@dataclass(frozen=True, slots=True)
class _Delivery:
    url: str
    job_id: str
    event: str
    event_id: str
    body: bytes
    scenario: str | None
