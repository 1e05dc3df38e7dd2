"""`create_app(settings)`: the reference backend as an ASGI app."""

from __future__ import annotations

from connexion import AsyncApp

from export_contract.application import build_app
from export_contract.settings import Settings
from export_contract.signing import UrlSigner

from .handlers import ReferenceHandlers
from .storage import ExportStore
from .urls import ExportedUrls, load_or_create_secret

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> AsyncApp:
    settings = settings or Settings()
    store = ExportStore(settings.data_dir)
    secret = settings.url_secret or load_or_create_secret(settings.data_dir)
    urls = ExportedUrls(UrlSigner(secret), settings.url_ttl_seconds)
    handlers = ReferenceHandlers(store, urls, settings)
    return build_app(handlers, settings, import_name=__name__)
