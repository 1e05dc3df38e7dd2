"""Export jobs as both servers show them (rules J1-J6): states, moves, the job body, the manifest.

The reference backend and the mock build a job's JSON, its zip name and its `manifest.json`
here, so the two agree to the byte on the shapes the contract fixes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from .filenames import safe_filename, split_extension
from .problems import ApiProblem

__all__ = [
    "DEFAULT_JOB_NAME",
    "EVENTS",
    "FINAL_STATES",
    "JOB_STATES",
    "MANIFEST_NAME",
    "ItemResult",
    "JobState",
    "job_body",
    "job_name",
    "job_source_urls",
    "job_zip_filename",
    "manifest_bytes",
    "may_move",
    "rfc3339",
]

JobState = Literal["processing", "complete", "error", "cancelled", "gone"]
JOB_STATES: tuple[JobState, ...] = ("processing", "complete", "error", "cancelled", "gone")
FINAL_STATES: frozenset[str] = frozenset({"error", "cancelled", "gone"})
# Rule J4: the only moves there are.
_MOVES: dict[str, frozenset[str]] = {
    "processing": frozenset({"complete", "error", "cancelled"}),
    "complete": frozenset({"gone"}),
}
# Rule J7: the webhook event of each state that sends one.
EVENTS: dict[str, str] = {"complete": "export.complete", "error": "export.error",
                          "cancelled": "export.cancelled"}
DEFAULT_JOB_NAME = "exports"
MANIFEST_NAME = "manifest.json"
_ZIP_EXTENSION = ".zip"


def may_move(current: str, new: str) -> bool:
    """Whether rule J4 lets a job move from `current` to `new`."""
    return new in _MOVES.get(current, frozenset())


def job_source_urls(body: dict[str, Any], max_items: int) -> list[str]:
    """The job's items in request order; over the job item limit is a 413 (rule J1)."""
    urls = [item["sourceFileUrl"] for item in body["items"]]
    if len(urls) > max_items:
        raise ApiProblem(413, f"The job has {len(urls)} items; this backend accepts at most "
                              f"{max_items} per job. Split it into several jobs.")
    return urls


def job_name(requested: str | None) -> str:
    """The job's name: `exports` when none was given, made safe as a filename (rule F2)."""
    if requested is None or not requested.strip():
        return DEFAULT_JOB_NAME
    return safe_filename(requested, default_stem=DEFAULT_JOB_NAME)


def job_zip_filename(name: str) -> str:
    """The download's name (rule J6): the job's name with `.zip` added, unless it has it."""
    _stem, extension = split_extension(name)
    if extension.lower() == _ZIP_EXTENSION:
        return safe_filename(name, default_stem=DEFAULT_JOB_NAME)
    # Made safe after adding: a name at the length limit loses from its stem, not the `.zip`.
    return safe_filename(name + _ZIP_EXTENSION, default_stem=DEFAULT_JOB_NAME)


def rfc3339(timestamp: float) -> str:
    """`2026-11-25T16:33:10.209Z`: RFC 3339 in UTC, to the millisecond (rule J2)."""
    moment = datetime.fromtimestamp(math.floor(timestamp * 1000) / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def job_body(*, job_id: str, state: str, name: str, created_at: float, updated_at: float,
             done: int, total: int, download_url: str | None = None,
             expires_at: float | None = None, error: tuple[str, str] | None = None
             ) -> dict[str, Any]:
    """A job as the routes and the webhook show it (rule J2).

    The state decides which of `downloadUrl`, `expiresAt` and `error` are set, so a caller
    cannot send a download URL for a job that is not `complete`.
    """
    complete = state == "complete"
    return {
        "success": True,
        "id": job_id,
        "state": state,
        "name": name,
        "createdAt": rfc3339(created_at),
        "updatedAt": rfc3339(updated_at),
        "progress": {"done": done, "total": total},
        "downloadUrl": download_url if complete else None,
        "expiresAt": rfc3339(expires_at) if complete and expires_at is not None else None,
        "error": ({"code": error[0], "message": error[1]}
                  if state == "error" and error is not None else None),
    }


@dataclass(frozen=True)
class ItemResult:
    """One item's line in `manifest.json`: its entry, or why it has none."""

    source_file_url: str
    filename: str | None = None
    size: int = 0
    error: Literal["not_found", "export_failed"] | None = None
    message: str = ""

    @property
    def succeeded(self) -> bool:
        return self.error is None

    def as_json(self) -> dict[str, Any]:
        if self.error is None:
            return {"sourceFileUrl": self.source_file_url, "success": True,
                    "filename": self.filename, "bytes": self.size}
        return {"sourceFileUrl": self.source_file_url, "success": False, "error": self.error,
                "message": self.message}


def manifest_bytes(job_id: str, results: Sequence[ItemResult]) -> bytes:
    """`manifest.json` (rule J6): one result per item in request order, and a summary."""
    succeeded = sum(1 for result in results if result.succeeded)
    document = {
        "jobId": job_id,
        "results": [result.as_json() for result in results],
        "summary": {"total": len(results), "succeeded": succeeded,
                    "failed": len(results) - succeeded},
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
