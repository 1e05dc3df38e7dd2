"""`export-contract docs`: one command builds the site; bad input is a clear error."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from export_contract.spec import spec_text
from export_contract_cli import main


def test_docs_command_builds_the_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["docs", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "11 operations, 13 route variants, 12 client snippets" in result.output
    for name in ("index.html", "reference.html", "api.md", "openapi.yaml", "openapi.json",
                 "jobs.html", "jobs.md"):
        assert (out / name).is_file()


def test_docs_command_documents_another_spec_and_base_url(tmp_path: Path) -> None:
    spec = tmp_path / "other.yaml"
    spec.write_text(spec_text().replace("title: Export download API", "title: Other export API"),
                    encoding="utf-8")
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["docs", "--out", str(out), "--spec", str(spec),
                                       "--base-url", "https://exports.example.org/api"])
    assert result.exit_code == 0, result.output
    markdown = (out / "api.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Other export API")
    assert 'BASE_URL = "https://exports.example.org/api"' in markdown
    assert "BASE_URL=https://exports.example.org/api\n" in markdown


def test_docs_command_rejects_an_invalid_spec(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text("openapi: 3.0.3\npaths: {}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["docs", "--out", str(tmp_path / "site"), "--spec",
                                       str(spec)])
    assert result.exit_code == 1
    assert "invalid OpenAPI" in result.output and "info" in result.output
    assert not (tmp_path / "site").exists()


def test_docs_command_needs_an_output_folder() -> None:
    result = CliRunner().invoke(main, ["docs"])
    assert result.exit_code == 2
    assert "--out" in result.output


def test_docs_command_names_a_job_state_the_spec_does_not_explain(tmp_path: Path) -> None:
    spec = tmp_path / "paused.yaml"
    spec.write_text(spec_text().replace(
        "enum: [processing, complete, error, cancelled, gone]",
        "enum: [processing, complete, error, cancelled, gone, paused]"), encoding="utf-8")
    result = CliRunner().invoke(main, ["docs", "--out", str(tmp_path / "site"), "--spec",
                                       str(spec)])
    assert result.exit_code == 1
    assert "does not say how paused moves" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "site").exists()
