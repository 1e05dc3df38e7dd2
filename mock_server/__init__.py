"""The mock server: a zero-set-up stand-in for an export backend, with scenarios on demand.

`create_mock_app(settings, options)` gives the ASGI app; `serve_mock` runs it (the
`export-contract mock` command). Names are imported on first use, so reading the mock's
defaults (`mock_server.options`) does not load the web stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import MockApp, create_mock_app
    from .options import DEV_API_KEY, MockOptions
    from .scenarios import SCENARIOS
    from .server import serve_mock

__all__ = ["DEV_API_KEY", "SCENARIOS", "MockApp", "MockOptions", "create_mock_app", "serve_mock"]

_HOMES = {
    "MockApp": "app", "create_mock_app": "app",
    "DEV_API_KEY": "options", "MockOptions": "options",
    "SCENARIOS": "scenarios",
    "serve_mock": "server",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mock_server' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{home}", __name__), name)


def __dir__() -> list[str]:
    return sorted(__all__)
