"""What a verify run found: per-check and per-rule outcomes, evidence, and the exit code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from .options import VerifyOptions

__all__ = [
    "CheckOutcome",
    "Evidence",
    "Progress",
    "RuleOutcome",
    "Status",
    "VerifyReport",
]

Status = Literal["PASS", "FAIL", "WARN", "SKIP"]
"""FAIL: broken, and the break gates this run. WARN: broken, but its level does not gate this
run (a SHOULD rule without ``--strict``). SKIP: nothing could be judged (``reason`` says why)."""


@dataclass(frozen=True)
class Evidence:
    """One observed breach of a check.

    ``message`` says what is wrong in one line; ``request`` is ``"METHOD url"``; ``status`` is
    the response status (``None`` when there was no response); ``details`` holds the offending
    header values, zip entry names and the like; ``curl`` repeats the request in a shell.
    """

    message: str
    request: str = ""
    status: int | None = None
    details: tuple[str, ...] = ()
    curl: str | None = None
    # Set when the answer judged nothing but itself (the valid key refused, a 429): the breach
    # is charged to A3 or R1 only, and other checks call it "could not check".
    unjudgeable: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"message": self.message, "request": self.request, "status": self.status,
                "details": list(self.details), "curl": self.curl}


@dataclass(frozen=True)
class CheckOutcome:
    """The verdict of one catalogue check.

    ``status`` is PASS (it inspected at least one response and every one held), FAIL (see
    ``evidence``; the check's level gates this run), WARN (broken, but its level does not gate
    this run) or SKIP (``reason`` says why: nothing to inspect, a REF check outside
    ``--profile reference``, no API key, ...). ``inspected`` counts the observations it judged.
    """

    id: str
    rule_id: str
    level: str
    description: str
    status: Status
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()
    inspected: int = 0

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return (self.rule_id,)

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "rule_id": self.rule_id, "level": self.level,
                "description": self.description, "status": self.status, "reason": self.reason,
                "inspected": self.inspected, "evidence": [e.as_dict() for e in self.evidence]}


@dataclass(frozen=True)
class RuleOutcome:
    """The verdict of one contract rule: FAIL when a check that gates this run failed, WARN when
    only non-gating checks did, PASS when at least one passed and none broke, SKIP when none of
    its checks could judge it. ``level`` is its strongest level, ``levels`` all of them."""

    id: str
    level: str
    levels: tuple[str, ...]
    text: str
    status: Status
    check_ids: tuple[str, ...]
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "level": self.level, "levels": list(self.levels),
                "text": self.text, "status": self.status,
                "check_ids": list(self.check_ids), "reason": self.reason,
                "evidence": [e.as_dict() for e in self.evidence]}


@dataclass(frozen=True)
class Progress:
    """A progress event: ``phase`` names the running part, ``done``/``total`` count its steps."""

    phase: str
    done: int
    total: int
    message: str = ""


@dataclass(frozen=True)
class VerifyReport:
    """The whole result. ``exit_code`` is 0 when every gating check holds, else 1."""

    options: VerifyOptions
    checks: tuple[CheckOutcome, ...]
    rules: tuple[RuleOutcome, ...]
    seed: int
    request_count: int
    duration_seconds: float
    exit_code: int
    notes: tuple[str, ...] = field(default=())

    def check(self, check_id: str) -> CheckOutcome:
        for outcome in self.checks:
            if outcome.id == check_id:
                return outcome
        raise KeyError(check_id)

    def rule(self, rule_id: str) -> RuleOutcome:
        for outcome in self.rules:
            if outcome.id == rule_id:
                return outcome
        raise KeyError(rule_id)

    @property
    def failed_check_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.checks if c.status == "FAIL")

    @property
    def failed_rule_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules if r.status == "FAIL")

    @property
    def warned_rule_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules if r.status == "WARN")

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def counts(self, outcomes: Iterable[CheckOutcome | RuleOutcome] | None = None
               ) -> dict[Status, int]:
        """How many rules (or the given outcomes) have each status."""
        counts: dict[Status, int] = {"PASS": 0, "FAIL": 0, "WARN": 0, "SKIP": 0}
        for outcome in self.rules if outcomes is None else outcomes:
            counts[outcome.status] += 1
        return counts

    def as_dict(self) -> dict[str, object]:
        return {
            "base_url": self.options.base_url,
            "strict": self.options.strict,
            "profile": self.options.profile,
            "declared_limits": {"max_items": self.options.max_items,
                                "max_body_bytes": self.options.max_body_bytes},
            "seed": self.seed,
            "max_examples": self.options.max_examples,
            "request_count": self.request_count,
            "duration_seconds": round(self.duration_seconds, 3),
            "exit_code": self.exit_code,
            "summary": self.counts(),
            "rules": [r.as_dict() for r in self.rules],
            "checks": [c.as_dict() for c in self.checks],
            "notes": list(self.notes),
        }
