"""Export jobs in memory, moved along by the clock (rules J1-J7, the mock's side).

A job is `processing` for its duration; `progress.done` is the share of that duration gone
by, so a frontend sees a progress bar move. When the duration is up the items are resolved
as the download routes resolve them (generated, fixture or registered; hosts under
`.invalid` never), the zip is built, and the job is `complete` (or `error` when no item
resolves). A complete job turns `gone` at `expiresAt`.

Moves happen in `advance()`: every read calls it, and a task (started with the first job)
calls it whenever the next move falls due, so a job ends on time and its webhook goes out
even when nobody polls. `clock` is injectable: tests move time instead of waiting for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from export_contract.job_cursors import issue_cursor, read_cursor
from export_contract.job_routes import download_path, job_path
from export_contract.jobs import EVENTS, job_body, may_move
from export_contract.signing import TokenInvalid, UrlSigner

from .catalog import ExportCatalog, MockExport
from .job_zip import JobZip, build_job_zip

__all__ = ["GONE_SCENARIO_SECONDS", "SLOW_SCENARIO_MIN_SECONDS", "MockJob", "MockJobs"]

logger = logging.getLogger("mock_server")

# `job-slow`: this many times the job's duration, and at least SLOW_SCENARIO_MIN_SECONDS.
_SLOW_FACTOR = 20
SLOW_SCENARIO_MIN_SECONDS = 120.0
# `job-gone`: how long the job shows `complete` (its download already 410) before `gone`.
GONE_SCENARIO_SECONDS = 2.0
# The scheduler looks again at least this often (a clock moved by a test, a new job).
_MAX_NAP_SECONDS = 1.0
_JOB_ERROR_MESSAGE = ("The export service failed while building this job (mock scenario "
                      "job-error); create the job again.")


@dataclass
class MockJob:
    id: str
    seq: int
    name: str
    urls: list[str]
    # `scheme://host/api` as the creating request addressed the mock: the job's links.
    base_url: str
    callback_url: str | None
    created_at: float
    ends_at: float
    # The job scenario it was created with (`job-error`, `webhook-duplicate`, ...), if any.
    scenario: str | None = None
    state: str = "processing"
    done: int = 0
    updated_at: float = 0.0
    expires_at: float | None = None
    error: tuple[str, str] | None = None
    zip: JobZip | None = field(default=None, repr=False)

    @property
    def total(self) -> int:
        return len(self.urls)

    @property
    def url(self) -> str:
        return self.base_url + job_path(self.id)


# (job, event name) for each move that sends a webhook.
EventSink = Callable[[MockJob, str], None]


class MockJobs:
    def __init__(self, catalog: ExportCatalog, signer: UrlSigner, *, ttl_seconds: float,
                 max_kept: int = 1000, clock: Callable[[], float] = time.time,
                 on_event: EventSink = lambda job, event: None) -> None:
        self.catalog = catalog
        self.signer = signer
        self.ttl_seconds = ttl_seconds
        self.max_kept = max_kept
        self.clock = clock
        self.on_event = on_event
        self._jobs: dict[str, MockJob] = {}
        self._seq = itertools.count(1)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- the operations ------------------------------------------------------------------

    def create(self, *, urls: Sequence[str], name: str, base_url: str,
               callback_url: str | None, duration: float, scenario: str | None) -> MockJob:
        now = self.clock()
        if scenario == "job-slow":
            duration = max(duration * _SLOW_FACTOR, SLOW_SCENARIO_MIN_SECONDS)
        job = MockJob(uuid.uuid4().hex, next(self._seq), name, list(urls),
                      base_url.rstrip("/"), callback_url, now, now + duration, scenario,
                      updated_at=now)
        self._jobs[job.id] = job
        self._forget_oldest()
        self._ensure_running()
        return job

    def get(self, job_id: str) -> MockJob | None:
        self.advance()
        return self._jobs.get(job_id)

    def page(self, *, limit: int, cursor: str | None, state: str | None
             ) -> tuple[list[MockJob], str | None]:
        """One page, newest first, and the next page's cursor (None on the last); raises
        BadCursor for a cursor the mock did not issue for this `state`."""
        self.advance()
        before = (read_cursor(self.signer, cursor, state, issuer="mock", now=self.clock())
                  if cursor is not None else None)
        jobs = [job for job in sorted(self._jobs.values(), key=lambda j: -j.seq)
                if (before is None or job.seq < before)
                and (state is None or job.state == state)]
        shown = jobs[:limit]
        more = len(jobs) > limit
        return shown, (issue_cursor(self.signer, shown[-1].seq, state, now=self.clock())
                       if more else None)

    def delete(self, job_id: str) -> MockJob | None:
        """Rule J5: cancel a processing job, make a complete one gone, leave a final one."""
        job = self.get(job_id)
        if job is not None and job.state == "processing":
            self._move(job, "cancelled", self.clock())
        elif job is not None and job.state == "complete":
            self._move(job, "gone", self.clock())
        return job

    def downloadable(self, job_id: str, token: str) -> MockJob:
        """The complete job a download URL is for; raises TokenExpired (past `expiresAt`),
        TokenInvalid (not issued for this job), or LookupError (no longer complete)."""
        claims = self.signer.verify(token, now=self.clock())
        if claims.get("j") != job_id:
            raise TokenInvalid("the token is for another job")
        job = self.get(job_id)
        if job is None or job.state != "complete" or job.zip is None:
            raise LookupError(job_id)
        return job

    def reset(self) -> None:
        self._jobs.clear()

    def _forget_oldest(self) -> None:
        """Past `max_kept` jobs, the oldest that ended are forgotten (their zips are held in
        memory); processing ones are kept, so no job vanishes while it is watched."""
        excess = len(self._jobs) - self.max_kept
        if excess <= 0:
            return
        ended = sorted((j for j in self._jobs.values() if j.state != "processing"),
                       key=lambda j: j.seq)
        for job in ended[:excess]:
            del self._jobs[job.id]

    # -- what a job shows ----------------------------------------------------------------

    def body(self, job: MockJob) -> dict[str, Any]:
        return job_body(job_id=job.id, state=job.state, name=job.name,
                        created_at=job.created_at, updated_at=job.updated_at, done=job.done,
                        total=job.total, download_url=self._download_url(job),
                        expires_at=job.expires_at, error=job.error)

    def _download_url(self, job: MockJob) -> str | None:
        if job.state != "complete" or job.expires_at is None:
            return None
        # Issued "at 0" so the token expires at expiresAt and is the same on every read.
        token = self.signer.sign({"j": job.id}, math.ceil(job.expires_at), now=0)
        return f"{job.base_url}{download_path(job.id)}?token={token}"

    # -- time ------------------------------------------------------------------------------

    def advance(self) -> None:
        """Make every move that has fallen due by now: progress, ends, expiries."""
        now = self.clock()
        for job in list(self._jobs.values()):
            if job.state == "processing":
                try:
                    self._progress(job, now)
                except Exception:  # a job the mock cannot build ends, it does not stay due
                    logger.exception("export job %s could not be built", job.id)
                    job.error = ("export_failed", "The mock failed while building this job; "
                                                  "see its log.")
                    self._move(job, "error", now)
            elif (job.state == "complete" and job.expires_at is not None
                  and now >= job.expires_at):
                self._move(job, "gone", job.expires_at)

    def next_due(self) -> float | None:
        """When the next move falls due (by `clock`), if any is pending."""
        due = [job.ends_at for job in self._jobs.values() if job.state == "processing"]
        due += [job.expires_at for job in self._jobs.values()
                if job.state == "complete" and job.expires_at is not None]
        return min(due, default=None)

    def _progress(self, job: MockJob, now: float) -> None:
        if now >= job.ends_at:
            self._finish(job, max(job.ends_at, job.updated_at))
            return
        length = job.ends_at - job.created_at
        share = (now - job.created_at) / length if length > 0 else 1.0
        # Never all done while processing, and never back: `done` only grows (rule J4).
        done = min(job.total - 1, math.floor(job.total * share))
        if done > job.done:
            job.done = done
            job.updated_at = max(job.updated_at, job.created_at + length * done / job.total)

    def _finish(self, job: MockJob, at: float) -> None:
        job.done = job.total
        if job.scenario == "job-error":
            job.error = ("export_failed", _JOB_ERROR_MESSAGE)
            self._move(job, "error", at)
            return
        exports: list[MockExport | None] = [self.catalog.resolve(url) for url in job.urls]
        if not any(exports):
            job.error = ("not_found", f"None of the job's {job.total} items resolved to an "
                                      "export (hosts under .invalid never do); check the "
                                      "sourceFileUrls.")
            self._move(job, "error", at)
            return
        job.zip = build_job_zip(job.id, job.urls, exports)
        ttl = GONE_SCENARIO_SECONDS if job.scenario == "job-gone" else self.ttl_seconds
        job.expires_at = at + ttl
        self._move(job, "complete", at)

    def _move(self, job: MockJob, state: str, at: float) -> None:
        assert may_move(job.state, state), (job.state, state)
        job.state = state
        job.updated_at = max(job.updated_at, at)
        if state == "gone":
            job.zip = None  # its bytes are not needed any more
        event = EVENTS.get(state)
        if event is not None:
            self.on_event(job, event)

    # -- the scheduler -------------------------------------------------------------------

    def _ensure_running(self) -> None:
        """Start the scheduler on the running loop (once), or wake it for a new job."""
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(),
                                                                name="mock-export-jobs")
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self.advance()
            due = self.next_due()
            nap = _MAX_NAP_SECONDS if due is None else due - self.clock()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(),
                                       timeout=min(max(nap, 0.001), _MAX_NAP_SECONDS))
            self._wake.clear()

    async def aclose(self) -> None:
        """Stop the scheduler (when the server stops)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
