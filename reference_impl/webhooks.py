"""Delivering the outbox's webhooks (rule J7): signed, retried with growing delays.

One thread finds due deliveries and hands each to a small pool; an attempt is one `POST` with
`Content-Type: application/json`, the event's id (the same on every retry) and a signature
made for that attempt. A `2xx` settles it; anything else (another status, a timeout, a refused
connection) is retried after the next delay of the schedule, until the schedule runs out.
Nothing here touches a job: its state changed before the event was queued.

With private callbacks refused, the target is resolved again before each attempt, so a name
that came to point inside the network after the job was created is not called, and the
request goes to the address that was checked (`pinned_targets`), not to a second lookup's.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx

from export_contract.callback_urls import refused_address, resolve_host
from export_contract.webhook_signing import EVENT_ID_HEADER, SIGNATURE_HEADER, sign_webhook

from .outbox import Delivery, Outbox
from .pinned_targets import PinnedRequest, pinned_request
from .storage import StorageError

__all__ = ["USER_AGENT", "WebhookSender"]

logger = logging.getLogger("reference_impl")

USER_AGENT = "export-contract-webhooks/1"
_CONCURRENCY = 4
# How often the outbox is looked at when nothing wakes the sender (events queued by other
# processes, retries coming due).
_IDLE_POLL_SECONDS = 1.0
# How long stopping waits for attempts in flight.
_STOP_GRACE_SECONDS = 2.0


class WebhookSender:
    def __init__(self, outbox: Outbox, secret: Callable[[], bytes], *, timeout_seconds: float,
                 retry_delays: Sequence[float], allow_private: bool,
                 clock: Callable[[], float] = time.time) -> None:
        self.outbox = outbox
        self.secret = secret
        self.timeout_seconds = timeout_seconds
        self.retry_delays = tuple(retry_delays)
        self.allow_private = allow_private
        self.clock = clock
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._slots = threading.BoundedSemaphore(_CONCURRENCY)
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._in_flight: set[concurrent.futures.Future[None]] = set()

    def start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stopping.is_set():
                return
            self._pool = ThreadPoolExecutor(_CONCURRENCY, thread_name_prefix="export-webhook")
            self._thread = threading.Thread(target=self._loop, name="export-webhooks",
                                            daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Look at the outbox now (an event was just queued)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop sending; attempts in flight get a moment to finish (an attempt cut short is
        made again after a restart, once its lease ends)."""
        self._stopping.set()
        self._wake.set()
        with self._lock:
            thread, pool = self._thread, self._pool
        if thread is not None:
            thread.join()
        if pool is not None:
            concurrent.futures.wait(list(self._in_flight), timeout=_STOP_GRACE_SECONDS)
            pool.shutdown(wait=False, cancel_futures=True)

    # -- the loop ----------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                wait = self._send_due()
            except StorageError as exc:  # a locked or failing database: try again later
                logger.warning("webhook outbox: %s", exc)
                wait = _IDLE_POLL_SECONDS
            except Exception:  # the thread must outlive any one failure
                logger.exception("webhook outbox failed")
                wait = _IDLE_POLL_SECONDS
            self._wake.wait(wait)
            self._wake.clear()

    def _send_due(self) -> float:
        """Start the due deliveries there is room for; how long to wait before looking again.

        Only reads while nothing is due, so an idle outbox takes no write lock.
        """
        due = self.outbox.next_due()
        if due is None or due > self.clock():
            return _IDLE_POLL_SECONDS if due is None else min(_IDLE_POLL_SECONDS,
                                                              due - self.clock())
        free = 0
        while self._slots.acquire(blocking=False):
            free += 1
        if not free:
            return _IDLE_POLL_SECONDS  # an attempt ending wakes the loop
        try:
            deliveries = self.outbox.claim_due(self.clock(), limit=free,
                                               lease_seconds=self.timeout_seconds + 30)
        except BaseException:
            for _ in range(free):
                self._slots.release()
            raise
        for _ in range(free - len(deliveries)):
            self._slots.release()
        assert self._pool is not None
        for delivery in deliveries:
            future = self._pool.submit(self._attempt, delivery)
            self._in_flight.add(future)
            future.add_done_callback(self._in_flight.discard)
        return 0.0

    # -- one attempt -------------------------------------------------------------------------

    def _attempt(self, delivery: Delivery) -> None:
        try:
            delivered, result = self._post(delivery)
            attempt = delivery.attempts + 1
            retry_at = (None if delivered or attempt > len(self.retry_delays)
                        else self.clock() + self.retry_delays[attempt - 1])
            self.outbox.settle(delivery.event_id, result=result, delivered=delivered,
                               retry_at=retry_at)
            if not delivered:
                logger.warning("webhook %s for job %s: attempt %d failed (%s)%s",
                               delivery.event_id, delivery.job_id, attempt, result,
                               "" if retry_at is not None else "; giving up")
        except Exception:  # the lease ends and the attempt is made again
            if not self._stopping.is_set():
                logger.exception("webhook %s could not be recorded", delivery.event_id)
        finally:
            self._slots.release()
            self._wake.set()

    def _post(self, delivery: Delivery) -> tuple[bool, str]:
        target = self._target(delivery.url)
        if isinstance(target, str):
            return False, target
        headers = {
            "Content-Type": "application/json",
            EVENT_ID_HEADER: delivery.event_id,
            SIGNATURE_HEADER: sign_webhook(self.secret(), delivery.body),
            "User-Agent": USER_AGENT,
            **target.headers,
        }
        try:
            # No redirects: a 3xx is an answer, not a 2xx. The body is never read.
            with httpx.Client(timeout=self.timeout_seconds, follow_redirects=False,
                              trust_env=False) as client, client.stream(
                    "POST", target.url, content=delivery.body, headers=headers,
                    extensions=target.extensions) as response:
                return 200 <= response.status_code < 300, f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            return False, f"{type(exc).__name__}: {exc}"[:300]

    def _target(self, url: str) -> PinnedRequest | str:
        """Where to send the attempt, or why it is refused."""
        if self.allow_private:
            return PinnedRequest(url, {})
        host = urlsplit(url).hostname or ""
        try:
            addresses = resolve_host(host)
        except (OSError, ValueError) as exc:
            return f"the callback host does not resolve ({exc})"
        refused = refused_address(addresses)
        if refused is not None:
            return f"refused: the callback host resolves to the non-public address {refused}"
        return pinned_request(url, addresses[0])
