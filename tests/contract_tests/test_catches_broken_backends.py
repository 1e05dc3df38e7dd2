"""The suite judged against an independent backend: it passes the correct one, in strict mode,
and for each deliberately broken variant it fails and names the rule that variant breaks.

The backend (``broken/``) is written with plain Starlette and shares no code with the toolkit,
so a bug common to the verifier and a backend helper cannot make them agree by accident.
Every verify run goes in-process through the ASGI app; its report is computed once per
(backend, strict) pair and shared by the tests that look at it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from breakage_runs import (
    BreakageReports,
    assert_fails_exactly_its_rules,
    assert_plain_gate_lets_through,
    each_breakage,
)
from broken import API_KEY, BREAKAGES, SOURCE_URLS, Breakage, make_backend
from independent_backend_runs import summary

from contract_tests.catalogue import CHECKS, checks_for_rule
from contract_tests.rules import RULES_BY_ID
from contract_tests.runner import VerifyError, VerifyOptions, VerifyReport, run_verify

BASE_URL = "http://testserver/api"
ORIGIN = "https://app.example.com"
# Small on purpose: a breakage must be caught by the fixed probes and the first few examples.
MAX_EXAMPLES = 2
SEED = 20261123

JOB_RULES = {f"J{n}" for n in range(1, 9)}
SHOULD_BREAKAGES = [b for b in BREAKAGES if b.level == "SHOULD"]
LENIENT_BREAKAGES = [b for b in BREAKAGES if b.level != "MUST"]
# Exported URLs are fetched again at once (U6 is judged with its own breakage's 3 s).
QUICK = {"url_revisit_seconds": 0.0}
Reports = BreakageReports[Breakage]


def _run(breakage: Breakage | None, strict: bool, profile: str) -> VerifyReport:
    name = None if breakage is None else breakage.name
    extra = {**QUICK, **dict(breakage.options if breakage is not None else ())}
    options = VerifyOptions(
        base_url=BASE_URL,
        app=make_backend(name),
        api_key=API_KEY,
        source_urls=SOURCE_URLS,
        origin=ORIGIN,
        strict=strict,
        profile=profile,  # type: ignore[arg-type]
        max_examples=MAX_EXAMPLES,
        seed=SEED,
        **extra,  # type: ignore[arg-type]
    )
    return run_verify(options)


@pytest.fixture(scope="module")
def reports() -> Reports:
    return BreakageReports(_run)


def test_verify_passes_independent_correct_backend_in_strict_mode(reports: Reports) -> None:
    report = reports.get(None, strict=True, profile="reference")

    assert report.exit_code == 0, summary(report)
    assert report.failed_check_ids == ()
    # Agreement only counts where the checks looked: all of them ran, except those that need
    # what this run lacks (an archive past 4 GiB, declared limits, a rate limit hit, export
    # jobs: this backend has none, and they are judged on the reference's breakages).
    skipped = {outcome.id: outcome.reason for outcome in report.checks
               if outcome.status == "SKIP" and outcome.rule_id not in JOB_RULES}
    assert skipped.keys() <= {"zip64-when-needed", "limits-declared-edges",
                              "rate-limited-not-a-download", "rate-limited-retry-after"}, skipped
    jobs = {outcome.reason for outcome in report.checks if outcome.rule_id in JOB_RULES}
    assert jobs == {"the backend offers no export jobs (POST /viewer/exports/jobs answered "
                    "404 or 405); pass --jobs to require them"}


@each_breakage(BREAKAGES)
def test_verify_fails_exactly_the_rules_a_breakage_breaks(reports: Reports,
                                                           breakage: Breakage) -> None:
    assert_fails_exactly_its_rules(reports.gating(breakage), breakage)


@each_breakage(LENIENT_BREAKAGES)
def test_plain_gate_passes_should_and_ref_breakages(reports: Reports,
                                                     breakage: Breakage) -> None:
    assert_plain_gate_lets_through(reports.get(breakage, strict=False), breakage)


def test_every_check_fails_on_some_broken_backend(reports: Reports) -> None:
    failed = {check_id for breakage in BREAKAGES
              for check_id in reports.gating(breakage).failed_check_ids}

    # A check that no broken backend makes fail is a defect: it proves nothing. (The job
    # checks' broken backends are the reference's: test_catches_broken_job_backends.py.)
    never_failed = [check.id for check in CHECKS
                    if check.id not in failed and check.rule_id not in JOB_RULES]
    assert never_failed == []


def test_breakages_are_distinct_and_labelled() -> None:
    names = [b.name for b in BREAKAGES]
    assert len(names) == len(set(names))
    assert len(BREAKAGES) >= 25
    for breakage in BREAKAGES:
        assert breakage.description
        assert breakage.rule in RULES_BY_ID, breakage.id
        assert breakage.also <= RULES_BY_ID.keys() - {breakage.rule}, breakage.id
        # The breakage's level is one its rule has, and some check of that level judges it.
        levels = {check.level for check in checks_for_rule(breakage.rule)}
        assert breakage.level in levels, breakage.id


def test_backend_shares_no_code_with_the_toolkit() -> None:
    toolkit = {"reference_impl", "mock_server", "export_contract", "contract_tests"}
    package = Path(__file__).parent / "broken"
    # Job breakages wrap the reference on purpose: jobs need its store, builder and sender.
    for module in (m for m in package.glob("*.py") if m.name != "job_breakages.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported = [node.module]
            else:
                continue
            roots = {name.split(".")[0] for name in imported}
            assert not roots & toolkit, f"{module.name} imports {sorted(roots & toolkit)}"


def test_fixtures_auto_without_a_registration_route_says_so_and_stops() -> None:
    options = VerifyOptions(base_url=BASE_URL, app=make_backend(), api_key=API_KEY,
                            fixtures="auto")
    with pytest.raises(VerifyError, match="no registration route") as caught:
        run_verify(options)
    assert caught.value.exit_code == 2
