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


def printed_block(listener: ServerProcess, event: str, timeout: float = 30) -> list[str]:
    """The lines of the first printed delivery of `event`, waiting for it to arrive."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = list(listener.banner)
        for number, line in enumerate(lines):
            if f"  {event}  " in line and len(lines) >= number + 4:
                return lines[number:number + 4]
        time.sleep(0.05)  # polls the output the reader thread collects; not a fixed wait
    raise AssertionError(f"no {event} delivery printed within {timeout} s:\n"
                         + "\n".join(listener.banner))


def test_listen_prints_a_verified_complete_delivery_from_serve(tmp_path: Path) -> None:
    with ServerProcess(["listen", "--secret", SECRET], url_pattern=LISTENING) as listener, \
            ServerProcess(["serve", "--demo", "--data-dir", str(tmp_path),
                           "--webhook-secret", SECRET, "--allow-private-callbacks"],
                          env={"EXPORT_API_KEYS": KEY}) as server:
        response = httpx.post(
            f"{server.base_url}/viewer/exports/jobs", headers={"x-api-key": KEY}, timeout=10,
            json={"items": [{"sourceFileUrl": SAMPLES[0].source_file_url}],
                  "callbackUrl": f"{listener.base_url}/hooks/exports"})
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        block = printed_block(listener, "export.complete")

    assert block[0].endswith("  export.complete  POST /hooks/exports -> answered 200")
    assert block[1].startswith("  event id   ") and "duplicate" not in block[1]
    assert block[2] == f"  job        {job_id}  state complete  progress 1/1"
    assert block[3] == "  signature  verified"
