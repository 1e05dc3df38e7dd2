"""Load on the reference backend: concurrent clients for a fixed time, every response checked.

    python bench/load.py [--clients 64] [--duration 30] [--workers 2] [--seed 0] [--flood 500]
    python bench/load.py --scale [--clients 64] [--duration 30]

Starts `export-contract serve --workers N` on a free loopback port, registers a pool of
exports (names that collide, binary and text types, several sizes), warms up, then runs the
clients for the given time. Each client loops over a weighted mix of all four download
variants, registrations of new exports (downloaded by everyone afterwards) and fetches of
exported URLs, and checks every response: status, headers, the bytes against what was
registered, every zip entry's name and bytes. It prints requests/s, p50/p99 latency per kind,
the errors (there must be none), each worker's peak RSS, and each worker's open file
descriptors and threads before and after. Sockets, open blobs and temp files must not grow;
the database's descriptors are counted apart (each worker's pool opens up to a handful of
SQLite connections as the load needs them).
Exit status 1 when any response was wrong or a worker kept more descriptors than before.

With `--flood N` (N > 0) the run has a second phase of the same length in which N more
connections (bounded, loopback) sit beside the clients doing nothing useful: a third never
send a byte, a third stop half-way through a request head, a third half-way through a body;
each one the server closes is opened again until the phase ends. It prints p50/p99 of the
clients' requests without and with the flood, the errors of each phase (there must be none),
and how many flood connections the server's timeouts closed or its cap refused.

`run_load(...)` returns the same figures as a `LoadFigures`.

With `--scale`, the same mix runs against one instance on the embedded default (SQLite and a
blob dir), then against two instances with separate data dirs sharing one PostgreSQL database
(a throwaway server on loopback, as in the tests) and one S3 bucket (moto's server, in a
process of its own), then the same two sharing a blob directory instead, the clients split
over both: requests/s, p50/p99 and errors (there must be none) of each.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import os
import random
import sys
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import (
    ServerProcess,
    moto_server,
    open_fd_targets,
    peak_rss_mib,
    reset_peak_rss,
    thread_count,
)

__all__ = ["LoadFigures", "run_load"]

KEY = "load-bench-key-0123456789"
SINGLE = "/viewer/exports/download"
BATCH = "/viewer/exports/download-batch"
UNKNOWN = "https://unknown.invalid/never-registered.pdf"
# kind -> weight in the mix
MIX = {"single": 25, "single-url": 15, "batch": 20, "batch-url": 15, "register": 10,
       "list": 5, "exported-url": 10}
_SETTLE_SECONDS = 15.0
# What each kind of flood connection sends before it falls silent.
_FLOOD_BYTES = (
    b"",
    b"POST /api/viewer/exports/download HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty",
    (b"POST /api/viewer/exports/download HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: "
     + KEY.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
     b'{"sourceFileUrl": "https://'),
)
_FLOOD_RAMP_SECONDS = 10.0


@dataclass(frozen=True)
class Export:
    url: str
    filename: str
    content_type: str
    content: bytes = field(repr=False)


@dataclass
class FloodFigures:
    """The second phase: the same clients with `connections` stalled connections beside them."""

    connections: int
    opened: int  # flood connections opened in all (reopened after the server closed them)
    closed_by_server: int  # by its timeouts, or refused over its cap
    refused: int  # answered 503 (over the connection cap)
    requests: int
    p50_ms: float
    p99_ms: float
    errors: int
    error_samples: list[str]


@dataclass
class LoadFigures:
    clients: int
    workers: int
    duration_s: float
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    error_samples: list[str]
    by_kind: dict[str, tuple[int, float, float]]  # kind -> (requests, p50 ms, p99 ms)
    registrations: int
    verified_mib: float
    peak_rss_mib: list[float]  # per worker
    fds_before: list[int]  # per worker, the database's own descriptors left out
    fds_after: list[int]
    database_fds_before: list[int]
    database_fds_after: list[int]
    threads_before: list[int]
    threads_after: list[int]
    flood: FloodFigures | None = None

    @property
    def fds_grew(self) -> bool:
        return any(a > b for a, b in zip(self.fds_after, self.fds_before, strict=True))

    @property
    def ok(self) -> bool:
        return (self.errors == 0 and not self.fds_grew
                and (self.flood is None or self.flood.errors == 0))

    def report(self) -> str:
        lines = [
            f"{self.clients} clients, {self.workers} workers, {self.duration_s:.0f} s, "
            f"{os.cpu_count()} cores",
            f"requests: {self.requests} ({self.requests_per_second:.0f}/s), "
            f"p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, errors: {self.errors}",
            f"registrations: {self.registrations}, bytes checked: {self.verified_mib:.0f} MiB",
            f"{'kind':<14} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8}",
        ]
        lines += [f"{kind:<14} {n:>9} {p50:>8.1f} {p99:>8.1f}"
                  for kind, (n, p50, p99) in sorted(self.by_kind.items())]
        lines.append("peak RSS per worker (MiB): "
                     + ", ".join(f"{rss:.0f}" for rss in self.peak_rss_mib))
        lines.append(f"open fds per worker before/after: {self.fds_before} -> {self.fds_after}"
                     f" (database: {self.database_fds_before} -> {self.database_fds_after})")
        lines.append(f"threads per worker before/after: {self.threads_before} -> "
                     f"{self.threads_after}")
        lines += [f"error: {sample}" for sample in self.error_samples]
        if self.flood is not None:
            lines += self._flood_report(self.flood)
        return "\n".join(lines)

    def _flood_report(self, flood: FloodFigures) -> list[str]:
        return [
            f"idle-connection flood: {flood.connections} connections held beside the clients "
            "(idle, half a head, half a body)",
            f"{'':<14} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}",
            f"{'without':<14} {self.requests:>9} {self.p50_ms:>8.1f} {self.p99_ms:>8.1f} "
            f"{self.errors:>7}",
            f"{'with flood':<14} {flood.requests:>9} {flood.p50_ms:>8.1f} {flood.p99_ms:>8.1f} "
            f"{flood.errors:>7}",
            f"flood connections opened: {flood.opened}, closed by the server: "
            f"{flood.closed_by_server} (refused over the cap: {flood.refused})",
            *(f"error with flood: {sample}" for sample in flood.error_samples),
        ]


class _Stats:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.errors = 0
        self.error_samples: list[str] = []
        self.verified_bytes = 0
        self.registrations = 0

    def record(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def fail(self, message: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 10:
            self.error_samples.append(message)


class _Checked(Exception):
    """A response that broke the contract (counted as an error)."""


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise _Checked(message)


# -- the pool of exports -------------------------------------------------------------------------

def _pool(rng: random.Random) -> list[Export]:
    """Exports whose names collide on purpose (plan.pdf x4, a case-only clash, NFC vs NFD)."""
    kinds = [("plan.pdf", "application/pdf"), ("plan.pdf", "application/pdf"),
             ("Plan.PDF", "application/pdf"), ("notes.txt", "text/plain"),
             ("résumé.txt", "text/plain"), ("re\u0301sume\u0301.txt", "text/plain"),
             ("photo.png", "image/png"), ("data.csv", "text/csv"), ("plan.pdf", "application/pdf"),
             ("render.bin", "application/octet-stream")]
    exports = []
    for number, (name, content_type) in enumerate(kinds * 2):
        size = rng.choice([512, 4096, 65536, 262144])
        text_like = content_type.startswith("text/")
        content = (f"{name} #{number}\n".encode() * (size // 16) if text_like
                   else rng.randbytes(size))
        url = f"https://load.example.com/pool/{number}/{quote(name)}"
        exports.append(Export(url, unicodedata.normalize("NFC", name), content_type, content))
    return exports


def _entry_names(filenames: Sequence[str]) -> list[str]:
    """CONTRACT.md Z5 written out independently: `stem (n).ext`, smallest free n >= 1,
    names compared after NFC and case folding."""
    taken: set[str] = set()
    names = []
    for name in filenames:
        dot = name.rfind(".")
        stem, ext = (name[:dot], name[dot:]) if dot > 0 else (name, "")
        candidate, n = name, 0
        while unicodedata.normalize("NFC", candidate).casefold() in taken:
            n += 1
            candidate = f"{stem} ({n}){ext}"
        taken.add(unicodedata.normalize("NFC", candidate).casefold())
        names.append(candidate)
    return names


# -- one client ----------------------------------------------------------------------------------

class _Client:
    def __init__(self, number: int, base_url: str, pool: list[Export], stats: _Stats,
                 seed: int, label: str) -> None:
        self.number = number
        self.label = label
        self.base_url = base_url
        self.pool = pool
        self.stats = stats
        self.rng = random.Random(seed * 1000 + number)
        self.registered = 0
        self.http = httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=2))

    async def run_until(self, stop: float) -> None:
        kinds, weights = list(MIX), list(MIX.values())
        while time.perf_counter() < stop:
            kind = self.rng.choices(kinds, weights)[0]
            try:
                await getattr(self, "_" + kind.replace("-", "_"))()
            except _Checked as exc:
                self.stats.fail(f"{kind}: {exc}")
            except httpx.HTTPError as exc:
                self.stats.fail(f"{kind}: {type(exc).__name__}: {exc}")

    async def _request(self, kind: str, method: str, url: str, **kwargs: object
                       ) -> httpx.Response:
        headers = {} if url.startswith("http") else {"x-api-key": KEY}
        target = url if url.startswith("http") else self.base_url + url
        started = time.perf_counter()
        response = await self.http.request(method, target, headers=headers,
                                           **kwargs)  # type: ignore[arg-type]
        self.stats.record(kind, time.perf_counter() - started)
        return response

    def _some(self, count: int) -> list[Export]:
        return [self.rng.choice(self.pool) for _ in range(count)]

    def _check_file(self, response: httpx.Response, export: Export) -> None:
        _expect(response.status_code == 200, f"status {response.status_code}: "
                                             f"{response.text[:200]}")
        _expect(response.headers["content-type"].startswith(export.content_type),
                f"content-type {response.headers['content-type']} for {export.content_type}")
        disposition = response.headers.get("content-disposition", "")
        expected = (f'filename="{export.filename}"' if export.filename.isascii()
                    else f"filename*=UTF-8''{quote(export.filename, safe='')}")
        _expect(disposition.startswith("attachment;") and expected in disposition,
                f"content-disposition {disposition!r} for {export.filename!r}")
        _expect(response.headers.get("content-length") == str(len(export.content)),
                "content-length")
        _expect(response.content == export.content, f"bytes differ for {export.url}")
        self.stats.verified_bytes += len(response.content)

    async def _single(self) -> None:
        (export,) = self._some(1)
        response = await self._request("single", "POST", SINGLE,
                                       json={"sourceFileUrl": export.url})
        self._check_file(response, export)

    async def _single_url(self) -> None:
        (export,) = self._some(1)
        response = await self._request("single-url", "POST", SINGLE,
                                       params={"responseType": "urls"},
                                       json={"sourceFileUrl": export.url})
        _expect(response.status_code == 200, f"status {response.status_code}")
        payload = response.json()
        _expect(payload.get("success") is True, "success is not true")
        url = payload["exportedUrl"]
        # The backend's own URL, or (with an S3 blob store) the bucket's presigned one.
        _expect(url.startswith(("http://", "https://")), f"exportedUrl {url!r}")
        self._check_file(await self._request("exported-url", "GET", url), export)

    async def _batch(self) -> None:
        chosen = self._some(self.rng.randint(1, 8))
        urls = [e.url for e in chosen]
        if self.rng.random() < 0.2:
            urls.insert(self.rng.randrange(len(urls) + 1), UNKNOWN)
        response = await self._request("batch", "POST", BATCH,
                                       json={"items": [{"sourceFileUrl": u} for u in urls]})
        _expect(response.status_code == 200, f"status {response.status_code}")
        _expect(response.headers["content-type"] == "application/zip", "content-type")
        _expect('filename="exports.zip"' in response.headers.get("content-disposition", ""),
                "content-disposition")
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            _expect(archive.testzip() is None, "an entry fails its CRC")
            names = _entry_names([e.filename for e in chosen])
            _expect(archive.namelist() == names, f"entries {archive.namelist()} != {names}")
            for name, export in zip(names, chosen, strict=True):
                _expect(archive.read(name) == export.content, f"entry {name!r} differs")
        self.stats.verified_bytes += sum(len(e.content) for e in chosen)

    async def _batch_url(self) -> None:
        chosen = self._some(self.rng.randint(1, 8))
        urls = [e.url for e in chosen] + [UNKNOWN]
        response = await self._request("batch-url", "POST", BATCH,
                                       params={"responseType": "urls"},
                                       json={"items": [{"sourceFileUrl": u} for u in urls]})
        _expect(response.status_code == 200, f"status {response.status_code}")
        payload = response.json()
        _expect(payload.get("success") is True, "success is not true")
        _expect(len(payload["exportedUrls"]) == len(chosen), "one URL per resolved item")
        _expect(payload["skipped"] == [{"sourceFileUrl": UNKNOWN, "reason": "not_found"}],
                f"skipped {payload['skipped']}")
        pick = self.rng.randrange(len(chosen))
        fetched = await self._request("exported-url", "GET", payload["exportedUrls"][pick])
        self._check_file(fetched, chosen[pick])

    async def _exported_url(self) -> None:
        # A URL issued a moment ago, fetched twice (replay within its lifetime is allowed).
        (export,) = self._some(1)
        response = await self._request("single-url", "POST", SINGLE,
                                       params={"responseType": "urls"},
                                       json={"sourceFileUrl": export.url})
        _expect(response.status_code == 200, f"status {response.status_code}")
        url = response.json()["exportedUrl"]
        for _ in range(2):
            self._check_file(await self._request("exported-url", "GET", url), export)

    async def _register(self) -> None:
        self.registered += 1
        content = self.rng.randbytes(self.rng.choice([1024, 16384, 131072]))
        url = (f"https://load.example.com/{self.label}/{self.number}/{self.registered}/"
               "upload.bin")
        response = await self._request(
            "register", "POST", "/viewer/exports", data={"sourceFileUrl": url},
            files={"file": ("upload.bin", content, "application/octet-stream")})
        _expect(response.status_code == 201, f"status {response.status_code}: "
                                             f"{response.text[:200]}")
        payload = response.json()
        _expect(payload["sha256"] == hashlib.sha256(content).hexdigest(), "sha256")
        _expect(payload["size"] == len(content), "size")
        self.stats.registrations += 1
        # From now on every client may download it.
        self.pool.append(Export(url, payload["filename"], payload["contentType"], content))

    async def _list(self) -> None:
        response = await self._request("list", "GET", "/viewer/exports")
        _expect(response.status_code == 200, f"status {response.status_code}")
        listed = {e["sourceFileUrl"] for e in response.json()["exports"]}
        # Everything registered before this request started is listed.
        _expect(all(e.url in listed for e in self.pool[:20]), "a registered export is missing")


async def _drive(base_url: str, pool: list[Export], clients: int, seconds: float, seed: int,
                 stats: _Stats, label: str) -> float:
    runners = [_Client(n, base_url, pool, stats, seed, label) for n in range(clients)]
    started = time.perf_counter()
    try:
        await asyncio.gather(*(r.run_until(started + seconds) for r in runners))
    finally:
        for runner in runners:
            await runner.http.aclose()
    return time.perf_counter() - started


@dataclass
class _FloodStats:
    opened: int = 0
    closed_by_server: int = 0
    refused: int = 0


async def _hold_stalled(host: str, port: int, sent: bytes, stop: float,
                        stats: _FloodStats) -> None:
    """One flood connection: send `sent`, then nothing; open it again when the server closes it."""
    while time.perf_counter() < stop:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(0.1)  # the process is out of descriptors: a finding too
            continue
        stats.opened += 1
        try:
            writer.write(sent)
            try:
                answer = await asyncio.wait_for(reader.read(), stop - time.perf_counter())
            except TimeoutError:
                return  # the phase is over
            except OSError:
                answer = b""
            stats.closed_by_server += 1
            stats.refused += answer.startswith(b"HTTP/1.1 503")
        finally:
            writer.close()


async def _drive_beside_flood(base_url: str, pool: list[Export], clients: int, seconds: float,
                              seed: int, stats: _Stats, connections: int,
                              flood: _FloodStats) -> float:
    parts = urlsplit(base_url)
    assert parts.hostname is not None and parts.port is not None
    stop = time.perf_counter() + _FLOOD_RAMP_SECONDS + seconds
    holders = [asyncio.create_task(_hold_stalled(parts.hostname, parts.port,
                                                 _FLOOD_BYTES[n % len(_FLOOD_BYTES)], stop,
                                                 flood))
               for n in range(connections)]
    ramp_deadline = time.perf_counter() + _FLOOD_RAMP_SECONDS
    while flood.opened < connections and time.perf_counter() < ramp_deadline:
        await asyncio.sleep(0.05)
    try:
        return await _drive(base_url, pool, clients, seconds, seed, stats, "flood")
    finally:
        for holder in holders:
            holder.cancel()
        await asyncio.gather(*holders, return_exceptions=True)


def _register_pool(base_url: str, pool: list[Export]) -> None:
    with httpx.Client(base_url=base_url, headers={"x-api-key": KEY}, timeout=60) as client:
        for export in pool:
            response = client.post("/viewer/exports", data={"sourceFileUrl": export.url},
                                   files={"file": ("upload", export.content,
                                                   export.content_type)})
            if response.status_code not in (200, 201):
                raise RuntimeError(f"cannot register the pool: {response.text}")
            if response.json()["filename"] != export.filename:
                raise RuntimeError(f"registered as {response.json()['filename']!r}, "
                                   f"expected {export.filename!r}")


def _is_database(target: str) -> bool:
    return target.endswith(("exports.sqlite3", "exports.sqlite3-wal", "exports.sqlite3-shm"))


def _fds(pid: int) -> tuple[int, int]:
    """(descriptors other than the database's, the database's)."""
    targets = open_fd_targets(pid)
    database = sum(1 for target in targets if _is_database(target))
    return len(targets) - database, database


def _settled(pids: Sequence[int], before: Sequence[int] | None = None
             ) -> tuple[list[int], list[int]]:
    """Each worker's descriptors, waiting (a while) for closed connections to go."""
    deadline = time.monotonic() + _SETTLE_SECONDS
    while True:
        counts = [_fds(pid) for pid in pids]
        others, database = [c[0] for c in counts], [c[1] for c in counts]
        if (before is None or all(a <= b for a, b in zip(others, before, strict=True))
                or time.monotonic() > deadline):
            return others, database
        time.sleep(0.1)


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000 if ordered else 0


