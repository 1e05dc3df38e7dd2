"""ARCHITECTURE.md names every module of the shipped packages, and only modules that exist."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
SHIPPED = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
    "tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
# A module as the document names it: `spec.py`, `reports/junit.py`, `tests/support/x.py`.
MODULE = re.compile(r"`((?:[\w.-]+/)*[\w-]+\.py)`")


def _package_sections() -> dict[str, str]:
    """The text under each `### \\`package/\\`` heading of the Packages section."""
    packages = DOC.split("\n## Packages\n", 1)[1].split("\n## ", 1)[0]
    parts = re.split(r"^### (.*)$", packages, flags=re.MULTILINE)
    sections = {}
    for heading, text in zip(parts[1::2], parts[2::2], strict=True):
        package = re.match(r"`(\w+)/`", heading)
        if package:
            sections[package[1]] = text
    return sections


def _modules(package: str) -> set[str]:
    directory = ROOT / package
    return {path.relative_to(directory).as_posix() for path in directory.rglob("*.py")
            if "__pycache__" not in path.parts}


def test_every_shipped_package_has_its_section() -> None:
    assert set(_package_sections()) == set(SHIPPED)


@pytest.mark.parametrize("package", SHIPPED)
def test_every_module_of_a_package_is_named_in_its_section(package: str) -> None:
    named = set(MODULE.findall(_package_sections()[package]))
    missing = sorted(_modules(package) - named)
    assert not missing, f"ARCHITECTURE.md does not say what these {package}/ modules hold"


@pytest.mark.parametrize("package", SHIPPED)
def test_every_module_named_in_a_section_exists(package: str) -> None:
    named = set(MODULE.findall(_package_sections()[package]))
    assert not sorted(named - _modules(package)), f"no such modules in {package}/"


def test_every_module_named_anywhere_in_the_document_exists() -> None:
    """A path from the repository root, or a module of some shipped package (the rule table
    names them without their package)."""
    everywhere = {module for package in SHIPPED for module in _modules(package)}
    gone = [name for name in MODULE.findall(DOC)
            if not (ROOT / name).is_file() and name not in everywhere]
    assert not gone, "ARCHITECTURE.md names modules that do not exist"
