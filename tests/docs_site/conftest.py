"""Fixtures for the docs site: one build shared by the read-only tests, spec copies to edit."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from contract_tests.catalogue import CHECKS
from contract_tests.rules import RULES
from docs_site import BuiltSite, SiteSettings, build_site
from export_contract.spec import load_spec


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The site built from the bundled spec and the real catalogue (tests must not modify it)."""
    return build_site(tmp_path_factory.mktemp("site"), rules=RULES, checks=CHECKS)


@pytest.fixture(scope="session")
def api_md(site: BuiltSite) -> str:
    return (site.root / "api.md").read_text(encoding="utf-8")


SpecEditor = Callable[[Callable[[dict[str, Any]], None]], Path]


@pytest.fixture
def edited_spec(tmp_path: Path) -> SpecEditor:
    """Writes a copy of the bundled spec, changed by the function given, and returns its path."""

    def write(change: Callable[[dict[str, Any]], None]) -> Path:
        spec = copy.deepcopy(load_spec())
        change(spec)
        path = tmp_path / "edited-openapi.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
        return path

    return write


@pytest.fixture
def build(tmp_path: Path) -> Callable[..., BuiltSite]:
    """Builds a fresh site into its own folder; keyword arguments go to `build_site`."""
    counter = iter(range(1000))

    def run(*, spec_file: Path | None = None, rules: Any = RULES, checks: Any = CHECKS,
            settings: SiteSettings | None = None) -> BuiltSite:
        return build_site(tmp_path / f"site-{next(counter)}", rules=rules, checks=checks,
                          spec_file=spec_file, settings=settings)

    return run
