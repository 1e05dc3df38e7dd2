"""Loading the bundled OpenAPI spec: the single source of truth for every app and check."""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

__all__ = ["SPEC_FILENAME", "load_spec", "spec_path", "spec_text", "without_security"]

SPEC_FILENAME = "openapi.yaml"


def spec_path() -> Path:
    """Where the bundled spec lives.

    An installed wheel carries it inside the package; a source checkout (or an editable
    install) keeps the one copy at the repository root.
    """
    packaged = resources.files("export_contract") / SPEC_FILENAME
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / SPEC_FILENAME


@functools.lru_cache(maxsize=1)
def spec_text() -> str:
    return spec_path().read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _parsed() -> str:
    # Cached as JSON text so every caller gets its own fresh, mutable copy.
    return json.dumps(yaml.safe_load(spec_text()))


def load_spec() -> dict[str, Any]:
    """A fresh copy of the bundled spec as a dict (callers may mutate it)."""
    loaded: dict[str, Any] = json.loads(_parsed())
    return loaded


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
