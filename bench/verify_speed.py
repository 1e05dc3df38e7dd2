"""How fast is `export-contract verify`, next to a plain `schemathesis run` of the same spec?

Starts the reference backend (with its demo exports) on a free loopback port, then for each
--max-examples value runs a default verify (API key and the demo source URLs) and a plain
`schemathesis run` of the two download operations with the same example count, and prints
wall time and request count for both, and their ratio.

    python bench/verify_speed.py                 # max-examples 10, 25, 50
    python bench/verify_speed.py 5 100 --seed 3
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import ServerProcess

from contract_tests.runner import VerifyOptions, run_verify

API_KEY = "bench-key-0123456789"
DEMO_SOURCE_URLS = (
    "https://canvas.example.com/files/floor-plan.pdf",
    "https://canvas.example.com/archive/floor-plan.pdf",
    "https://canvas.example.com/files/r%C3%A9sum%C3%A9.txt",
    "https://canvas.example.com/files/site-photo.png",
)


@dataclass(frozen=True)
class Timing:
    seconds: float
    requests: int


def time_verify(base_url: str, max_examples: int, seed: int) -> Timing:
    started = time.perf_counter()
    report = run_verify(VerifyOptions(base_url=base_url, api_key=API_KEY,
                                      source_urls=DEMO_SOURCE_URLS,
                                      max_examples=max_examples, seed=seed))
    elapsed = time.perf_counter() - started
    if report.exit_code != 0:
        print(f"warning: verify found broken rules: {', '.join(report.failed_rule_ids)}",
              file=sys.stderr)
    return Timing(elapsed, report.request_count)


def time_schemathesis(base_url: str, max_examples: int, seed: int, workdir: Path) -> Timing:
    har = workdir / f"schemathesis-{max_examples}.har"
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{base_url}/openapi.json",
               "--url", base_url, "-H", f"x-api-key: {API_KEY}",
               "--include-operation-id", "downloadExport",
               "--include-operation-id", "downloadBatch",
               "--max-examples", str(max_examples), "--seed", str(seed),
               # Keep generating after a failure, so both tools spend the same example budget.
               "--continue-on-failure",
               "--report", "har", "--report-har-path", str(har)]
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, text=True, check=False, cwd=workdir)
    elapsed = time.perf_counter() - started
    entries = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"] if har.exists() else []
    return Timing(elapsed, len(entries))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("max_examples", nargs="*", type=int, default=[10, 25, 50])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="verify-bench-") as folder:
        workdir = Path(folder)
        serve = ["serve", "--demo", "--api-key", API_KEY, "--data-dir", str(workdir / "data")]
        with ServerProcess(serve) as server:
            print(f"reference backend at {server.base_url}; seed {args.seed}\n")
            print(f"{'max-examples':>12} | {'verify s':>8} {'requests':>8} | "
                  f"{'schemathesis s':>14} {'requests':>8} | {'time ratio':>10}")
            for count in args.max_examples:
                ours = time_verify(server.base_url, count, args.seed)
                plain = time_schemathesis(server.base_url, count, args.seed, workdir)
                ratio = ours.seconds / plain.seconds if plain.seconds else float("inf")
                print(f"{count:>12} | {ours.seconds:>8.2f} {ours.requests:>8} | "
                      f"{plain.seconds:>14.2f} {plain.requests:>8} | {ratio:>9.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
