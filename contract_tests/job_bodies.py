"""Every job the backend shows, judged as it arrives: its shape (J2) and its history (J4).

A ``JobWatcher`` sees each job body the probes receive, in the order the answers came. Shape
is judged on every body, webhook payloads included; the history (state moves and progress) only
on bodies read from the routes, since a webhook is a snapshot that may arrive after later reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from .client import Exchange
from .results import Evidence
from .showing import shown_body
from .verdicts import Verdicts

__all__ = ["FINAL_STATES", "JOB_STATES", "MOVES", "JobWatcher", "job_shape_problems",
           "parse_time"]

JOB_STATES = ("processing", "complete", "error", "cancelled", "gone")
FINAL_STATES = frozenset({"error", "cancelled", "gone"})
# Rule J4: the only moves a job may make (staying put is always allowed).
MOVES = frozenset({("processing", "complete"), ("processing", "error"),
                   ("processing", "cancelled"), ("complete", "gone")})
# What two reads may show: a job may pass a state between them unseen (processing, then gone
# once it completed and was deleted).
_REACHABLE = MOVES | {("processing", "gone")}
_FIELDS = ("success", "id", "state", "name", "createdAt", "updatedAt", "progress",
           "downloadUrl", "expiresAt", "error")
# RFC 3339 date-time: a zone (Z or an offset) is required.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 time with a zone, or ``None`` when ``value`` is not one."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def job_shape_problems(job: object) -> list[str]:
    """Why ``job`` is not a job by rule J2 (empty when it is one)."""
    if not isinstance(job, dict):
        return [f"the job is {type(job).__name__}, not a JSON object"]
    missing = [name for name in _FIELDS if name not in job]
    if missing:
        return ["the job lacks " + ", ".join(missing)]
    problems: list[str] = []
    if job["success"] is not True:
        problems.append(f"success is {job['success']!r}, not the literal true")
    if not isinstance(job["id"], str) or not job["id"]:
        problems.append(f"id is {job['id']!r}, not a non-empty string")
    if not isinstance(job["name"], str):
        problems.append(f"name is {job['name']!r}, not a string")
    state = job["state"]
    if state not in JOB_STATES:
        problems.append(f"state is {state!r}, not one of {', '.join(JOB_STATES)}")
    for name in ("createdAt", "updatedAt"):
        if parse_time(job[name]) is None:
            problems.append(f"{name} is {job[name]!r}, not an RFC 3339 time with a zone")
    progress = job["progress"]
    if not (isinstance(progress, dict) and _is_count(progress.get("done"))
            and _is_count(progress.get("total"))):
        problems.append(f"progress is {progress!r}, not {{done, total}} counts")
    problems += _state_dependent_problems(job, state)
    return problems


def _state_dependent_problems(job: dict[str, Any], state: object) -> list[str]:
    problems: list[str] = []
    url, expires, error = job["downloadUrl"], job["expiresAt"], job["error"]
    if state == "complete":
        parsed = httpx.URL(url) if isinstance(url, str) else None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
            problems.append(f"a complete job's downloadUrl is {url!r}, not an absolute "
                            "http(s) URL")
        if parse_time(expires) is None:
            problems.append(f"a complete job's expiresAt is {expires!r}, not an RFC 3339 time")
    else:
        if url is not None:
            problems.append(f"downloadUrl is {url!r} while the state is {state!r}: it is "
                            "null unless the job is complete")
        if expires is not None:
            problems.append(f"expiresAt is {expires!r} while the state is {state!r}: it is "
                            "null unless the job is complete")
    if state == "error":
        if not (isinstance(error, dict) and isinstance(error.get("code"), str)
                and isinstance(error.get("message"), str)):
            problems.append(f"an error job's error is {error!r}, not {{code, message}}")
    elif error is not None:
        problems.append(f"error is {error!r} while the state is {state!r}: it is null unless "
                        "the state is error")
    return problems


@dataclass
class _History:
    state: str
    done: int
    seen_at: str


@dataclass
class JobWatcher:
    """Judges every job body seen; remembers each job's last state and progress."""

    verdicts: Verdicts
    history: dict[str, _History] = field(default_factory=dict)
    breaches: int = 0

    def see(self, exchange: Exchange, job: object, *, where: str = "the answer",
            track: bool = True) -> dict[str, Any] | None:
        """Judge one job body; return it when it names a job (even a misshapen one: the
        other rules still judge it), else ``None``."""
        problems = job_shape_problems(job)
        self.verdicts.judge("job-body-shape", [exchange.evidence(
            f"{where}: {problem}", shown_body(exchange.content)) for problem in problems])
        if not isinstance(job, dict) or not isinstance(job.get("id"), str):
            return None
        if track and job.get("state") in JOB_STATES:
            self._track(exchange, job)
        return job

    def _track(self, exchange: Exchange, job: dict[str, Any]) -> None:
        job_id, state = job["id"], job["state"]
        progress = job.get("progress")
        raw_done = progress.get("done") if isinstance(progress, dict) else None
        total = progress.get("total") if isinstance(progress, dict) else None
        done: int | None = raw_done if _is_count(raw_done) else None
        before = self.history.get(job_id)
        problems: list[Evidence] = []
        if before is not None and before.state != state and (before.state, state) not in _REACHABLE:
            problems.append(exchange.evidence(
                f"job {job_id} moved {before.state} -> {state}; allowed: processing -> "
                "complete | error | cancelled, complete -> gone",
                f"{before.state} seen at {before.seen_at}"))
        if before is not None and done is not None and done < before.done:
            problems.append(exchange.evidence(
                f"job {job_id}'s progress.done went back from {before.done} to {done}",
                f"{before.done} seen at {before.seen_at}"))
        if state == "complete" and done is not None and done != total:
            problems.append(exchange.evidence(
                f"job {job_id} is complete with progress {done}/{total}: done ends equal to "
                "total"))
        self.breaches += len(problems)
        self.verdicts.judge("job-states-move-forward", problems)
        self.history[job_id] = _History(
            state, done if done is not None else (before.done if before else 0),
            exchange.request_line)

    def state_of(self, job_id: str) -> str | None:
        seen = self.history.get(job_id)
        return seen.state if seen else None
