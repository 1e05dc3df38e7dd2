"""The reference backend of the export-download contract: storage, handlers and the app."""

from .app import create_app
from .storage import ExportStore, StoredExport

__all__ = ["ExportStore", "StoredExport", "create_app"]
