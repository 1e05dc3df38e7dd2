"""Export jobs on the reference backend: many jobs at once, then the same with a crash midway.

    python bench/jobs.py [--jobs 200] [--items 20] [--kib 16] [--workers 2] [--timeout 600]
                         [--no-crash]

Starts a webhook receiver (Starlette on uvicorn, a free loopback port) that checks every
delivery's signature and records its event id, and `export-contract serve --workers N
--webhook-secret S --allow-private-callbacks` on a fresh data dir. It registers `jobs x items`
exports through the registration route, creates every job at once (one request each, all
concurrent, each with the receiver as its callback), and polls the job list until none is
`processing`. Then it waits for each job's webhook.

The crash run does the same on a new data dir, but once a part of the jobs is complete and
others still `processing` it kills every server process with SIGKILL, starts the server again
on the same data dir and waits again.

Invariants (exit status 1 when one fails): every job created is listed afterwards (none lost);
none stays `processing`; every job ends `complete` (after the crash, `error` with code
`interrupted` is also accepted); every final job's event reached the receiver at least once
with a valid signature, one event id per job and event (a retry repeats the id, never a new
one), no id shared by two events; a sample of the zips holds `manifest.json` and every item.

It prints, per run, p50/p99 of the time from creating a job to seeing it `complete`, how long
creating and finishing took, deliveries (and repeats) and each server process's peak RSS.
`run_jobs(...)` returns the same figures as a `JobsFigures`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from starlette.requests import Request
from starlette.responses import Response

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import ServerProcess, peak_rss_mib, reset_peak_rss
from server_processes import child_pids  # on the path through measure
from webhook_receivers import hook_server  # likewise

from export_contract.webhook_signing import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    SignatureMismatch,
    verify_webhook,
)

__all__ = ["BenchFailed", "JobsFigures", "run_jobs"]

KEY = "jobs-bench-key-0123456789"
SECRET = "jobs-bench-webhook-secret-0123456789"
JOBS = "/viewer/exports/jobs"
# Requests in flight at once while registering and polling (creating is all at once).
_CONCURRENCY = 16
_POLL_SECONDS = 0.2
# Zips downloaded and opened per run (each job's own entries are checked).
_ZIPS_CHECKED = 10
# The crash comes once this share of the jobs is complete (the poll sees it a little later).
_CRASH_AFTER = 0.1


class BenchFailed(RuntimeError):
    """The run could not finish (a job still processing at the deadline, a refused request)."""


@dataclass
class _Event:
    event_id: str
    event: str
    job_id: str
    state: str
    error_code: str | None
    received_at: float  # time.monotonic()


@dataclass
class Receiver:
    """Records each delivery's event; counts the ones whose signature fails."""

    url: str = ""
    events: list[_Event] = field(default_factory=list)
    bad_signatures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        try:
            verify_webhook(SECRET.encode(), body, request.headers.get(SIGNATURE_HEADER))
        except SignatureMismatch as exc:
            with self.lock:
                self.bad_signatures.append(str(exc))
            return Response(status_code=400)
        payload = json.loads(body)
        job = payload["job"]
        error = job.get("error") or {}
        event = _Event(request.headers.get(EVENT_ID_HEADER, ""), payload["event"], job["id"],
                       job["state"], error.get("code"), time.monotonic())
        with self.lock:
            self.events.append(event)
        return Response(status_code=204)

    def snapshot(self) -> list[_Event]:
        with self.lock:
            return list(self.events)


@contextlib.contextmanager
def receiving() -> Iterator[Receiver]:
    """A `Receiver` on a free loopback port (the tests' hook server) while the block runs."""
    receiver = Receiver()
    with hook_server(receiver.handle) as url:
        receiver.url = url
        yield receiver


