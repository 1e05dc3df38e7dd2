"""The browser client module's own unit tests (Node's built-in runner), run from pytest."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from node_runtime import require_node

STATIC_TESTS = Path(__file__).resolve().parents[2] / "mock_server" / "static" / "tests"


def test_export_client_js_unit_tests_pass() -> None:
    node = require_node("the browser client's unit tests (mock_server/static/tests)")
    # The files by name (newer Node reads a directory argument as a module) and the TAP
    # reporter named (newer Node defaults to another one when not on a terminal).
    files = sorted(str(path) for path in STATIC_TESTS.glob("*.test.mjs"))
    assert files, f"no *.test.mjs in {STATIC_TESTS}"
    result = subprocess.run([node, "--test", "--test-reporter=tap", *files],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    # Every test ran and passed: none failed, none was skipped, and there were some.
    assert "# fail 0" in result.stdout and "# skipped 0" in result.stdout, result.stdout[-2000:]
    assert re.search(r"^# pass [1-9]", result.stdout, re.MULTILINE), result.stdout[-2000:]


def test_a_missing_node_fails_the_js_tests_and_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no node on it
    with pytest.raises(pytest.fail.Exception, match=r"Node\.js is not installed.*apt-get "
                                                    r"install nodejs"):
        test_export_client_js_unit_tests_pass()
