"""The site in headless Chromium, opened from file:// with every other request blocked.

Screenshots go to test-artifacts/ at the repository root.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsers import open_page

from docs_site import BuiltSite
from export_contract.spec import load_spec

pytestmark = pytest.mark.browser



def _operations() -> list[tuple[str, str]]:
    return [(operation["tags"][0], operation["operationId"])
            for path_item in load_spec()["paths"].values()
            for operation in path_item.values()
            if isinstance(operation, dict) and "operationId" in operation]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page that may load file:// URLs only, and remembers everything that went wrong."""
    with open_page(browser, width=1280, error_prefix="page error: ") as opened:
        opened.blocked = []

        def only_local(route: Any) -> None:
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                opened.blocked.append(route.request.url)
                route.abort()

        opened.context.route("**/*", only_local)
        opened.on("console", lambda message: message.type == "error"
                  and opened.problems.append(f"console: {message.text}"))
        yield opened


def _artifact(request: pytest.FixtureRequest, name: str) -> Path:
    folder = Path(request.config.rootpath) / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder / name


def test_reference_shows_every_operation(site: BuiltSite, page: Any,
                                         request: pytest.FixtureRequest) -> None:
    page.goto((site.root / "reference.html").as_uri())
    page.wait_for_selector(".opblock", timeout=20_000)
    operations = _operations()
    assert page.locator(".opblock").count() == len(operations)
    for tag, operation_id in operations:
        block = page.locator(f"#operations-{tag}-{operation_id}")
        block.wait_for(state="visible", timeout=5_000)
        assert operation_id in block.inner_text()
    page.screenshot(path=str(_artifact(request, "docs-reference.png")), full_page=True)
    assert page.problems == [] and page.blocked == []


def test_reference_deep_link_opens_the_operation_with_its_statuses(site: BuiltSite,
                                                                   page: Any) -> None:
    page.goto((site.root / "reference.html").as_uri() + "#/download/downloadBatch")
    block = page.locator("#operations-download-downloadBatch")
    responses = block.locator(".responses-table tr.response > td.response-col_status")
    responses.first.wait_for(state="visible", timeout=20_000)
    statuses = [text.strip() for text in responses.all_inner_texts()]
    expected = list(load_spec()["paths"]["/viewer/exports/download-batch"]["post"]["responses"])
    assert statuses == expected
    assert page.problems == [] and page.blocked == []


def test_guide_renders_with_working_anchors(site: BuiltSite, page: Any,
                                           request: pytest.FixtureRequest) -> None:
    page.goto((site.root / "index.html").as_uri())
    assert page.locator("h1").inner_text().startswith(load_spec()["info"]["title"])
    page.screenshot(path=str(_artifact(request, "docs-guide.png")))
    page.get_by_role("link", name="downloadBatch: responseType=urls").first.click()
    assert page.url.endswith("#downloadbatch-responsetypeurls")
    heading = page.locator("#downloadbatch-responsetypeurls")
    assert heading.is_visible()
    assert heading.evaluate("element => element.getBoundingClientRect().top") < 100
    assert page.locator("table").count() > 5
    assert page.problems == [] and page.blocked == []


def test_navigation_reaches_every_page(site: BuiltSite, page: Any) -> None:
    page.goto((site.root / "index.html").as_uri())
    targets = page.locator(".site-nav nav a").evaluate_all("links => links.map(a => a.href)")
    assert len(targets) == 6
    for target in targets:
        assert target.startswith("file://")
        assert Path(target.removeprefix("file://")).is_file()
    page.locator(".site-nav nav a", has_text="API reference").click()
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.problems == [] and page.blocked == []


def test_job_page_shows_the_state_diagram_inline(site: BuiltSite, page: Any,
                                                 request: pytest.FixtureRequest) -> None:
    page.goto((site.root / "jobs.html").as_uri())
    diagram = page.locator("svg.state-diagram")
    assert diagram.is_visible()
    box = diagram.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    assert sorted(diagram.locator("g.state").evaluate_all(
        "groups => groups.map(g => g.dataset.state)")) == sorted(
        ["processing", "complete", "error", "cancelled", "gone"])
    page.screenshot(path=str(_artifact(request, "docs-jobs.png")), full_page=True)
    assert page.problems == [] and page.blocked == []
