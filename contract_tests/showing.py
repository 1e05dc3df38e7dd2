"""How evidence shows values: long ones by their length, start and end, never cut blindly.

A 2,049-character URL cut at 80 characters hides the one thing that matters (its length); a
body cut mid-way hides its end. Evidence says how long a value is and shows both ends.
"""

from __future__ import annotations

import json

__all__ = ["shown", "shown_body", "shown_json"]

_LIMIT = 80
_END = 24


def shown(value: object, limit: int = _LIMIT) -> str:
    """``repr(value)`` when short; otherwise its length with its start and end."""
    if not isinstance(value, str):
        return shown_json(value, limit)
    if len(value) <= limit:
        return repr(value)
    head = value[: limit - _END]
    return f"a {len(value):,}-character string {head!r}…{value[-_END:]!r}"


def shown_json(value: object, limit: int = _LIMIT) -> str:
    """A JSON value as JSON text, shortened like :func:`shown`."""
    text = json.dumps(value, ensure_ascii=False)
    if len(text) <= limit:
        return text
    return f"{len(text):,} characters of JSON {text[: limit - _END]}…{text[-_END:]}"


def shown_body(content: bytes, limit: int = 160) -> str:
    """A response body for evidence: text when it decodes, with its size when long."""
    if not content:
        return "body: (empty)"
    text = content.decode("utf-8", errors="replace")
    if len(content) <= limit:
        return f"body: {text!r}"
    return (f"body ({len(content):,} bytes): {text[: limit - _END]!r}…"
            f"{text[-_END:]!r}")
