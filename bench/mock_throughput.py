"""Throughput of the mock server next to Stoplight Prism and a bare Starlette app.

    python bench/mock_throughput.py [--duration 5] [--rounds 3] [--connections 32] [--no-prism]

Every server runs as its own process, pinned to one CPU (`--server-cpu`); the load generator
runs as another process on another CPU (`--client-cpu`): `wrk` when it is installed, else a
small keep-alive HTTP/1.1 client of our own. Each target gets the same URL-mode request
(`POST /viewer/exports/download?responseType=urls`) for the same time, after a warm-up, in
interleaved rounds; each target's best round is reported.
Prism (`@stoplight/prism-cli`) is installed into a cache folder with npm when it is missing,
and runs with `-v warn`, its fastest configuration. The mock's single-file and batch-zip
routes are measured too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "openapi.yaml"
PRISM_PACKAGE = "@stoplight/prism-cli"
PRISM_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / \
    "export-contract-bench" / "prism"
KEY = "bench-key"
SINGLE: Mapping[str, object] = {"sourceFileUrl": "https://canvas.example.com/files/floor-plan.pdf"}
BATCH: Mapping[str, object] = {"items": [{"sourceFileUrl": "https://canvas.example.com/files/floor-plan.pdf"},
                   {"sourceFileUrl": "https://canvas.example.com/archive/floor-plan.pdf"},
                   {"sourceFileUrl": "https://canvas.example.com/files/site-photo.png"}]}


@dataclass(frozen=True)
class Target:
    label: str
    server: str  # a key of SERVERS
    path: str  # appended to the server's base URL
    body: Mapping[str, object]
    expect_type: str


@dataclass(frozen=True)
class Result:
    label: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    note: str = ""


# -- servers -------------------------------------------------------------------------------------

def _serve(kind: str) -> None:
    """Child-process mode: run one server on a free port and print its base URL."""
    import warnings

    warnings.simplefilter("ignore")
    import uvicorn

    from export_contract.serving import base_url_of, bind_socket
    from export_contract.settings import Settings

    if kind == "starlette":
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import Response
        from starlette.routing import Route

        payload = json.dumps({"success": True, "exportedUrl":
                              "http://127.0.0.1/api/viewer/exports/files/eyJ1Ijoi.c2ln"}).encode()

        async def download(request: Request) -> Response:
            json.loads(await request.body())
            return Response(payload, media_type="application/json")

        app: object = Starlette(routes=[Route("/api/viewer/exports/download", download,
                                              methods=["POST"])])
    else:
        from mock_server import MockOptions, create_mock_app

        app = create_mock_app(Settings(api_keys=(KEY,)),
                              MockOptions(log_requests=False,
                                          fast_path=kind != "mock-connexion"))
    sock = bind_socket("127.0.0.1", 0)
    print(base_url_of(sock), flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False)  # type: ignore[arg-type]
    uvicorn.Server(config).run(sockets=[sock])


@contextmanager
def running(kind: str, cpu: int | None) -> Iterator[str]:
    """Start a server process, pin it, yield its base URL, stop it."""
    if kind == "prism":
        port = _free_port()
        command = [str(_prism()), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "warn",
                   str(SPEC)]
        base_url = f"http://127.0.0.1:{port}"
    else:
        command = [sys.executable, __file__, "--serve", kind]
        base_url = ""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, cwd=REPO)
    try:
        if not base_url:
            assert process.stdout is not None
            seen: list[str] = []
            while not base_url:
                line = process.stdout.readline()
                if not line:
                    raise RuntimeError(f"{kind} did not start:\n" + "".join(seen))
                seen.append(line)
                base_url = line.strip() if line.startswith("http://") else ""
        _wait_listening(base_url, process)
        if cpu is not None:
            _pin_tree(process.pid, cpu)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _prism() -> Path:
    binary = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install Prism (or pass --no-prism)")
        print(f"installing {PRISM_PACKAGE} into {PRISM_DIR} ...", file=sys.stderr)
        PRISM_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error",
                        "--prefix", str(PRISM_DIR), PRISM_PACKAGE], check=True)
    return binary


def _prism_version() -> str:
    manifest = PRISM_DIR / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    try:
        return str(json.loads(manifest.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return "?"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(base_url: str, process: subprocess.Popen[str], timeout: float = 60) -> None:
    host, port = re.match(r"http://([^:/]+):(\d+)", base_url).groups()  # type: ignore[union-attr]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection((host, int(port)), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{base_url} never accepted a connection")


def _pin_tree(pid: int, cpu: int) -> None:
    """Pin every thread of `pid` and of its children to one CPU."""
    pending = [pid]
    while pending:
        current = pending.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                os.sched_setaffinity(int(task.name), {cpu})
                pending += [int(c) for c in (task / "children").read_text().split()]
            except (OSError, ValueError):
                pass


# -- load ----------------------------------------------------------------------------------------

def measure(url: str, body: Mapping[str, object], *, duration: float, connections: int,
            cpu: int | None) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p99 ms, errors) of `connections` keep-alive clients on `url`."""
    payload = json.dumps(body)
    headers = {"Content-Type": "application/json", "Accept": "application/json",
               "x-api-key": KEY}
    wrk = shutil.which("wrk")
    pin = [] if cpu is None or not shutil.which("taskset") else ["taskset", "-c", str(cpu)]
    if wrk:
        return _wrk([*pin, wrk], url, payload, headers, duration, connections)
    command = [*pin, sys.executable, __file__, "--load", url, "--duration", str(duration),
               "--connections", str(connections), "--body", payload]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    data = json.loads(output)
    return data["rps"], data["p50"], data["p99"], data["errors"]


