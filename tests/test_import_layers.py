"""Who may import whom (ARCHITECTURE.md), as the import-linter contracts in pyproject.toml.

The contracts run on the real tree, and on a copy with one forbidden import added, so a
contract that could never break would be noticed too.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CONFIG = PYPROJECT["tool"]["importlinter"]
CONTRACTS = {contract["id"]: contract["name"] for contract in CONFIG["contracts"]}


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    # import-linter puts its working directory first on the path, so `cwd`'s packages are read.
    return subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()",
         "--no-cache", str(cwd / "pyproject.toml")],
        cwd=cwd, capture_output=True, text=True, timeout=120)


def test_every_import_contract_is_kept() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


@pytest.mark.parametrize(("module", "bad_import", "contract"), [
    ("export_contract/spec.py", "import reference_impl.storage", "core"),
    ("export_contract/settings.py", "import export_contract_cli.options", "core"),
    ("mock_server/catalog.py", "import reference_impl.samples", "apps"),
    ("docs_site/slugs.py", "import export_contract_cli.spec_compat", "cli"),
    ("contract_tests/showing.py", "from export_contract import filenames", "checker"),
    ("contract_tests/showing.py", "import export_contract.guards", "checker"),
])
def test_a_forbidden_import_breaks_its_contract(tmp_path: Path, module: str, bad_import: str,
                                                contract: str) -> None:
    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / module).open("a", encoding="utf-8") as source:
        source.write(f"\n{bad_import}  # a forbidden import\n")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(rf"{re.escape(CONTRACTS[contract])}\s*BROKEN", result.stdout)
