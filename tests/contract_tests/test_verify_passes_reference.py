"""`run_verify` against the in-process reference backend: a correct backend passes, strictly."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contract_tests.catalogue import CHECKS
from contract_tests.reports import render_console, render_json, render_junit
from contract_tests.rules import backend_rules
from contract_tests.runner import (
    Progress,
    VerifyOptions,
    VerifyReport,
    VerifyUsageError,
    run_verify,
    run_verify_async,
)
from export_contract.settings import Settings
from reference_impl import ExportStore, create_app
from reference_impl.samples import SAMPLES, register_samples

API_KEY = "verify-test-key-0123"
BASE_URL = "http://testserver/api"
ORIGIN = "https://app.example.com"
WEBHOOK_SECRET = "verify-tests-webhook-secret"
# Webhook retries within a second, so J7's SHOULD is judged without waiting minutes.
FAST_RETRIES = (0.2, 0.4, 0.8, 1.6, 3.2)

pytestmark = pytest.mark.anyio


def _settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, api_keys=(API_KEY,),
                    url_secret=b"verify-tests-url-secret-32-bytes",
                    webhook_secret=WEBHOOK_SECRET.encode(), allow_private_callbacks=True,
                    webhook_retry_delays_seconds=FAST_RETRIES)


def _options(data_dir: Path, **changes: object) -> VerifyOptions:
    register_samples(ExportStore(data_dir))
    options = VerifyOptions(base_url=BASE_URL, app=create_app(_settings(data_dir)),
                            api_key=API_KEY,
                            source_urls=tuple(s.source_file_url for s in SAMPLES),
                            fixtures="auto", origin=ORIGIN, strict=True, follow_urls=True,
                            profile="reference", max_items=100, max_body_bytes=1024 * 1024,
                            url_revisit_seconds=0.5, max_examples=5, seed=7, jobs=True,
                            webhook_secret=WEBHOOK_SECRET, webhook_retry_wait=10.0)
    return options.replace(**changes)


@pytest.fixture(scope="module")
def strict_report(tmp_path_factory: pytest.TempPathFactory) -> VerifyReport:
    data_dir = tmp_path_factory.mktemp("reference")
    report = run_verify(_options(data_dir))
    stored = {export.source_file_url for export in ExportStore(data_dir).list()}
    assert stored == {s.source_file_url for s in SAMPLES}, "fixtures were not removed"
    return report


def _failures(report: VerifyReport) -> str:
    return render_console(report)


def test_reference_passes_every_rule_strictly_with_the_reference_profile(
        strict_report: VerifyReport) -> None:
    assert strict_report.exit_code == 0, _failures(strict_report)
    statuses = {rule.id: rule.status for rule in strict_report.rules}
    assert statuses.pop("Z7") == "SKIP"
    assert statuses.pop("R1") == "SKIP"  # no rate limit is configured
    assert set(statuses.values()) == {"PASS"}, _failures(strict_report)


def test_every_check_inspects_something_but_those_that_need_more(
        strict_report: VerifyReport) -> None:
    idle = [c.id for c in strict_report.checks if c.inspected == 0]
    assert idle == ["limits-undeclared-probe", "zip64-when-needed",
                    "rate-limited-not-a-download", "rate-limited-retry-after"]
    assert "--big-archive" in strict_report.check("zip64-when-needed").reason
    assert "declared" in strict_report.check("limits-undeclared-probe").reason


def test_report_lists_every_rule_and_check(strict_report: VerifyReport) -> None:
    assert [r.id for r in strict_report.rules] == [r.id for r in backend_rules()]
    assert [c.id for c in strict_report.checks] == [c.id for c in CHECKS]
    assert strict_report.seed == 7
    assert strict_report.request_count > 100


def test_reports_render_in_all_three_formats(strict_report: VerifyReport) -> None:
    table = render_console(strict_report)
    assert "PASSED: 46 rules pass, 0 fail, 0 warn, 2 skipped" in table
    assert "profile reference" in table and "declared limits: max-items 100" in table
    root = ET.fromstring(render_junit(strict_report))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(backend_rules())
    assert all(case.get("name", "")[:3].rstrip(":") in {r.id for r in backend_rules()}
               for case in cases)
    assert len(root.findall("./testsuite/testcase/skipped")) == 2
    assert json.loads(render_json(strict_report))["exit_code"] == 0


def test_ref_checks_skip_outside_the_reference_profile(tmp_path: Path) -> None:
    report = run_verify(_options(tmp_path, strict=False, fixtures=None, follow_urls=False,
                                 profile="contract",
                                 checks=("Z6", "E2", "zip-entry-names-unique")))
    assert report.exit_code == 0
    assert report.check("zip-utf8-flag").status == "PASS"  # SHOULD checks run, and warn
    assert report.check("zip-entry-names-unique").status == "PASS"
    assert report.rule("E2").status == "SKIP"
    assert "--profile reference" in report.check("error-problem-details").reason
    assert report.rule("Z1").reason == "no selected check"


def test_auth_and_cors_checks_skip_without_key_and_origin(tmp_path: Path) -> None:
    options = _options(tmp_path, fixtures=None, api_key=None, origin=None, strict=False,
                       checks=("A2", "A3", "X1", "X2", "S1"))
    report = run_verify(options.replace(app=create_app(
        Settings(data_dir=tmp_path, auth_enabled=False))))
    for check_id in ("auth-missing-key-rejected", "auth-invalid-key-rejected",
                     "auth-valid-key-accepted"):
        assert report.check(check_id).status == "SKIP"
        assert "--api-key" in report.check(check_id).reason
    assert report.rule("X2").status == "SKIP"
    assert report.rule("S1").status == "PASS"


def test_progress_callback_sees_every_phase(tmp_path: Path) -> None:
    seen: list[Progress] = []
    run_verify(_options(tmp_path, fixtures=None, max_examples=1), progress=seen.append)
    phases = list(dict.fromkeys(p.phase for p in seen))
    assert phases == ["exports", "singles", "batches", "requests", "limits", "auth", "cors",
                      "jobs", "fuzzing", "revisit"]


def test_unknown_check_id_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(VerifyUsageError, match="unknown check or rule ID 'no-such-check'"):
        run_verify(_options(tmp_path, checks=("no-such-check",)))


async def test_run_verify_async_works_inside_an_event_loop(tmp_path: Path,
                                                           anyio_backend: str) -> None:
    report = await run_verify_async(_options(tmp_path, fixtures=None, checks=("Z3", "S2"),
                                             max_examples=2))
    assert report.exit_code == 0
    assert report.rule("Z3").status == "PASS"
