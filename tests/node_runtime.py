"""The Node.js executable for tests that run JavaScript, or a failure that says how to get it.

A missing Node fails these tests rather than skipping them: a skip in CI reads as green while
the JavaScript went untested (`.ci/run` installs Node).
"""

from __future__ import annotations

import shutil

import pytest

INSTALL = "apt-get install nodejs npm (Node.js 20 or later); .ci/run installs it"


def require_node(needed_for: str) -> str:
    """The path of `node`, or fail the test naming what needed it and how to install it."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"Node.js is not installed; {needed_for} need it: {INSTALL}", pytrace=False)
    return node
