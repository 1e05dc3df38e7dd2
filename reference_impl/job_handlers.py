"""The export-job operations (rules J1-J8), answered from the job store (method = operationId)."""

from __future__ import annotations

import functools
import logging
from typing import Any

import anyio
from anyio import to_thread
from connexion import request as current_request
from starlette.responses import Response

from export_contract.callback_urls import (
    CallbackRefused,
    check_callback_url,
    refused_address,
    resolve_host,
)
from export_contract.job_cursors import BadCursor
from export_contract.job_routes import (
    download_token_problem,
    download_withdrawn,
    no_such_job,
    page_size,
    zip_download_headers,
)
from export_contract.jobs import job_name, job_source_urls
from export_contract.problems import ApiProblem
from export_contract.responses import json_response
from export_contract.settings import Settings
from export_contract.signing import TokenExpired, TokenInvalid

from .blob_responses import blob_response
from .handlers import request_base_url, stored_call
from .job_store import JobRecord
from .jobs import Jobs
from .storage import BlobUnreadable, StoredExport

__all__ = ["JobHandlers"]

logger = logging.getLogger("reference_impl")

# How long creating a job waits for DNS to say where its callback points.
_RESOLVE_TIMEOUT_SECONDS = 5


class JobHandlers:
    def __init__(self, jobs: Jobs, settings: Settings, api_prefix: str) -> None:
        self.jobs = jobs
        self.settings = settings
        self.api_prefix = api_prefix  # the spec's base path, e.g. `/api`

    async def create_export_job(self, body: dict[str, Any]) -> Response:
        urls = job_source_urls(body, self.settings.max_job_items)
        callback_url = body.get("callbackUrl")
        if callback_url is not None:
            await self._check_callback(callback_url)
        create = functools.partial(
            self.jobs.store.create, name=job_name(body.get("name")), items=urls,
            callback_url=callback_url, base_url=request_base_url(self.settings, self.api_prefix),
            owner=self.jobs.store.store.process_name, now=self.jobs.clock())
        record = await stored_call(create)
        self.jobs.start()
        self.jobs.runner.submit(record.id)
        return json_response(self.jobs.links.body(record), status=202,
                             headers={"Location": self.jobs.links.job_url(record)})

    async def list_export_jobs(self, limit: int | None = None, cursor: str | None = None,
                               state: str | None = None) -> Response:
        size = page_size(limit)
        try:
            before = self.jobs.links.read_cursor(cursor, state) if cursor is not None else None
        except BadCursor as exc:
            raise ApiProblem(400, f"cursor: {exc}.") from exc
        page = functools.partial(self.jobs.store.page, limit=size + 1, before_seq=before,
                                 state=state, now=self.jobs.clock())
        records = await stored_call(page)
        shown = records[:size]
        next_cursor = (self.jobs.links.cursor(shown[-1].seq, state)
                       if len(records) > size else None)
        return json_response({"success": True,
                              "jobs": [self.jobs.links.body(r) for r in shown],
                              "nextCursor": next_cursor})

    async def get_export_job(self, job_id: str) -> Response:
        return json_response(self.jobs.links.body(await self._job(job_id)))

    async def delete_export_job(self, job_id: str) -> Response:
        delete = functools.partial(self.jobs.store.delete, job_id, now=self.jobs.clock(),
                                   notice=self.jobs.links.event)
        record = await stored_call(delete)
        if record is None:
            raise no_such_job(job_id)
        if record.state == "cancelled":
            self.jobs.runner.cancelled(job_id)
            self.jobs.sender.wake()
        return json_response(self.jobs.links.body(record))

    async def download_export_job(self, job_id: str, token: str) -> Response:
        try:
            zip_prefix = self.jobs.links.verify_download(job_id, token)
        except (TokenExpired, TokenInvalid) as exc:
            raise download_token_problem(exc, issuer="backend") from exc
        record = await stored_call(self.jobs.store.get, job_id, self.jobs.clock())
        if (record is None or record.state != "complete" or record.zip_sha256 is None
                or record.zip_sha256[:32] != zip_prefix):
            raise download_withdrawn()
        return await self._zip_response(record)

    # -- helpers -----------------------------------------------------------------------------

    async def _job(self, job_id: str) -> JobRecord:
        record = await stored_call(self.jobs.store.get, job_id, self.jobs.clock())
        if record is None:
            raise no_such_job(job_id)
        return record

    async def _check_callback(self, url: str) -> None:
        """Rule J8: an absolute http(s) URL (MUST), to a public address unless allowed (REF)."""
        try:
            host = check_callback_url(url)
        except CallbackRefused as exc:
            raise ApiProblem(400, f"{exc}.") from exc
        if self.settings.allow_private_callbacks:
            return
        try:
            with anyio.fail_after(_RESOLVE_TIMEOUT_SECONDS):
                addresses = await to_thread.run_sync(resolve_host, host, abandon_on_cancel=True)
        except (OSError, TimeoutError, ValueError):
            # It may resolve later; each delivery resolves it again and refuses it then.
            logger.info("callback host of a new job does not resolve yet")
            return
        refused = refused_address(addresses)
        if refused is not None:
            raise ApiProblem(400, f"callbackUrl: {host[:100]} is (or resolves to) {refused}, a "
                                  "loopback, private or link-local address; webhooks go to "
                                  "public addresses only. The operator may allow private ones "
                                  "(--allow-private-callbacks, EXPORT_ALLOW_PRIVATE_CALLBACKS).")

    async def _zip_response(self, record: JobRecord) -> Response:
        assert record.zip_sha256 and record.zip_size is not None
        blob = StoredExport("", "", "application/zip", record.zip_size, record.zip_sha256,
                            record.zip_xxh3 or "")
        try:
            path = await to_thread.run_sync(self.jobs.store.store.check_blob, blob)
        except BlobUnreadable as exc:
            logger.error("the zip of job %s is unreadable: %s", record.id, exc)
            raise ApiProblem(500, "The job's zip is missing or damaged on the backend; create "
                                  "the job again.") from exc
        # Resumed downloads (rule J6, SHOULD): Range, If-Range, a strong ETag.
        return blob_response(path, record.zip_size, blob.xxh3,
                             etag=f'"{record.zip_sha256[:32]}"', media_type="application/zip",
                             headers=zip_download_headers(record.name),
                             request_headers=current_request.headers,
                             chunk_bytes=self.settings.zip_chunk_bytes)

