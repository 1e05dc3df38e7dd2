"""Comparing another spec with the contract's: what differs, what is only a note."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from export_contract.spec import load_spec
from export_contract_cli.spec_compat import compare_specs

OURS = load_spec()
DOWNLOAD = "POST /api/viewer/exports/download (downloadExport)"
BATCH = "POST /api/viewer/exports/download-batch (downloadBatch)"
OPERATION_COUNT = sum(1 for item in OURS["paths"].values() for key in item
                      if key in ("get", "post", "delete"))


def _theirs() -> dict[str, Any]:
    return copy.deepcopy(OURS)


def _details(theirs: dict[str, Any], **kwargs: Any) -> list[tuple[str, str, str, bool]]:
    comparison = compare_specs(OURS, theirs, **kwargs)
    return [(d.operation, d.aspect, d.detail, d.breaking) for d in comparison.differences]


def test_the_same_spec_is_compatible() -> None:
    comparison = compare_specs(OURS, _theirs())
    assert comparison.compatible and comparison.differences == ()
    assert comparison.compared_operations == OPERATION_COUNT
    assert "Result: compatible" in comparison.report("their.yaml")


def test_a_removed_status_code_is_a_difference() -> None:
    theirs = _theirs()
    del theirs["paths"]["/viewer/exports/download"]["post"]["responses"]["404"]
    assert _details(theirs) == [
        (DOWNLOAD, "status", "404 is not documented (the contract documents it)", True)]
    assert not compare_specs(OURS, theirs).compatible


def test_an_extra_status_code_is_a_difference() -> None:
    theirs = _theirs()
    theirs["paths"]["/viewer/exports/download-batch"]["post"]["responses"]["418"] = {
        "description": "teapot"}
    assert _details(theirs) == [
        (BATCH, "status", "418 is documented but the contract does not allow it (rule S3)", True)]


def test_a_changed_request_schema_is_a_difference_with_its_location() -> None:
    theirs = _theirs()
    theirs["components"]["schemas"]["SourceFileUrl"]["minLength"] = 3
    details = _details(theirs, operations=["downloadExport"])
    assert details == [(DOWNLOAD, "request schema",
                        "application/json /properties/sourceFileUrl/minLength: 1 → 3",
                        True)]


def test_a_changed_response_schema_is_a_difference() -> None:
    theirs = _theirs()
    schema = theirs["components"]["schemas"]["ExportedUrls"]
    schema["required"] = ["success", "exportedUrls"]
    schema["properties"]["exportedUrls"]["items"] = {"type": "integer"}
    details = {d[2] for d in _details(theirs)}
    assert details == {
        "application/json /properties/exportedUrls/items/type: \"string\" → \"integer\"",
        "application/json /required: drops \"skipped\", adds nothing",
    }
    assert {d[1] for d in _details(theirs)} == {"response schema 200"}


def test_a_changed_response_media_type_is_a_difference() -> None:
    theirs = _theirs()
    content = theirs["paths"]["/viewer/exports/download-batch"]["post"]["responses"]["200"][
        "content"]
    content["application/x-zip-compressed"] = content.pop("application/zip")
    assert {d[2] for d in _details(theirs)} == {"application/zip is missing",
                                               "application/x-zip-compressed is extra"}
    assert all(d[3] for d in _details(theirs))


def test_documentation_changes_are_not_differences() -> None:
    theirs = _theirs()
    theirs["components"]["schemas"]["SourceFileUrl"]["description"] = "Another wording."
    theirs["paths"]["/viewer/exports/download"]["post"]["summary"] = "Get a file"
    theirs["components"]["responses"]["NotFound"]["content"]["application/problem+json"][
        "example"]["detail"] = "Nope."
    assert _details(theirs) == []


def test_parameters_missing_or_required_differ_but_optional_extras_are_notes() -> None:
    theirs = _theirs()
    batch = theirs["paths"]["/viewer/exports/download-batch"]["post"]
    batch["parameters"] = [{"name": "tenant", "in": "header", "required": True,
                            "schema": {"type": "string"}}]
    single = theirs["paths"]["/viewer/exports/download"]["post"]
    single["parameters"].append({"name": "debug", "in": "query", "schema": {"type": "boolean"}})
    assert _details(theirs) == [
        (DOWNLOAD, "parameter", "query parameter debug is extra and optional", False),
        (BATCH, "parameter", "header parameter tenant is extra and required", True),
        (BATCH, "parameter", "query parameter responseType is missing", True),
    ]


def test_extra_operations_are_notes_and_a_missing_download_route_differs() -> None:
    theirs = _theirs()
    theirs["paths"]["/health"] = {"get": {"operationId": "health",
                                          "responses": {"200": {"description": "ok"}}}}
    del theirs["paths"]["/viewer/exports/download-batch"]
    comparison = compare_specs(OURS, theirs)
    assert [(d.operation, d.detail, d.breaking) for d in comparison.differences] == [
        ("POST /api/viewer/exports/download-batch (downloadBatch)",
         "missing from the other spec", True),
        ("GET /api/health (health)", "not in the contract", False),
    ]


def test_a_spec_without_the_optional_routes_is_compatible_with_notes() -> None:
    # Registration, the backend-served exported URL and export jobs are the reference's or an
    # optional capability: a backend documenting only the download routes conforms.
    theirs = _theirs()
    theirs["paths"] = {path: item for path, item in theirs["paths"].items()
                       if path.startswith("/viewer/exports/download")}
    comparison = compare_specs(OURS, theirs)
    assert comparison.compatible
    assert comparison.notes and all("(optional: not a download route)" in d.detail
                                    for d in comparison.notes)


def test_only_the_named_operations_are_compared() -> None:
    theirs = _theirs()
    del theirs["paths"]["/viewer/exports/download"]
    del theirs["paths"]["/viewer/exports/files/{token}"]
    assert compare_specs(OURS, theirs, operations=["downloadBatch"]).compatible
    assert not compare_specs(OURS, theirs).compatible
    with pytest.raises(ValueError, match="no such operation"):
        compare_specs(OURS, theirs, operations=["nope"])


@pytest.mark.parametrize(("servers", "prefix"), [
    ([{"url": "https://exports.example.com/api"}], ""),
    ([{"url": "{scheme}://exports.example.com/api/",
       "variables": {"scheme": {"default": "https"}}}], ""),
    ([{"url": "/"}], "/api"),
    (None, "/api"),
])
def test_operations_match_by_full_path_whatever_the_server_prefix(
        servers: list[dict[str, Any]] | None, prefix: str) -> None:
    theirs = _theirs()
    if servers is None:
        del theirs["servers"]
    else:
        theirs["servers"] = servers
    theirs["paths"] = {prefix + path: item for path, item in theirs["paths"].items()}
    assert _details(theirs) == []


def test_renamed_path_parameters_still_match() -> None:
    theirs = _theirs()
    item = theirs["paths"].pop("/viewer/exports/files/{token}")
    item["get"]["parameters"][0]["name"] = "signedToken"
    theirs["paths"]["/viewer/exports/files/{signedToken}"] = item
    assert _details(theirs) == []


def test_report_groups_differences_by_operation_and_as_json() -> None:
    theirs = _theirs()
    del theirs["paths"]["/viewer/exports/download"]["post"]["responses"]["404"]
    theirs["paths"]["/health"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    comparison = compare_specs(OURS, theirs)
    report = comparison.report("their.yaml").splitlines()
    assert report[0] == ("Compared their.yaml with the contract's spec "
                         f"({OPERATION_COUNT} operations).")
    assert report[1:6] == ["Differences (1):", f"  {DOWNLOAD}",
                           "    status: 404 is not documented (the contract documents it)",
                           "Notes (1):", "  GET /api/health"]
    assert report[-1] == "Result: differs from the contract (1 difference)."
    data = comparison.as_dict("their.yaml")
    assert data["compatible"] is False
    assert data["differences"][0] == {"operation": DOWNLOAD, "aspect": "status",
                                      "detail": "404 is not documented (the contract documents "
                                                "it)", "breaking": True}
