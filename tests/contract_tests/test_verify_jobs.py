"""The job phase's options and its edges: no jobs, --jobs, a refused callback, no secret, and
the checker's own signature check."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from pathlib import Path

import pytest
from broken import API_KEY as BROKEN_KEY
from broken import SOURCE_URLS, make_backend

from contract_tests.config import read_config, settings_from
from contract_tests.errors import VerifyUsageError
from contract_tests.options import VerifyOptions
from contract_tests.runner import run_verify
from contract_tests.webhook_receiver import signature_problems
from export_contract.settings import Settings
from reference_impl import ExportStore, create_app
from reference_impl.samples import SAMPLES, register_samples

BASE_URL = "http://testserver/api"
KEY = "verify-jobs-key-0123456789"
JOB_RULES = tuple(f"J{n}" for n in range(1, 9))


def _reference(tmp_path: Path, **changes: object) -> VerifyOptions:
    register_samples(ExportStore(tmp_path))
    settings = Settings(data_dir=tmp_path, api_keys=(KEY,),
                        url_secret=b"verify-jobs-url-secret-32-bytes!",
                        webhook_retry_delays_seconds=(0.2, 0.4, 0.8, 1.6, 3.2))
    settings_changes = {k: v for k, v in changes.items() if hasattr(settings, k)}
    option_changes = {k: v for k, v in changes.items() if k not in settings_changes}
    app = create_app(dataclasses.replace(settings, **settings_changes))
    return VerifyOptions(base_url=BASE_URL, app=app, api_key=KEY,
                         source_urls=(SAMPLES[0].source_file_url,), checks=JOB_RULES,
                         max_examples=1, seed=3, webhook_retry_wait=10.0
                         ).replace(**option_changes)


def test_a_backend_without_jobs_skips_the_job_checks_with_a_reason() -> None:
    options = VerifyOptions(base_url=BASE_URL, app=make_backend(), api_key=BROKEN_KEY,
                            source_urls=SOURCE_URLS, checks=JOB_RULES, max_examples=1)
    report = run_verify(options)

    assert report.exit_code == 0
    assert {r.status for r in report.rules if r.id in JOB_RULES} == {"SKIP"}
    assert "pass --jobs to require them" in report.check("job-create-accepted").reason
    assert any("no export jobs" in note for note in report.notes)


def test_jobs_flag_makes_their_absence_a_failure_of_j1_only() -> None:
    options = VerifyOptions(base_url=BASE_URL, app=make_backend(), api_key=BROKEN_KEY,
                            source_urls=SOURCE_URLS, checks=JOB_RULES, max_examples=1,
                            jobs=True)
    report = run_verify(options)

    assert report.exit_code == 1
    assert report.failed_rule_ids == ("J1",)
    evidence = report.check("job-create-accepted").evidence[0]
    assert "--jobs requires them" in evidence.message and evidence.status == 404


def test_a_refused_loopback_callback_makes_j7_could_not_check(tmp_path: Path) -> None:
    # The reference's default: callbacks to private addresses are refused with 400 (J8 REF).
    report = run_verify(_reference(tmp_path, allow_private_callbacks=False,
                                   profile="reference", strict=True, jobs=True))

    assert report.exit_code == 0, report.failed_check_ids
    for check_id in ("webhook-delivery-signed", "webhook-delivery-retried"):
        assert report.check(check_id).status == "SKIP"
        assert "--callback-base-url" in report.check(check_id).reason
    assert report.check("callback-private-refused").status == "PASS"


def test_without_a_secret_only_the_signature_shape_is_judged(tmp_path: Path) -> None:
    report = run_verify(_reference(tmp_path, allow_private_callbacks=True, jobs=True,
                                   webhook_secret=None, checks=("J7",)))

    assert report.check("webhook-delivery-signed").status == "PASS"
    assert any("MAC could not be checked" in note for note in report.notes)


def test_signature_is_checked_with_the_checkers_own_hmac() -> None:
    body, secret = b'{"event": "export.complete"}', "a-webhook-secret-0123"
    mac = hmac.new(secret.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    good = f"t=1700000000,v1={mac}"

    assert signature_problems(good, body, secret) == []
    assert signature_problems(good, body, None) == []
    assert "HMAC-SHA256" in signature_problems(good, body + b" ", secret)[0]
    assert "64 lowercase hex" in signature_problems(good.upper(), body, None)[0]
    assert "t=<unix seconds>" in signature_problems(f"t=1.5,v1={mac}", body, None)[0]
    assert signature_problems(None, body, secret) == ["no X-Export-Signature header"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"callback_listen": "127.0.0.1"}, "--callback-listen takes HOST:PORT"),
    ({"callback_listen": "127.0.0.1:99999"}, "--callback-listen takes HOST:PORT"),
    ({"callback_base_url": "host.docker.internal:8099"}, "--callback-base-url must be"),
    ({"webhook_retry_wait": -1.0}, "--webhook-retry-wait must be 0 or more"),
    ({"webhook_secret": ""}, "--webhook-secret is empty"),
])
def test_unusable_job_options_say_what_to_fix(changes: dict[str, object], message: str) -> None:
    with pytest.raises(VerifyUsageError, match=message):
        VerifyOptions(base_url=BASE_URL, **changes).validated()  # type: ignore[arg-type]


def test_listen_address_defaults_to_loopback_on_a_free_port() -> None:
    assert VerifyOptions(base_url=BASE_URL).listen_address() == ("127.0.0.1", 0)
    assert VerifyOptions(base_url=BASE_URL, callback_listen="[::1]:8099"
                         ).listen_address() == ("::1", 8099)


def test_job_options_come_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "export-contract.toml"
    path.write_text('[verify]\nbase-url = "http://127.0.0.1:8080/api"\njobs = true\n'
                    'callback-listen = "0.0.0.0:8099"\n'
                    'callback-base-url = "http://host.docker.internal:8099"\n'
                    'webhook-secret-env = "HOOK_SECRET"\nwebhook-retry-wait = 90\n',
                    encoding="utf-8")
    options = settings_from(read_config(path, environ={"HOOK_SECRET": "s3cret-s3cret"}),
                            {}).options

    assert (options.jobs, options.callback_listen, options.callback_base_url,
            options.webhook_secret, options.webhook_retry_wait) == (
        True, "0.0.0.0:8099", "http://host.docker.internal:8099", "s3cret-s3cret", 90.0)


def test_a_protected_backend_without_a_key_leaves_the_job_checks_could_not_check(
        tmp_path: Path) -> None:
    report = run_verify(_reference(tmp_path, api_key=None, source_urls=()))

    assert report.exit_code == 0
    assert {r.status for r in report.rules if r.id in JOB_RULES} == {"SKIP"}
    assert "no --api-key was given" in report.check("job-create-accepted").reason