def run_load(*, clients: int = 64, duration: float = 30.0, workers: int = 2, seed: int = 0,
             warmup: float = 3.0, flood: int = 0) -> LoadFigures:
    rng = random.Random(seed)
    pool = _pool(rng)
    with tempfile.TemporaryDirectory(prefix="load-bench-") as folder, ServerProcess(
            ["serve", "--data-dir", str(Path(folder) / "data"), "--workers", str(workers)],
            env={"EXPORT_API_KEYS": KEY}) as server:
        _register_pool(server.base_url, pool)
        # The warm-up fills every worker's thread pool and connection caches, so what is
        # counted afterwards is growth, not start-up.
        asyncio.run(_drive(server.base_url, pool, clients, warmup, seed + 1, _Stats(),
                           "warm-up"))
        pids = server.worker_pids()
        fds_before, database_before = _settled(pids)
        threads_before = [thread_count(pid) for pid in pids]
        for pid in pids:
            reset_peak_rss(pid)
        stats = _Stats()
        elapsed = asyncio.run(_drive(server.base_url, pool, clients, duration, seed, stats,
                                     "run"))
        flood_figures = None
        if flood > 0:
            flood_stats, flooded = _FloodStats(), _Stats()
            asyncio.run(_drive_beside_flood(server.base_url, pool, clients, duration, seed + 2,
                                            flooded, flood, flood_stats))
            flood_figures = _flood_figures(flood, flood_stats, flooded)
        peaks = [peak_rss_mib(pid) for pid in pids]
        fds_after, database_after = _settled(pids, fds_before)
        threads_after = [thread_count(pid) for pid in pids]
    every = [t for values in stats.latencies.values() for t in values]
    return LoadFigures(
        clients=clients, workers=workers, duration_s=elapsed, requests=len(every),
        requests_per_second=len(every) / elapsed, p50_ms=_percentile(every, 0.5),
        p99_ms=_percentile(every, 0.99), errors=stats.errors,
        error_samples=stats.error_samples,
        by_kind={kind: (len(v), _percentile(v, 0.5), _percentile(v, 0.99))
                 for kind, v in stats.latencies.items()},
        registrations=stats.registrations, verified_mib=stats.verified_bytes / 2**20,
        peak_rss_mib=peaks, fds_before=fds_before, fds_after=fds_after,
        database_fds_before=database_before, database_fds_after=database_after,
        threads_before=threads_before, threads_after=threads_after, flood=flood_figures)


