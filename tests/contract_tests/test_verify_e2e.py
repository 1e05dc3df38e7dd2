"""`export-contract verify` and the pytest plugin as users run them: real processes, a real
reference backend on a free loopback port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_processes import ServerProcess

from contract_tests.rules import backend_rules

pytestmark = pytest.mark.e2e

API_KEY = "e2e-verify-key-0123"
WEBHOOK_SECRET = "e2e-webhook-secret-0123456789"
SOURCE_URL = "https://canvas.example.com/files/floor-plan.pdf"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("served")
    # Jobs judged in full: the runner's loopback receiver allowed, retries within a second.
    with ServerProcess(["serve", "--demo", "--api-key", API_KEY, "--data-dir", str(data_dir),
                        "--webhook-secret", WEBHOOK_SECRET, "--allow-private-callbacks"],
                       env={"EXPORT_WEBHOOK_RETRY_DELAYS_SECONDS": "0.2,0.4,0.8,1.6,3.2"}
                       ) as server:
        yield server.base_url


def _verify(*args: str, cwd: Path | None = None, env_key: bool = False
            ) -> subprocess.CompletedProcess[str]:
    env = {"EXPORT_API_KEY": API_KEY} if env_key else {}
    return subprocess.run([sys.executable, "-m", "export_contract_cli", "verify", *args],
                          capture_output=True, text=True, timeout=240, cwd=cwd,
                          env={**os.environ, **env})


def summary_skips(summary: str) -> int:
    """The number of skipped tests in pytest's last summary line."""
    words = summary.replace(",", " ").split()
    return int(words[words.index("skipped") - 1]) if "skipped" in words else 0


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_cli_passes_reference_in_strict_mode_and_writes_reports(base_url: str,
                                                                 tmp_path: Path) -> None:
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    result = _verify("--base-url", base_url, "--api-key", API_KEY, "--source-url", SOURCE_URL,
                     "--fixtures", "auto", "--origin", "https://app.example.com", "--strict",
                     "--profile", "reference", "--max-items", "100",
                     "--max-body-bytes", "1048576", "--url-revisit-after", "1",
                     "--max-examples", "5", "--seed", "11", "--jobs",
                     "--webhook-secret", WEBHOOK_SECRET, "--webhook-retry-wait", "10",
                     "--junit-xml", str(junit), "--report", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "RULE LEVEL   STATUS DETAILS" in result.stdout
    assert "PASSED: 46 rules pass, 0 fail, 0 warn, 2 skipped" in result.stdout
    assert "verify: fuzzing" in result.stderr
    cases = ET.parse(junit).getroot().findall("./testsuite/testcase")
    assert [c.get("name", "").split(":")[0] for c in cases] == [r.id for r in backend_rules()]
    assert {c.get("classname") for c in cases} == {"export_contract.MUST",
                                                   "export_contract.SHOULD",
                                                   "export_contract.REF"}
    assert json.loads(report.read_text(encoding="utf-8"))["summary"]["FAIL"] == 0


def test_cli_unreachable_backend_exits_2_with_one_line() -> None:
    result = _verify("--base-url", f"http://127.0.0.1:{_closed_port()}/api")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("export-contract verify: error: cannot reach the backend at")


def test_cli_without_base_url_is_a_usage_error() -> None:
    result = _verify("--strict")
    assert result.returncode == 2
    assert "--base-url is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_reads_everything_from_a_config_file(base_url: str, tmp_path: Path) -> None:
    config = tmp_path / "export-contract.toml"
    config.write_text(f'[verify]\nbase-url = "{base_url}"\napi-key-env = "EXPORT_API_KEY"\n'
                      f'source-urls = ["{SOURCE_URL}"]\nchecks = ["S2", "Z3", "A2"]\n'
                      'max-examples = 2\nreport = "out/report.json"\n', encoding="utf-8")
    result = _verify("--config", str(config), cwd=tmp_path, env_key=True)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert {r["id"]: r["status"] for r in report["rules"]}["A2"] == "PASS"
    assert report["max_examples"] == 2


def test_pytest_plugin_adds_a_test_per_rule(base_url: str, tmp_path: Path) -> None:
    (tmp_path / "test_backend.py").write_text("def test_own():\n    pass\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", "-rs",
         "--export-contract-base-url", base_url, "--export-contract-api-key", API_KEY,
         "--export-contract-source-url", SOURCE_URL, "--export-contract-max-examples", "2",
         "--export-contract-checks", "S1,S2,Z3,Z5,A2"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "export-contract::Z3 PASSED" in result.stdout
    assert "test_backend.py::test_own PASSED" in result.stdout
    summary = result.stdout.splitlines()[-1]
    assert f"{len(backend_rules()) + 1 - summary_skips(summary)} passed" in summary


def test_pytest_plugin_stays_out_of_the_way_without_a_base_url(tmp_path: Path) -> None:
    (tmp_path / "test_backend.py").write_text("def test_own():\n    pass\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("1 passed")


@pytest.mark.slow
def test_big_archive_checks_zip64_past_four_gib(tmp_path: Path) -> None:
    """Registers a 48 MiB fixture and streams a batch zip of about 4.1 GiB to a temp file."""
    with ServerProcess(["serve", "--api-key", API_KEY, "--data-dir",
                        str(tmp_path / "data")]) as server:
        result = _verify("--base-url", server.base_url, "--api-key", API_KEY,
                         "--fixtures", "auto", "--big-archive", "--checks", "Z7",
                         "--max-examples", "1", "--report", str(tmp_path / "report.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    outcome = {c["id"]: c for c in report["checks"]}["zip64-when-needed"]
    assert outcome["status"] == "PASS" and outcome["inspected"] == 1