def _wrk(command: list[str], url: str, payload: str, headers: dict[str, str],
         duration: float, connections: int) -> tuple[float, float, float, int]:
    lines = ["wrk.method = 'POST'", f"wrk.body = {json.dumps(payload)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    try:
        output = subprocess.run(
            [*command, "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency",
             "-s", script.name, url],
            capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _wrk_latency(output, "50%")
    p99 = _wrk_latency(output, "99%")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = int(bad.group(1)) if bad else 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return rps, p50, p99, errors


def _wrk_latency(output: str, percentile: str) -> float:
    match = re.search(rf"^\s*{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def _load(url: str, duration: float, connections: int, body: str) -> None:
    """Child-process mode without wrk: keep-alive HTTP/1.1 clients; prints JSON figures."""
    match = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    assert match is not None
    host, port, target = match.group(1), int(match.group(2)), match.group(3)
    raw = body.encode()
    request = (f"POST {target} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               f"Content-Type: application/json\r\nAccept: application/json\r\n"
               f"x-api-key: {KEY}\r\nContent-Length: {len(raw)}\r\n\r\n").encode() + raw
    latencies: list[float] = []
    errors = 0

    async def client(stop: float) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        while time.perf_counter() < stop:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 2"):
                errors += 1
            latencies.append(time.perf_counter() - started)
        writer.close()

    async def run() -> float:
        stop = time.perf_counter() + duration
        started = time.perf_counter()
        await asyncio.gather(*(client(stop) for _ in range(connections)))
        return time.perf_counter() - started

    elapsed = asyncio.run(run())
    latencies.sort()
    print(json.dumps({"rps": len(latencies) / elapsed, "errors": errors,
                      "p50": latencies[len(latencies) // 2] * 1000,
                      "p99": latencies[int(len(latencies) * 0.99)] * 1000}))


# -- the run -------------------------------------------------------------------------------------

def check(url: str, body: Mapping[str, object], expect_type: str) -> None:
    """One request first: a target that answers wrongly is not measured."""
    import httpx

    response = httpx.post(url, json=body, headers={"x-api-key": KEY,
                                                   "Accept": "application/json"}, timeout=30)
    content_type = response.headers.get("content-type", "")
    if response.status_code != 200 or not content_type.startswith(expect_type):
        raise RuntimeError(f"{url} answered {response.status_code} {content_type}: "
                           f"{response.text[:200]}")


def targets(with_prism: bool) -> list[Target]:
    url_mode = "/viewer/exports/download?responseType=urls"
    chosen = [
        Target("mock, URL mode", "mock", url_mode, SINGLE, "application/json"),
        Target("mock without its fast path (connexion)", "mock-connexion", url_mode, SINGLE,
               "application/json"),
        Target(f"Prism {_prism_version() if with_prism else ''} -v warn, URL mode".replace(
            "  ", " "), "prism", url_mode, SINGLE, "application/json"),
        Target("bare Starlette, same JSON", "starlette", "/viewer/exports/download", SINGLE,
               "application/json"),
        Target("mock, single file (PDF)", "mock", "/viewer/exports/download", SINGLE,
               "application/pdf"),
        Target("mock, batch zip (3 files)", "mock", "/viewer/exports/download-batch", BATCH,
               "application/zip"),
    ]
    return [t for t in chosen if with_prism or t.server != "prism"]


def run(chosen: Sequence[Target], *, duration: float, warmup: float, connections: int,
        rounds: int, server_cpu: int | None, client_cpu: int | None) -> list[Result]:
    """Every target `rounds` times, interleaved; each keeps its best round.

    All servers run at once (an idle one costs nothing) and the targets take turns, so a
    burst of load from elsewhere on the machine hits them alike rather than one of them.
    """
    with ExitStack() as stack:
        bases = {server: stack.enter_context(running(server, server_cpu))
                 for server in dict.fromkeys(t.server for t in chosen)}
        for target in chosen:
            url = bases[target.server] + target.path
            check(url, target.body, target.expect_type)
            measure(url, target.body, duration=warmup, connections=connections, cpu=client_cpu)
        best: dict[str, Result] = {}
        for round_number in range(1, rounds + 1):
            for target in chosen:
                rps, p50, p99, errors = measure(bases[target.server] + target.path, target.body,
                                                duration=duration, connections=connections,
                                                cpu=client_cpu)
                print(f"  round {round_number}, {target.label}: {rps:,.0f} req/s",
                      file=sys.stderr)
                if target.label not in best or rps > best[target.label].requests_per_second:
                    best[target.label] = Result(target.label, rps, p50, p99, errors)
    return [best[t.label] for t in chosen]


def report(results: Sequence[Result], *, duration: float, connections: int, rounds: int) -> str:
    tool = "wrk" if shutil.which("wrk") else "built-in asyncio client"
    width = max(len(r.label) for r in results)
    lines = [f"{connections} keep-alive connections, best of {rounds} rounds of {duration:g} s "
             f"per target, server on one CPU, load by {tool}",
             f"{'target'.ljust(width)}  {'req/s':>9}  {'p50 ms':>7}  {'p99 ms':>7}  errors"]
    for r in results:
        lines.append(f"{r.label.ljust(width)}  {r.requests_per_second:>9,.0f}  "
                     f"{r.p50_ms:>7.2f}  {r.p99_ms:>7.2f}  {r.errors}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0,
                        help="seconds per target and round")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per target (best kept)")
    parser.add_argument("--no-prism", action="store_true", help="leave Prism out")
    cpus = sorted(os.sched_getaffinity(0))
    parser.add_argument("--server-cpu", type=int, default=cpus[0] if len(cpus) > 1 else None)
    parser.add_argument("--client-cpu", type=int, default=cpus[1] if len(cpus) > 1 else None)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--body", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.serve)
        return 0
    if args.load:
        _load(args.load, args.duration, args.connections, args.body)
        return 0
    with_prism = not args.no_prism
    if with_prism:
        _prism()
    results = run(targets(with_prism), duration=args.duration, warmup=args.warmup,
                  connections=args.connections, rounds=args.rounds,
                  server_cpu=args.server_cpu, client_cpu=args.client_cpu)
    print(report(results, duration=args.duration, connections=args.connections,
                 rounds=args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
