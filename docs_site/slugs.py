"""Heading anchors the way GitHub makes them, so `#links` work on GitHub and on the site alike."""

from __future__ import annotations

import re

__all__ = ["Slugger"]

_DROPPED = re.compile(r"[^\w\- ]", re.UNICODE)


class Slugger:
    """Anchors for the headings of one document, in order; repeats get `-1`, `-2`, …."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def slug(self, heading_text: str) -> str:
        base = _DROPPED.sub("", heading_text.strip().lower()).replace(" ", "-")
        count = self._seen.get(base, 0)
        self._seen[base] = count + 1
        return base if count == 0 else f"{base}-{count}"
