"""The export-job operations (rules J1-J8), answered from the jobs in memory.

Method names are the operationIds in snake_case, as for `MockHandlers`; `create_mock_app`
passes this object to `build_app` beside them (`optional=`).
"""

from __future__ import annotations

from typing import Any

from connexion import request as current_request
from starlette.responses import Response

from export_contract.callback_urls import CallbackRefused, check_callback_url
from export_contract.job_cursors import BadCursor
from export_contract.job_routes import (
    MAX_PAGE_SIZE,
    download_gone,
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

from .context import current_state, request_base_url
from .job_zip import zip_response
from .jobs import MockJobs
from .scenarios import JOB_SCENARIOS

__all__ = ["MockJobHandlers"]


class MockJobHandlers:
    def __init__(self, jobs: MockJobs, settings: Settings, api_prefix: str, *,
                 job_seconds: float) -> None:
        self.jobs = jobs
        self.settings = settings
        self.api_prefix = api_prefix
        self.job_seconds = job_seconds

    async def create_export_job(self, body: dict[str, Any]) -> Response:
        urls = job_source_urls(body, self.settings.max_job_items)
        callback_url = body.get("callbackUrl")
        if callback_url is not None:
            try:
                check_callback_url(callback_url)  # rule J8; any host will do in the mock
            except CallbackRefused as exc:
                raise ApiProblem(400, f"{exc}.") from exc
        state = current_state()
        duration = self.job_seconds
        if state is not None and state.job_duration_seconds is not None:
            duration = state.job_duration_seconds
        scenario = state.scenario.name if state is not None and state.scenario else None
        job = self.jobs.create(urls=urls, name=job_name(body.get("name")),
                               base_url=self._base_url(), callback_url=callback_url,
                               duration=duration,
                               scenario=scenario if scenario in JOB_SCENARIOS else None)
        return json_response(self.jobs.body(job), status=202, headers={"Location": job.url})

    async def list_export_jobs(self, limit: int | None = None, cursor: str | None = None,
                               state: str | None = None) -> Response:
        if limit is not None and limit < 1:
            raise ApiProblem(400, f"limit: expected 1 or more jobs per page (larger values "
                                  f"are capped at {MAX_PAGE_SIZE}), got {limit}.")
        try:
            jobs, next_cursor = self.jobs.page(limit=page_size(limit), cursor=cursor, state=state)
        except BadCursor as exc:
            raise ApiProblem(400, f"cursor: {exc}.") from exc
        return json_response({"success": True, "jobs": [self.jobs.body(j) for j in jobs],
                              "nextCursor": next_cursor})

    async def get_export_job(self, job_id: str) -> Response:
        job = self.jobs.get(job_id)
        if job is None:
            raise no_such_job(job_id)
        return json_response(self.jobs.body(job))

    async def delete_export_job(self, job_id: str) -> Response:
        job = self.jobs.delete(job_id)
        if job is None:
            raise no_such_job(job_id)
        return json_response(self.jobs.body(job))

    async def download_export_job(self, job_id: str, token: str) -> Response:
        try:
            job = self.jobs.downloadable(job_id, token)
        except (TokenExpired, TokenInvalid) as exc:
            raise download_token_problem(exc, issuer="mock") from exc
        except LookupError as exc:
            raise download_withdrawn() from exc
        if job.scenario == "job-gone" or job.zip is None:
            raise download_gone("This job's download is gone (mock scenario job-gone); create "
                                "the job again.")
        return zip_response(job.zip, zip_download_headers(job.name), current_request.headers)

    def _base_url(self) -> str:
        if self.settings.public_base_url is not None:
            return self.settings.public_base_url
        state = current_state()
        if state is None:
            return f"http://{self.settings.host}:{self.settings.port}{self.api_prefix}"
        return request_base_url(state, self.api_prefix)