@dataclass
class JobsFigures:
    label: str
    jobs: int
    items: int
    workers: int
    register_s: float  # registering every item
    create_s: float  # from the first create request sent to the last answered
    finish_s: float  # from the first create request sent to no job processing
    events_s: float  # from the first create request sent to the last job's first event
    to_complete_ms: list[float]  # per complete job: created -> seen complete by a poll
    states: dict[str, int]
    interrupted: int
    deliveries: int
    repeats: int  # deliveries of an event id already received (at least once: allowed)
    peak_rss_mib: list[float]  # per server process, across restarts
    crashed_at: str = ""  # what the jobs were when the server was killed
    processing_at_crash: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def row(self) -> str:
        return (f"{self.label:<10} {self.jobs:>5} {self.states.get('complete', 0):>9} "
                f"{self.interrupted:>11} {_percentile(self.to_complete_ms, 0.5):>8.0f} "
                f"{_percentile(self.to_complete_ms, 0.99):>8.0f} {self.create_s:>8.1f} "
                f"{self.finish_s:>8.1f} {self.events_s:>8.1f} {self.deliveries:>10} "
                f"{self.repeats:>7}  "
                + ", ".join(f"{rss:.0f}" for rss in self.peak_rss_mib))


def report(runs: Sequence[JobsFigures]) -> str:
    first = runs[0]
    lines = [f"{first.jobs} jobs x {first.items} items, created at once; serve --workers "
             f"{first.workers}; {os.cpu_count()} cores",
             f"{'run':<10} {'jobs':>5} {'complete':>9} {'interrupted':>11} {'p50 ms':>8} "
             f"{'p99 ms':>8} {'create s':>8} {'final s':>8} {'events s':>8} {'deliveries':>10} "
             f"{'repeats':>7}  peak RSS per process (MiB)"]
    lines += [run.row() for run in runs]
    for run in runs:
        lines.append(f"{run.label}: {run.jobs * run.items} items registered in "
                     f"{run.register_s:.1f} s")
        if run.crashed_at:
            lines.append(f"{run.label}: SIGKILL of every server process when {run.crashed_at}; "
                         "restarted on the same data dir")
            if not run.processing_at_crash:
                lines.append(f"{run.label}: no job was processing at the crash, so it tested "
                             "little: give more jobs or items")
        lines += [f"{run.label}: FAILED: {problem}" for problem in run.problems]
    if all(run.ok for run in runs):
        lines.append("invariants held: no job lost, none left processing, every event "
                     "delivered with a valid signature and one id")
    return "\n".join(lines)


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


# -- the server ----------------------------------------------------------------------------------

def _serve(data_dir: Path, workers: int) -> ServerProcess:
    return ServerProcess(["serve", "--data-dir", str(data_dir), "--workers", str(workers),
                          "--webhook-secret", SECRET, "--allow-private-callbacks"],
                         env={"EXPORT_API_KEYS": KEY, "EXPORT_JOB_CHECK_INTERVAL_SECONDS": "1"})


def _kill(server: ServerProcess) -> None:
    """SIGKILL the supervisor first (so it starts no new worker), then each of its children.

    One by one rather than by process group: the server shares this script's group.
    """
    children = child_pids(server.pid)
    os.kill(server.pid, signal.SIGKILL)
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.stop()


class _Peaks:
    """The peak RSS of every server process seen, read while they live."""

    def __init__(self) -> None:
        self.by_pid: dict[int, float] = {}

    def read(self, pids: Sequence[int]) -> None:
        for pid in pids:
            with contextlib.suppress(OSError, RuntimeError):
                self.by_pid[pid] = max(self.by_pid.get(pid, 0.0), peak_rss_mib(pid))


# -- the client side -----------------------------------------------------------------------------

def _urls(jobs: int, items: int) -> list[list[str]]:
    return [[f"https://jobs.example.com/{job}/item-{item}.bin" for item in range(items)]
            for job in range(jobs)]


