"""The job checks judged against the reference backend broken one behaviour at a time.

Each breakage (``broken/job_breakages.py``) patches the reference for one verify run; the run
selects the job rules (J1-J8) only, so the exact set of rules it fails is the breakage's rule
plus the ones its deviation breaks by the letter of the contract. MUST breakages gate a plain
run, SHOULD ones a strict run, REF ones a run with the reference profile.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from breakage_runs import (
    BreakageReports,
    assert_fails_exactly_its_rules,
    assert_plain_gate_lets_through,
    each_breakage,
)
from broken.job_breakages import JOB_BREAKAGES, JobBreakage
from independent_backend_runs import summary

from contract_tests.catalogue import CHECKS
from contract_tests.runner import VerifyOptions, VerifyReport, run_verify
from export_contract.settings import Settings
from reference_impl import ExportStore, create_app
from reference_impl.samples import SAMPLES, register_samples

API_KEY = "broken-jobs-key-0123456789"
WEBHOOK_SECRET = "broken-jobs-webhook-secret"
BASE_URL = "http://testserver/api"
JOB_RULES = tuple(f"J{n}" for n in range(1, 9))
SEED = 20261125
SHOULD_BREAKAGES = [b for b in JOB_BREAKAGES if b.level == "SHOULD"]
Reports = BreakageReports[JobBreakage]


def _settings(data_dir: Path, breakage: JobBreakage | None) -> Settings:
    settings = Settings(data_dir=data_dir, api_keys=(API_KEY,),
                        url_secret=b"broken-jobs-url-secret-32-bytes!",
                        webhook_secret=WEBHOOK_SECRET.encode(), allow_private_callbacks=True,
                        webhook_retry_delays_seconds=(0.2, 0.4, 0.8, 1.6, 3.2))
    return dataclasses.replace(settings, **dict(breakage.settings if breakage else ()))


def _runner(root: Path) -> Callable[[JobBreakage | None, bool, str], VerifyReport]:
    """Runs verify against a fresh reference (its own data dir below ``root``) with the
    breakage's settings, layer and patches."""

    def run(breakage: JobBreakage | None, strict: bool, profile: str) -> VerifyReport:
        data_dir = Path(tempfile.mkdtemp(dir=root))
        register_samples(ExportStore(data_dir))
        app = create_app(_settings(data_dir, breakage))
        if breakage is not None and breakage.wrap is not None:
            app = breakage.wrap(app)
        extra: dict[str, Any] = {"webhook_retry_wait": 10.0,
                                 **dict(breakage.options if breakage else ())}
        options = VerifyOptions(
            base_url=BASE_URL, app=app, api_key=API_KEY,
            source_urls=tuple(s.source_file_url for s in SAMPLES[:3]),
            strict=strict, profile=profile,  # type: ignore[arg-type]
            checks=JOB_RULES, max_examples=2, seed=SEED, jobs=True,
            webhook_secret=WEBHOOK_SECRET, **extra)
        if breakage is None:
            return run_verify(options)
        with breakage.patches():
            return run_verify(options)

    return run


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    return BreakageReports(_runner(tmp_path_factory.mktemp("broken-jobs")))


def test_reference_passes_every_job_check_strictly(reports: Reports) -> None:
    report = reports.get(None, strict=True, profile="reference")

    assert report.exit_code == 0, summary(report)
    assert {c.id: c.status for c in report.checks if c.status != "PASS"} == {}


@each_breakage(JOB_BREAKAGES)
def test_verify_fails_exactly_the_job_rules_a_breakage_breaks(reports: Reports,
                                                               breakage: JobBreakage) -> None:
    assert_fails_exactly_its_rules(reports.gating(breakage), breakage)


@each_breakage(SHOULD_BREAKAGES)
def test_plain_gate_passes_should_job_breakages_with_a_warning(reports: Reports,
                                                               breakage: JobBreakage) -> None:
    assert_plain_gate_lets_through(reports.get(breakage, strict=False), breakage)


def test_every_job_check_fails_on_some_broken_job_backend(reports: Reports) -> None:
    failed = {check_id for breakage in JOB_BREAKAGES
              for check_id in reports.gating(breakage).failed_check_ids}

    never_failed = [c.id for c in CHECKS if c.rule_id in JOB_RULES and c.id not in failed]
    assert never_failed == []


def test_job_breakages_are_distinct_and_at_least_twelve() -> None:
    names = [b.name for b in JOB_BREAKAGES]
    assert len(names) == len(set(names)) and len(names) >= 12
