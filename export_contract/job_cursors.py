"""The job list's cursors (rule J3), issued and read alike by both servers.

A cursor carries the last position of a page (`c`) and the state the listing filtered by
(`s`), signed with the server's URL signer, so only a cursor this server issued for the same
filter is accepted. The refusals are one text each; only who issued it is named by the caller.
"""

from __future__ import annotations

from .signing import TokenExpired, TokenInvalid, UrlSigner

__all__ = ["CURSOR_TTL_SECONDS", "BadCursor", "issue_cursor", "read_cursor"]

CURSOR_TTL_SECONDS = 86400


class BadCursor(ValueError):
    """A cursor this server did not issue, issued for another `state` filter, or expired."""


def issue_cursor(signer: UrlSigner, last_seq: int, state: str | None, *,
                 now: float | None = None) -> str:
    """The cursor of the page after position `last_seq`; `now` defaults to the wall clock."""
    return signer.sign({"c": last_seq, "s": state or ""}, CURSOR_TTL_SECONDS, now=now)


def read_cursor(signer: UrlSigner, cursor: str, state: str | None, *, issuer: str,
                now: float | None = None) -> int:
    """The position a cursor continues after; raises BadCursor saying what to do instead.

    `issuer` names the server in the refusal of a foreign cursor (`mock`, `backend`).
    """
    try:
        claims = signer.verify(cursor, now=now)
    except TokenExpired as exc:
        raise BadCursor("this cursor expired; list the jobs again from the first page"
                        ) from exc
    except TokenInvalid as exc:
        raise BadCursor(f"this cursor was not issued by this {issuer}; pass nextCursor "
                        "exactly as it was sent") from exc
    if not isinstance(claims.get("c"), int) or claims.get("s") != (state or ""):
        raise BadCursor("this cursor belongs to a listing with "
                        f"state={claims.get('s') or '(any)'}; pass the same state as the "
                        "first page")
    return int(claims["c"])
