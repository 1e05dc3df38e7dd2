"""Run the conformance suite against one backend: ``run_verify(options) -> VerifyReport``.

Public API (stable; the CLI, the pytest plugin and the tests all go through it)::

    from contract_tests.runner import VerifyOptions, run_verify

    report = run_verify(VerifyOptions(
        base_url="http://127.0.0.1:8080/api",       # includes the API prefix
        api_key="secret",                          # None: auth checks report SKIP
        source_urls=("https://canvas.example.com/files/floor-plan.pdf",),
        fixtures="auto",                           # or None: register own fixture files
        origin="https://app.example.com",          # None: CORS checks report SKIP
        strict=True,                               # SHOULD checks gate too (else SKIP)
        follow_urls=True,                          # fetch exported URLs (U4)
        max_examples=10, seed=1,                   # hypothesis budget and seed
        checks=(), exclude_checks=(),              # check IDs or rule IDs ("Z3")
    ))

In-process, without a socket: pass the ASGI app (``app=create_app(settings)``, with a base URL
such as ``http://testserver/api``) or any httpx transport (``transport=...``, sync or async).
``run_verify`` is synchronous; from async code call
``await anyio.to_thread.run_sync(run_verify, options)`` or ``await run_verify_async(options)``.

``run_verify(options, progress=callback)`` calls ``callback(Progress(phase, done, total,
message))`` as it goes.

The report (``contract_tests.results``):

* ``report.checks``: one ``CheckOutcome`` per selected check, in catalogue order, with ``id``,
  ``rule_ids``, ``level``, ``description``, ``status`` in {"PASS", "FAIL", "SKIP"}, ``reason``
  and ``evidence`` (``Evidence(message, request, status, details, curl)``).
  ``report.check("zip-entry-names-unique")`` looks one up.
* ``report.rules``: one ``RuleOutcome`` per contract rule (``id``, ``level``, ``text``,
  ``status``, ``check_ids``, ``reason``, ``evidence``); ``report.rule("Z3")``.
* ``report.failed_rule_ids``, ``report.failed_check_ids``, ``report.passed``.
* ``report.exit_code``: 0 when every MUST check holds (and every SHOULD check with
  ``strict``), 1 otherwise.
* ``report.seed``, ``report.request_count``, ``report.duration_seconds``, ``report.notes``.

Errors: ``VerifyUsageError`` for unusable options (unknown check ID, bad base URL, ...) and
``BackendUnreachable`` when the backend does not answer at all; both subclass ``VerifyError``
and carry ``exit_code = 2`` and a one-line message.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio.to_thread

from .catalogue import select_checks
from .engine import run_probes
from .errors import BackendUnreachable, VerifyError, VerifyUsageError
from .options import VerifyOptions
from .results import CheckOutcome, Evidence, Progress, RuleOutcome, Status, VerifyReport
from .verdicts import Verdicts

__all__ = [
    "BackendUnreachable",
    "CheckOutcome",
    "Evidence",
    "Progress",
    "ProgressCallback",
    "RuleOutcome",
    "Status",
    "VerifyError",
    "VerifyOptions",
    "VerifyReport",
    "VerifyUsageError",
    "run_verify",
    "run_verify_async",
]

ProgressCallback = Callable[[Progress], None]


def run_verify(options: VerifyOptions, *, progress: ProgressCallback | None = None
               ) -> VerifyReport:
    """Run every selected check against the backend and return the report."""
    options = options.validated()
    try:
        selected = select_checks(options.checks, options.exclude_checks)
    except ValueError as exc:
        raise VerifyUsageError(str(exc)) from None
    if not selected:
        raise VerifyUsageError("--checks/--exclude-checks leave no check to run")
    started = time.monotonic()
    verdicts = Verdicts(selected, options)
    outcome = run_probes(options, verdicts, progress or _ignore)
    return verdicts.report(
        seed=outcome.seed,
        request_count=outcome.request_count,
        duration_seconds=time.monotonic() - started,
        notes=outcome.notes,
    )


async def run_verify_async(options: VerifyOptions, *, progress: ProgressCallback | None = None
                           ) -> VerifyReport:
    """``run_verify`` in a worker thread, for callers inside an event loop."""
    def run() -> VerifyReport:
        return run_verify(options, progress=progress)

    return await anyio.to_thread.run_sync(run)


def _ignore(_: Progress) -> None:
    pass
