"""Changing the spec, or the catalogue, changes the docs on the next build with no other edit."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from page_links import code_blocks

from docs_site import BuiltSite, SiteSettings

DOWNLOAD = "/viewer/exports/download"
BATCH = "/viewer/exports/download-batch"


def _read(site: BuiltSite, name: str) -> str:
    return (site.root / name).read_text(encoding="utf-8")


def test_a_new_status_code_appears_in_markdown_guide_and_reference(
        edited_spec: Callable[..., Path], build: Callable[..., BuiltSite]) -> None:
    def add_teapot(spec: dict[str, Any]) -> None:
        spec["paths"][DOWNLOAD]["post"]["responses"]["418"] = {
            "description": "The backend is a teapot and brews no exports."}

    built = build(spec_file=edited_spec(add_teapot))
    assert "| `418` | The backend is a teapot and brews no exports. |" in _read(built, "api.md")
    assert "The backend is a teapot and brews no exports." in _read(built, "index.html")
    assert "brews no exports" in _read(built, "assets/openapi.js")
    assert "brews no exports" in _read(built, "openapi.yaml")


def test_a_removed_status_code_disappears(edited_spec: Callable[..., Path],
                                          build: Callable[..., BuiltSite],
                                          api_md: str) -> None:
    def drop_429(spec: dict[str, Any]) -> None:
        for path_item in spec["paths"].values():
            for operation in path_item.values():
                if isinstance(operation, dict):
                    operation.get("responses", {}).pop("429", None)

    assert "| `429` |" in api_md
    assert "| `429` |" not in _read(build(spec_file=edited_spec(drop_429)), "api.md")


def test_a_changed_example_changes_every_snippet(edited_spec: Callable[..., Path],
                                                 build: Callable[..., BuiltSite]) -> None:
    new_url = "https://canvas.example.com/files/site-plan-v2.pdf"

    def change_example(spec: dict[str, Any]) -> None:
        examples = spec["paths"][DOWNLOAD]["post"]["requestBody"]["content"][
            "application/json"]["examples"]
        examples["pdf"]["value"]["sourceFileUrl"] = new_url

    markdown = _read(build(spec_file=edited_spec(change_example)), "api.md")
    snippets = [b for b in code_blocks(markdown) if b.heading.startswith("downloadExport")
                and b.language in ("sh", "js", "python")]
    assert len(snippets) == 6
    assert all(new_url in block.code for block in snippets)


def test_a_removed_operation_leaves_the_docs(edited_spec: Callable[..., Path],
                                            build: Callable[..., BuiltSite]) -> None:
    def drop_delete(spec: dict[str, Any]) -> None:
        del spec["paths"]["/viewer/exports"]["delete"]

    built = build(spec_file=edited_spec(drop_delete))
    assert not re.search(r"\bdeleteExport\b", _read(built, "api.md"))
    assert not re.search(r"\bdeleteExport\b", _read(built, "assets/openapi.js"))
    assert built.operations == 10


def test_a_new_route_variant_gets_its_own_section_and_snippets(
        edited_spec: Callable[..., Path], build: Callable[..., BuiltSite]) -> None:
    def add_mode(spec: dict[str, Any]) -> None:
        spec["components"]["parameters"]["ResponseType"]["schema"]["enum"] = ["urls", "links"]

    built = build(spec_file=edited_spec(add_mode))
    markdown = _read(built, "api.md")
    assert "#### downloadBatch: responseType=links" in markdown
    assert "download-batch?responseType=links" in markdown
    assert (built.variants, built.snippets) == (15, 18)


def test_a_changed_schema_changes_the_field_table(edited_spec: Callable[..., Path],
                                                  build: Callable[..., BuiltSite]) -> None:
    def lengthen(spec: dict[str, Any]) -> None:
        spec["components"]["schemas"]["SourceFileUrl"]["maxLength"] = 4096

    markdown = _read(build(spec_file=edited_spec(lengthen)), "api.md")
    assert "string (at most 4096 characters)" in markdown
    assert "string (at most 2048 characters)" not in markdown


def test_base_url_setting_goes_into_every_snippet(build: Callable[..., BuiltSite]) -> None:
    built = build(settings=SiteSettings(base_url="https://exports.example.org/api",
                                        api_key_env="MY_EXPORT_KEY"))
    blocks = [b for b in code_blocks(_read(built, "api.md"))
              if b.language in ("sh", "js", "python")]
    assert blocks and all("https://exports.example.org/api" in b.code for b in blocks)
    assert all("MY_EXPORT_KEY" in b.code for b in blocks if b.language != "js")


@dataclass(frozen=True)
class FakeRule:
    id: str
    levels: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class FakeCheck:
    id: str
    rule_ids: tuple[str, ...]
    level: str
    description: str


def test_the_conformance_table_follows_the_catalogue(build: Callable[..., BuiltSite]) -> None:
    rules = [FakeRule("Q1", ("MUST", "REF"), "Bodies are JSON | objects."),
             FakeRule("N9", ("SHOULD",), "A rule nothing checks yet.")]
    checks = [FakeCheck("body-is-json", ("Q1",), "MUST", "..."),
              FakeCheck("stray-check", ("ZZ",), "MUST", "...")]
    markdown = _read(build(rules=rules, checks=checks), "api.md")
    table = markdown.split("## Conformance", 1)[1]
    assert "| `Q1` | MUST, REF | Bodies are JSON \\| objects. | `body-is-json` (MUST) |" in table
    assert "| `N9` | SHOULD | A rule nothing checks yet. | none (client side) |" in table
    assert "2 rules, 1 of them enforced" in table
    assert "- `stray-check` (ZZ)" in table
    assert "`Q3`" not in table
