"""Signed, expiring tokens for exported URLs (rule U4), like a presigned object-store URL.

Only the exact text a signer issued verifies. Base64 decoders forgive a lot (padding, `+` for
`-`, characters they skip, spare bits set in the last character), so a token that merely
decodes to the same bytes is refused: each part must be canonical unpadded base64url.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["ExportClaims", "TokenExpired", "TokenInvalid", "UrlSigner", "export_claims",
           "export_token"]

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class TokenInvalid(ValueError):
    """The token was not issued by this signer or was altered."""


class TokenExpired(ValueError):
    def __init__(self, expired_at: int) -> None:
        super().__init__(f"expired at {expired_at}")
        self.expired_at = expired_at


class UrlSigner:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the URL signing secret must be at least 16 bytes")
        self._secret = secret

    def sign(self, claims: dict[str, Any], ttl_seconds: int, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        payload = dict(claims, exp=issued + ttl_seconds)
        body = _b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{_b64encode(self._mac(body))}"

    def verify(self, token: str, now: float | None = None) -> dict[str, Any]:
        """The token's claims; raises TokenInvalid (tampered) or TokenExpired."""
        body, _, signature = token.partition(".")
        try:
            valid = hmac.compare_digest(_canonical_b64decode(signature), self._mac(body))
            claims = json.loads(_canonical_b64decode(body)) if valid else None
        except (ValueError, UnicodeDecodeError) as exc:
            raise TokenInvalid("malformed token") from exc
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
            raise TokenInvalid("signature does not match")
        if (time.time() if now is None else now) >= claims["exp"]:
            raise TokenExpired(claims["exp"])
        return claims

    def _mac(self, body: str) -> bytes:
        return hmac.new(self._secret, body.encode("ascii"), hashlib.sha256).digest()


@dataclass(frozen=True)
class ExportClaims:
    """What an exported URL's token names: the export, and the bytes it was issued for."""

    source_file_url: str
    digest: str

    def matches(self, sha256: str) -> bool:
        """Whether the export still holds the bytes the URL was issued for."""
        return sha256[:32] == self.digest


def export_token(signer: UrlSigner, source_file_url: str, sha256: str, ttl_seconds: int,
                 now: float | None = None) -> str:
    """The token of an exported URL for an export holding bytes with this `sha256`.

    The blob hash binds the URL to these bytes: a replaced export does not leak through.
    """
    return signer.sign({"u": source_file_url, "h": sha256[:32]}, ttl_seconds, now=now)


def export_claims(signer: UrlSigner, token: str, now: float | None = None) -> ExportClaims:
    """The claims of an exported URL's token; raises TokenInvalid or TokenExpired."""
    claims = signer.verify(token, now=now)
    return ExportClaims(str(claims.get("u", "")), str(claims.get("h", "")))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _canonical_b64decode(text: str) -> bytes:
    """The bytes `text` encodes, if `text` is exactly how `_b64encode` writes them."""
    if not _BASE64URL.fullmatch(text):
        raise ValueError("not unpadded base64url")
    data = base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))
    # Spare bits set in the last character decode to the same bytes: compare the text.
    if not hmac.compare_digest(_b64encode(data), text):
        raise ValueError("not canonical base64url")
    return data
