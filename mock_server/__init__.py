"""The mock server: a zero-set-up stand-in for an export backend, with scenarios on demand.

`create_mock_app(settings, options)` gives the ASGI app; `serve_mock` runs it (the
`export-contract mock` command).
"""

from .app import MockApp, create_mock_app
from .options import DEV_API_KEY, MockOptions
from .scenarios import SCENARIOS
from .server import serve_mock

__all__ = ["DEV_API_KEY", "SCENARIOS", "MockApp", "MockOptions", "create_mock_app", "serve_mock"]
