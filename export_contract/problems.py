"""Problem details (rule E2): every error is RFC 9457 JSON with `"success": false`."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "TITLES",
    "ApiProblem",
    "problem_body",
    "problem_response",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"

# status -> (type slug, title); the slug ends up in `type` as a URN.
TITLES: dict[int, tuple[str, str]] = {
    400: ("invalid-request", "Invalid request"),
    401: ("missing-api-key", "API key required"),
    403: ("invalid-api-key", "API key not accepted"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    408: ("request-timeout", "Request timeout"),
    410: ("expired-url", "Exported URL expired"),
    413: ("too-large", "Request too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("rate-limited", "Too many requests"),
    500: ("server-error", "Internal server error"),
    502: ("bad-gateway", "Bad gateway"),
    503: ("unavailable", "Service unavailable"),
    507: ("insufficient-storage", "Insufficient storage"),
}

logger = logging.getLogger("export_contract")


class ApiProblem(Exception):
    """Raised by handlers and middlewares; rendered as a problem-details response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        slug: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        default_slug, default_title = TITLES.get(status, ("error", "Error"))
        self.title = title or default_title
        self.slug = slug or default_slug
        self.headers = dict(headers or {})

    def response(self) -> Response:
        return problem_response(
            self.status, self.detail, title=self.title, slug=self.slug, headers=self.headers
        )


def problem_body(
    status: int, detail: str, *, title: str | None = None, slug: str | None = None
) -> dict[str, Any]:
    default_slug, default_title = TITLES.get(status, ("error", "Error"))
    return {
        "type": f"urn:export-contract:problem:{slug or default_slug}",
        "title": title or default_title,
        "status": status,
        "detail": detail,
        "success": False,
    }


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    slug: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = problem_body(status, detail, title=title, slug=slug)
    return Response(
        json.dumps(body, ensure_ascii=False).encode("utf-8"),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )
