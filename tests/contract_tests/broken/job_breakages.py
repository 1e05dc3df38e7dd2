"""Broken export-job backends: the reference backend with one behaviour patched (rules J1-J8).

Unlike the rest of this package, these wrap the reference (``reference_impl``) rather than the
independent Starlette backend: export jobs need a job store, a builder and a webhook sender,
and the reference's are the ones to break. Each breakage is a context manager applying its
patches for the length of one verify run, plus settings the app is built with and verify
options its gating run needs. The checker itself never imports any of this.
"""

from __future__ import annotations

import dataclasses
import io
import json
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from export_contract.problems import ApiProblem
from export_contract.responses import json_response
from reference_impl import job_zip, webhooks
from reference_impl.job_handlers import JobHandlers
from reference_impl.job_links import JobLinks
from reference_impl.job_runner import JobRunner
from reference_impl.job_store import JobStore
from reference_impl.job_zip import JobZipBuilder
from reference_impl.webhooks import WebhookSender

from .registry import Level

__all__ = ["JOB_BREAKAGES", "JobBreakage"]

Patches = Callable[[], AbstractContextManager[None]]
# How long a slowed builder keeps each job processing: long enough for a few polls to see it.
_SLOW_BUILD_SECONDS = 0.4


@dataclass(frozen=True)
class JobBreakage:
    """The reference with ``patches`` applied breaks ``rule`` at ``level``; ``also`` lists the
    rules the same deviation breaks by the letter of the contract."""

    name: str
    rule: str
    level: Level
    description: str
    patches: Patches
    also: frozenset[str] = frozenset()
    settings: tuple[tuple[str, object], ...] = ()
    options: tuple[tuple[str, object], ...] = ()
    # An ASGI layer put in front of the reference, for what its schema checks before any code.
    wrap: Callable[[ASGIApp], ASGIApp] | None = None

    @property
    def id(self) -> str:
        return f"{self.name}-{self.rule}"


_registered: list[JobBreakage] = []


def job_breakage(name: str, rule: str, description: str, *, level: Level = "MUST",
                 also: str = "", settings: dict[str, object] | None = None,
                 wrap: Callable[[ASGIApp], ASGIApp] | None = None,
                 **options: object) -> Callable[[Callable[[], Iterator[None]]], Patches]:
    def register(patches: Callable[[], Iterator[None]]) -> Patches:
        entered = contextmanager(patches)
        _registered.append(JobBreakage(name, rule, level, description, entered,
                                       frozenset(also.split()), tuple((settings or {}).items()),
                                       tuple(options.items()), wrap))
        return entered

    return register


def _slow_builder() -> AbstractContextManager[Any]:
    """Jobs stay processing for a moment, so polls can watch them (the reference is fast)."""
    build = JobZipBuilder.build

    def slow(self: JobZipBuilder, *args: Any, **kwargs: Any) -> Any:
        time.sleep(_SLOW_BUILD_SECONDS)  # the broken backend is slow, the test does not wait
        return build(self, *args, **kwargs)

    return mock.patch.object(JobZipBuilder, "build", slow)


def _bodies(change: Callable[[dict[str, Any]], dict[str, Any]]
            ) -> AbstractContextManager[Any]:
    """Every job body the backend shows passes through ``change``."""
    body = JobLinks.body

    def changed(self: JobLinks, record: Any) -> dict[str, Any]:
        return change(body(self, record))

    return mock.patch.object(JobLinks, "body", changed)


# -- J1 ----------------------------------------------------------------------------------------

@job_breakage("job-without-location", "J1", "a created job's 202 has no Location header")
def _without_location() -> Iterator[None]:
    create = JobHandlers.create_export_job

    async def created(self: JobHandlers, body: dict[str, Any]) -> Response:
        response = await create(self, body)
        del response.headers["location"]
        return response

    with mock.patch.object(JobHandlers, "create_export_job", created):
        yield


@job_breakage("job-item-limit-raised", "J1", "a job takes 20,000 items, not the reference's "
              "10,000", level="REF", settings={"max_job_items": 20_000,
                                               "max_job_body_bytes": 16 * 1024 * 1024})
def _item_limit_raised() -> Iterator[None]:
    yield


# -- J2 ----------------------------------------------------------------------------------------

@job_breakage("download-url-while-processing", "J2", "a processing job already shows a "
              "downloadUrl")
def _download_url_while_processing() -> Iterator[None]:
    def early(job: dict[str, Any]) -> dict[str, Any]:
        if job["state"] == "processing":
            return {**job, "downloadUrl": f"https://files.example.com/{job['id']}.zip"}
        return job

    with _bodies(early):
        yield


# -- J3 ----------------------------------------------------------------------------------------

@job_breakage("list-ignores-state", "J3", "listing jobs ignores ?state= and lists them all")
def _list_ignores_state() -> Iterator[None]:
    listing = JobHandlers.list_export_jobs

    async def unfiltered(self: JobHandlers, limit: int | None = None,
                         cursor: str | None = None, state: str | None = None) -> Response:
        return await listing(self, limit=limit, cursor=cursor)

    with mock.patch.object(JobHandlers, "list_export_jobs", unfiltered):
        yield


# -- J4 ----------------------------------------------------------------------------------------

@job_breakage("job-state-moves-backwards", "J4", "a complete job reads back as processing on "
              "every second read")
def _state_moves_backwards() -> Iterator[None]:
    get = JobHandlers.get_export_job
    reads: dict[str, int] = {}

    async def read(self: JobHandlers, job_id: str) -> Response:
        response = await get(self, job_id)
        record = await self._job(job_id)
        job = self.jobs.links.body(record)
        if job["state"] != "complete":
            return response
        reads[job_id] = reads.get(job_id, 0) + 1
        if reads[job_id] % 2:
            return response
        return json_response({**job, "state": "processing", "downloadUrl": None,
                              "expiresAt": None})

    with mock.patch.object(JobHandlers, "get_export_job", read):
        yield


@job_breakage("job-progress-decreases", "J4", "a new job claims all items done, then reads "
              "back with none done")
def _progress_decreases() -> Iterator[None]:
    seen: set[str] = set()

    def boast(job: dict[str, Any]) -> dict[str, Any]:
        if job["id"] in seen or job["state"] != "processing":
            seen.add(job["id"])
            return job
        seen.add(job["id"])
        total = job["progress"]["total"]
        return {**job, "progress": {"done": total, "total": total}}

    with _slow_builder(), _bodies(boast):
        yield


@job_breakage("job-unresolved-ends-500", "J4", "a job whose items all fail to resolve ends "
              "error with code internal_error (a 500), not not_found")
def _unresolved_ends_500() -> Iterator[None]:
    fail = JobRunner._fail

    def failed(self: JobRunner, job_id: str, code: str, message: str) -> None:
        if code == "not_found":
            code, message = "internal_error", "HTTP 500: the job failed."
        fail(self, job_id, code, message)

    with mock.patch.object(JobRunner, "_fail", failed):
        yield


# -- J5 ----------------------------------------------------------------------------------------

@job_breakage("cancelled-job-completes", "J5", "DELETE answers a processing job cancelled but "
              "lets it complete", also="J4 J7")
def _cancelled_job_completes() -> Iterator[None]:
    delete = JobStore.delete

    def pretend(self: JobStore, job_id: str, *, now: float, notice: Any) -> Any:
        current = self.get(job_id, now)
        if current is not None and current.state == "processing":
            return dataclasses.replace(current, state="cancelled")
        return delete(self, job_id, now=now, notice=notice)

    with _slow_builder(), mock.patch.object(JobStore, "delete", pretend), \
            mock.patch.object(JobRunner, "cancelled", lambda self, job_id: None):
        yield


# -- J6 ----------------------------------------------------------------------------------------

@job_breakage("manifest-missing", "J6", "the job zip has its manifest as summary.json, no "
              "manifest.json")
def _manifest_missing() -> Iterator[None]:
    with mock.patch.object(job_zip, "MANIFEST_NAME", "summary.json"):
        yield


@job_breakage("manifest-out-of-order", "J6", "manifest.json lists the results in reverse "
              "request order")
def _manifest_out_of_order() -> Iterator[None]:
    write = job_zip.manifest_bytes

    def reversed_manifest(job_id: str, results: Any) -> bytes:
        return write(job_id, list(reversed(results)))

    with mock.patch.object(job_zip, "manifest_bytes", reversed_manifest):
        yield


@job_breakage("gone-download-still-served", "J6", "a gone job's downloadUrl still answers 200 "
              "with a zip")
def _gone_download_served() -> Iterator[None]:
    download = JobHandlers.download_export_job

    async def served(self: JobHandlers, job_id: str, token: str) -> Response:
        try:
            return await download(self, job_id, token)
        except ApiProblem as exc:
            if exc.status != 410:
                raise
            return Response(_empty_zip(), media_type="application/zip")

    with mock.patch.object(JobHandlers, "download_export_job", served):
        yield


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w"):
        pass
    return buffer.getvalue()


def _ignore_ranges(app: ASGIApp) -> ASGIApp:
    async def layer(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/download"):
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"range"]}
        await app(scope, receive, send)

    return layer


@job_breakage("job-download-ignores-range", "J6", "the job download answers a Range request "
              "with the whole zip (200)", level="SHOULD", wrap=_ignore_ranges)
def _download_ignores_range() -> Iterator[None]:
    yield


# -- J7 ----------------------------------------------------------------------------------------

@job_breakage("webhook-wrong-signature", "J7", "webhooks are signed with another secret than "
              "the backend's")
def _wrong_signature() -> Iterator[None]:
    sign = webhooks.sign_webhook

    def signed(secret: bytes, body: bytes, timestamp: int | None = None) -> str:
        return sign(b"not-the-configured-webhook-secret", body, timestamp)

    with mock.patch.object(webhooks, "sign_webhook", signed):
        yield


@job_breakage("webhook-not-retried", "J7", "a webhook answered 500 is never sent again",
              level="SHOULD", settings={"webhook_retry_delays_seconds": ()},
              webhook_retry_wait=2.0)
def _not_retried() -> Iterator[None]:
    yield


@job_breakage("webhook-new-event-id-on-retry", "J7", "each attempt of a webhook carries a new "
              "event id")
def _new_event_id() -> Iterator[None]:
    post = WebhookSender._post

    def posted(self: WebhookSender, delivery: Any) -> tuple[bool, str]:
        return post(self, dataclasses.replace(
            delivery, event_id=f"{delivery.event_id}-attempt-{delivery.attempts + 1}"))

    with mock.patch.object(WebhookSender, "_post", posted):
        yield


# -- J8 ----------------------------------------------------------------------------------------

def _job_requests(app: ASGIApp, change: Callable[[dict[str, Any], int], int]) -> ASGIApp:
    """A layer over job creation: ``change(payload, status)`` may edit the JSON body before the
    reference reads it, and returns the status to answer in place of the reference's own."""

    async def layer(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].endswith(
                "/viewer/exports/jobs"):
            await app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        payload = json.loads(body or b"null")
        if isinstance(payload, dict):
            change(payload, 0)
            body = json.dumps(payload).encode()
        headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start" and isinstance(payload, dict):
                message = {**message, "status": change(payload, message["status"])}
            await send(message)

        await app({**scope, "headers": headers}, replay, answer)

    return layer


def _drop_foreign_callbacks(app: ASGIApp) -> ASGIApp:
    """A callbackUrl that is not http(s) is removed before the reference sees it."""
    def change(payload: dict[str, Any], status: int) -> int:
        callback = payload.get("callbackUrl")
        if isinstance(callback, str) and urlsplit(callback).scheme not in ("http", "https"):
            del payload["callbackUrl"]
        return status

    return _job_requests(app, change)


def _private_refused_422(app: ASGIApp) -> ASGIApp:
    """An http(s) callbackUrl the reference refuses (a private target) is answered 422."""
    def change(payload: dict[str, Any], status: int) -> int:
        callback = payload.get("callbackUrl")
        http = isinstance(callback, str) and urlsplit(callback).scheme in ("http", "https")
        return 422 if status == 400 and http else status

    return _job_requests(app, change)


@job_breakage("private-callback-unprocessable", "J8", "a callback on a private address is "
              "refused with 422, not 400", level="REF", settings={"allow_private_callbacks": False},
              wrap=_private_refused_422)
def _private_forbidden() -> Iterator[None]:
    yield


@job_breakage("callback-any-scheme-accepted", "J8", "a callbackUrl that is not http(s) (ftp:, "
              "relative, javascript:) is accepted and ignored", wrap=_drop_foreign_callbacks)
def _any_callback() -> Iterator[None]:
    yield


JOB_BREAKAGES: tuple[JobBreakage, ...] = tuple(_registered)
