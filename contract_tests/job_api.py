"""The job routes as the checker calls them: every job in an answer goes to the watcher.

Thin on purpose: each call sends one request and hands back the exchange and, when the answer
holds one, the job. Judging happens in the watcher (J2, J4) and in the probes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .client import Exchange, ProbeClient
from .job_bodies import JobWatcher

__all__ = ["JOBS_PATH", "JobApi", "ProbeJob"]

JOBS_PATH = "/viewer/exports/jobs"
_POLL_SECONDS = 0.05


@dataclass
class ProbeJob:
    """A job the phase created: what it sent and what it saw of it."""

    tag: str
    urls: list[str]
    job: dict[str, Any] | None
    final: dict[str, Any] | None = None
    callback: bool = False
    # The state whose event the callback should receive.
    event_state: str | None = None
    # The backend has no job routes (the first creation answered 404 or 405).
    absent: bool = False


class JobApi:
    def __init__(self, client: ProbeClient, watcher: JobWatcher, timeout: float) -> None:
        self.client = client
        self.watcher = watcher
        self.timeout = timeout

    def create(self, urls: Sequence[str], *, name: str | None = None,
               callback_url: str | None = None, headers: Mapping[str, str] | None = None
               ) -> tuple[Exchange, dict[str, Any] | None]:
        body: dict[str, Any] = {"items": [{"sourceFileUrl": url} for url in urls]}
        if name is not None:
            body["name"] = name
        if callback_url is not None:
            body["callbackUrl"] = callback_url
        raw = self.client.post_json(JOBS_PATH, body) if not headers else self.client.send(
            "POST", JOBS_PATH, raw=_json_bytes(body), json_body=body,
            content_type="application/json", extra_headers=headers)
        return raw, self._job(raw, 202, "the created job")

    def get(self, job_id: str) -> tuple[Exchange, dict[str, Any] | None]:
        ex = self.client.send("GET", f"{JOBS_PATH}/{quote(job_id, safe='')}")
        return ex, self._job(ex, 200, "the job read back")

    def delete(self, job_id: str) -> tuple[Exchange, dict[str, Any] | None]:
        ex = self.client.send("DELETE", f"{JOBS_PATH}/{quote(job_id, safe='')}")
        return ex, self._job(ex, 200, "the deleted job")

    def list(self, **params: str) -> tuple[Exchange, Any]:
        ex = self.client.send("GET", JOBS_PATH, params=params or None)
        body = _json(ex) if ex.status == 200 else None
        if isinstance(body, dict) and isinstance(body.get("jobs"), list):
            for job in body["jobs"]:
                self.watcher.see(ex, job, where="a listed job")
        return ex, body

    def download(self, url: str, headers: Mapping[str, str] | None = None) -> Exchange:
        # A download URL works without the key (J6): none is sent.
        return self.client.send("GET", url, key=None, extra_headers=headers)

    def ended(self, job_id: str) -> dict[str, Any] | None:
        """The job once it has left ``processing`` (``None`` at the time-out or on an error)."""
        deadline = time.monotonic() + self.timeout
        while True:
            _, job = self.get(job_id)
            if job is None or job.get("state") != "processing":
                return job
            if time.monotonic() > deadline:
                return None
            time.sleep(_POLL_SECONDS)

    def _job(self, ex: Exchange, status: int, where: str) -> dict[str, Any] | None:
        if ex.status != status:
            return None
        return self.watcher.see(ex, _json(ex), where=where)


def _json(ex: Exchange) -> Any:
    try:
        return ex.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _json_bytes(body: object) -> bytes:
    return json.dumps(body).encode("utf-8")
