"""The judges on hand-made exchanges: each check can fail, and says why with evidence."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import httpx
import pytest

from contract_tests.catalogue import CHECKS
from contract_tests.client import Exchange
from contract_tests.downloads import judge_file_response
from contract_tests.exports import KnownExport
from contract_tests.observers import ExchangeObserver
from contract_tests.options import VerifyOptions
from contract_tests.results import CheckOutcome
from contract_tests.showing import shown
from contract_tests.url_mode import judge_batch_urls
from contract_tests.verdicts import Verdicts
from contract_tests.zip64 import _zip64_problems
from contract_tests.zips import judge_zip

BASE = "http://testserver/api"
KEY = "valid-key"


def _verdicts(**options: object) -> Verdicts:
    return Verdicts(CHECKS, VerifyOptions(base_url=BASE, api_key=KEY, origin="https://app",
                                          strict=True, follow_urls=True, profile="reference"
                                          ).replace(**options))


def _exchange(status: int = 200, headers: dict[str, str] | None = None, content: bytes = b"",
              path: str = "/viewer/exports/download", key: str | None = KEY) -> Exchange:
    return Exchange(method="POST", url=BASE + path, request_headers={"x-api-key": KEY},
                    json_body={"sourceFileUrl": "https://a.example/x.pdf"}, raw_body=None,
                    status=status, headers=httpx.Headers(headers or {}), content=content,
                    key_sent=key, key_is_valid=key == KEY, well_formed=True,
                    wire_length=len(content))


def _outcome(verdicts: Verdicts, check_id: str) -> CheckOutcome:
    return verdicts.report(seed=0, request_count=0, duration_seconds=0).check(check_id)


def _export(name: str, content: bytes) -> KnownExport:
    return KnownExport(f"https://a.example/{name}", name, "application/pdf",
                       hashlib.sha256(content).hexdigest(), len(content))


def _zip(*entries: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def test_content_length_mismatch_fails_with_both_numbers() -> None:
    verdicts = _verdicts()
    observe = ExchangeObserver(verdicts, BASE, None, KEY)
    observe(_exchange(headers={"content-length": "10"}, content=b"%PDF-1"))
    outcome = _outcome(verdicts, "content-length-matches-body")
    assert outcome.status == "FAIL"
    assert outcome.evidence[0].message == "Content-Length says 10 bytes, the body has 6"
    assert outcome.evidence[0].curl is not None and "$EXPORT_API_KEY" in outcome.evidence[0].curl


def test_error_observations_cover_status_readability_and_problem_details() -> None:
    verdicts = _verdicts()
    observe = ExchangeObserver(verdicts, BASE, None, KEY)
    observe(_exchange(418, {"content-type": "text/html"}, b"<h1>teapot</h1>"))
    observe(_exchange(400, {"content-type": "application/json"},
                      json.dumps({"title": "x", "status": 404, "success": False}).encode()))
    assert _outcome(verdicts, "status-allowed").status == "FAIL"
    assert "not JSON" in _outcome(verdicts, "error-body-readable").evidence[0].message
    assert _outcome(verdicts, "error-not-a-download").status == "PASS"
    problems = [e.message for e in _outcome(verdicts, "error-problem-details").evidence]
    assert any("lacks string member(s) type, detail" in m for m in problems)
    assert any("'status' is 404, the response status 400" in m for m in problems)


def test_an_error_carrying_an_exports_bytes_is_a_download() -> None:
    verdicts = _verdicts()
    observe = ExchangeObserver(verdicts, BASE, None, KEY)
    observe.export_digests.add(hashlib.sha256(b"%PDF-1.4 plan").hexdigest())
    observe(_exchange(404, {"content-type": "application/pdf"}, b"%PDF-1.4 plan"))
    outcome = _outcome(verdicts, "error-not-a-download")
    assert outcome.status == "FAIL"
    assert outcome.evidence[0].message == "a 404 error's body is an export's bytes"


def test_should_breach_is_a_warning_without_strict_and_ref_checks_do_not_run() -> None:
    verdicts = _verdicts(strict=False, profile="contract")
    observe = ExchangeObserver(verdicts, BASE, None, KEY)
    observe(_exchange(404, {"content-type": "text/html"}, b"<h1>no</h1>"))
    report = verdicts.report(seed=0, request_count=1, duration_seconds=0)
    assert report.check("error-body-readable").status == "WARN"
    assert report.rule("E1").status == "WARN" and report.exit_code == 0
    assert report.check("error-problem-details").status == "SKIP"
    assert not verdicts.wants("error-problem-details")


def test_a_refused_valid_key_is_charged_to_a3_alone() -> None:
    verdicts = _verdicts()
    refused = _exchange(403, {"content-type": "application/problem+json"}, b"{}",
                        path="/viewer/exports/download-batch")
    verdicts.judge("all-resolved-ok", [refused.evidence("every item resolves but got 403")])
    ExchangeObserver(verdicts, BASE, None, KEY)(refused)
    assert _outcome(verdicts, "auth-valid-key-accepted").status == "FAIL"
    outcome = _outcome(verdicts, "all-resolved-ok")
    assert outcome.status == "SKIP"
    assert outcome.reason == "could not check: the valid API key was answered 403 (rule A3)"


def test_valid_key_refused_and_hidden_filename_are_caught() -> None:
    verdicts = _verdicts()
    observe = ExchangeObserver(verdicts, BASE, "https://app", KEY)
    observe(_exchange(401, {"content-type": "application/problem+json"}, b"{}"))
    observe(_exchange(200, {"content-type": "application/pdf",
                            "access-control-allow-origin": "*"}, b"%PDF"))
    assert _outcome(verdicts, "auth-valid-key-accepted").status == "FAIL"
    evidence = _outcome(verdicts, "cors-exposes-content-disposition").evidence[0]
    assert evidence.details == ("Access-Control-Expose-Headers: (missing)",)


def test_non_ascii_name_without_fallback_and_wrong_extension_are_caught() -> None:
    verdicts = _verdicts()
    disposition = "attachment; filename*=UTF-8''l%C3%B6go.png"
    exchange = _exchange(headers={"content-type": "image/jpeg",
                                  "content-disposition": disposition}, content=b"\xff\xd8")
    assert judge_file_response(exchange, verdicts, batch=False) == "lögo.png"
    assert _outcome(verdicts, "filename-non-ascii-fallback").status == "FAIL"
    assert "means image/png" in _outcome(verdicts, "filename-extension-matches-type"
                                         ).evidence[0].message
    assert _outcome(verdicts, "content-disposition-attachment").status == "PASS"


def test_zip_entry_named_differently_from_its_free_filename_breaks_z5() -> None:
    verdicts = _verdicts()
    plan = _export("plan.pdf", b"A")
    content = _zip(("export-1.pdf", b"A"))
    judge_zip(_exchange(headers={"content-type": "application/zip"}, content=content,
                        path="/viewer/exports/download-batch"), [plan], verdicts)
    messages = [e.message for e in _outcome(verdicts, "zip-entry-names-follow-filenames").evidence]
    assert messages == ["zip entry 'export-1.pdf' should be named 'plan.pdf', its item's "
                        "single-download filename: no other entry took that name"]
    assert _outcome(verdicts, "zip-entry-bytes-match-single-download").status == "PASS"


def test_any_de_duplicated_form_passes_the_must_and_the_reference_form_is_ref() -> None:
    verdicts = _verdicts()
    a, b = _export("plan.pdf", b"A"), _export("plan.pdf", b"B")
    content = _zip(("plan.pdf", b"A"), ("plan_2.pdf", b"B"))
    judge_zip(_exchange(headers={"content-type": "application/zip"}, content=content,
                        path="/viewer/exports/download-batch"), [a, b], verdicts)
    assert _outcome(verdicts, "zip-entry-names-follow-filenames").status == "PASS"
    assert _outcome(verdicts, "zip-dedup-keeps-extension").status == "PASS"
    reference = _outcome(verdicts, "zip-dedup-reference-form")
    assert reference.status == "FAIL"
    assert "expected: 'plan.pdf', 'plan (1).pdf'" in reference.evidence[0].details


def test_collision_message_names_the_names_and_the_folding() -> None:
    verdicts = _verdicts()
    a, b = _export("plan.pdf", b"A"), _export("Plan.PDF", b"B")
    content = _zip(("plan.pdf", b"A"), ("Plan.PDF", b"B"))
    judge_zip(_exchange(headers={"content-type": "application/zip"}, content=content,
                        path="/viewer/exports/download-batch"), [a, b], verdicts)
    message = _outcome(verdicts, "zip-entry-names-unique").evidence[0].message
    assert message == "zip entry 'Plan.PDF' collides with 'plan.pdf' after case folding"


def test_sorted_zip_entries_break_only_the_order_should() -> None:
    verdicts = _verdicts(profile="contract")
    first, second = _export("b.pdf", b"first"), _export("a.pdf", b"second")
    content = _zip(("a.pdf", b"second"), ("b.pdf", b"first"))
    judge_zip(_exchange(headers={"content-type": "application/zip"}, content=content,
                        path="/viewer/exports/download-batch"), [first, second], verdicts)
    report = verdicts.report(seed=0, request_count=0, duration_seconds=0)
    assert report.failed_check_ids == ("batch-order-and-repeats",)
    evidence = report.check("batch-order-and-repeats").evidence[0]
    assert evidence.message.startswith("zip entries are not in request order")
    assert evidence.details[0] == "entries: 'a.pdf', 'b.pdf'"


def test_skipped_records_of_another_shape_break_only_the_reference_record() -> None:
    verdicts = _verdicts()
    plan = _export("plan.pdf", b"A")
    body = {"success": True, "exportedUrls": ["https://x.example/1"],
            "skipped": [{"index": 0, "reason": "not_found"},
                        {"index": 2, "reason": "not_found"}]}
    exchange = _exchange(headers={"content-type": "application/json"},
                         content=json.dumps(body).encode(), path="/viewer/exports/download-batch")
    items = ["https://unknown.invalid/a", plan.source_file_url, "https://unknown.invalid/b"]
    assert judge_batch_urls(exchange, items, [None, plan, None], verdicts) == [
        "https://x.example/1"]
    report = verdicts.report(seed=0, request_count=0, duration_seconds=0)
    assert report.failed_check_ids == ("url-mode-skipped-record",)
    assert report.check("url-mode-batch-lists").status == "PASS"
    assert report.check("url-mode-skipped-per-item").status == "PASS"


def test_long_values_are_shown_by_length_with_both_ends() -> None:
    value = "https://canvas.example.com/" + "a" * 2018 + ".pdf"
    text = shown(value)
    assert text.startswith("a 2,049-character string 'https://canvas.example.com/")
    assert text.endswith("aaaa.pdf'")
    assert shown("short") == "'short'"


def test_zip64_inspection_tells_zip64_archives_from_plain_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain, big = tmp_path / "plain.zip", tmp_path / "zip64.zip"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("a.bin", b"a")
    # Past this many entries the stdlib writes ZIP64 end records: a small stand-in for 4 GiB.
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 0)
    with zipfile.ZipFile(big, "w") as archive:
        archive.writestr("a.bin", b"a")
    assert _zip64_problems(big, 1) == []
    assert _zip64_problems(plain, 1) == [
        f"a {plain.stat().st_size}-byte archive has no ZIP64 end-of-central-directory records"]
    assert _zip64_problems(big, 2) == ["the archive holds 1 entries, not 2"]
