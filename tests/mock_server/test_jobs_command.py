"""`export-contract mock` and export jobs: its flags, and a job end to end in a real process."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import pytest
from click.testing import CliRunner
from job_helpers import JOBS, items
from job_waits import until
from mock_helpers import MISSING_URL, PDF_URL
from server_processes import ServerProcess
from webhook_receivers import webhook_receiver

from export_contract.webhook_signing import verify_webhook
from export_contract_cli import main
from mock_server import DEV_API_KEY
from mock_server.options import DEV_WEBHOOK_SECRET

SECRET = "an-operator-webhook-secret"


@pytest.mark.parametrize(("args", "message"), [
    (["--job-seconds", "-1"], "--job-seconds"),
    (["--job-seconds", "3601"], "--job-seconds"),
    (["--webhook-secret", "short"], "at least 16 bytes"),
    (["--job-ttl", "soon"], "--job-ttl"),
])
def test_unusable_job_flags_are_refused_saying_which(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["mock", *args])
    assert result.exit_code == 2 and message in result.output


def test_mock_help_names_the_job_flags_and_the_development_webhook_secret() -> None:
    result = CliRunner().invoke(main, ["mock", "--help"])
    assert "--job-seconds" in result.output and "EXPORT_JOB_SECONDS" in result.output
    assert DEV_WEBHOOK_SECRET.decode() in result.output


@pytest.mark.e2e
@pytest.mark.anyio
async def test_a_job_runs_end_to_end_in_the_mock_process_with_its_webhook() -> None:
    with webhook_receiver() as receiver, ServerProcess(
            ["mock", "--job-seconds", "0.5", "--webhook-secret", SECRET]) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10,
                                     headers={"x-api-key": DEV_API_KEY}) as client:
            created = await client.post(JOBS, json=items(PDF_URL, MISSING_URL,
                                                         callbackUrl=receiver.url))
            job_url = created.headers["location"]

            async def job() -> dict[str, object]:
                answer: dict[str, object] = (await client.get(job_url)).json()
                return answer

            complete = await until(job, lambda j: j["state"] != "processing")
            download = await client.get(str(complete["downloadUrl"]),
                                        headers={"x-api-key": ""})
            (delivery,) = await receiver.received(1)
    assert created.status_code == 202 and complete["state"] == "complete"
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(download.content)).read("manifest.json"))
    assert manifest["summary"] == {"total": 2, "succeeded": 1, "failed": 1}
    verify_webhook(SECRET.encode(), delivery.body, delivery.headers["x-export-signature"])
    assert json.loads(delivery.body)["job"]["id"] == complete["id"]
    output = "\n".join(server.banner)
    assert "export jobs: " in output and "processing 0.5 s" in output
    assert SECRET not in output
    assert "webhook export.complete" in output and "Traceback" not in output


@pytest.mark.e2e
def test_the_mock_prints_its_development_webhook_secret_and_reads_export_job_seconds() -> None:
    with ServerProcess(["mock", "--quiet"], env={"EXPORT_JOB_SECONDS": "7"}) as server:
        pass
    output = "\n".join(server.banner)
    assert f"webhook secret: {DEV_WEBHOOK_SECRET.decode()}" in output
    assert "processing 7 s" in output
