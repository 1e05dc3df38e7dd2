"""The Node.js executable for tests that run JavaScript, or a failure that says how to get it.

A missing Node fails these tests rather than skipping them: a skip in CI reads as green while
the JavaScript went untested (`.ci/run` installs Node).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

INSTALL = "apt-get install nodejs npm (Node.js 20 or later); .ci/run installs it"
JS_PACKAGE = Path(__file__).resolve().parents[1] / "js"
JS_INSTALL = "npm ci --prefix js"


def require_node(needed_for: str) -> str:
    """The path of `node`, or fail the test naming what needed it and how to install it."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"Node.js is not installed; {needed_for} need it: {INSTALL}", pytrace=False)
    return node


def require_js_packages(needed_for: str) -> Path:
    """js/'s node_modules (msw, typescript), or fail the test saying how to install them."""
    modules = JS_PACKAGE / "node_modules"
    if not (modules / "msw" / "package.json").is_file():
        pytest.fail(f"js/'s dev dependencies (msw, typescript) are not installed; {needed_for} "
                    f"need them: run {JS_INSTALL} (.ci/run does)", pytrace=False)
    return modules
