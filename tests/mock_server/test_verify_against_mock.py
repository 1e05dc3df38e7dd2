"""The mock passes the conformance suite strictly, with the reference profile: every rule part
that can be judged here is judged, and holds."""

from __future__ import annotations

import pytest
from mock_helpers import API_KEY, PDF_URL, TEXT_URL, MakeApp

from contract_tests.runner import VerifyOptions, VerifyReport, run_verify
from export_contract.settings import Settings

# What a run against the mock cannot judge: no archive past 4 GiB, no rate limit configured,
# and limits are declared (so the undeclared-limits probe gives way to the edges).
CANNOT_JUDGE = {"zip64-when-needed", "rate-limited-not-a-download", "rate-limited-retry-after",
                "limits-undeclared-probe"}
WEBHOOK_SECRET = "mock-under-verify-webhook-secret"


def _mock(make_app: MakeApp, **options: object) -> object:
    """The mock with its job webhooks signed by a known secret and retried within seconds."""
    settings = Settings(api_keys=(API_KEY,), webhook_secret=WEBHOOK_SECRET.encode(),
                        webhook_retry_delays_seconds=(1.0, 2.0, 4.0, 8.0))
    return make_app(settings, job_seconds=0.5, **options)


def _options(app: object, **changes: object) -> VerifyOptions:
    return VerifyOptions(
        base_url="http://testserver/api", api_key=API_KEY, app=app,
        origin="http://frontend.example.com", strict=True, profile="reference",
        max_items=100, max_body_bytes=1024 * 1024, url_revisit_seconds=0.5,
        max_examples=10, seed=1, jobs=True, webhook_secret=WEBHOOK_SECRET,
        webhook_retry_wait=10).replace(**changes)


def _failures(report: VerifyReport) -> list[str]:
    return [f"{c.id}: {c.evidence[0].message if c.evidence else c.reason}"
            for c in report.checks if c.status in ("FAIL", "WARN")]


def _assert_judged_everything(report: VerifyReport) -> None:
    # A run that skipped its checks would pass too: insist that each one looked.
    skipped = {c.id: c.reason for c in report.checks if c.status == "SKIP"}
    assert skipped.keys() <= CANNOT_JUDGE, skipped
    assert all(c.inspected > 0 for c in report.checks if c.id not in CANNOT_JUDGE)


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "connexion-only"])
def test_verify_strict_reference_passes_with_generated_exports(make_app: MakeApp,
                                                               fast_path: bool) -> None:
    app = _mock(make_app, fast_path=fast_path)
    report = run_verify(_options(app, source_urls=(PDF_URL, TEXT_URL)))
    assert report.exit_code == 0, _failures(report)
    _assert_judged_everything(report)


def test_verify_strict_reference_passes_with_its_own_registered_fixtures(
        make_app: MakeApp) -> None:
    report = run_verify(_options(_mock(make_app, strict=True), fixtures="auto"))
    assert report.exit_code == 0, _failures(report)
    _assert_judged_everything(report)
    assert report.check("zip-entry-names-unique").status == "PASS"
