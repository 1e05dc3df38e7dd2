"""The checker's own transport failures are "could not check", never a backend's breach."""

from __future__ import annotations

import json

import httpx

from contract_tests.runner import VerifyOptions, run_verify

BASE = "http://testserver/api"


def _backend(request: httpx.Request) -> httpx.Response:
    """Answers 404 to the single route; the batch route times out, as a stalled proxy would."""
    if request.url.path.endswith("/download-batch"):
        raise httpx.ReadTimeout("timed out", request=request)
    body = {"type": "about:blank", "title": "Not found", "status": 404,
            "detail": "No such export.", "success": False}
    return httpx.Response(404, stream=httpx.ByteStream(json.dumps(body).encode()),
                          headers={"content-type": "application/problem+json"})


def test_a_timed_out_request_is_could_not_check_not_a_breach() -> None:
    report = run_verify(VerifyOptions(base_url=BASE, transport=httpx.MockTransport(_backend),
                                      source_urls=(), max_examples=1, seed=1))
    assert report.failed_check_ids == (), json.dumps(report.as_dict()["checks"])[:2000]
    assert any(note.startswith("could not check: phase ") for note in report.notes)
    assert report.check("no-server-error").status == "PASS"
    reasons = [c.reason for c in report.checks if c.status == "SKIP"]
    assert any(reason.startswith("could not check: phase") for reason in reasons)
