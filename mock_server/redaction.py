"""Keeping credentials out of the mock's journal.

An API key belongs in the `x-api-key` header, but clients do send it in the query string
(`?x-api-key=…`, `?api_key=…`), and the demo page of the mock takes `?key=`. The journal shows
the query it records with the values of credential-like names replaced. (Access logs go
further: they never write the query or the path as sent; see
`export_contract.access_log`.)
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

__all__ = ["REDACTED", "is_secret_name"]

REDACTED = "[redacted]"

_SECRET_NAME = re.compile(r"key|token|secret|passw|signature|auth", re.IGNORECASE)


def is_secret_name(name: str) -> bool:
    """Whether a query parameter or header of this name is likely to carry a credential."""
    return bool(_SECRET_NAME.search(unquote_plus(name)))