async def _register(base_url: str, urls: Sequence[str], kib: int, seed: int) -> None:
    rng = random.Random(seed)
    sizes = {url: rng.randint(kib * 512, kib * 1536) for url in urls}
    queue = list(urls)

    async def register_some(client: httpx.AsyncClient) -> None:
        while queue:
            url = queue.pop()
            content = random.Random(url).randbytes(sizes[url])
            response = await client.post("/viewer/exports", data={"sourceFileUrl": url},
                                         files={"file": ("item.bin", content)})
            if response.status_code not in (200, 201):
                raise BenchFailed(f"registering {url} failed: {response.status_code} "
                                   f"{response.text[:300]}")

    async with _client(base_url) as client:
        await asyncio.gather(*(register_some(client) for _ in range(_CONCURRENCY)))


def _client(base_url: str, connections: int = _CONCURRENCY) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, headers={"x-api-key": KEY}, timeout=120,
                             limits=httpx.Limits(max_connections=connections))


async def _create(base_url: str, job_urls: Sequence[Sequence[str]], callback: str
                  ) -> tuple[dict[str, float], float]:
    """Every job created at once: {job id: when its request was sent}, and how long it took."""
    started = time.monotonic()

    async def create(number: int, urls: Sequence[str], client: httpx.AsyncClient
                     ) -> tuple[str, float]:
        sent = time.monotonic()
        response = await client.post(JOBS, json={
            "name": f"bench-{number}", "callbackUrl": callback,
            "items": [{"sourceFileUrl": url} for url in urls]})
        if response.status_code != 202:
            raise BenchFailed(f"creating job {number} failed: {response.status_code} "
                               f"{response.text[:300]}")
        return str(response.json()["id"]), sent

    async with _client(base_url, len(job_urls)) as client:
        created = await asyncio.gather(*(create(n, urls, client)
                                          for n, urls in enumerate(job_urls)))
    return dict(created), time.monotonic() - started


async def _list_all(client: httpx.AsyncClient) -> dict[str, dict[str, object]]:
    jobs: dict[str, dict[str, object]] = {}
    cursor: str | None = None
    while True:
        params = {"limit": "200"} | ({"cursor": cursor} if cursor else {})
        response = await client.get(JOBS, params=params)
        response.raise_for_status()
        page = response.json()
        jobs.update({job["id"]: job for job in page["jobs"]})
        cursor = page["nextCursor"]
        if cursor is None:
            return jobs


async def _poll(base_url: str, created: dict[str, float], seen_complete: dict[str, float],
                deadline: float, *, until_complete: int | None = None
                ) -> dict[str, dict[str, object]]:
    """Poll the list until no job is processing (or `until_complete` are complete); records
    when each job was first seen complete. Raises BenchFailed at `deadline`."""
    async with _client(base_url, 2) as client:
        while True:
            jobs = await _list_all(client)
            now = time.monotonic()
            for job_id, job in jobs.items():
                if job["state"] == "complete" and job_id in created:
                    seen_complete.setdefault(job_id, now)
            processing = sum(1 for job in jobs.values() if job["state"] == "processing")
            if until_complete is not None and len(seen_complete) >= until_complete:
                return jobs
            if until_complete is None and not processing:
                return jobs
            if now > deadline:
                raise BenchFailed(f"{processing} of {len(created)} jobs still processing at "
                                  "the deadline (--timeout)")
            await asyncio.sleep(_POLL_SECONDS)


async def _check_zips(base_url: str, jobs: dict[str, dict[str, object]], items: int,
                      sample: int) -> list[str]:
    problems = []
    complete = sorted(job_id for job_id, job in jobs.items() if job["state"] == "complete")
    async with _client(base_url, 4) as client:
        for job_id in complete[:sample]:
            link = httpx.URL(str(jobs[job_id]["downloadUrl"]))
            # Issued for the address the job was created at: asked of the server now running.
            target = base_url + link.path.removeprefix("/api") + "?" + link.query.decode()
            response = await client.get(target)
            if response.status_code != 200:
                problems.append(f"job {job_id}: download answered {response.status_code}")
                continue
            with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
                names = archive.namelist()
                bad = archive.testzip()
            if names[:1] != ["manifest.json"] or len(names) != items + 1 or bad is not None:
                problems.append(f"job {job_id}: zip entries {names[:3]}... ({len(names)}), "
                                f"bad entry {bad}")
    return problems


