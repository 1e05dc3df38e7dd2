"""Building export jobs in the background: a bounded pool of threads per process.

A job is built by the process that created it, at most `workers` at a time (the others wait
in the pool's queue, still `processing`). A job's state changes only through `JobStore`,
whose moves start from the state they expect, so a job cancelled meanwhile (by this process
or another) is never completed: its zip is discarded.

After a crash or restart, a job whose process has ended is taken over (`check`, at start-up
and then periodically) and built again from the start, its `progress.done` kept where it was;
a job interrupted `MAX_ATTEMPTS` times ends `error` with code `interrupted` rather than
crashing the backend again and again.

On a shared database (PostgreSQL) a job belongs to no process in advance: a claim thread per
process takes jobs from the database for its free workers (`JobStore.claim`, `SKIP LOCKED`),
each under a lease it renews while the job is built, so the work spreads over every instance.
A job whose instance stops answering is claimed again once its lease expires; one whose
instance's session has ended is released at once by `check`, and one stopped by `stop` is
released by its builder.
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

__all__ = ["LEASE_SECONDS", "MAX_ATTEMPTS", "JobRunner"]

logger = logging.getLogger("reference_impl")

MAX_ATTEMPTS = 3
# A claim holds this long unless renewed, which happens every third of it.
LEASE_SECONDS = 30.0
# Progress is written at most this often (and when the last item is done).
_PROGRESS_INTERVAL_SECONDS = 0.2


class _Stopped(Exception):
    """The job left `processing` (cancelled), or this process is stopping."""


class JobRunner:
    def __init__(self, jobs: JobStore, builder: JobZipBuilder, links: JobLinks, *,
                 workers: int, ttl_seconds: float, on_event: Callable[[], None],
                 clock: Callable[[], float] = time.time, poll_seconds: float = 5.0,
                 lease_seconds: float | None = None) -> None:
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
        # Shared database: jobs are claimed from it rather than built where they were created.
        self.claiming = jobs.store.shared_database
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds or LEASE_SECONDS
        self._wake = threading.Event()
        self._claimer: threading.Thread | None = None

    @property
    def owner(self) -> str:
        return self.jobs.store.process_name

    def start(self) -> None:
        with self._lock:
            if self._executor is None and not self._stopping.is_set():
                self._executor = ThreadPoolExecutor(self.workers,
                                                    thread_name_prefix="export-job")
                if self.claiming:
                    self._claimer = threading.Thread(target=self._claim_loop, daemon=True,
                                                     name="export-job-claims")
                    self._claimer.start()

    def submit(self, job_id: str) -> None:
        """Build `job_id` here; on a shared database, claim jobs now (maybe this one)."""
        self.start()
        if self.claiming:
            self._wake.set()
            return
        self._enqueue(job_id)

    def _enqueue(self, job_id: str) -> bool:
        with self._lock:
            if self._executor is None or self._stopping.is_set():
                return False
            self._queued.add(job_id)
            self._executor.submit(self._run, job_id)
            return True

    def cancelled(self, job_id: str) -> None:
        """The job was cancelled: stop building it now rather than at its next progress."""
        with self._lock:
            if job_id in self._queued:
                self._cancelled.add(job_id)

    def check(self) -> None:
        """Make expired jobs gone, and take over the jobs of processes that have ended."""
        self.jobs.expire_due(self.clock())
        for orphan in self.jobs.orphans():
            if self.claiming:
                # Its lease would expire anyway; released now, any instance claims it at once.
                if self.jobs.release(orphan.id, orphan.owner):
                    logger.warning("releasing export job %s (its process ended)", orphan.id)
                    self._wake.set()
            elif self.jobs.adopt(orphan, self.owner):
                logger.warning("resuming export job %s (its process ended)", orphan.id)
                self.submit(orphan.id)

    def stop(self) -> None:
        """Stop building: jobs in progress stay `processing`, for the next process to take."""
        self._stopping.set()
        self._wake.set()
        with self._lock:
            executor, self._executor = self._executor, None
            claimer, self._claimer = self._claimer, None
        if claimer is not None:
            claimer.join()
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    # -- claims (shared database) ------------------------------------------------------------

    def _claim_loop(self) -> None:
        renewed_at = self.clock()
        while not self._stopping.is_set():
            self._wake.clear()  # before claiming: a wake-up from now on is not lost
            try:
                if self.clock() - renewed_at >= self.lease_seconds / 3:
                    renewed_at = self.clock()
                    self._renew()
                self._claim()
            except Exception:  # a database hiccup must not stop claiming for good
                logger.exception("export jobs: claiming failed")
            self._wake.wait(min(self.poll_seconds, self.lease_seconds / 3))

    def _claim(self) -> None:
        with self._lock:
            free = self.workers - len(self._queued)
        if free <= 0:
            return
        for job_id in self.jobs.claim(self.owner, now=self.clock(),
                                      lease_seconds=self.lease_seconds, limit=free):
            if not self._enqueue(job_id):  # stopping: for another instance to claim now
                self._release(job_id)

    def _renew(self) -> None:
        with self._lock:
            held = sorted(self._queued)
        if not held:
            return
        lost = self.jobs.renew(held, self.owner, until=self.clock() + self.lease_seconds)
        for job_id in lost:  # another instance builds it now (or it was cancelled)
            self.cancelled(job_id)

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
            if self.claiming:
                self._release(job_id)
            with self._lock:
                self._queued.discard(job_id)
                self._cancelled.discard(job_id)
            self._wake.set()  # a worker is free: claim the next job

    def _release(self, job_id: str) -> None:
        """A job stopped unfinished (this process stopping) is for another to claim now."""
        try:
            self.jobs.release(job_id, self.owner)
        except Exception:  # its lease expires anyway
            logger.exception("export job %s: its lease was not released", job_id)

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
