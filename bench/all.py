"""Run every benchmark and write BENCHMARKS.md: the figures, the machine and the date.

    python bench/all.py                # about 4 minutes on 2 cores
    python bench/all.py --quick        # smaller runs, about 1 minute (a smoke test)
    python bench/all.py --out FILE     # somewhere else than BENCHMARKS.md

Zip streaming, load and export jobs are called in-process (`run_zip_stream`, `run_load`,
`run_jobs`); uploads, verify speed and mock throughput run as their own scripts, whose
printed tables are copied in. A benchmark that fails is reported as such in the file, and
the exit status is 1.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from jobs import report as jobs_report  # noqa: E402
from jobs import run_jobs  # noqa: E402
from load import run_load  # noqa: E402

FLOOD = 500  # stalled connections held beside the load in its second phase
from zip_stream import run_zip_stream  # noqa: E402

__all__ = ["Section", "machine_summary", "main"]

_LIBRARIES = ("uvicorn", "starlette", "connexion", "werkzeug", "httpx", "schemathesis")


@dataclass
class Section:
    title: str
    command: str
    about: str
    body: str = ""
    seconds: float = 0.0
    failed: bool = False


def machine_summary() -> list[str]:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 1024**2:.0f} GiB RAM"
    except OSError:
        pass
    versions = []
    for name in _LIBRARIES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return [
        f"- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} cores ({model}){memory}, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; {', '.join(versions)}",
        f"- Code: {_revision()}",
    ]


def _revision() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"commit {commit}" + (" with local changes" if dirty else "")


def _script(name: str, *args: str) -> str:
    """Run `bench/<name>.py` and return what it printed (its own report)."""
    # A scratch working directory: schemathesis leaves a cache folder in its own.
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        result = subprocess.run([sys.executable, str(BENCH / f"{name}.py"), *args],
                                cwd=scratch, capture_output=True, text=True, timeout=1800,
                                check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{name}.py exited with {result.returncode}:\n"
                           f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def _jobs(count: int, items: int) -> str:
    """Both runs of bench/jobs.py; a broken invariant fails the section."""
    runs = [run_jobs(jobs=count, items=items), run_jobs(jobs=count, items=items, crash=True)]
    text = jobs_report(runs)
    if not all(run.ok for run in runs):
        raise RuntimeError(text)
    return text


def _run(section: Section, produce: Callable[[], str]) -> Section:
    print(f"running: {section.title} ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        section.body = produce().strip()
    except Exception:  # reported in the file; the other benchmarks still run
        section.body = "FAILED\n" + traceback.format_exc(limit=3)
        section.failed = True
    section.seconds = time.monotonic() - started
    return section


def _sanitised(text: str) -> str:
    """No machine-specific paths in the published file."""
    for path, shown in ((str(REPO), "<repo>"), (tempfile.gettempdir(), "<tmp>"),
                        (str(Path.home()), "~")):
        text = text.replace(path, shown)
    return text


def render(sections: list[Section], quick: bool) -> str:
    lines = ["# Benchmarks", "",
             "Regenerated by `python bench/all.py`"
             + (" (here with `--quick`: smaller runs)" if quick else "")
             + "; every figure below comes from that one run.", ""]
    lines += machine_summary()
    for section in sections:
        lines += ["", f"## {section.title}", "", section.about, "",
                  f"`{section.command}` ({section.seconds:.0f} s)", "", "```",
                  _sanitised(section.body), "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (a smoke test)")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    quick = args.quick
    workers = max(2, os.cpu_count() or 1)
    files, mib = (20, 5) if quick else (100, 10)
    clients, seconds = (16, 10.0) if quick else (64, 30.0)
    job_count, job_items = (40, 10) if quick else (200, 20)
    verify_counts = ["5", "10"] if quick else ["10", "25", "50"]
    mock_args = (["--duration", "2", "--rounds", "1", "--warmup", "1"] if quick else [])
    upload_args = ["--mib", "32", "--rounds", "1"] if quick else ["--mib", "256", "--rounds", "3"]

    sections = [
        _run(Section(
            "Batch-zip streaming",
            f"python bench/zip_stream.py --files {files} --mib {mib}",
            "A batch zip of random (incompressible) files streamed by the reference backend, "
            "next to the same bytes as one export and as a bare Starlette FileResponse, each "
            "downloaded 3 times, interleaved: throughput (best of 3), the server's CPU "
            "seconds per GiB (median of 3), first byte, the backend's peak resident memory, "
            "and the ratios zip / single the targets are about."),
            lambda: run_zip_stream(files, mib).report()),
        _run(Section(
            "Load on the reference backend",
            f"python bench/load.py --clients {clients} --duration {seconds:.0f} "
            f"--workers {workers} --flood {FLOOD}",
            "Concurrent clients mixing all four download variants, registrations, listings and "
            "exported-URL fetches against `serve --workers N`; every response is checked "
            "(status, headers, bytes, every zip entry). Errors must be 0 and descriptors must "
            "not grow; the clients run on the same machine, so the figures are a floor. Then "
            f"the same again with {FLOOD} stalled connections (idle, half a head, half a body) "
            "held beside the clients: their p50/p99 with and without, and no error."),
            lambda: run_load(clients=clients, duration=seconds, workers=workers,
                             flood=FLOOD).report()),
        _run(Section(
            "Export jobs",
            f"python bench/jobs.py --jobs {job_count} --items {job_items}",
            f"{job_count} jobs of {job_items} registered items created at once against `serve "
            "--workers 2`, each with a callback to a local receiver that checks signatures: "
            "time from creating a job to seeing it `complete`, to the last job's first "
            "webhook, and each server process's peak RSS. Then the same with every server "
            "process killed (SIGKILL) once part of the jobs is complete, and the server "
            "restarted on the same data dir. Every job must end `complete` (after the crash, "
            "`error`/`interrupted` is allowed), none `processing`, none lost, and every event "
            "arrive at least once with a valid signature and one id."),
            lambda: _jobs(job_count, job_items)),
        _run(Section(
            "Uploads into the blob store",
            " ".join(["python bench/upload.py", *upload_args]),
            "Registration uploads sent in 1 MiB pieces without a Content-Length into `serve` "
            "on a directory and on an S3 bucket (moto's server): throughput, the server's "
            "memory growth, the most bytes the upload put in the data dir (0 with a bucket), "
            "and the time next to boto3 sending the same bytes straight to the bucket."),
            lambda: _script("upload", *upload_args)),
        _run(Section(
            "Verify speed",
            " ".join(["python bench/verify_speed.py", *verify_counts]),
            "`export-contract verify` against the reference backend next to a plain "
            "`schemathesis run` of the two download operations with the same example budget."),
            lambda: _script("verify_speed", *verify_counts)),
        _run(Section(
            "Mock throughput",
            " ".join(["python bench/mock_throughput.py", *mock_args]),
            "The mock server's requests per second next to Stoplight Prism and a bare "
            "Starlette app answering the same JSON, each pinned to one CPU."),
            lambda: _script("mock_throughput", *mock_args)),
    ]
    args.out.write_text(render(sections, quick), encoding="utf-8")
    print(f"wrote {args.out.name}", file=sys.stderr)
    return 1 if any(section.failed for section in sections) else 0


if __name__ == "__main__":
    sys.exit(main())
