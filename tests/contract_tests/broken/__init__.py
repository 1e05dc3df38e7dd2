"""An independent test backend of the export-download contract, correct or broken on demand.

``make_backend()`` is a correct backend; ``make_backend("zip-duplicate-names")`` is the same
backend with one deliberate deviation (see :data:`BREAKAGES`). Both are ASGI apps serving the
fixed exports of :data:`SOURCE_URLS` under ``/api``, protected by :data:`API_KEY`.
"""

from __future__ import annotations

from starlette.types import ASGIApp

# Imported for their side effect: each module registers its breakages.
from . import download_breakages, request_breakages, zip_breakages  # noqa: F401
from .backend import API_KEY, Backend
from .exports import EXPORTS, SOURCE_URLS, UNKNOWN_SOURCE_URL, Export
from .registry import Breakage, Level, registered

__all__ = [
    "API_KEY",
    "BREAKAGES",
    "EXPORTS",
    "SOURCE_URLS",
    "UNKNOWN_SOURCE_URL",
    "Backend",
    "Breakage",
    "Export",
    "Level",
    "breakage_named",
    "make_backend",
]

BREAKAGES: tuple[Breakage, ...] = registered()


def breakage_named(name: str) -> Breakage:
    for breakage in BREAKAGES:
        if breakage.name == name:
            return breakage
    raise KeyError(f"no breakage named {name!r}")


def make_backend(breakage: str | None = None) -> ASGIApp:
    """The ASGI app of the correct backend, or of the one broken as ``breakage`` names."""
    backend = Backend if breakage is None else breakage_named(breakage).backend
    return backend().app()