def _judge_events(receiver: Receiver, jobs: dict[str, dict[str, object]], deadline: float
                  ) -> tuple[list[str], int, int]:
    """Wait for each final job's event; (problems, deliveries, repeated deliveries)."""
    expected = {job_id: {"complete": "export.complete", "error": "export.error",
                         "cancelled": "export.cancelled"}[str(job["state"])]
                for job_id, job in jobs.items() if job["state"] != "gone"}
    while True:
        events = receiver.snapshot()
        got = {(e.job_id, e.event) for e in events}
        missing = [job_id for job_id, event in expected.items() if (job_id, event) not in got]
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(_POLL_SECONDS)
    problems = []
    if missing:
        problems.append(f"{len(missing)} jobs' events never arrived (first: {missing[0]})")
    if receiver.bad_signatures:
        problems.append(f"{len(receiver.bad_signatures)} deliveries with a bad signature "
                        f"(first: {receiver.bad_signatures[0]})")
    ids_by_event: dict[tuple[str, str], set[str]] = {}
    events_by_id: dict[str, set[tuple[str, str]]] = {}
    for e in events:
        ids_by_event.setdefault((e.job_id, e.event), set()).add(e.event_id)
        events_by_id.setdefault(e.event_id, set()).add((e.job_id, e.event))
    twice = {key: ids for key, ids in ids_by_event.items() if len(ids) > 1}
    if twice:
        key, ids = next(iter(twice.items()))
        problems.append(f"{len(twice)} events sent under several ids (job {key[0]} "
                        f"{key[1]}: {sorted(ids)})")
    shared = [event_id for event_id, keys in events_by_id.items() if len(keys) > 1 or not event_id]
    if shared:
        problems.append(f"{len(shared)} event ids missing or shared by several events")
    unexpected = {(e.job_id, e.event) for e in events} - set(expected.items())
    if unexpected:
        problems.append(f"{len(unexpected)} events for jobs or states not expected "
                        f"(first: {sorted(unexpected)[0]})")
    return problems, len(events), len(events) - len(events_by_id)


def _last_first_arrival(events: Sequence[_Event]) -> float:
    """When the last event to arrive (counting each event's first delivery) arrived."""
    first: dict[tuple[str, str], float] = {}
    for e in events:
        first[(e.job_id, e.event)] = min(first.get((e.job_id, e.event), e.received_at),
                                         e.received_at)
    return max(first.values(), default=0.0)


# -- one run -------------------------------------------------------------------------------------

