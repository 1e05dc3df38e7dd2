"""Reading another spec: YAML or JSON, validated, with every failure a `SpecFileError`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from export_contract.spec import load_spec, spec_text
from export_contract.spec_files import (
    SpecFileError,
    dereference,
    parse_spec_text,
    read_spec_file,
)


def test_reads_the_bundled_spec_as_yaml_and_as_json(tmp_path: Path) -> None:
    as_yaml = tmp_path / "openapi.yaml"
    as_yaml.write_text(spec_text(), encoding="utf-8")
    as_json = tmp_path / "openapi.json"
    as_json.write_text(json.dumps(load_spec()), encoding="utf-8")
    assert read_spec_file(as_yaml) == read_spec_file(as_json) == load_spec()


@pytest.mark.parametrize(("content", "message"), [
    ("openapi: [", "neither YAML nor JSON"),
    ("- a list", "top level is not a mapping"),
    ("swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n", "not an OpenAPI 3.x"),
    ("openapi: 3.0.3\npaths: {}\n", '[\'"]info[\'"] is a required property$'),
    ("openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses:"
     "\n        '200': {$ref: '#/components/responses/Gone'}\n", "points nowhere"),
])
def test_invalid_specs_say_why(content: str, message: str) -> None:
    with pytest.raises(SpecFileError, match=message):
        parse_spec_text(content, source="their.yaml")


def test_unreadable_files_say_why(tmp_path: Path) -> None:
    with pytest.raises(SpecFileError, match="cannot be read"):
        read_spec_file(tmp_path / "missing.yaml")
    with pytest.raises(SpecFileError, match="cannot be read"):
        read_spec_file(tmp_path)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00openapi")
    with pytest.raises(SpecFileError, match="not UTF-8"):
        read_spec_file(binary)


def test_dereference_inlines_local_refs_and_keeps_recursive_ones() -> None:
    spec = {"components": {"schemas": {
        "Leaf": {"type": "string"},
        "Node": {"type": "object", "properties": {"leaf": {"$ref": "#/components/schemas/Leaf"},
                                                  "child": {"$ref": "#/components/schemas/Node"}}},
    }}, "root": {"$ref": "#/components/schemas/Node"}}
    resolved = dereference(spec)
    assert resolved["root"]["properties"]["leaf"] == {"type": "string"}
    assert resolved["root"]["properties"]["child"] == {"$ref": "#/components/schemas/Node"}
    assert spec["root"] == {"$ref": "#/components/schemas/Node"}  # the input is untouched


def test_dereference_reports_a_pointer_to_nowhere() -> None:
    with pytest.raises(SpecFileError, match="points nowhere"):
        dereference({"a": {"$ref": "#/components/missing"}})
