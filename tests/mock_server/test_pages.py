"""The demo page and the client module, served by the mock at stable paths."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest
from mock_helpers import MakeApp, client_for

from export_contract.settings import Settings
from mock_server import DEV_API_KEY

pytestmark = pytest.mark.anyio


async def test_demo_page_and_client_module_are_served(admin: httpx.AsyncClient) -> None:
    page = await admin.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Backend export download" in page.text
    client = await admin.get("/export-client.js")
    assert client.headers["content-type"].startswith("text/javascript")
    assert "export async function downloadExports" in client.text
    for asset in ("/demo.js", "/demo.css", "/index.html", "/console.js", "/dom.js",
                  "/zip-reader.js"):
        assert (await admin.get(asset)).status_code == 200


CONSOLE_ASSETS = ("/", "/demo.js", "/console.js", "/dom.js", "/zip-reader.js", "/demo.css")


async def test_console_page_and_its_modules_load_nothing_from_elsewhere(
        admin: httpx.AsyncClient) -> None:
    for path in CONSOLE_ASSETS:
        text = (await admin.get(path)).text
        # Offline: every src, href and import is relative (or an inline data: URL).
        for target in re.findall(r'(?:src|href)="([^"]*)"|from "([^"]*)"|@import "([^"]*)"',
                                 text):
            url = "".join(target)
            assert url.startswith(("./", "data:")) or "/" not in url, (path, url)
    page = (await admin.get("/")).text
    for section in ("Backend export download", "Export job", "Scenarios", "Request journal"):
        assert section in page


class _Labels(HTMLParser):
    """Which form controls have a <label for>, and which elements are live regions."""

    def __init__(self) -> None:
        super().__init__()
        self.labelled: set[str] = set()
        self.controls: list[str] = []
        self.live: list[str] = []
        self._in_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "label":
            self._in_label += 1
            if found.get("for"):
                self.labelled.add(str(found["for"]))
        elif tag in ("input", "textarea", "select", "progress"):
            if self._in_label:  # wrapped in its label
                self.labelled.add(str(found.get("id")))
            self.controls.append(str(found.get("id")))
        if found.get("role") == "status" and found.get("aria-live") == "polite":
            self.live.append(str(found.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._in_label -= 1


async def test_every_console_control_has_a_label_and_results_are_live_regions(
        admin: httpx.AsyncClient) -> None:
    parser = _Labels()
    parser.feed((await admin.get("/")).text)
    assert parser.controls and set(parser.controls) <= parser.labelled
    assert {"status", "job-status", "armed", "journal-status"} <= set(parser.live)


async def test_the_page_carries_the_development_key_but_never_a_chosen_one(
        make_app: MakeApp) -> None:
    async with client_for(make_app(Settings(api_keys=(DEV_API_KEY,))), key=None,
                          base_url="http://testserver") as dev:
        assert f'<meta name="export-api-key" content="{DEV_API_KEY}">' in (
            await dev.get("/")).text
    async with client_for(make_app(Settings(api_keys=("secret-key",))), key=None,
                          base_url="http://testserver") as own:
        page = (await own.get("/")).text
        assert "export-api-key" not in page and "secret-key" not in page


async def test_pages_allow_other_origins_and_the_admin_api_configured_ones(
        admin: httpx.AsyncClient, make_app: MakeApp) -> None:
    origin = {"Origin": "http://localhost:3000"}
    assert (await admin.get("/export-client.js", headers=origin)).headers[
        "access-control-allow-origin"] == "*"
    preflight_headers = {**origin, "Access-Control-Request-Method": "POST",
                         "Access-Control-Request-Headers": "content-type"}
    assert (await admin.options("/__mock/scenario", headers=preflight_headers)
            ).status_code == 403
    async with client_for(make_app(admin_origins=("http://localhost:3000",)), key=None,
                          base_url="http://testserver") as configured:
        preflight = await configured.options("/__mock/scenario", headers=preflight_headers)
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"


async def test_preflight_allows_the_prefer_header(client: httpx.AsyncClient) -> None:
    preflight = await client.options("/viewer/exports/download", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-api-key,prefer"})
    assert preflight.status_code == 200
    assert "prefer" in preflight.headers["access-control-allow-headers"].lower()
