"""What a job shows that is signed: its download URL (rule J6) and its list cursors (J3).

A download URL carries a token over the job's id and the first bytes of its zip's hash,
expiring exactly at the job's `expiresAt` (so the URL is the same on every read); a cursor
carries the last position of a page and the state it filtered by. Both are signed with the
backend's URL secret, so only what this backend issued is accepted.
"""

from __future__ import annotations

import json
from typing import Any

from export_contract.job_cursors import issue_cursor, read_cursor
from export_contract.job_routes import download_path, job_path
from export_contract.jobs import job_body
from export_contract.signing import TokenInvalid, UrlSigner

from .job_store import JobRecord

__all__ = ["JobLinks"]


class JobLinks:
    def __init__(self, signer: UrlSigner, public_base_url: str | None) -> None:
        self.signer = signer
        self.public_base_url = public_base_url

    def base(self, record: JobRecord) -> str:
        return (self.public_base_url or record.base_url).rstrip("/")

    def job_url(self, record: JobRecord) -> str:
        return self.base(record) + job_path(record.id)

    def download_url(self, record: JobRecord) -> str | None:
        if record.state != "complete" or not record.zip_sha256 or record.expires_at is None:
            return None
        # Issued "at 0" for `expires_at` seconds: the token expires exactly at expiresAt.
        token = self.signer.sign({"j": record.id, "h": record.zip_sha256[:32]},
                                 int(record.expires_at), now=0)
        return f"{self.base(record)}{download_path(record.id)}?token={token}"

    def body(self, record: JobRecord) -> dict[str, Any]:
        error = ((record.error_code, record.error_message or "")
                 if record.error_code is not None else None)
        return job_body(job_id=record.id, state=record.state, name=record.name,
                        created_at=record.created_at, updated_at=record.updated_at,
                        done=record.done, total=record.total,
                        download_url=self.download_url(record), expires_at=record.expires_at,
                        error=error)

    def event(self, event: str, record: JobRecord) -> bytes:
        """The webhook body (rule J7)."""
        return json.dumps({"event": event, "job": self.body(record)},
                          ensure_ascii=False).encode("utf-8")

    def verify_download(self, job_id: str, token: str) -> str:
        """The zip hash prefix the token was issued for; raises TokenExpired or TokenInvalid
        (also for a token of another job)."""
        claims = self.signer.verify(token)
        if claims.get("j") != job_id or not isinstance(claims.get("h"), str):
            raise TokenInvalid("the token is for another job")
        return str(claims["h"])

    def cursor(self, last_seq: int, state: str | None) -> str:
        return issue_cursor(self.signer, last_seq, state)

    def read_cursor(self, cursor: str, state: str | None) -> int:
        """The position `cursor` continues after; raises BadCursor."""
        return read_cursor(self.signer, cursor, state, issuer="backend")
