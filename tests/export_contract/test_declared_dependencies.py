"""Every third-party module the installed packages import is a declared dependency.

An import that only works because another dependency happens to pull its distribution in
breaks the day that dependency drops it, and `tox -e min` cannot test its lowest version.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGES = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
# Modules only the host tool loads, so the host's own module is always there: the pytest
# plugin is loaded by pytest itself (the pytest11 entry point), never by our code.
PROVIDED_BY_THE_HOST = {"pytest": {"contract_tests/pytest_plugin.py"}}


def _top_level_imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def _third_party_imports() -> dict[str, set[str]]:
    """Each third-party module imported by a shipped package -> the files importing it."""
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for module in _top_level_imports(path):
                if module not in sys.stdlib_module_names and module not in PACKAGES:
                    found.setdefault(module, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_imported_third_party_module_is_a_declared_dependency() -> None:
    declared = {canonicalize_name(Requirement(spec).name)
                for spec in PYPROJECT["project"]["dependencies"]}
    providers = packages_distributions()
    undeclared = []
    for module, files in sorted(_third_party_imports().items()):
        if files <= PROVIDED_BY_THE_HOST.get(module, set()):
            continue
        distributions = sorted(canonicalize_name(d) for d in providers.get(module, []))
        if not declared.intersection(distributions):
            undeclared.append(f"{module} (distribution: {', '.join(distributions) or 'none'}; "
                              f"imported by {', '.join(sorted(files))})")
    assert not undeclared, ("add to [project] dependencies in pyproject.toml (and to "
                            "constraints-min.txt): " + "; ".join(undeclared))
