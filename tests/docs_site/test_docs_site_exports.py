"""The public surface of `docs_site` is what we mean it to be, and it never imports the suite."""

from __future__ import annotations

import subprocess
import sys

import docs_site


def test_public_names() -> None:
    assert sorted(docs_site.__all__) == [
        "BuiltSite", "CheckEntry", "ConformanceRow", "Renderer", "RuleEntry", "SiteSettings",
        "build_site", "conformance_rows", "swagger_ui",
    ]
    assert all(hasattr(docs_site, name) for name in docs_site.__all__)


def test_building_the_docs_does_not_import_the_apps_or_the_suite() -> None:
    code = ("import sys, docs_site.building; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'contract_tests', 'mock_server', 'reference_impl'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
