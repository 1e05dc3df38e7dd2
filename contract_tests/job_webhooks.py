"""Judging the webhooks that reached the checker's receiver (rule J7).

MUST: each job's final state is delivered as its event, JSON, with an event id and a valid
signature (the checker's own HMAC, ``webhook_receiver.py``); a retry repeats body and event id,
freshly signed. SHOULD: a delivery answered 500 is retried within ``--webhook-retry-wait``,
which runs while the other job checks go on (the retry job is created first).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from .client import Exchange
from .job_api import ProbeJob
from .job_bodies import JobWatcher
from .options import VerifyOptions
from .results import Evidence
from .showing import shown_body
from .verdicts import Verdicts
from .webhook_receiver import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    Delivery,
    WebhookReceiver,
    signature_problems,
)

__all__ = ["WEBHOOK_CHECKS", "WebhookJudge"]

WEBHOOK_CHECKS = ("webhook-delivery-signed", "webhook-delivery-retried")


@dataclass
class WebhookJudge:
    receiver: WebhookReceiver
    verdicts: Verdicts
    watcher: JobWatcher
    options: VerifyOptions
    notes: list[str]

    def judge(self, jobs: Sequence[ProbeJob], retry: ProbeJob, refused: str | None) -> None:
        """Judge what reached the receiver for ``jobs``; ``retry``'s first delivery got 500.
        ``refused`` says why the backend would not call the receiver, if it would not."""
        if refused:
            self.notes.append(f"could not check J7: {refused}")
            for check in WEBHOOK_CHECKS:
                self.verdicts.skip(check, f"could not check: {refused}")
            return
        secret = self.options.webhook_secret
        if secret is None:
            self.notes.append("J7: no --webhook-secret given: signatures are checked for their "
                              "shape only; their MAC could not be checked")
        for job in jobs:
            if job.job is not None and job.callback and job.event_state:
                self._judge_deliveries(job)
        self._judge_retry(retry)

    def _judge_deliveries(self, job: ProbeJob) -> None:
        assert job.job is not None
        deliveries = self.receiver.wait_for(job.tag, 1, self.options.timeout)
        request = f"POST {self.receiver.url(job.tag)}"
        if not deliveries:
            self.verdicts.fail("webhook-delivery-signed", Evidence(
                f"job {job.job['id']} ended {job.event_state} but nothing was delivered to its "
                f"callbackUrl within {self.options.timeout:g} s", request=request))
            return
        for delivery in deliveries:
            self.verdicts.judge("webhook-delivery-signed", [
                Evidence(problem, request=request, details=(_shown(delivery.body),))
                for problem in self._delivery_problems(job, delivery)])

    def _delivery_problems(self, job: ProbeJob, delivery: Delivery) -> list[str]:
        assert job.job is not None
        problems = signature_problems(delivery.headers.get(SIGNATURE_HEADER), delivery.body,
                                      self.options.webhook_secret)
        media = delivery.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            problems.append(f"the delivery's Content-Type is {media or '(none)'!r}, not "
                            "application/json")
        if not delivery.headers.get(EVENT_ID_HEADER, "").strip():
            problems.append("the delivery has no X-Export-Event-Id")
        body = _loads(delivery.body)
        if not isinstance(body, dict):
            return [*problems, "the delivery's body is not a JSON object"]
        wanted = f"export.{job.event_state}"
        if body.get("event") != wanted:
            problems.append(f"the event is {body.get('event')!r}; the job ended "
                            f"{job.event_state}, so it is {wanted!r}")
        delivered = body.get("job")
        if isinstance(delivered, dict):
            self.watcher.see(_delivery_exchange(self.receiver.url(job.tag), delivery),
                             delivered, where="the delivered job", track=False)
        if not isinstance(delivered, dict) or delivered.get("id") != job.job["id"]:
            problems.append(f"the delivery's job is not job {job.job['id']}")
        return problems

    def _judge_retry(self, retry: ProbeJob) -> None:
        if retry.job is None or not retry.callback:
            self.verdicts.skip("webhook-delivery-retried", "could not check: the retry job "
                               "was not created with a callback")
            return
        first = self.receiver.wait_for(retry.tag, 1, self.options.timeout)
        if not first:
            self.verdicts.skip("webhook-delivery-retried",
                               "could not check: the first delivery never came")
            return
        wait = first[0].received_at + self.options.webhook_retry_wait - time.monotonic()
        deliveries = self.receiver.wait_for(retry.tag, 2, max(wait, 0.0))
        request = f"POST {self.receiver.url(retry.tag)}"
        if len(deliveries) < 2:
            self.notes.append(f"J7 SHOULD: no retry within --webhook-retry-wait "
                              f"({self.options.webhook_retry_wait:g} s) of a delivery "
                              "answered 500")
            self.verdicts.fail("webhook-delivery-retried", Evidence(
                f"a delivery answered 500 was not retried within "
                f"{self.options.webhook_retry_wait:g} s (--webhook-retry-wait)",
                request=request))
            return
        self.verdicts.ok("webhook-delivery-retried")
        before, again = deliveries[0], deliveries[1]
        problems: list[str] = []
        if again.headers.get(EVENT_ID_HEADER) != before.headers.get(EVENT_ID_HEADER):
            problems.append(f"the retry's event id {again.headers.get(EVENT_ID_HEADER)!r} "
                            f"differs from the first's {before.headers.get(EVENT_ID_HEADER)!r}")
        if again.body != before.body:
            problems.append("the retry's body differs from the first delivery's")
        # Signed afresh: the retry's own signature must hold for its own t.
        problems += self._delivery_problems(retry, again)
        self.verdicts.judge("webhook-delivery-signed", [
            Evidence(p, request=request, details=(_shown(again.body),)) for p in problems])


def _loads(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def _shown(body: bytes) -> str:
    return "body: " + shown_body(body)


def _delivery_exchange(url: str, delivery: Delivery) -> Exchange:
    """A delivery as an exchange, so its job is judged like any other."""
    return Exchange(method="POST", url=url, request_headers=delivery.headers, json_body=None,
                    raw_body=delivery.body, status=delivery.answered,
                    headers=httpx.Headers(delivery.headers), content=delivery.body,
                    key_sent=None, key_is_valid=False, well_formed=True)
