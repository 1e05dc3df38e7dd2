"""The browser client module's own unit tests (Node's built-in runner), run from pytest."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

STATIC_TESTS = Path(__file__).resolve().parents[2] / "mock_server" / "static" / "tests"


def test_export_client_js_unit_tests_pass() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed; the JavaScript client's unit tests need it")
    result = subprocess.run([node, "--test", str(STATIC_TESTS)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
