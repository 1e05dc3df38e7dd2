"""Loading the bundled OpenAPI spec: the single source of truth for every app and check.

Two views of it: ``contract`` (``openapi.yaml`` as it is: the contract, no stricter than the
documentation's MUST rules) and ``reference`` (with ``reference-overlay.yaml`` applied: the
tighter choices our reference backend and mock make and ``verify --profile reference`` judges).
"""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from .overlays import apply_overlay

__all__ = ["OVERLAY_FILENAME", "SPEC_FILENAME", "SpecFormat", "SpecProfile", "load_spec",
           "overlay_path", "spec_document", "spec_path", "spec_text", "without_security"]

SPEC_FILENAME = "openapi.yaml"
OVERLAY_FILENAME = "reference-overlay.yaml"
SpecProfile = Literal["contract", "reference"]
SpecFormat = Literal["yaml", "json"]


def _bundled(filename: str) -> Path:
    """An installed wheel carries the file inside the package; a source checkout (or an
    editable install) keeps the one copy at the repository root."""
    packaged = resources.files("export_contract") / filename
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / filename


def spec_path() -> Path:
    """Where the bundled contract spec lives."""
    return _bundled(SPEC_FILENAME)


def overlay_path() -> Path:
    """Where the bundled reference overlay lives."""
    return _bundled(OVERLAY_FILENAME)


@functools.lru_cache(maxsize=1)
def spec_text() -> str:
    return spec_path().read_text(encoding="utf-8")


@functools.lru_cache(maxsize=2)
def _parsed(profile: SpecProfile) -> str:
    # Cached as JSON text so every caller gets its own fresh, mutable copy.
    spec = yaml.safe_load(spec_text())
    if profile == "reference":
        overlay = yaml.safe_load(overlay_path().read_text(encoding="utf-8"))
        spec = apply_overlay(spec, overlay)
    elif profile != "contract":
        raise ValueError(f"unknown spec profile {profile!r}: 'contract' or 'reference'")
    return json.dumps(spec)


def load_spec(profile: SpecProfile = "contract") -> dict[str, Any]:
    """A fresh copy of the bundled spec as a dict (callers may mutate it).

    ``profile="reference"`` applies the reference overlay: what our servers implement.
    """
    loaded: dict[str, Any] = json.loads(_parsed(profile))
    return loaded


def spec_document(profile: SpecProfile = "contract", output_format: SpecFormat = "yaml") -> str:
    """A view of the bundled spec as text, in YAML or JSON.

    The contract in YAML is `openapi.yaml` exactly as written (its comments kept); the
    reference view is the merged document, so it has none.
    """
    if output_format == "json":
        return json.dumps(load_spec(profile), indent=2, ensure_ascii=False) + "\n"
    if output_format != "yaml":
        raise ValueError(f"unknown spec format {output_format!r}: 'yaml' or 'json'")
    if profile == "contract":
        return spec_text()
    return yaml.dump(load_spec(profile), Dumper=_ReadableDumper, sort_keys=False,
                     allow_unicode=True, width=100)


class _ReadableDumper(yaml.SafeDumper):
    """Safe YAML with multi-line descriptions as `|` blocks, as they are written in the file."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text,
                                   style="|" if "\n" in text else None)


_ReadableDumper.add_representer(str, _represent_str)


def without_security(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with every `security` requirement removed.

    Our own middleware enforces the API key (so it can answer 401 vs 403 and read keys from
    settings); connexion must not enforce it a second time.
    """
    stripped = copy.deepcopy(spec)
    stripped.pop("security", None)
    for path_item in stripped.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict):
                operation.pop("security", None)
    return stripped
