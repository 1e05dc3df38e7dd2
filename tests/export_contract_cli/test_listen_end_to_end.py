"""`export-contract listen` receiving the webhook of a real `export-contract serve`'s job."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from server_processes import ServerProcess

from reference_impl.samples import SAMPLES

pytestmark = pytest.mark.e2e

KEY = "listen-e2e-key-0123456"
SECRET = "listen-e2e-webhook-secret-0123"
LISTENING = re.compile(r"Listening for export webhooks at (http://\S+)/")


def printed_blocks(listener: ServerProcess, event: str, count: int,
                   timeout: float = 30) -> list[list[str]]:
    """The lines of the first `count` printed deliveries of `event`, waiting for them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = list(listener.banner)
        blocks = [lines[number:number + 4] for number, line in enumerate(lines)
                  if f"  {event}  " in line and len(lines) >= number + 4]
        if len(blocks) >= count:
            return blocks[:count]
        time.sleep(0.05)  # polls the output the reader thread collects; not a fixed wait
    raise AssertionError(f"{count} {event} deliveries not printed within {timeout} s:\n"
                         + "\n".join(listener.banner))


def test_listen_prints_verified_complete_deliveries_from_serve_and_its_retry(
        tmp_path: Path) -> None:
    # --fail-first 1: the first delivery gets 500, so serve retries (quickly, by the env).
    with ServerProcess(["listen", "--secret", SECRET, "--fail-first", "1"],
                       url_pattern=LISTENING) as listener, \
            ServerProcess(["serve", "--demo", "--data-dir", str(tmp_path),
                           "--webhook-secret", SECRET, "--allow-private-callbacks"],
                          env={"EXPORT_API_KEYS": KEY,
                               "EXPORT_WEBHOOK_RETRY_DELAYS_SECONDS": "0.1,0.2"}) as server:
        response = httpx.post(
            f"{server.base_url}/viewer/exports/jobs", headers={"x-api-key": KEY}, timeout=10,
            json={"items": [{"sourceFileUrl": SAMPLES[0].source_file_url}],
                  "callbackUrl": f"{listener.base_url}/hooks/exports"})
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        first, retry = printed_blocks(listener, "export.complete", 2)

    assert first[0].endswith("  export.complete  POST /hooks/exports -> answered 500")
    assert retry[0].endswith("  export.complete  POST /hooks/exports -> answered 200")
    event_id = first[1].removeprefix("  event id   ")
    assert event_id and "duplicate" not in event_id
    assert retry[1] == f"  event id   {event_id}  (duplicate: retry 1 of this event)"
    for block in (first, retry):
        assert block[2] == f"  job        {job_id}  state complete  progress 1/1"
        assert block[3] == "  signature  verified"
