"""api.md matches the spec: every operation, status, example, header and rule appears in it.

The expectations are read straight from the spec file here, not through the site builder's
own model, so a mistake in that model cannot hide itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from page_links import code_blocks

from contract_tests.catalogue import CHECKS
from contract_tests.rules import RULES
from export_contract.spec import load_spec
from export_contract.spec_files import dereference

SPEC = dereference(load_spec())
BASE = SPEC["servers"][0]["url"]


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, path_item in SPEC["paths"].items():
        for method, operation in path_item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield method.upper(), path, operation


OPERATIONS = list(_operations())
IDS = [operation["operationId"] for _, _, operation in OPERATIONS]


def _section(api_md: str, summary: str) -> str:
    """The text of one operation: from its heading to the next operation or section."""
    match = re.search(rf"^### {re.escape(summary)}\n(.*?)(?=^### |^## |\Z)", api_md,
                      re.MULTILINE | re.DOTALL)
    assert match, f"no section for {summary!r}"
    return match.group(1)


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_operation_has_a_section_with_its_route(api_md: str, method: str, path: str,
                                                      operation: dict[str, Any]) -> None:
    section = _section(api_md, operation["summary"])
    assert f"`{method} {BASE}{path}`" in section
    assert f"operation `{operation['operationId']}`" in section
    if operation.get("description"):
        assert _one_line(operation["description"]) in _one_line(section)


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_status_code_appears_with_when_it_happens(api_md: str, method: str, path: str,
                                                        operation: dict[str, Any]) -> None:
    section = _section(api_md, operation["summary"])
    rows = {match.group(1): match.group(2)
            for match in re.finditer(r"^\| `(\d{3}|[1-5]XX|default)` \| (.*?) \|", section,
                                     re.MULTILINE)}
    assert list(rows) == list(operation["responses"])
    for status, response in operation["responses"].items():
        assert _one_line(response["description"]) == rows[status]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_request_and_response_examples_come_from_the_spec(
        api_md: str, method: str, path: str, operation: dict[str, Any]) -> None:
    section = _section(api_md, operation["summary"])
    blocks = {block.code.strip() for block in code_blocks(section)}
    for media in operation.get("requestBody", {}).get("content", {}).values():
        examples = [item["value"] for item in media.get("examples", {}).values()]
        examples += [media["example"]] if "example" in media else []
        for value in examples:
            assert json.dumps(value, indent=2, ensure_ascii=False) in blocks
    success = next(r for code, r in operation["responses"].items() if code.startswith("2"))
    for media in success.get("content", {}).values():
        if "example" in media:
            value = media["example"]
            assert (value if isinstance(value, str)
                    else json.dumps(value, indent=2, ensure_ascii=False)) in blocks


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_success_headers_are_listed_with_their_examples(
        api_md: str, method: str, path: str, operation: dict[str, Any]) -> None:
    section = _section(api_md, operation["summary"])
    success = next(r for code, r in operation["responses"].items() if code.startswith("2"))
    for name, header in success.get("headers", {}).items():
        cell = _one_line(header["description"]).replace("|", "\\|")  # escaped in a table
        assert f"| `{name}` | {cell} |" in section
        if "example" in header:
            assert f"`{header['example']}`" in section


def test_each_download_variant_has_its_own_section(api_md: str) -> None:
    for operation_id in ("downloadExport", "downloadBatch"):
        assert f"#### {operation_id}: default mode\n" in api_md
        assert f"#### {operation_id}: responseType=urls\n" in api_md


def test_every_download_variant_has_the_three_client_snippets(api_md: str) -> None:
    snippets: dict[str, list[str]] = {}
    for block in code_blocks(api_md):
        if block.language in ("sh", "js", "python"):
            snippets.setdefault(block.heading, []).append(block.language)
    assert snippets == {
        f"{operation_id}: {mode}": ["sh", "js", "python"]
        for operation_id in ("downloadExport", "downloadBatch")
        for mode in ("default mode", "responseType=urls")
    }


def test_the_naming_rules_of_the_spec_are_quoted(api_md: str) -> None:
    section = _one_line(api_md.split("## Filenames and zip entries", 1)[1].split("\n## ", 1)[0])
    naming = next(p for p in SPEC["info"]["description"].split("\n\n") if "Naming" in p)
    assert _one_line(naming) in section
    disposition = SPEC["components"]["headers"]["ContentDisposition"]["description"]
    assert _one_line(disposition) in section
    assert "`canvas-export`" in section and "`canvas-exports.zip`" in section


def test_the_conformance_table_lists_every_rule_its_levels_and_its_checks(api_md: str) -> None:
    table = api_md.split("## Conformance", 1)[1]
    rows = {match.group(1): (match.group(2), match.group(3))
            for match in re.finditer(r"^\| `(\w+)` \| ([A-Z, ]+) \| .*? \| (.*) \|$", table,
                                     re.MULTILINE)}
    assert list(rows) == [rule.id for rule in RULES]
    for rule in RULES:
        levels, checks = rows[rule.id]
        assert levels == ", ".join(rule.levels)
        enforcing = [c for c in CHECKS if c.rule_id == rule.id]
        if rule.subject == "client":
            assert checks == "none (client side)"
            continue
        assert checks == ", ".join(f"`{c.id}` ({c.level})" for c in enforcing)


def test_authentication_names_the_header_and_the_open_operations(api_md: str) -> None:
    section = api_md.split("## Authentication", 1)[1].split("\n## ", 1)[0]
    assert "`x-api-key` header" in section
    assert "except `getExportedFile`" in section
