"""`create_app(settings)`: the reference backend as an ASGI app.

`create_app_from_env()` builds it from the EXPORT_* environment variables: the factory each
worker process calls when the backend runs with several workers.
"""

from __future__ import annotations

from connexion import AsyncApp

from export_contract.application import build_app
from export_contract.settings import Settings
from export_contract.signing import UrlSigner

from .handlers import ReferenceHandlers
from .storage import ExportStore
from .urls import ExportedUrls, load_or_create_secret

__all__ = ["create_app", "create_app_from_env"]


def create_app(settings: Settings | None = None) -> AsyncApp:
    settings = settings or Settings()
    store = ExportStore(settings.data_dir,
                        busy_timeout_seconds=settings.db_busy_timeout_seconds)
    secret = settings.url_secret or load_or_create_secret(settings.data_dir)
    urls = ExportedUrls(UrlSigner(secret), settings.url_ttl_seconds)
    handlers = ReferenceHandlers(store, urls, settings)
    return build_app(handlers, settings, import_name=__name__)


def create_app_from_env() -> AsyncApp:
    """The app configured by `Settings.from_env()` (see `Settings.to_env`)."""
    return create_app(Settings.from_env())
