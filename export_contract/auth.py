"""API-key checking (rules A1-A3): missing or empty key 401, unknown key 403."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from .problems import ApiProblem

__all__ = ["API_KEY_HEADER", "ApiKeyCheck"]

API_KEY_HEADER = "x-api-key"


class ApiKeyCheck:
    """Accepts any of several keys (so a rotation can overlap), compared in constant time."""

    def __init__(self, keys: Iterable[str]) -> None:
        # Comparing fixed-size digests hides the keys' lengths as well as their contents.
        self._digests = tuple(_digest(key) for key in keys if key)

    def __bool__(self) -> bool:
        return bool(self._digests)

    def is_valid(self, presented: str) -> bool:
        candidate = _digest(presented)
        matched = False
        for digest in self._digests:
            # No early exit: every key is compared whatever the outcome.
            matched |= hmac.compare_digest(candidate, digest)
        return matched

    def require(self, presented: str | None) -> None:
        """Raise the right problem unless `presented` is a valid key."""
        if presented is None or not presented.strip():
            raise ApiProblem(
                401, f"Send your API key in the {API_KEY_HEADER} header; this request had none."
            )
        if not self.is_valid(presented):
            raise ApiProblem(
                403,
                f"The {API_KEY_HEADER} header holds a key this backend does not accept; "
                "check for typos or a rotated key.",
            )


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", errors="surrogateescape")).digest()
