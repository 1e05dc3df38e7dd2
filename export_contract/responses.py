"""The JSON responses and the `X-Export-Manifest` header both servers send alike."""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.responses import Response

__all__ = ["MANIFEST_HEADER", "MAX_MANIFEST_HEADER_BYTES", "ManifestHeader", "json_response"]

MANIFEST_HEADER = "X-Export-Manifest"
MAX_MANIFEST_HEADER_BYTES = 8 * 1024


def json_response(payload: dict[str, Any], status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    """`payload` as UTF-8 JSON; non-ASCII names stay readable rather than `\\u` escaped."""
    return Response(json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                    status_code=status, media_type="application/json", headers=headers)


class ManifestHeader:
    """The X-Export-Manifest header: base64 JSON of each item's outcome, when it fits.

    Built as the items are named, and dropped as soon as it cannot fit, so a batch of
    65,535 items does not hold a second description of itself in memory.
    """

    def __init__(self, max_header_bytes: int = MAX_MANIFEST_HEADER_BYTES) -> None:
        self._max_json_bytes = max_header_bytes // 4 * 3  # base64 grows 3 bytes to 4
        self._items: list[bytes] | None = []
        self._size = 2  # the brackets

    def ok(self, source_file_url: str, entry: str) -> None:
        """The item is in the zip as `entry`."""
        self._add({"sourceFileUrl": source_file_url, "outcome": "ok", "entry": entry})

    def skipped(self, source_file_url: str) -> None:
        """The item resolved to no export and is not in the zip."""
        self._add({"sourceFileUrl": source_file_url, "outcome": "skipped",
                   "reason": "not_found"})

    def _add(self, outcome: dict[str, str]) -> None:
        if self._items is None:
            return
        item = json.dumps(outcome, separators=(",", ":")).encode()
        self._size += len(item) + (1 if self._items else 0)
        if self._size > self._max_json_bytes:
            self._items = None
        else:
            self._items.append(item)

    def value(self) -> str | None:
        """The header's value, or None when the manifest did not fit."""
        if self._items is None:
            return None
        return base64.b64encode(b"[" + b",".join(self._items) + b"]").decode("ascii")

    def add_to(self, headers: dict[str, str]) -> None:
        """Set the header in `headers` if the manifest fits."""
        value = self.value()
        if value is not None:
            headers[MANIFEST_HEADER] = value
