"""The OpenAPI renderer's assets: Swagger UI, from the `swagger-ui-bundle` package on PyPI.

`pip install` brings the files, so the site needs no CDN and no network: they are copied next
to the pages. Only what the page loads is copied (no source maps, no ES-module builds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["RENDERER_FILES", "Renderer", "copy_renderer", "swagger_ui"]

PACKAGE = "swagger-ui-bundle"
RENDERER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png",
                  "favicon-16x16.png")


@dataclass(frozen=True)
class Renderer:
    name: str
    version: str
    package: str
    package_version: str
    source: Path

    def describe(self) -> str:
        return f"{self.name} {self.version} (from {self.package} {self.package_version})"


def swagger_ui() -> Renderer:
    """Where the installed Swagger UI lives, and which version it is."""
    import swagger_ui_bundle

    source = Path(str(swagger_ui_bundle.swagger_ui_path))
    match = re.search(r"(\d+\.\d+\.\d+)$", source.name)
    return Renderer(name="Swagger UI", version=match.group(1) if match else "unknown",
                    package=PACKAGE, package_version=metadata.version(PACKAGE), source=source)


def copy_renderer(dest: Path) -> tuple[Renderer, list[Path]]:
    """Copy the renderer's files (and its licence) into `dest`; returns what was written."""
    renderer = swagger_ui()
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name in RENDERER_FILES:
        target = dest / name
        target.write_bytes((renderer.source / name).read_bytes())
        written.append(target)
    licence = _licence_text()
    if licence:
        target = dest / "LICENSE"
        target.write_text(licence, encoding="utf-8")
        written.append(target)
    return renderer, written


def _licence_text() -> str | None:
    distribution = metadata.distribution(PACKAGE)
    for file in distribution.files or ():
        if file.name.upper().startswith(("LICENSE", "LICENCE")):
            return file.read_text(encoding="utf-8")
    return None
