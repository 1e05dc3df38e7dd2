"""Every default of the site builder in one place; CLI flags layer on top."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SiteSettings"]


@dataclass(frozen=True)
class SiteSettings:
    # The backend the client snippets call, including the `/api` prefix.
    base_url: str = "http://127.0.0.1:8080/api"
    # The environment variable the curl and httpx snippets read the API key from.
    api_key_env: str = "EXPORT_API_KEY"
    # The key the browser snippet sends until the reader puts in their own.
    api_key_placeholder: str = "your-api-key"
