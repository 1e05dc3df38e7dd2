"""Headless Chromium for the browser tests: launched one way, and pages that keep what went
wrong in them (`page.problems`), so every test can end by asserting there was nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

__all__ = ["chromium", "open_page"]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Nothing the tests look at needs a GPU or Chromium's own traffic; the sandbox needs a user
# namespace that containers often lack.
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched browser; the test is skipped where Chromium or Playwright is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright for Python is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@contextmanager
def open_page(browser: Any, *, width: int, accept_downloads: bool = False,
              error_prefix: str = "") -> Iterator[Any]:
    """A page in a context of its own, its uncaught errors collected in ``page.problems``."""
    context = browser.new_context(accept_downloads=accept_downloads,
                                  viewport={"width": width, "height": 900})
    opened = context.new_page()
    opened.problems = []
    opened.on("pageerror", lambda error: opened.problems.append(f"{error_prefix}{error}"))
    yield opened
    context.close()
