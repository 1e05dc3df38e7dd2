"""Keeping credentials out of logs and journals.

An API key belongs in the `x-api-key` header, but clients do send it in the query string
(`?x-api-key=…`, `?api_key=…`), and the demo page of the mock takes `?key=`. Whatever records a
request line (access logs, the mock's journal) passes it through `redact_target` first.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

__all__ = ["REDACTED", "is_secret_name", "redact_query", "redact_target"]

REDACTED = "[redacted]"

_SECRET_NAME = re.compile(r"key|token|secret|passw|signature|auth", re.IGNORECASE)


def is_secret_name(name: str) -> bool:
    """Whether a query parameter or header of this name is likely to carry a credential."""
    return bool(_SECRET_NAME.search(unquote_plus(name)))


def redact_query(query: str) -> str:
    """`query` (raw, as sent) with the values of credential-like parameters replaced."""
    if not query:
        return query
    parts = []
    for pair in query.split("&"):
        name, equals, _value = pair.partition("=")
        parts.append(f"{name}={REDACTED}" if equals and is_secret_name(name) else pair)
    return "&".join(parts)


def redact_target(target: str) -> str:
    """A request target (`/path?query`) with credential-like query values replaced."""
    path, question, query = target.partition("?")
    return path + question + redact_query(query) if question else target
