from __future__ import annotations

from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from export_contract.spec import load_spec, spec_path, spec_text, without_security
from export_contract.spec_files import dereference

DOWNLOAD_OPERATIONS = ("downloadExport", "downloadBatch")
# Rule S3: these statuses or any 5xx.
CONTRACT_STATUSES = {"200", "400", "401", "403", "404", "413", "415", "429", "5XX"}
REFERENCE_STATUSES = CONTRACT_STATUSES | {"500", "502", "503"}


def _operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        op["operationId"]: op
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }


def test_bundled_spec_is_valid_openapi_3_0() -> None:
    spec = load_spec()
    assert spec["openapi"].startswith("3.0.")
    validate(spec)


def test_spec_is_read_from_the_single_repository_copy() -> None:
    assert spec_path().name == "openapi.yaml"
    assert "downloadBatch" in spec_text()


def test_load_spec_returns_independent_copies() -> None:
    first = load_spec()
    first["paths"].clear()
    assert load_spec()["paths"]


@pytest.mark.parametrize("operation_id", DOWNLOAD_OPERATIONS)
def test_download_operations_document_every_contract_status(operation_id: str) -> None:
    operation = _operations(load_spec())[operation_id]
    assert set(operation["responses"]) == CONTRACT_STATUSES
    reference = _operations(load_spec("reference"))[operation_id]
    assert set(reference["responses"]) == REFERENCE_STATUSES


def test_contract_spec_accepts_any_non_empty_source_file_url() -> None:
    # Rule Q2 (MUST): a non-empty string is usable; the URL shape is the reference's choice.
    schema = load_spec()["components"]["schemas"]["SourceFileUrl"]
    assert schema["type"] == "string" and schema["minLength"] == 1
    assert "pattern" not in schema and "maxLength" not in schema
    reference = load_spec("reference")["components"]["schemas"]["SourceFileUrl"]
    assert reference["maxLength"] == 2048 and reference["pattern"].startswith("^[Hh]")


def test_contract_spec_lets_skipped_records_be_any_json_value() -> None:
    schemas = load_spec()["components"]["schemas"]
    assert not {"type", "properties", "required"} & set(schemas["SkippedItem"])
    assert not {"type", "properties", "required"} & set(schemas["Problem"])
    reference = load_spec("reference")["components"]["schemas"]
    assert reference["SkippedItem"]["required"] == ["sourceFileUrl", "reason"]
    assert reference["Problem"]["required"] == ["type", "title", "status", "detail", "success"]


def test_reference_view_is_valid_openapi_3_0() -> None:
    validate(load_spec("reference"))


@pytest.mark.parametrize("operation_id", DOWNLOAD_OPERATIONS)
def test_response_type_is_an_enum_query_parameter(operation_id: str) -> None:
    spec = load_spec()
    (parameter_ref,) = _operations(spec)[operation_id]["parameters"]
    parameter = spec["components"]["parameters"][parameter_ref["$ref"].rsplit("/", 1)[-1]]
    assert parameter["in"] == "query"
    assert parameter["schema"]["enum"] == ["urls"]


def test_every_error_response_uses_the_problem_schema() -> None:
    spec = load_spec("reference")
    for name, response in spec["components"]["responses"].items():
        schema = response["content"]["application/problem+json"]["schema"]
        assert schema["$ref"].endswith("/Problem"), name
        assert response["content"]["application/problem+json"]["example"]["success"] is False


def test_every_request_body_and_json_response_has_an_example() -> None:
    for operation_id, operation in _operations(load_spec()).items():
        for media in operation.get("requestBody", {}).get("content", {}).values():
            assert "example" in media or "examples" in media, operation_id
        for status, response in operation["responses"].items():
            for media_type, media in response.get("content", {}).items():
                assert "example" in media or "examples" in media or "$ref" in response, (
                    operation_id, status, media_type)


def test_registration_responses_link_to_the_download_operations() -> None:
    register = _operations(load_spec())["registerExport"]
    for status in ("200", "201"):
        links = register["responses"][status]["links"].values()
        targets = {link["$ref"].rsplit("/", 1)[-1] for link in links}
        assert targets == {"DownloadRegistered", "DownloadRegisteredUrl",
                           "DownloadRegisteredInBatch"}


