"""The order of a verify run: reach the backend, learn exports, then run every probe family.

Each family is a phase; a phase that loses its connection mid-way is recorded (as a breach of
S4: a request that got no response at all) and the run goes on with the next phase.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from .auth_probes import run_auth_probes
from .client import ProbeClient, ProbeFailed
from .compositions import run_compositions
from .cors_probes import run_cors_probes
from .exports import KnownExport, auto_fixtures, discover, unknown_url
from .fuzzing import run_fuzzing
from .observers import BATCH_PATH, SINGLE_PATH, ExchangeObserver
from .options import VerifyOptions
from .request_probes import run_request_probes
from .results import Evidence, Progress
from .url_mode import follow_exported_urls, judge_single_url
from .verdicts import Verdicts
from .zip64 import run_big_archive

__all__ = ["RunOutcome", "run_probes"]

@dataclass
class RunOutcome:
    seed: int
    request_count: int = 0
    notes: list[str] = field(default_factory=list)


class _Progress:
    def __init__(self, callback: Callable[[Progress], None]) -> None:
        self.callback = callback
        self.phase = ""
        self.done = 0
        self.total = 0

    def start(self, phase: str, total: int, message: str = "") -> None:
        self.phase, self.done, self.total = phase, 0, total
        self.callback(Progress(phase, 0, total, message))

    def step(self) -> None:
        self.done += 1
        self.callback(Progress(self.phase, self.done, self.total))


def run_probes(options: VerifyOptions, verdicts: Verdicts,
               callback: Callable[[Progress], None]) -> RunOutcome:
    seed = options.seed if options.seed is not None else secrets.randbelow(2 ** 32)
    outcome = RunOutcome(seed)
    progress = _Progress(callback)
    with ProbeClient(options) as client, ExitStack() as cleanup:
        client.ensure_reachable()
        client.observers.append(ExchangeObserver(verdicts, client.base_url, options.origin,
                                                 options.api_key))
        source_urls = list(options.source_urls)
        if options.fixtures == "auto":
            progress.start("fixtures", 1, "registering fixture exports")
            registered, notes = cleanup.enter_context(
                auto_fixtures(client, big_archive=options.big_archive))
            outcome.notes.extend(notes)
            source_urls += registered
        try:
            _run_phases(client, options, verdicts, progress, outcome, source_urls)
        finally:
            outcome.request_count = client.request_count
    outcome.request_count = client.request_count
    return outcome


@contextmanager
def _phase(name: str, verdicts: Verdicts, outcome: RunOutcome) -> Iterator[None]:
    try:
        yield
    except ProbeFailed as exc:
        outcome.notes.append(f"phase {name} stopped early: {exc}")
        verdicts.fail("no-server-error", Evidence(f"a request got no response: {exc}"))


def _run_phases(client: ProbeClient, options: VerifyOptions, verdicts: Verdicts,
                progress: _Progress, outcome: RunOutcome, source_urls: list[str]) -> None:
    n = options.max_examples
    progress.start("exports", len(source_urls), "downloading known exports")
    known: list[KnownExport] = []
    with _phase("exports", verdicts, outcome):
        known, notes = discover(client, verdicts, source_urls)
        outcome.notes.extend(notes)
    if not known:
        verdicts.lack("exports")
        outcome.notes.append("no known export: most download checks are skipped; pass "
                             "--source-url URL or --fixtures auto")
    big = [e for e in known if e.size >= 32 * 1024 * 1024]
    small = [e for e in known if e not in big]

    progress.start("singles", len(small) + 1)
    with _phase("singles", verdicts, outcome):
        _singles(client, verdicts, small, options.follow_urls, progress, outcome.seed)

    progress.start("batches", n)
    with _phase("batches", verdicts, outcome):
        run_compositions(client, verdicts, small, max_examples=n, seed=outcome.seed,
                         follow_urls=options.follow_urls, on_example=progress.step)

    progress.start("requests", 1, "malformed and edge-case requests")
    with _phase("requests", verdicts, outcome):
        run_request_probes(client, verdicts, small)

    if options.api_key is not None:
        progress.start("auth", 1, "missing, empty and wrong keys")
        with _phase("auth", verdicts, outcome):
            run_auth_probes(client, verdicts, small, api_key=options.api_key, max_examples=n,
                            seed=outcome.seed)

    if options.origin is not None:
        progress.start("cors", 1, f"preflights from {options.origin}")
        with _phase("cors", verdicts, outcome):
            run_cors_probes(client, verdicts, options.origin)

    if verdicts.wants("status-documented", "no-server-error", "fuzz-positive-accepted",
                      "fuzz-negative-rejected", "fuzz-response-conformance"):
        progress.start("fuzzing", 4 * n, "schemathesis, positive and negative")
        with _phase("fuzzing", verdicts, outcome):
            run_fuzzing(client, verdicts, small, max_examples=n, seed=outcome.seed,
                        on_example=progress.step)

    if options.big_archive and verdicts.wants("zip64-when-needed"):
        progress.start("zip64", 1, "a batch zip past 4 GiB")
        if not big:
            verdicts.skip("zip64-when-needed", "the big fixture could not be registered")
        else:
            with _phase("zip64", verdicts, outcome):
                run_big_archive(client, verdicts, big[0])
    verdicts.skip("zip64-when-needed",
                  "no archive needed ZIP64; run with --fixtures auto --big-archive to build one "
                  "past 4 GiB")


def _singles(client: ProbeClient, verdicts: Verdicts, known: list[KnownExport],
             follow_urls: bool, progress: _Progress, seed: int) -> None:
    """Single URL mode for every known export, and an unknown item in all four variants."""
    for export in known:
        ex = client.post_json(SINGLE_PATH, {"sourceFileUrl": export.source_file_url},
                              params={"responseType": "urls"})
        verdicts.judge("all-resolved-ok", [] if ex.status == 200 else [ex.evidence(
            f"a known export got {ex.status} in URL mode, not 200")])
        if ex.status == 200:
            url = judge_single_url(ex, verdicts)
            if follow_urls and url is not None:
                follow_exported_urls(client, [url], [export], verdicts, ex)
        progress.step()
    missing = unknown_url(f"single-{seed}.pdf")
    for path, body in ((SINGLE_PATH, {"sourceFileUrl": missing}),
                       (BATCH_PATH, {"items": [{"sourceFileUrl": missing}]})):
        for params in (None, {"responseType": "urls"}):
            ex = client.post_json(path, body, params=params)
            verdicts.judge("none-resolved-not-found", [] if ex.status == 404 else [ex.evidence(
                f"an unknown sourceFileUrl got {ex.status}, not 404")])
    progress.step()
