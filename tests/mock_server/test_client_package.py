"""The browser client is one file: the npm package in js/ holds it, the mock serves it, the
wheel carries it (mock_server/static/export-client.js is a link to it)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from mock_helpers import client_for

from mock_server import MockApp

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "js"
CLIENT = JS / "export-client.js"


@pytest.mark.anyio
async def test_the_mock_serves_the_client_module_of_the_js_package(mock_app: MockApp) -> None:
    async with client_for(mock_app, key=None, base_url="http://testserver") as http:
        served = await http.get("/export-client.js")
    assert served.status_code == 200
    assert served.content == CLIENT.read_bytes()


def test_the_wheel_carries_the_js_package_client_and_the_msw_template(tmp_path: Path) -> None:
    # The installed build backend, no index: what `pip install .` packs, offline.
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation",
                             "--no-deps", "--no-index", "-q", str(ROOT), "-w", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    [wheel] = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("mock_server/static/export-client.js") == CLIENT.read_bytes()
        assert b"__CONFIG__" in archive.read("mock_server/msw_handlers.js")


def test_package_json_is_an_es_module_exporting_the_client_and_its_types() -> None:
    package = json.loads((JS / "package.json").read_text(encoding="utf-8"))
    assert package["type"] == "module" and package["name"] and package["version"]
    assert package["exports"]["."] == {"types": "./export-client.d.ts",
                                       "default": "./export-client.js"}
    assert package["types"] == "./export-client.d.ts"
    assert set(package["files"]) == {"export-client.js", "export-client.d.ts"}
    assert package["scripts"]["test"].startswith("node --test")


def test_the_declarations_declare_every_export_of_the_client() -> None:
    exported = set(re.findall(r"^export (?:async )?(?:function|class|const) (\w+)",
                              CLIENT.read_text(encoding="utf-8"), re.MULTILINE))
    declared = set(re.findall(r"^export declare (?:function|class|const) (\w+)",
                              (JS / "export-client.d.ts").read_text(encoding="utf-8"),
                              re.MULTILINE))
    assert exported and exported == declared