def test_exported_file_route_needs_no_key_and_the_rest_do() -> None:
    spec = load_spec()
    operations = _operations(spec)
    assert operations["getExportedFile"]["security"] == []
    assert spec["security"] == [{"ApiKeyAuth": []}]


def test_without_security_strips_every_requirement() -> None:
    stripped = without_security(load_spec())
    assert "security" not in stripped
    assert all("security" not in op for op in _operations(stripped).values())


# -- export jobs -------------------------------------------------------------------------------

JOB_STATUSES = {
    "createExportJob": {"202", "400", "401", "403", "413", "415", "429", "5XX"},
    "listExportJobs": {"200", "400", "401", "403", "429", "5XX"},
    "getExportJob": {"200", "401", "403", "404", "429", "5XX"},
    "deleteExportJob": {"200", "401", "403", "404", "429", "5XX"},
    # Rule J6: 410 once gone; 206 and 416 for resumed downloads (Range).
    "downloadExportJob": {"200", "206", "400", "403", "404", "410", "416", "429", "5XX"},
}


@pytest.mark.parametrize("operation_id", sorted(JOB_STATUSES))
def test_job_operations_document_their_statuses(operation_id: str) -> None:
    operation = _operations(load_spec())[operation_id]
    assert set(operation["responses"]) == JOB_STATUSES[operation_id]


def test_job_creation_answers_202_with_location_links_and_the_webhook_callback() -> None:
    create = _operations(load_spec())["createExportJob"]
    accepted = create["responses"]["202"]
    assert "Location" in accepted["headers"]
    assert {link["$ref"].rsplit("/", 1)[-1] for link in accepted["links"].values()} == {
        "GetJob", "DeleteJob"}
    (callback,) = create["callbacks"].values()
    webhook = callback["{$request.body#/callbackUrl}"]["post"]
    assert {p["name"] for p in webhook["parameters"]} == {"X-Export-Event-Id",
                                                          "X-Export-Signature"}
    assert list(webhook["requestBody"]["content"]) == ["application/json"]
    links = _operations(load_spec())["getExportJob"]["responses"]["200"]["links"]
    assert "DownloadJob" in links
    spec_links = load_spec()["components"]["links"]
    assert spec_links["DownloadJob"]["operationId"] == "downloadExportJob"


def test_the_job_download_needs_no_key() -> None:
    assert _operations(load_spec())["downloadExportJob"]["security"] == []


def test_the_contract_leaves_callback_shape_and_page_size_to_the_backend() -> None:
    # Rules J3, J8: only the reference fixes the URL pattern and the smallest page.
    contract = load_spec()
    callback = contract["components"]["schemas"]["JobRequest"]["properties"]["callbackUrl"]
    assert "pattern" not in callback and "maxLength" not in callback
    limit = contract["paths"]["/viewer/exports/jobs"]["get"]["parameters"][0]
    assert "minimum" not in limit["schema"]
    reference = load_spec("reference")
    tight = reference["components"]["schemas"]["JobRequest"]["properties"]["callbackUrl"]
    assert tight["maxLength"] == 2048 and tight["pattern"].startswith("^[Hh]")
    assert reference["paths"]["/viewer/exports/jobs"]["get"]["parameters"][0]["schema"][
        "minimum"] == 1


@pytest.mark.parametrize("profile", ["contract", "reference"])
def test_every_job_example_matches_its_schema(profile: Any) -> None:
    spec = dereference(load_spec(profile))
    operations = [op for op in _operations(spec).values() if "jobs" in op.get("tags", ())]
    checked = 0
    for operation in operations:
        bodies = [operation.get("requestBody", {}), *operation["responses"].values()]
        for body in bodies:
            media = body.get("content", {}).get("application/json")
            if not media:
                continue
            examples = ([media["example"]] if "example" in media else
                        [e["value"] for e in media.get("examples", {}).values()])
            for example in examples:
                OAS30Validator(media["schema"]).validate(example)
                checked += 1
    event = spec["components"]["schemas"]["JobEvent"]
    webhook = _operations(load_spec(profile))["createExportJob"]["callbacks"]["jobEnded"]
    example = webhook["{$request.body#/callbackUrl}"]["post"]["requestBody"]["content"][
        "application/json"]["example"]
    OAS30Validator(event).validate(example)
    manifest = spec["components"]["schemas"]["JobManifest"]
    OAS30Validator(manifest).validate(manifest["example"])
    assert checked >= 7
