"""The site builds: every page and asset is there, the spec copies are exact, nothing is remote."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from page_links import html_page

from docs_site import BuiltSite, swagger_ui
from docs_site.html_pages import SPEC_VARIABLE
from docs_site.renderer_assets import RENDERER_FILES
from export_contract.spec import load_spec, spec_text
from export_contract.spec_files import SpecFileError

PAGES = ("index.html", "reference.html", "api.md", "openapi.yaml", "openapi.json", "jobs.html",
         "jobs.md", "jobs-states.svg")


def test_site_has_every_page_and_asset(site: BuiltSite) -> None:
    expected = {*PAGES, "assets/openapi.js", "assets/reference.js", "assets/site.css",
                "assets/swagger-ui/LICENSE", *(f"assets/swagger-ui/{n}" for n in RENDERER_FILES)}
    written = {path.relative_to(site.root).as_posix() for path in site.files}
    assert written == expected
    assert all((site.root / name).stat().st_size > 0 for name in expected)


def test_summary_counts_operations_variants_and_snippets(site: BuiltSite) -> None:
    assert (site.operations, site.variants, site.snippets) == (11, 13, 12)
    assert "Swagger UI" in site.summary() and str(site.root) in site.summary()


def test_spec_copies_are_the_bundled_spec(site: BuiltSite) -> None:
    assert (site.root / "openapi.yaml").read_text(encoding="utf-8") == spec_text()
    assert json.loads((site.root / "openapi.json").read_text(encoding="utf-8")) == load_spec()


def test_reference_page_embeds_the_spec_for_file_urls(site: BuiltSite) -> None:
    script = (site.root / "assets" / "openapi.js").read_text(encoding="utf-8")
    prefix = f"window.{SPEC_VARIABLE} = "
    assert script.startswith(prefix)
    assert json.loads(script.removeprefix(prefix).rstrip().removesuffix(";")) == load_spec()


def test_renderer_files_are_copied_from_the_installed_package(site: BuiltSite) -> None:
    renderer = swagger_ui()
    assert renderer.package == "swagger-ui-bundle"
    assert re.fullmatch(r"\d+\.\d+\.\d+", renderer.version)
    for name in RENDERER_FILES:
        copied = (site.root / "assets" / "swagger-ui" / name).read_bytes()
        assert copied == (renderer.source / name).read_bytes()


def test_pages_load_nothing_from_the_network(site: BuiltSite) -> None:
    for page in ("index.html", "reference.html"):
        _, links = html_page(site.root / page)
        loaded = [link.target for link in links if link.attribute == "src"
                  or link.target.endswith((".css", ".js", ".png"))]
        assert loaded, page
        assert all(not re.match(r"^([a-z]+:)?//", target) for target in loaded), loaded
    css = (site.root / "assets" / "site.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css
    initializer = (site.root / "assets" / "reference.js").read_text(encoding="utf-8")
    assert "validatorUrl: null" in initializer  # else Swagger UI calls a public validator


def test_markup_in_the_spec_is_escaped_not_rendered(
        edited_spec: Callable[..., Path], build: Callable[..., BuiltSite]) -> None:
    def inject(spec: dict[str, Any]) -> None:
        spec["info"]["description"] = "Hello <script>alert('x')</script> <b>bold</b>"

    built = build(spec_file=edited_spec(inject))
    guide = (built.root / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in guide and "<b>bold" not in guide
    assert "&lt;script&gt;alert" in guide


def test_a_spec_written_as_json_gets_a_yaml_copy(tmp_path: Path,
                                                  build: Callable[..., BuiltSite]) -> None:
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(load_spec()), encoding="utf-8")
    built = build(spec_file=source)
    assert yaml.safe_load((built.root / "openapi.yaml").read_text(encoding="utf-8")) == load_spec()


def test_building_again_into_the_same_folder_replaces_the_pages(
        tmp_path: Path, edited_spec: Callable[..., Path]) -> None:
    from contract_tests.catalogue import CHECKS
    from contract_tests.rules import RULES
    from docs_site import build_site

    build_site(tmp_path, rules=RULES, checks=CHECKS)
    retitled = edited_spec(lambda spec: spec["info"].update(title="Renamed API"))
    build_site(tmp_path, rules=RULES, checks=CHECKS, spec_file=retitled)
    assert "<title>Renamed API</title>" in (tmp_path / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("content", ["openapi: [", "just a string", "openapi: 3.0.3\ninfo: {}\n",
                                     "swagger: '2.0'\n"])
def test_an_invalid_spec_builds_nothing(tmp_path: Path, content: str,
                                        build: Callable[..., BuiltSite]) -> None:
    source = tmp_path / "broken.yaml"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(SpecFileError):
        build(spec_file=source)
    assert not list(tmp_path.glob("site-*/index.html"))