def _flood_figures(connections: int, flood: _FloodStats, stats: _Stats) -> FloodFigures:
    every = [t for values in stats.latencies.values() for t in values]
    return FloodFigures(connections=connections, opened=flood.opened,
                        closed_by_server=flood.closed_by_server, refused=flood.refused,
                        requests=len(every), p50_ms=_percentile(every, 0.5),
                        p99_ms=_percentile(every, 0.99), errors=stats.errors,
                        error_samples=stats.error_samples)


def _shared_run(base_urls: Sequence[str], pool: list[Export], clients: int, seconds: float,
                seed: int) -> tuple[_Stats, float]:
    """The clients split evenly over `base_urls` (instances of one backend), one run."""
    stats = _Stats()

    async def drive() -> list[float]:
        share = max(1, clients // len(base_urls))
        return await asyncio.gather(*(
            _drive(url, pool, share, seconds, seed + n, stats, f"instance-{n}")
            for n, url in enumerate(base_urls)))

    return stats, max(asyncio.run(drive()))


def _summary(label: str, stats: _Stats, elapsed: float) -> str:
    every = [t for values in stats.latencies.values() for t in values]
    return (f"{label}: {len(every)} requests in {elapsed:.1f} s = "
            f"{len(every) / elapsed:.0f} req/s, p50 {_percentile(every, 0.5):.1f} ms, "
            f"p99 {_percentile(every, 0.99):.1f} ms, errors {stats.errors}"
            + "".join(f"\n  {sample}" for sample in stats.error_samples[:3]))


def _two_instances(root: Path, env: dict[str, str], label: str, clients: int,
                   duration: float, seed: int) -> tuple[str, int]:
    with ServerProcess(["serve", "--data-dir", str(root / "a")], env=env) as a, \
            ServerProcess(["serve", "--data-dir", str(root / "b")], env=env) as b:
        pool = _pool(random.Random(seed))
        _register_pool(a.base_url, pool)
        stats, elapsed = _shared_run([a.base_url, b.base_url], pool, clients, duration, seed)
    return _summary(label, stats, elapsed), stats.errors


def run_scale_comparison(*, clients: int, duration: float, seed: int) -> tuple[str, int]:
    """One instance on SQLite, then two on one PostgreSQL with one S3 bucket (moto's server),
    then two on PostgreSQL with a shared blob dir, same mix; the report and the errors."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))
    from postgres_server import PostgresServer, find_pg_bin

    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
    lines, errors = [], 0
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as folder:
        root = Path(folder)
        with ServerProcess(["serve", "--data-dir", str(root / "sqlite")],
                           env={"EXPORT_API_KEYS": KEY}) as server:
            # Each run its own pool: registrations during a run are added to it.
            pool = _pool(random.Random(seed))
            _register_pool(server.base_url, pool)
            stats, elapsed = _shared_run([server.base_url], pool, clients, duration, seed)
            lines.append(_summary("1 instance, SQLite + blob dir", stats, elapsed))
            errors += stats.errors
        postgres = PostgresServer(bin_dir)
        postgres.start()
        try:
            with postgres.database() as url:
                env = {"EXPORT_API_KEYS": KEY, "EXPORT_DATABASE_URL": url,
                       "EXPORT_URL_SECRET": "scale-bench-url-secret-0123456789"}
                moto, aws = moto_server("load-bench")
                try:
                    line, failed = _two_instances(
                        root / "s3", {**env, **aws, "EXPORT_BLOB_STORE": "s3://load-bench/x"},
                        "2 instances, PostgreSQL + S3 (moto)", clients, duration, seed)
                finally:
                    moto.kill()
                    moto.wait()
                lines.append(line)
                errors += failed
            with postgres.database() as url:
                env = {"EXPORT_API_KEYS": KEY, "EXPORT_DATABASE_URL": url,
                       "EXPORT_URL_SECRET": "scale-bench-url-secret-0123456789",
                       "EXPORT_BLOB_STORE": str(root / "shared-blobs")}
                line, failed = _two_instances(root / "dir", env,
                                              "2 instances, PostgreSQL + shared blob dir",
                                              clients, duration, seed)
                lines.append(line)
                errors += failed
        finally:
            postgres.stop()
    return "\n".join(lines), errors


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--flood", type=int, default=500,
                        help="stalled connections held beside the clients in a second phase "
                             "(0: no such phase)")
    parser.add_argument("--scale", action="store_true",
                        help="compare one instance on SQLite with two sharing PostgreSQL")
    args = parser.parse_args(argv)
    if args.scale:
        report, errors = run_scale_comparison(clients=args.clients, duration=args.duration,
                                              seed=args.seed)
        print(report)
        return 0 if errors == 0 else 1
    figures = run_load(clients=args.clients, duration=args.duration, workers=args.workers,
                       seed=args.seed, flood=args.flood)
    print(figures.report())
    return 0 if figures.ok else 1


if __name__ == "__main__":
    sys.exit(main())
