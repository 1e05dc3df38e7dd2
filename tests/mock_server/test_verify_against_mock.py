"""The mock in its default mode passes the conformance suite, SHOULD rules included."""

from __future__ import annotations

import pytest
from mock_helpers import API_KEY, PDF_URL, TEXT_URL, MakeApp

from contract_tests.runner import VerifyOptions, run_verify


def _failures(report: object) -> list[str]:
    return [f"{c.id}: {c.reason}" for c in report.checks  # type: ignore[attr-defined]
            if c.status == "FAIL"]


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "connexion-only"])
def test_verify_strict_passes_with_generated_exports(make_app: MakeApp, fast_path: bool) -> None:
    report = run_verify(VerifyOptions(
        base_url="http://testserver/api", api_key=API_KEY, app=make_app(fast_path=fast_path),
        source_urls=(PDF_URL, TEXT_URL), origin="http://frontend.example.com", strict=True,
        follow_urls=True, max_examples=10, seed=1))
    assert report.exit_code == 0, _failures(report)


def test_verify_strict_passes_with_its_own_registered_fixtures(make_app: MakeApp) -> None:
    report = run_verify(VerifyOptions(
        base_url="http://testserver/api", api_key=API_KEY, app=make_app(strict=True),
        fixtures="auto", origin="http://frontend.example.com", strict=True, follow_urls=True,
        max_examples=10, seed=1))
    assert report.exit_code == 0, _failures(report)
    assert report.check("zip-entry-names-unique").status == "PASS"
