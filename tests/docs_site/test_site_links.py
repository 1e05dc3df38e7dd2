"""Every link of the site resolves: files exist, anchors exist, deep links name real operations."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest
from page_links import Link, html_page, markdown_links

from docs_site import BuiltSite
from docs_site.slugs import Slugger
from export_contract.spec import load_spec


def _reference_routes() -> set[str]:
    """Swagger UI's deep links: `#/{tag}/{operationId}` for every operation."""
    routes = set()
    for path_item in load_spec()["paths"].values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                routes.update(f"/{tag}/{operation['operationId']}" for tag in operation["tags"])
    return routes


def _broken(site: BuiltSite, links: list[Link]) -> list[str]:
    ids = {page: html_page(page)[0] for page in site.root.glob("*.html")}
    # api.md's anchors are index.html's: the same Markdown, the same heading slugs.
    ids[site.root / "api.md"] = ids[site.root / "index.html"]
    ids[site.root / "jobs.md"] = ids[site.root / "jobs.html"]
    routes = _reference_routes()
    broken = []
    for link in links:
        parts = urlsplit(link.target)
        if parts.scheme or parts.netloc:
            broken.append(f"{link.page.name}: remote link {link.target}")
            continue
        target = (link.page.parent / unquote(parts.path)).resolve() if parts.path else link.page
        if not target.is_file() or site.root.resolve() not in target.parents:
            broken.append(f"{link.page.name}: {link.target} is not a file of the site")
        elif parts.fragment and target.name == "reference.html":
            if parts.fragment not in routes:
                broken.append(f"{link.page.name}: {link.target} names no operation")
        elif parts.fragment and parts.fragment not in ids.get(target, set()):
            broken.append(f"{link.page.name}: {link.target} has no such anchor")
    return broken


@pytest.mark.parametrize("page", ["index.html", "reference.html", "jobs.html"])
def test_every_link_of_an_html_page_resolves(site: BuiltSite, page: str) -> None:
    _, links = html_page(site.root / page)
    assert links
    assert _broken(site, links) == []


def test_every_link_of_api_md_resolves(site: BuiltSite) -> None:
    links = markdown_links(site.root / "api.md")
    assert len([link for link in links if link.target.startswith("#")]) > 20
    assert _broken(site, links) == []


def test_every_link_of_jobs_md_resolves(site: BuiltSite) -> None:
    links = markdown_links(site.root / "jobs.md")
    assert len([link for link in links if link.target.startswith("#")]) >= 8
    assert _broken(site, links) == []


def test_the_guide_links_the_job_page_from_its_top_and_every_job_operation(
        site: BuiltSite, api_md: str) -> None:
    targets = [link.target for link in markdown_links(site.root / "api.md")]
    job_operations = [op for item in load_spec()["paths"].values() for op in item.values()
                      if isinstance(op, dict) and "jobs" in op.get("tags", ())]
    assert targets.count("jobs.html") == 1 + len(job_operations)
    _, links = html_page(site.root / "index.html")
    assert "jobs.html" in {link.target for link in links}


def test_every_operation_links_to_its_interactive_reference(site: BuiltSite) -> None:
    targets = {link.target for link in markdown_links(site.root / "api.md")}
    assert {f"reference.html#{route}" for route in _reference_routes()} <= targets


def test_the_contents_list_every_section_and_route_variant(site: BuiltSite, api_md: str) -> None:
    ids = html_page(site.root / "index.html")[0]
    for anchor in ("overview", "authentication", "filenames-and-zip-entries", "operations",
                   "conformance", "downloadexport-default-mode",
                   "downloadexport-responsetypeurls", "downloadbatch-default-mode",
                   "downloadbatch-responsetypeurls"):
        assert anchor in ids
        assert f"](#{anchor})" in api_md


@pytest.mark.parametrize(("heading", "slug"), [
    ("Filenames and zip entries", "filenames-and-zip-entries"),
    ("Download one export (file, or its exported URL)",
     "download-one-export-file-or-its-exported-url"),
    ("downloadExport: responseType=urls", "downloadexport-responsetypeurls"),
    ("Fetch an exported URL (no API key; the token is signed and expires)",
     "fetch-an-exported-url-no-api-key-the-token-is-signed-and-expires"),
    ("Ünïcode – dash_and-hyphen", "ünïcode--dash_and-hyphen"),
])
def test_anchors_are_made_the_way_github_makes_them(heading: str, slug: str) -> None:
    assert Slugger().slug(heading) == slug


def test_repeated_headings_get_numbered_anchors() -> None:
    slugger = Slugger()
    assert [slugger.slug("Notes") for _ in range(3)] == ["notes", "notes-1", "notes-2"]
