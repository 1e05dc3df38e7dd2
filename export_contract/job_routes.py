"""What both servers answer alike on the job routes (rules J3, J5, J6).

The routes' paths, the list's page sizes, the download's headers and the problems both
servers send (one text each, whichever server sends it; only who issued a download URL is
named by the caller).
"""

from __future__ import annotations

from datetime import UTC, datetime

from .filenames import content_disposition
from .jobs import job_zip_filename
from .problems import ApiProblem
from .signing import TokenExpired, TokenInvalid

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "download_gone", "download_path",
           "download_token_problem", "download_withdrawn", "job_path", "no_such_job", "page_size",
           "zip_download_headers"]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# A job id longer than this is cut in the 404's text.
_SHOWN_ID_CHARS = 64


def job_path(job_id: str) -> str:
    return f"/viewer/exports/jobs/{job_id}"


def download_path(job_id: str) -> str:
    return f"{job_path(job_id)}/download"


def page_size(limit: int | None) -> int:
    """The page size for `limit` (rule J3): the default when none is given, capped."""
    return min(DEFAULT_PAGE_SIZE if limit is None else limit, MAX_PAGE_SIZE)


def zip_download_headers(name: str) -> dict[str, str]:
    """The headers of a job's zip download (rule J6): its name, and no shared caching."""
    return {"Content-Disposition": content_disposition(job_zip_filename(name)),
            "Cache-Control": "private, no-store"}


def no_such_job(job_id: str) -> ApiProblem:
    shown = job_id if len(job_id) <= _SHOWN_ID_CHARS else job_id[:_SHOWN_ID_CHARS] + "…"
    return ApiProblem(404, f"No export job has id {shown}; list the jobs with GET "
                           "/viewer/exports/jobs.", title="Job not found")


def download_gone(detail: str) -> ApiProblem:
    return ApiProblem(410, detail, title="Download gone", slug="gone")


def download_withdrawn() -> ApiProblem:
    """The 410 for a valid download URL of a job no longer complete (deleted, expired)."""
    return download_gone("This job was deleted or its download expired; create the job again.")


def download_token_problem(exc: TokenExpired | TokenInvalid, *, issuer: str) -> ApiProblem:
    """The answer to a download URL whose token failed: expired 410, anything else 403.

    `issuer` names the server that issued the URL (`mock`, `backend`).
    """
    if isinstance(exc, TokenExpired):
        expired = datetime.fromtimestamp(exc.expired_at, tz=UTC)
        return download_gone(f"This job's download expired at {expired:%Y-%m-%dT%H:%M:%SZ}; "
                             "create the job again.")
    return ApiProblem(403, "This download URL's signature does not match; use the job's "
                           f"downloadUrl exactly as the {issuer} issued it.",
                      title="Invalid download URL", slug="invalid-url")
