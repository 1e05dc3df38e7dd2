"""The order of a verify run: reach the backend, learn exports, then run every probe family.

Each family is a phase. A phase that loses its connection mid-way (the checker's own transport
failure or time-out) is "could not check": a note, and the checks that saw nothing report SKIP
with the reason, never a breach. The run goes on with the next phase.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from .auth_probes import run_auth_probes
from .client import Exchange, ProbeClient, ProbeFailed
from .compositions import judge_none_resolved, run_compositions
from .cors_probes import run_cors_probes
from .errors import NoRegistrationRoute
from .exports import KnownExport, auto_fixtures, discover, unknown_url
from .fuzzing import run_fuzzing
from .job_probes import JOB_CHECKS, run_job_probes
from .limit_probes import run_limit_probes
from .observers import BATCH_PATH, SINGLE_PATH, ExchangeObserver
from .options import VerifyOptions
from .request_probes import run_request_probes
from .results import Progress
from .showing import shown_body
from .url_mode import IssuedUrls, follow_exported_urls, judge_single_url
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
        observer = ExchangeObserver(verdicts, client.base_url, options.origin, options.api_key)
        client.observers.append(observer)
        source_urls = list(options.source_urls)
        if options.fixtures == "auto":
            progress.start("fixtures", 1, "registering fixture exports")
            registered, notes = cleanup.enter_context(
                auto_fixtures(client, big_archive=options.big_archive))
            outcome.notes.extend(notes)
            if not registered and any("no registration route" in n for n in notes):
                raise NoRegistrationRoute(notes[0] + "; name known exports with --source-url "
                                          "instead")
            source_urls += registered
        try:
            _run_phases(client, options, verdicts, progress, outcome, source_urls, observer)
        finally:
            outcome.request_count = client.request_count
    outcome.request_count = client.request_count
    return outcome


@contextmanager
def _phase(name: str, verdicts: Verdicts, outcome: RunOutcome) -> Iterator[None]:
    try:
        yield
    except ProbeFailed as exc:
        outcome.notes.append(f"could not check: phase {name} stopped early: {exc}")
        verdicts.could_not_check(f"phase {name} got no response: {exc}")


def _run_phases(client: ProbeClient, options: VerifyOptions, verdicts: Verdicts,
                progress: _Progress, outcome: RunOutcome, source_urls: list[str],
                observer: ExchangeObserver) -> None:
    n = options.max_examples
    progress.start("exports", len(source_urls), "downloading known exports")
    known: list[KnownExport] = []
    with _phase("exports", verdicts, outcome):
        known, notes = discover(client, verdicts, source_urls)
        outcome.notes.extend(notes)
    observer.export_digests.update(e.sha256 for e in known)
    for check_id in ("rate-limited-not-a-download", "rate-limited-retry-after"):
        verdicts.skip(check_id, "no request was rate-limited (429) during the run")
    issued = IssuedUrls(options.url_revisit_seconds)
    if not known:
        verdicts.lack("exports")
        outcome.notes.append("no known export: most download checks are skipped; pass "
                             "--source-url URL or --fixtures auto")
    big = [e for e in known if e.size >= 32 * 1024 * 1024]
    small = [e for e in known if e not in big]

    progress.start("singles", len(small) + 1)
    with _phase("singles", verdicts, outcome):
        _singles(client, verdicts, small, options.follow_urls, progress, outcome.seed, issued)

    progress.start("batches", n)
    with _phase("batches", verdicts, outcome):
        run_compositions(client, verdicts, small, max_examples=n, seed=outcome.seed,
                         follow_urls=options.follow_urls, issued=issued,
                         on_example=progress.step)

    progress.start("requests", 1, "malformed and edge-case requests")
    with _phase("requests", verdicts, outcome):
        run_request_probes(client, verdicts, small)

    progress.start("limits", 1, "batch and body limits")
    with _phase("limits", verdicts, outcome):
        outcome.notes.extend(run_limit_probes(client, verdicts, small,
                                              max_items=options.max_items,
                                              max_body_bytes=options.max_body_bytes))

    if options.api_key is not None:
        progress.start("auth", 1, "missing, empty and wrong keys")
        with _phase("auth", verdicts, outcome):
            run_auth_probes(client, verdicts, small, api_key=options.api_key, max_examples=n,
                            seed=outcome.seed)

    if options.origin is not None:
        progress.start("cors", 1, f"preflights from {options.origin}")
        with _phase("cors", verdicts, outcome):
            run_cors_probes(client, verdicts, options.origin)

    if options.jobs or verdicts.wants(*JOB_CHECKS):
        progress.start("jobs", 1, "export jobs and their webhooks")
        with _phase("jobs", verdicts, outcome):
            outcome.notes.extend(run_job_probes(client, verdicts, small, options, outcome.seed))

    if verdicts.wants("status-allowed", "no-server-error", "request-malformed-body-rejected",
                      "identifier-non-url-rejected"):
        reference = options.profile == "reference"
        progress.start("fuzzing", (6 if reference else 4) * n,
                       "schemathesis, positive and negative")
        with _phase("fuzzing", verdicts, outcome):
            run_fuzzing(client, verdicts, small, max_examples=n, seed=outcome.seed,
                        reference=reference, on_example=progress.step)

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
    if options.follow_urls and issued.issued:
        progress.start("revisit", 1, "exported URLs issued early, fetched again")
        with _phase("revisit", verdicts, outcome):
            issued.revisit(client, verdicts)


def _singles(client: ProbeClient, verdicts: Verdicts, known: list[KnownExport],
             follow_urls: bool, progress: _Progress, seed: int, issued: IssuedUrls) -> None:
    """Single URL mode for every known export, and an unknown item in all four variants."""
    for export in known:
        ex = client.post_json(SINGLE_PATH, {"sourceFileUrl": export.source_file_url},
                              params={"responseType": "urls"})
        verdicts.judge("all-resolved-ok", [] if ex.status == 200 else [ex.evidence(
            f"a known export answered {ex.status} in URL mode, not 200")])
        if ex.status == 200:
            _judge_url_mode_selected(ex, verdicts)
            url = judge_single_url(ex, verdicts)
            if follow_urls and url is not None:
                follow_exported_urls(client, [url], [export], verdicts, ex, issued)
        progress.step()
    missing = unknown_url(f"single-{seed}.pdf")
    for path, body in ((SINGLE_PATH, {"sourceFileUrl": missing}),
                       (BATCH_PATH, {"items": [{"sourceFileUrl": missing}]})):
        for params in (None, {"responseType": "urls"}):
            ex = client.post_json(path, body, params=params)
            judge_none_resolved(ex, verdicts, batch_urls=path == BATCH_PATH and bool(params))
    # Other spellings a backend may not support: plain http, an upper-case scheme and host.
    # The contract lets it answer 400 or 404 (Q2); the reference looks them up (404).
    for other in (missing.replace("https://", "http://", 1),
                  "HTTPS://UNKNOWN.INVALID/" + f"single-{seed}.pdf"):
        ex = client.post_json(SINGLE_PATH, {"sourceFileUrl": other})
        verdicts.judge("identifier-unresolvable-string", [] if ex.status in (400, 404) else [
            ex.evidence(f"the unknown sourceFileUrl {other} answered {ex.status}; allowed: 400 "
                        "or 404", shown_body(ex.content))])
        verdicts.judge("none-resolved-404-everywhere", [] if ex.status == 404 else [
            ex.evidence(f"the unknown URL {other} answered {ex.status}; the reference answers "
                        "404 (it looks up any http(s) URL; schemes and hosts are "
                        "case-insensitive)")])
    progress.step()


def _judge_url_mode_selected(exchange: Exchange, verdicts: Verdicts) -> None:
    """Q6 (MUST): responseType=urls answers the JSON envelope, not the file."""
    try:
        body = exchange.json()
    except ValueError:
        body = None
    verdicts.judge("response-type-selects-mode", [] if isinstance(body, dict) else [
        exchange.evidence("responseType=urls answered something other than a JSON object: "
                          "the mode was not switched",
                          f"Content-Type: {exchange.headers.get('content-type', '(none)')}")])
