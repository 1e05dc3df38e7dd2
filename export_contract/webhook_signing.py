"""Webhook signatures (rule J7): `X-Export-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`.

The MAC covers `"<t>.<raw body>"`, keyed by the backend's webhook secret: the timestamp is
signed with the body, so a receiver that refuses an old `t` also refuses a replayed delivery.
The same scheme as Stripe's `Stripe-Signature`, so the usual receiver code applies.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

__all__ = [
    "DEFAULT_TOLERANCE_SECONDS",
    "EVENT_ID_HEADER",
    "SIGNATURE_HEADER",
    "SignatureMismatch",
    "sign_webhook",
    "verify_webhook",
]

EVENT_ID_HEADER = "X-Export-Event-Id"
SIGNATURE_HEADER = "X-Export-Signature"
DEFAULT_TOLERANCE_SECONDS = 300
_HEADER = re.compile(r"t=(?P<t>[0-9]+),v1=(?P<v1>[0-9a-f]{64})")


class SignatureMismatch(ValueError):
    """The delivery is not signed by the secret, is malformed, or is too old."""


def _mac(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()


def sign_webhook(secret: bytes, body: bytes, timestamp: int | None = None) -> str:
    """The `X-Export-Signature` value for `body`, signed now (or at `timestamp`)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_mac(secret, t, body)}"


def verify_webhook(secret: bytes, body: bytes, header: str | None, *,
                   tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
                   now: float | None = None) -> int:
    """The signed timestamp, when `header` signs `body` with `secret` within the tolerance.

    Raises SignatureMismatch saying what is wrong (missing, malformed, wrong MAC, too old).
    """
    if not header:
        raise SignatureMismatch(f"no {SIGNATURE_HEADER} header")
    match = _HEADER.fullmatch(header.strip())
    if match is None:
        raise SignatureMismatch(f"{SIGNATURE_HEADER} is not t=<unix seconds>,v1=<64 hex digits>")
    timestamp = int(match.group("t"))
    if not hmac.compare_digest(match.group("v1"), _mac(secret, timestamp, body)):
        raise SignatureMismatch("the HMAC does not match this body and secret")
    age = abs((time.time() if now is None else now) - timestamp)
    if age > tolerance_seconds:
        raise SignatureMismatch(f"signed {age:.0f} s away from now (more than "
                                f"{tolerance_seconds:g} s): a replay or a skewed clock")
    return timestamp
