"""The demo page in headless Chromium against a real mock process.

Downloads are caught by Playwright (`download.suggested_filename` is the name the browser
would save under). A second origin is a plain static server on another port serving the
same page, pointed at the mock with `?base=…&key=…`. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import base64
import functools
import http.server
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from browser_pages import fresh_mock_page, loopback_http, mock_root
from mock_helpers import PDF_URL, TEXT_URL
from server_processes import ServerProcess

from mock_server import DEV_API_KEY
from mock_server.catalog import generated_name_and_type
from mock_server.content import generate

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

STATIC = Path(__file__).resolve().parents[2] / "mock_server" / "static"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def mock() -> Iterator[ServerProcess]:
    with ServerProcess(["mock", "--quiet"]) as server:
        yield server


@pytest.fixture(scope="module")
def other_origin() -> Iterator[str]:
    """The same static page from another origin (another port), as a separate app would be."""
    handler = functools.partial(_QuietHandler, directory=str(STATIC))
    with loopback_http(handler) as url:
        yield url


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def page(browser: Any, mock: ServerProcess) -> Iterator[Any]:
    with fresh_mock_page(browser, mock, width=900) as opened:
        yield opened


def _scenario(mock: ServerProcess, name: str, count: int | None = None) -> None:
    payload: dict[str, object] = {"name": name}
    if count is not None:
        payload["count"] = count
    httpx.put(mock_root(mock) + "/__mock/scenario", json=payload, timeout=10).raise_for_status()


def _fill(page: Any, urls: list[str], *, batch: bool = False, mode: str = "file") -> None:
    page.fill("#source-urls", "\n".join(urls))
    page.check("#variant-batch" if batch else "#variant-single")
    page.check("#mode-urls" if mode == "urls" else "#mode-file")


def _download(page: Any) -> Any:
    with page.expect_download() as info:
        page.click("#download")
    page.wait_for_selector('#status[data-state="done"]')
    return info.value


def _error(page: Any) -> tuple[str, str]:
    page.click("#download")
    page.wait_for_selector('#status[data-state="error"]')
    kind = page.get_attribute("#status", "data-error-kind")
    return kind, page.inner_text("#status .error")


def _screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_demo_page_downloads_a_file_and_a_zip_under_their_names(
        page: Any, mock: ServerProcess, tmp_path: Path) -> None:
    page.goto(mock_root(mock) + "/")
    assert page.input_value("#api-key") == DEV_API_KEY
    assert page.input_value("#base-url") == mock.base_url

    _fill(page, [PDF_URL])
    assert _download(page).suggested_filename == "floor-plan.pdf"
    assert page.get_attribute("#status", "data-filename-source") == "header"

    _fill(page, [TEXT_URL])
    assert _download(page).suggested_filename == "résumé.txt"

    _fill(page, [PDF_URL, PDF_URL.replace("/files/", "/archive/"), TEXT_URL],
          batch=True)
    download = _download(page)
    assert download.suggested_filename == "exports.zip"
    saved = tmp_path / "exports.zip"
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert archive.namelist() == ["floor-plan.pdf", "floor-plan (1).pdf", "résumé.txt"]
        assert archive.testzip() is None
    _screenshot(page, "mock-demo-batch-download.png")

    _fill(page, [PDF_URL, "https://unknown.invalid/missing.pdf"], batch=True, mode="urls")
    page.click("#download")
    page.wait_for_selector('#status[data-state="done"]')
    assert page.locator(".exported-urls li").count() == 1
    assert page.locator(".skipped li").count() == 1
    assert page.problems == []


def test_from_another_origin_without_exposed_headers_names_fall_back(
        page: Any, mock: ServerProcess, other_origin: str) -> None:
    query = f"?base={quote(mock.base_url, safe='')}&key={DEV_API_KEY}"
    page.goto(other_origin + "/index.html" + query)

    _fill(page, [PDF_URL])
    exposed = _download(page)
    assert exposed.suggested_filename == "floor-plan.pdf"

    _scenario(mock, "no-expose-headers")
    assert _download(page).suggested_filename == "canvas-export.pdf"
    assert page.get_attribute("#status", "data-filename-source") == "fallback"
    _screenshot(page, "mock-demo-cross-origin-fallback.png")
    _fill(page, [PDF_URL, TEXT_URL], batch=True)
    assert _download(page).suggested_filename == "canvas-exports.zip"
    assert page.problems == []


ERROR_SCENARIOS = {
    "server-error": ("server", "(500)"),
    "bad-gateway": ("server", "(502)"),
    "unauthorized": ("unauthorized", "(401"),
    "forbidden": ("unauthorized", "(403"),
    "not-found": ("not-found", "(404)"),
    "rate-limited": ("rate-limited", "wait 30 seconds"),
    "truncated-zip": ("network", "broke off"),
}


def test_each_error_scenario_shows_its_own_message(page: Any, mock: ServerProcess) -> None:
    page.goto(mock_root(mock) + "/")
    _fill(page, [PDF_URL, TEXT_URL], batch=True)
    messages = {}
    for name, (kind, text) in ERROR_SCENARIOS.items():
        _scenario(mock, name, count=1)
        shown_kind, message = _error(page)
        assert (shown_kind, name) == (kind, name)
        assert text in message, (name, message)
        messages[name] = message
    assert len(set(messages.values())) == len(messages)
    _screenshot(page, "mock-demo-error.png")
    assert page.problems == []


def test_generated_images_decode_in_the_browser(page: Any) -> None:
    images = []
    for name in ("a.png", "a.gif", "a.jpg", "a.webp", "a.svg"):
        filename, media_type = generated_name_and_type("https://x.example/" + name)
        content = generate(filename, media_type, "https://x.example/" + name, 0)
        images.append(f'<img alt="{name}" src="data:{media_type};base64,'
                      f'{base64.b64encode(content).decode()}">')
    page.set_content("<!doctype html><body>" + "".join(images) + "</body>")
    page.wait_for_load_state("load")
    sizes = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.alt, e.complete, e.naturalWidth, e.naturalHeight])")
    for alt, complete, width, height in sizes:
        assert complete and width > 0 and height > 0, alt
    _screenshot(page, "mock-generated-images.png")

