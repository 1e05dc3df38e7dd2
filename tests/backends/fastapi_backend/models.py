"""The request bodies as pydantic models: FastAPI validates them before a handler runs."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, Field, StrictStr, StringConstraints

__all__ = ["MAX_ITEMS", "MAX_URL_LENGTH", "BatchItem", "BatchRequest", "SingleRequest"]

# This backend's own limits (the contract leaves them to each backend).
MAX_ITEMS = 1000
MAX_URL_LENGTH = 8192


def _absolute_http_url(value: str) -> str:
    """Only absolute http(s) URLs identify exports here; other strings are a 400."""
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        parts = None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname
            or any(not c.isprintable() or c.isspace() for c in value)):
        raise ValueError("must be an absolute http(s) URL")
    return value


SourceFileUrl = Annotated[StrictStr, StringConstraints(min_length=1, max_length=MAX_URL_LENGTH),
                          AfterValidator(_absolute_http_url)]


class SingleRequest(BaseModel):
    sourceFileUrl: SourceFileUrl


class BatchItem(BaseModel):
    sourceFileUrl: SourceFileUrl


class BatchRequest(BaseModel):
    items: list[BatchItem] = Field(min_length=1, max_length=MAX_ITEMS)
