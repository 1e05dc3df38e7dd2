"""The shared job rules: moves (J4), names (J1, J6), times (J2), the manifest, signatures (J7)
and callback targets (J8)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json

import pytest

from export_contract.callback_urls import CallbackRefused, check_callback_url, refused_address
from export_contract.filenames import is_safe_filename
from export_contract.jobs import (
    JOB_STATES,
    ItemResult,
    job_body,
    job_name,
    job_zip_filename,
    manifest_bytes,
    may_move,
    rfc3339,
)
from export_contract.webhook_signing import SignatureMismatch, sign_webhook, verify_webhook

ALLOWED = {("processing", "complete"), ("processing", "error"), ("processing", "cancelled"),
           ("complete", "gone")}


def test_only_the_moves_of_rule_j4_are_allowed() -> None:
    moves = {(a, b) for a in JOB_STATES for b in JOB_STATES if may_move(a, b)}
    assert moves == ALLOWED


@pytest.mark.parametrize(("name", "zip_name"), [
    ("exports", "exports.zip"), ("plans.ZIP", "plans.ZIP"), ("a.pdf", "a.pdf.zip"),
    ("é" * 200, "é" * 125 + ".zip"),
])
def test_the_zip_is_named_after_the_job_with_zip_added(name: str, zip_name: str) -> None:
    assert job_zip_filename(job_name(name)) == zip_name
    assert is_safe_filename(zip_name)


@pytest.mark.parametrize("name", [None, "", "  ", "..", "/", "\x00", "CON"])
def test_a_missing_or_unusable_name_is_safe(name: str | None) -> None:
    assert is_safe_filename(job_name(name))
    assert job_zip_filename(job_name(name)).endswith(".zip")


def test_times_are_rfc3339_utc_to_the_millisecond() -> None:
    assert rfc3339(1795624390.2099) == "2026-11-25T16:33:10.209Z"
    assert rfc3339(0) == "1970-01-01T00:00:00.000Z"


def test_a_job_body_sets_download_and_error_only_in_their_states() -> None:
    common = {"job_id": "j", "name": "exports", "created_at": 0, "updated_at": 1, "done": 1,
              "total": 1, "download_url": "https://x/d", "expires_at": 5.0,
              "error": ("not_found", "nothing")}
    processing = job_body(state="processing", **common)  # type: ignore[arg-type]
    assert (processing["downloadUrl"], processing["expiresAt"], processing["error"]) == (
        None, None, None)
    complete = job_body(state="complete", **common)  # type: ignore[arg-type]
    assert complete["downloadUrl"] == "https://x/d" and complete["error"] is None
    error = job_body(state="error", **common)  # type: ignore[arg-type]
    assert error["error"] == {"code": "not_found", "message": "nothing"}
    assert error["downloadUrl"] is None


def test_the_manifest_has_one_result_per_item_and_a_summary() -> None:
    document = json.loads(manifest_bytes("job1", [
        ItemResult("https://a/x.pdf", filename="x.pdf", size=3),
        ItemResult("https://b/y.pdf", error="not_found", message="no such export"),
    ]))
    assert document == {
        "jobId": "job1",
        "results": [
            {"sourceFileUrl": "https://a/x.pdf", "success": True, "filename": "x.pdf",
             "bytes": 3},
            {"sourceFileUrl": "https://b/y.pdf", "success": False, "error": "not_found",
             "message": "no such export"},
        ],
        "summary": {"total": 2, "succeeded": 1, "failed": 1},
    }


def test_a_signature_is_hmac_sha256_of_t_dot_body() -> None:
    secret, body = b"whsec_test-secret-0123", b'{"event":"export.complete"}'
    header = sign_webhook(secret, body, timestamp=1795624390)
    expected = hmac.new(secret, b"1795624390." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1795624390,v1={expected}"
    assert verify_webhook(secret, body, header, now=1795624400) == 1795624390


@pytest.mark.parametrize(("header", "message"), [
    (None, "no X-Export-Signature"), ("v1=abc", "is not t="),
    ("t=1795624390,v1=" + "0" * 64, "does not match"),
])
def test_a_bad_signature_says_why(header: str | None, message: str) -> None:
    with pytest.raises(SignatureMismatch, match=message):
        verify_webhook(b"whsec_test-secret-0123", b"{}", header, now=1795624390)


def test_an_old_signature_is_refused_as_a_replay() -> None:
    secret = b"whsec_test-secret-0123"
    header = sign_webhook(secret, b"{}", timestamp=1795624390)
    with pytest.raises(SignatureMismatch, match="replay"):
        verify_webhook(secret, b"{}", header, now=1795624390 + 3600)


@pytest.mark.parametrize("url", ["https://hooks.example.com/x", "http://1.2.3.4:8080/",
                                 "HTTPS://Hooks.Example.com"])
def test_absolute_http_urls_are_usable_callbacks(url: str) -> None:
    assert check_callback_url(url)


@pytest.mark.parametrize("url", ["ftp://h/x", "/hook", "hooks.example.com", "", "http://",
                                 "http://h:99999/", "mailto:a@b.c", "file:///etc/passwd"])
def test_other_callbacks_are_refused_with_what_to_send(url: str) -> None:
    with pytest.raises(CallbackRefused, match="callbackUrl"):
        check_callback_url(url)


@pytest.mark.parametrize(("address", "refused"), [
    ("127.0.0.1", True), ("10.0.0.1", True), ("172.16.5.4", True), ("192.168.1.1", True),
    ("169.254.169.254", True), ("100.64.0.1", True), ("0.0.0.0", True), ("224.0.0.1", True),
    ("::1", True), ("fe80::1", True), ("fc00::1", True), ("::ffff:10.0.0.1", True),
    ("93.184.216.34", False), ("2606:4700::1111", False),
])
def test_non_public_addresses_are_refused(address: str, refused: bool) -> None:
    found = refused_address([ipaddress.ip_address(address)])
    assert (found is not None) == refused
