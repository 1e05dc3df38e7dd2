"""`export-contract msw`: the generated module, driven with `msw/node` by Node's test runner
against the cases the mock is held to (js/msw-test/cases.json)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from click.testing import CliRunner
from node_runtime import JS_PACKAGE as JS
from node_runtime import require_js_packages, require_node

from export_contract_cli import main

NODE_TEST = JS / "msw-test" / "handlers.test.mjs"


def _generate(out: Path, *options: str) -> str:
    result = CliRunner().invoke(main, ["msw", "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_the_generated_handlers_answer_the_shared_cases_under_msw_node(tmp_path: Path) -> None:
    node = require_node("the generated MSW handlers' tests (js/msw-test)")
    modules = require_js_packages("the generated MSW handlers' tests")
    out = tmp_path / "mocks" / "export-handlers.js"
    _generate(out)
    # The module's `import "msw"` resolves as in a frontend project: from a node_modules beside it.
    (out.parent / "node_modules").symlink_to(modules, target_is_directory=True)
    (out.parent / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    result = subprocess.run([node, "--test", "--test-reporter=tap", str(NODE_TEST)],
                            capture_output=True, text=True, timeout=180, cwd=JS,
                            env={**os.environ, "MSW_HANDLERS": str(out)})
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# skipped 0" in result.stdout, result.stdout[-2000:]
    assert re.search(r"^# pass [1-9][0-9]", result.stdout, re.MULTILINE), result.stdout[-2000:]


def test_the_generated_module_imports_only_msw(tmp_path: Path) -> None:
    text = _generate(tmp_path / "handlers.js")
    imports = re.findall(r"^\s*import\b.*?from\s+[\"']([^\"']+)[\"']", text, re.MULTILINE)
    assert imports == ["msw"]
    code = re.sub(r"/\*.*?\*/|^\s*//.*$", "", text, flags=re.DOTALL | re.MULTILINE)
    assert not re.search(r"\bimport\s*\(|\brequire\s*\(", code)  # nothing loaded later
    assert "export function createExportHandlers(" in text
    assert "export default handlers;" in text


def test_the_base_url_given_is_the_default_handlers_base(tmp_path: Path) -> None:
    text = _generate(tmp_path / "handlers.js", "--base-url", "https://api.example.com/api/")
    assert '"baseUrl": "https://api.example.com/api"' in text
    relative = _generate(tmp_path / "relative.js", "--base-url", "/api")
    assert '"baseUrl": "/api"' in relative


def test_a_base_url_that_is_neither_http_nor_a_path_is_refused_saying_what_to_give(
        tmp_path: Path) -> None:
    out = tmp_path / "handlers.js"
    result = CliRunner().invoke(main, ["msw", "--out", str(out), "--base-url", "ftp://x/api"])
    assert result.exit_code == 2
    assert "--base-url 'ftp://x/api' is not usable" in result.output
    assert "http://localhost:4010/api" in result.output
    assert not out.exists()
