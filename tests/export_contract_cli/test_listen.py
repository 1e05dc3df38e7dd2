"""`export-contract listen`: the webhook receiver's verdicts and output, in process (ASGI)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from export_contract.webhook_signing import sign_webhook
from export_contract_cli import listen as listen_module
from export_contract_cli import main
from export_contract_cli.webhook_receiver import (
    ListenerOptions,
    create_listener_app,
    listener_banner,
)

pytestmark = pytest.mark.anyio

SECRET = b"listen-test-secret-0123456789"
NOW = 1_764_088_390.0  # 2025-11-25T16:33:10Z
JOB = {"success": True, "id": "job_7f3", "state": "complete", "name": "exports",
       "progress": {"done": 3, "total": 3}, "downloadUrl": "https://h.example/z", "error": None}
BODY = json.dumps({"event": "export.complete", "job": JOB}).encode()


class Printed(list[str]):
    def __call__(self, text: str) -> None:
        self.append(text)


async def deliver(options: ListenerOptions, *deliveries: dict[str, Any],
                  now: float = NOW) -> tuple[list[int], Printed]:
    """POST each delivery (`body`, `headers`) to a receiver; its answers and what it printed."""
    printed = Printed()
    app = create_listener_app(options, echo=printed, clock=lambda: now)
    statuses = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://listener") as client:
        for delivery in deliveries:
            response = await client.post("/hooks", content=delivery.get("body", BODY),
                                         headers=delivery.get("headers", {}))
            statuses.append(response.status_code)
    return statuses, printed


def signed(event_id: str = "evt_1", *, secret: bytes = SECRET, body: bytes = BODY,
           at: float = NOW) -> dict[str, Any]:
    return {"body": body, "headers": {"Content-Type": "application/json",
                                      "X-Export-Event-Id": event_id,
                                      "X-Export-Signature": sign_webhook(secret, body, int(at))}}


async def test_a_signed_delivery_prints_time_event_id_job_state_progress_and_verified() -> None:
    statuses, printed = await deliver(ListenerOptions(secret=SECRET), signed("evt_1"))
    assert statuses == [200]
    [block] = printed
    assert block.splitlines() == [
        "2025-11-25T16:33:10Z  export.complete  POST /hooks -> answered 200",
        "  event id   evt_1",
        "  job        job_7f3  state complete  progress 3/3",
        "  signature  verified",
    ]


@pytest.mark.parametrize(("headers", "why"), [
    ({"X-Export-Event-Id": "e"}, "failed: no X-Export-Signature header"),
    ({"X-Export-Event-Id": "e", "X-Export-Signature": "v1=abc"},
     "failed: X-Export-Signature is not t=<unix seconds>,v1=<64 hex digits>"),
    (signed("e", secret=b"another-secret-0123456789")["headers"],
     "failed: the HMAC does not match this body and secret"),
    (signed("e", at=NOW - 3600)["headers"],
     "failed: signed 3600 s away from now (more than 300 s): a replay or a skewed clock"),
], ids=["missing", "malformed", "wrong-mac", "too-old"])
async def test_a_bad_signature_is_shown_failed_saying_why(headers: dict[str, str],
                                                          why: str) -> None:
    statuses, printed = await deliver(ListenerOptions(secret=SECRET), {"headers": headers})
    assert statuses == [200]
    assert f"  signature  {why}" in printed[0].splitlines()


async def test_a_body_changed_after_signing_fails_the_signature() -> None:
    delivery = signed("evt_1")
    delivery["body"] = BODY.replace(b"complete", b"error", 1)
    _, printed = await deliver(ListenerOptions(secret=SECRET), delivery)
    assert "signature  failed: the HMAC does not match" in printed[0]


async def test_a_repeated_event_id_is_marked_as_a_retry() -> None:
    _, printed = await deliver(ListenerOptions(secret=SECRET),
                               signed("evt_1"), signed("evt_2"), signed("evt_1"))
    assert "duplicate" not in printed[0] and "duplicate" not in printed[1]
    assert "  event id   evt_1  (duplicate: retry 1 of this event)" in printed[2].splitlines()


async def test_fail_first_answers_500_to_the_first_n_deliveries_of_each_event() -> None:
    statuses, printed = await deliver(
        ListenerOptions(secret=SECRET, fail_first=2),
        signed("a"), signed("a"), signed("b"), signed("a"), signed("b"), signed("b"))
    assert statuses == [500, 500, 500, 200, 500, 200]
    assert printed[0].splitlines()[0].endswith("-> answered 500")
    assert printed[3].splitlines()[0].endswith("-> answered 200")


async def test_json_prints_one_object_per_delivery() -> None:
    _, printed = await deliver(ListenerOptions(secret=SECRET, json_lines=True),
                               signed("evt_1"), {"headers": {"X-Export-Event-Id": "evt_1"}})
    assert all("\n" not in line for line in printed)
    first, second = (json.loads(line) for line in printed)
    assert first == {"time": "2025-11-25T16:33:10Z", "path": "/hooks",
                     "event": "export.complete", "eventId": "evt_1", "jobId": "job_7f3",
                     "state": "complete", "progress": {"done": 3, "total": 3},
                     "signature": "verified", "signatureProblem": None, "attempt": 1,
                     "duplicate": False, "status": 200, "bodyProblem": None}
    assert second["signature"] == "failed"
    assert second["signatureProblem"] == "no X-Export-Signature header"
    assert second["duplicate"] is True and second["attempt"] == 2


async def test_without_a_secret_signatures_are_shown_not_verified() -> None:
    _, printed = await deliver(ListenerOptions(), signed("evt_1"))
    assert ("  signature  not verified: no secret given (--secret or EXPORT_WEBHOOK_SECRET)"
            in printed[0].splitlines())
    banner = "\n".join(listener_banner("http://127.0.0.1:1/", ListenerOptions()))
    assert "Signatures are NOT verified" in banner


async def test_a_body_that_is_not_a_job_event_is_reported_and_still_answered() -> None:
    statuses, printed = await deliver(ListenerOptions(), {"body": b"<html>"},
                                      {"body": b'{"event": "x"}'})
    assert statuses == [200, 200]
    assert "  body       the body is not JSON" in printed[0].splitlines()
    assert '  body       the body is not {"event": ..., "job": {...}}' in printed[1].splitlines()
    assert "(no X-Export-Event-Id header)" in printed[0]
    assert "duplicate" not in printed[1]  # without an id, no delivery is another's retry


def test_listen_refuses_a_short_secret_saying_how_to_make_one() -> None:
    result = CliRunner().invoke(main, ["listen", "--secret", "short"])
    assert result.exit_code == 2
    assert "at least 16 bytes" in result.output and "token_urlsafe" in result.output


def test_listen_takes_the_secret_from_export_webhook_secret(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[ListenerOptions] = []
    monkeypatch.setattr(listen_module, "serve_listener",
                        lambda options, **_: seen.append(options))
    result = CliRunner().invoke(main, ["listen", "--port", "0", "--fail-first", "2", "--json"],
                                env={"EXPORT_WEBHOOK_SECRET": SECRET.decode()})
    assert result.exit_code == 0, result.output
    assert seen == [ListenerOptions(secret=SECRET, fail_first=2, json_lines=True)]
