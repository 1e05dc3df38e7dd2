"""Building export jobs in the background: a bounded pool of threads per process.

A job is built by the process that created it, at most `workers` at a time (the others wait
in the pool's queue, still `processing`). A job's state changes only through `JobStore`,
whose moves start from the state they expect, so a job cancelled meanwhile (by this process
or another) is never completed: its zip is discarded.

After a crash or restart, a job whose process has ended is taken over (`check`, at start-up
and then periodically) and built again from the start, its `progress.done` kept where it was;
a job interrupted `MAX_ATTEMPTS` times ends `error` with code `interrupted` rather than
crashing the backend again and again.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .job_links import JobLinks
from .job_store import JobRecord, JobStore
from .job_zip import JobZipBuilder

__all__ = ["MAX_ATTEMPTS", "JobRunner"]

logger = logging.getLogger("reference_impl")

MAX_ATTEMPTS = 3
# Progress is written at most this often (and when the last item is done).
_PROGRESS_INTERVAL_SECONDS = 0.2


class _Stopped(Exception):
    """The job left `processing` (cancelled), or this process is stopping."""


class JobRunner:
    def __init__(self, jobs: JobStore, builder: JobZipBuilder, links: JobLinks, *,
                 workers: int, ttl_seconds: float, on_event: Callable[[], None],
                 clock: Callable[[], float] = time.time) -> None:
        self.jobs = jobs
        self.builder = builder
        self.links = links
        self.workers = workers
        self.ttl_seconds = ttl_seconds
        self.on_event = on_event
        self.clock = clock
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        # Jobs submitted here and not yet finished, and those of them cancelled meanwhile.
        self._queued: set[str] = set()
        self._cancelled: set[str] = set()

    @property
    def owner(self) -> str:
        return self.jobs.store.process_name

    def start(self) -> None:
        with self._lock:
            if self._executor is None and not self._stopping.is_set():
                self._executor = ThreadPoolExecutor(self.workers,
                                                    thread_name_prefix="export-job")

    def submit(self, job_id: str) -> None:
        self.start()
        with self._lock:
            if self._executor is not None and not self._stopping.is_set():
                self._queued.add(job_id)
                self._executor.submit(self._run, job_id)

    def cancelled(self, job_id: str) -> None:
        """The job was cancelled: stop building it now rather than at its next progress."""
        with self._lock:
            if job_id in self._queued:
                self._cancelled.add(job_id)

    def check(self) -> None:
        """Make expired jobs gone, and take over the jobs of processes that have ended."""
        self.jobs.expire_due(self.clock())
        for orphan in self.jobs.orphans():
            if self.jobs.adopt(orphan, self.owner):
                logger.warning("resuming export job %s (its process ended)", orphan.id)
                self.submit(orphan.id)

    def stop(self) -> None:
        """Stop building: jobs in progress stay `processing`, for the next process to take."""
        self._stopping.set()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    # -- one job -----------------------------------------------------------------------------

    def _run(self, job_id: str) -> None:
        try:
            self._build(job_id)
        except _Stopped:
            pass
        except Exception:  # a thread's failure must not go unseen, nor stop the pool
            logger.exception("export job %s failed", job_id)
            self._fail(job_id, "storage_failed", "The backend failed while building the zip; "
                                                 "create the job again.")
        finally:
            with self._lock:
                self._queued.discard(job_id)
                self._cancelled.discard(job_id)

    def _build(self, job_id: str) -> None:
        record = self.jobs.start_attempt(job_id, self.owner)
        if record is None:
            return  # cancelled, or taken over by another process
        if record.attempts > MAX_ATTEMPTS:
            self._fail(job_id, "interrupted",
                       f"The backend restarted {MAX_ATTEMPTS} times while building this job; "
                       "create it again, perhaps with fewer items.")
            return
        urls = self.jobs.items(job_id)
        try:
            built = self.builder.build(job_id, urls, self._progress(record),
                                       lambda: self._check_running(job_id))
        except OSError as exc:  # StorageError, or a write that failed (disk full)
            logger.error("export job %s: %s", job_id, exc)
            self._fail(job_id, "storage_failed", f"The zip could not be stored ({exc}); "
                                                 "create the job again later.")
            return
        if built.zip is None:
            if all(result.error == "not_found" for result in built.results):
                self._fail(job_id, "not_found", _nothing_resolved(urls))
            else:
                self._fail(job_id, "export_failed", "No item could be read from storage; see "
                                                    "the operator.")
            return
        now = self.clock()
        completed = self.jobs.complete(job_id, built.zip,
                                       expires_at=math.ceil(now + self.ttl_seconds), now=now,
                                       notice=self.links.event)
        if completed is not None:
            self.on_event()

    def _progress(self, record: JobRecord) -> Callable[[int], None]:
        last_written = 0.0

        def progress(done: int) -> None:
            nonlocal last_written
            self._check_running(record.id)
            now = self.clock()
            if done < record.total and now - last_written < _PROGRESS_INTERVAL_SECONDS:
                return
            last_written = now
            if not self.jobs.advance(record.id, done, now):
                raise _Stopped

        return progress

    def _check_running(self, job_id: str) -> None:
        if self._stopping.is_set() or job_id in self._cancelled:
            raise _Stopped

    def _fail(self, job_id: str, code: str, message: str) -> None:
        if self.jobs.fail(job_id, code, message, now=self.clock(),
                          notice=self.links.event) is not None:
            self.on_event()


def _nothing_resolved(urls: list[str]) -> str:
    first = urls[0] if urls else ""
    return (f"None of the {len(urls)} items is a registered export (first: {first[:200]}); "
            "register them first.")
