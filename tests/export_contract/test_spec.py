from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from export_contract.spec import load_spec, spec_path, spec_text, without_security

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
