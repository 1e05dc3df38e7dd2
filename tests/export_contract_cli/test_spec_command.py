"""`export-contract spec show` prints or writes the spec; `spec diff` compares another one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from export_contract.spec import load_spec, spec_text
from export_contract_cli import main

# sourceFileUrl's minLength, the one line that only the SourceFileUrl schema has.
_MIN_LENGTH_CHANGE = ("      minLength: 1\n      example: https",
                      "      minLength: 3\n      example: https")


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["spec", *args])
    return result.exit_code, result.output


def _streams(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["spec", *args])
    return result.exit_code, result.stdout, result.stderr


def _write_copy(tmp_path: Path, change: str = "", replacement: str = "") -> Path:
    text = spec_text()
    if change:
        assert change in text
        text = text.replace(change, replacement, 1)
    path = tmp_path / "their-openapi.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_show_prints_the_bundled_spec_as_yaml_by_default() -> None:
    assert _invoke("show") == (0, spec_text())


def test_show_prints_the_spec_as_json() -> None:
    code, output = _invoke("show", "--format", "json")
    assert code == 0 and json.loads(output) == load_spec()


@pytest.mark.parametrize("output_format", ["yaml", "json"])
def test_show_writes_the_spec_to_a_file(tmp_path: Path, output_format: str) -> None:
    target = tmp_path / f"openapi.{output_format}"
    assert _invoke("show", "--format", output_format, "--out", str(target)) == (0, "")
    assert yaml.safe_load(target.read_text(encoding="utf-8")) == load_spec()


@pytest.mark.parametrize("output_format", ["yaml", "json"])
def test_show_prints_the_reference_view(output_format: str) -> None:
    code, output = _invoke("show", "--profile", "reference", "--format", output_format)
    assert code == 0 and yaml.safe_load(output) == load_spec("reference")
    assert load_spec("reference") != load_spec()


def test_show_keeps_multi_line_descriptions_as_blocks_in_the_reference_view() -> None:
    output = _invoke("show", "--profile", "reference")[1]
    assert "  description: |\n" in output


def test_spec_without_a_subcommand_still_prints_the_spec() -> None:
    assert _invoke() == (0, spec_text())
    code, output = _invoke("--format", "json")
    assert code == 0 and json.loads(output) == load_spec()


def test_old_check_spelling_still_diffs_and_names_the_new_one(tmp_path: Path) -> None:
    copy = _write_copy(tmp_path, *_MIN_LENGTH_CHANGE)
    code, stdout, stderr = _streams("--check", str(copy), "--format", "json")
    assert code == 1 and json.loads(stdout)["compatible"] is False
    assert f"is now `spec diff {copy}`" in stderr


def test_old_options_before_a_subcommand_are_a_usage_error() -> None:
    code, output = _invoke("--format", "json", "show")
    assert code == 2 and "spec show --format json" in output


def test_diff_of_an_identical_copy_exits_0(tmp_path: Path) -> None:
    code, output = _invoke("diff", str(_write_copy(tmp_path)))
    assert code == 0
    assert "Result: compatible with the contract." in output


def test_diff_finds_a_removed_status_code(tmp_path: Path) -> None:
    # The single download's 404 is the first `$ref: NotFound` line of the spec.
    copy = _write_copy(tmp_path, '        "404":\n          $ref: "#/components/responses/NotFound"'
                                 '\n', "")
    code, output = _invoke("diff", str(copy))
    assert code == 1
    assert "POST /api/viewer/exports/download (downloadExport)" in output
    assert "status: 404 is not documented (the contract documents it)" in output


def test_diff_finds_a_changed_schema(tmp_path: Path) -> None:
    copy = _write_copy(tmp_path, *_MIN_LENGTH_CHANGE)
    code, output = _invoke("diff", str(copy))
    assert code == 1
    assert ("request schema: application/json /properties/sourceFileUrl/minLength: 1 → 3"
            in output)


def test_diff_reports_json_for_tools(tmp_path: Path) -> None:
    copy = _write_copy(tmp_path, *_MIN_LENGTH_CHANGE)
    code, output = _invoke("diff", str(copy), "--format", "json",
                           "--operation", "downloadBatch")
    assert code == 1
    data = json.loads(output)
    assert data["compatible"] is False and data["comparedOperations"] == 1
    assert [d["aspect"] for d in data["differences"]] == ["request schema"]


@pytest.mark.parametrize("content", ["openapi: [", "openapi: 3.0.3\npaths: {}\n"])
def test_diff_of_an_invalid_spec_exits_2(tmp_path: Path, content: str) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(content, encoding="utf-8")
    code, output = _invoke("diff", str(broken))
    assert code == 2
    assert output.startswith("invalid: ")


def test_diff_of_a_missing_file_exits_2(tmp_path: Path) -> None:
    code, output = _invoke("diff", str(tmp_path / "nope.yaml"))
    assert code == 2 and "cannot be read" in output


@pytest.mark.parametrize("args", [["--operation", "downloadExport"],
                                  ["--check", "x.yaml", "--out", "y.yaml"],
                                  ["--check", "x.yaml", "--format", "yaml"],
                                  ["diff", "x.yaml", "--format", "yaml"],
                                  ["diff", "x.yaml", "--out", "y.yaml"],
                                  ["show", "--operation", "downloadExport"]])
def test_flags_that_do_not_go_together_are_usage_errors(args: list[str]) -> None:
    assert _invoke(*args)[0] == 2


def test_an_unknown_operation_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _invoke("diff", str(_write_copy(tmp_path)), "--operation", "nope")
    assert code == 2 and "no such operation in the contract: nope" in output
