"""The contract's documentation site, generated from the spec and the check catalogue.

Layering: this package uses the shared core (`export_contract`) only. The check catalogue is
handed in by the caller (the CLI), so the docs never import the conformance suite; any objects
with the attributes of `RuleEntry` and `CheckEntry` will do.
"""

from __future__ import annotations

from .building import BuiltSite, build_site
from .conformance import CheckEntry, ConformanceRow, RuleEntry, conformance_rows
from .renderer_assets import Renderer, swagger_ui
from .settings import SiteSettings

__all__ = [
    "BuiltSite",
    "CheckEntry",
    "ConformanceRow",
    "Renderer",
    "RuleEntry",
    "SiteSettings",
    "build_site",
    "conformance_rows",
    "swagger_ui",
]