def run_jobs(*, jobs: int = 200, items: int = 20, kib: int = 16, workers: int = 2,
             crash: bool = False, timeout: float = 600.0, seed: int = 0) -> JobsFigures:
    """One run: register, create every job at once, wait; with `crash`, kill and restart the
    server midway. Invariants that fail are listed in the figures' `problems`."""
    job_urls = _urls(jobs, items)
    peaks = _Peaks()
    seen_complete: dict[str, float] = {}
    crashed_at = ""
    processing_at_crash = 0
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="jobs-bench-") as folder, receiving() as receiver:
        data_dir = Path(folder) / "data"
        server = _serve(data_dir, workers)
        try:
            server.__enter__()
            registering = time.monotonic()
            asyncio.run(_register(server.base_url, [u for urls in job_urls for u in urls], kib,
                                  seed))
            register_s = time.monotonic() - registering
            for pid in server.worker_pids():
                reset_peak_rss(pid)  # the jobs' peak, not the registrations'
            created, create_s = asyncio.run(_create(server.base_url, job_urls, receiver.url))
            started = min(created.values())
            if crash:
                listed = asyncio.run(_poll(server.base_url, created, seen_complete, deadline,
                                           until_complete=max(1, int(jobs * _CRASH_AFTER))))
                peaks.read(server.worker_pids())
                crashed_at = _census(listed)
                processing_at_crash = sum(1 for job in listed.values()
                                          if job["state"] == "processing")
                _kill(server)
                server = _serve(data_dir, workers)
                server.__enter__()
            final = _poll_reading_peaks(server, created, seen_complete, deadline, peaks)
            finish_s = time.monotonic() - started
            problems = _judge_jobs(created, final, crash)
            problems += asyncio.run(_check_zips(server.base_url, final, items, _ZIPS_CHECKED))
            event_problems, deliveries, repeats = _judge_events(receiver, final,
                                                                max(deadline,
                                                                    time.monotonic() + 30))
            problems += event_problems
            events_s = max(0.0, _last_first_arrival(receiver.snapshot()) - started)
            peaks.read(server.worker_pids())
        finally:
            server.stop()
    states: dict[str, int] = {}
    for job in final.values():
        states[str(job["state"])] = states.get(str(job["state"]), 0) + 1
    return JobsFigures(
        label="crash" if crash else "steady", jobs=jobs, items=items, workers=workers,
        register_s=register_s, create_s=create_s, finish_s=finish_s, events_s=events_s,
        to_complete_ms=[(seen_complete[j] - sent) * 1000 for j, sent in created.items()
                        if j in seen_complete],
        states=states, interrupted=sum(1 for job in final.values() if _interrupted(job)),
        deliveries=deliveries, repeats=repeats, peak_rss_mib=list(peaks.by_pid.values()),
        crashed_at=crashed_at, processing_at_crash=processing_at_crash, problems=problems)


def _poll_reading_peaks(server: ServerProcess, created: dict[str, float],
                        seen_complete: dict[str, float], deadline: float, peaks: _Peaks
                        ) -> dict[str, dict[str, object]]:
    """Poll until no job is processing, reading the processes' peak RSS meanwhile (a process
    killed later takes its peak with it)."""
    stop = threading.Event()

    def read() -> None:
        while not stop.wait(0.5):
            peaks.read(server.worker_pids())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        return asyncio.run(_poll(server.base_url, created, seen_complete, deadline))
    except BenchFailed as exc:
        raise BenchFailed(f"{exc}; the server's last lines:\n"
                          + "\n".join(server.banner[-30:])) from exc
    finally:
        stop.set()
        reader.join()


def _census(jobs: dict[str, dict[str, object]]) -> str:
    counts: dict[str, int] = {}
    for job in jobs.values():
        counts[str(job["state"])] = counts.get(str(job["state"]), 0) + 1
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))


def _interrupted(job: dict[str, object]) -> bool:
    error = job.get("error")
    return (job["state"] == "error" and isinstance(error, dict)
            and error.get("code") == "interrupted")


def _judge_jobs(created: dict[str, float], final: dict[str, dict[str, object]], crash: bool
                ) -> list[str]:
    problems = []
    lost = [job_id for job_id in created if job_id not in final]
    if lost:
        problems.append(f"{len(lost)} jobs lost (first: {lost[0]})")
    for job_id in created:
        job = final.get(job_id)
        if job is None or job["state"] == "complete" or (crash and _interrupted(job)):
            continue
        problems.append(f"job {job_id} ended {job['state']}: {job.get('error')}")
    return problems[:20]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--items", type=int, default=20, help="items per job")
    parser.add_argument("--kib", type=int, default=16, help="mean size of one item (KiB)")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds each run may take before it is a failure")
    parser.add_argument("--no-crash", action="store_true", help="skip the crash run")
    args = parser.parse_args(argv)
    for name in ("jobs", "items", "kib", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    try:
        runs = [run_jobs(jobs=args.jobs, items=args.items, kib=args.kib, workers=args.workers,
                         timeout=args.timeout, crash=crash)
                for crash in ([False] if args.no_crash else [False, True])]
    except BenchFailed as exc:
        print(f"jobs bench FAILED: {exc}", file=sys.stderr)
        return 1
    print(report(runs))
    return 0 if all(run.ok for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
