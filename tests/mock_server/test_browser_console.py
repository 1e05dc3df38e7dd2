"""The mock console (`/`) in headless Chromium against a real mock process: scenarios armed
from the page, the live journal, a zip's entries, and export jobs run and cancelled.

Waits are Playwright's own (for a selector or a condition in the page), never sleeps. The
console's screenshot goes to test-artifacts/, and to images/mock-console.png (the README's)
when EXPORT_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import http.server
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_pages import fresh_mock_page, loopback_http, mock_root
from mock_helpers import ARCHIVED_PDF_URL, MISSING_URL, PDF_URL, TEXT_URL
from server_processes import ServerProcess

from mock_server import DEV_API_KEY

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
README_IMAGE = ROOT / "images" / "mock-console.png"
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def mock() -> Iterator[ServerProcess]:
    with ServerProcess(["mock", "--quiet", "--job-seconds", "1"]) as server:
        yield server


@pytest.fixture
def page(browser: Any, mock: ServerProcess) -> Iterator[Any]:
    with fresh_mock_page(browser, mock, width=1280) as opened:
        opened.set_default_timeout(TIMEOUT_MS)
        opened.goto(mock_root(mock) + "/")
        opened.wait_for_selector("#scenario-list button.arm")
        yield opened


@pytest.fixture
def receiver() -> Iterator[str]:
    """A webhook receiver on a free loopback port that answers every delivery 204."""
    with loopback_http(_Accepting) as url:
        yield url + "/hooks"


class _Accepting(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _fill(page: Any, urls: list[str], *, batch: bool = False) -> None:
    page.fill("#source-urls", "\n".join(urls))
    page.check("#variant-batch" if batch else "#variant-single")
    page.check("#mode-file")


def _arm(page: Any, name: str, count: int) -> None:
    page.fill("#arm-count", str(count))
    page.click(f'#scenario-list button[data-scenario="{name}"]')
    page.wait_for_selector(f'#armed[data-scenario="{name}"]')


def _download(page: Any) -> Any:
    with page.expect_download() as info:
        page.click("#download")
    page.wait_for_selector('#status[data-state="done"]')
    return info.value


def test_console_lists_every_scenario_from_the_admin_api(page: Any, mock: ServerProcess) -> None:
    catalogue = httpx.get(mock_root(mock) + "/__mock/scenarios", timeout=10).json()["scenarios"]
    shown = page.eval_on_selector_all("#scenario-list button.arm",
                                      "buttons => buttons.map(b => b.dataset.scenario)")
    assert shown == [scenario["name"] for scenario in catalogue]
    assert page.problems == []


def test_a_scenario_armed_from_the_page_fails_the_next_download_only(
        page: Any, mock: ServerProcess) -> None:
    _fill(page, [PDF_URL])
    _arm(page, "server-error", 1)
    assert "1 request left" in page.inner_text("#armed")
    page.click("#download")
    page.wait_for_selector('#status[data-state="error"]')
    assert page.get_attribute("#status", "data-error-kind") == "server"
    assert "(500)" in page.inner_text("#status .error")
    assert _download(page).suggested_filename == "floor-plan.pdf"
    page.wait_for_selector('#armed[data-scenario=""]')
    assert page.problems == []


def test_requests_appear_in_the_journal_with_the_key_redacted_and_the_resolved_name(
        page: Any) -> None:
    _fill(page, [TEXT_URL])
    _download(page)
    row = page.wait_for_selector('#journal-rows tr[data-kind="request"][data-status="200"]')
    page.wait_for_function(
        "() => document.querySelector('#journal-rows tr[data-kind=\"request\"] "
        ".client-filename')?.textContent === 'résumé.txt'")
    text = row.inner_text()
    assert "POST" in text and "/api/viewer/exports/download" in text
    headers = row.eval_on_selector("pre.headers", "pre => pre.textContent")
    assert "x-api-key: [redacted]" in headers
    assert DEV_API_KEY not in page.inner_text("#journal") + headers
    assert page.problems == []


def test_a_downloaded_zip_lists_its_entries(page: Any) -> None:
    _fill(page, [PDF_URL, ARCHIVED_PDF_URL, TEXT_URL], batch=True)
    assert _download(page).suggested_filename == "exports.zip"
    entries = page.eval_on_selector_all(".zip-entries tbody tr td:first-child",
                                        "cells => cells.map(c => c.textContent)")
    assert entries == ["floor-plan.pdf", "floor-plan (1).pdf", "résumé.txt"]
    assert page.problems == []


def test_a_job_runs_to_100_percent_and_shows_its_manifest(page: Any) -> None:
    _fill(page, [PDF_URL, ARCHIVED_PDF_URL, TEXT_URL, MISSING_URL])
    page.click("#job-start")
    page.wait_for_selector('#job-status[data-state="done"]')
    assert page.get_attribute("#job-progress", "data-percent") == "100"
    rows = page.eval_on_selector_all(
        ".manifest tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    assert [row[0] for row in rows] == [PDF_URL, ARCHIVED_PDF_URL, TEXT_URL, MISSING_URL]
    assert [row[1] for row in rows[:3]] == ["floor-plan.pdf", "floor-plan (1).pdf",
                                            "résumé.txt"]
    assert rows[3][1].startswith("not_found") and rows[3][2] == ""
    assert all(int(row[2]) > 0 for row in rows[:3])
    assert "4 items: 3 succeeded, 1 failed." in page.inner_text(".manifest-summary")
    assert page.get_attribute("#job-download", "download") == "exports.zip"
    page.wait_for_function(
        "() => [...document.querySelectorAll('#journal-rows .client-filename')]"
        ".some(cell => cell.textContent === 'exports.zip')")
    _screenshot(page)
    assert page.problems == []


def test_a_jobs_webhook_delivery_appears_in_the_journal(page: Any, receiver: str) -> None:
    _fill(page, [PDF_URL])
    page.fill("#job-callback", receiver)
    page.fill("#job-duration", "0")
    page.click("#job-start")
    page.wait_for_selector('#job-status[data-state="done"]')
    row = page.wait_for_selector('#journal-rows tr[data-kind="webhook"]')
    assert row.get_attribute("data-status") == "204"
    text = row.inner_text()
    assert receiver in text and "webhook" in text and "POST" in text
    assert page.problems == []


def test_a_slow_job_is_cancelled_from_the_page(page: Any) -> None:
    _fill(page, [PDF_URL, TEXT_URL])
    _arm(page, "job-slow", 1)
    page.click("#job-start")
    page.wait_for_selector('#job-status[data-job-state="processing"]')
    page.wait_for_selector("#job-cancel:not([disabled])")
    page.click("#job-cancel")
    page.wait_for_selector('#job-status[data-job-state="cancelled"]')
    assert "was cancelled" in page.inner_text("#job-status")
    assert page.problems == []


def test_a_failing_job_a_rate_limit_and_a_gone_zip_are_shown_clearly(page: Any) -> None:
    _fill(page, [PDF_URL])
    _arm(page, "job-error", 1)
    page.click("#job-start")
    page.wait_for_selector('#job-status[data-state="error"]')
    assert page.get_attribute("#job-status", "data-error-kind") == "job-error"
    assert "export_failed" in page.inner_text("#job-status")
    _arm(page, "rate-limited", 1)
    page.click("#job-start")
    page.wait_for_selector('#job-status[data-error-kind="rate-limited"]')
    assert "30 seconds" in page.inner_text("#job-status")
    _arm(page, "job-gone", 1)
    page.click("#job-start")
    page.wait_for_selector('#job-status[data-error-kind="gone"]')
    assert "expired or was deleted (410)" in page.inner_text("#job-status")
    assert page.problems == []


def _screenshot(page: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "mock-console.png"), full_page=True)
    if os.environ.get("EXPORT_UPDATE_SCREENSHOTS") == "1":
        README_IMAGE.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(README_IMAGE), full_page=True)
