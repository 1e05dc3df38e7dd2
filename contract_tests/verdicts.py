"""Collects what every probe observed, check by check, and turns it into outcomes.

A probe calls ``ok(check_id)`` for each observation that held and ``fail(check_id, evidence)``
for each breach. A check that observed nothing reports SKIP with a reason, never PASS. Whether a
breach fails the run depends on the check's level: MUST always, SHOULD with ``strict`` (else it
is a WARN), REF only with ``profile="reference"`` (REF checks do not run otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .catalogue import CHECKS, Check
from .options import VerifyOptions
from .results import CheckOutcome, Evidence, RuleOutcome, Status, VerifyReport
from .rules import Rule, backend_rules

__all__ = ["MAX_EVIDENCE", "Verdicts"]

# Evidence kept per check; the smallest examples are kept (by the size hint).
MAX_EVIDENCE = 5

_NEEDS_REASONS = {
    "api_key": "no --api-key given, so auth cannot be judged",
    "origin": "no --origin given, so CORS cannot be judged",
    "follow_urls": "exported URLs are not fetched (--no-follow-urls)",
    "exports": "no known export: pass --source-url URL (repeatable) or --fixtures auto",
    "big_archive": "needs --fixtures auto with the big-archive option",
    "limits": "no limits declared: pass --max-items N and --max-body-bytes N to check Q5 at "
              "the backend's own edges",
    "no_limits": "limits were declared, so they are checked at their edges instead",
    "jobs": "the backend offers no export jobs (POST /viewer/exports/jobs answered 404 or "
            "405); pass --jobs to require them",
}
_JUDGES_ITSELF = frozenset({"auth-valid-key-accepted", "rate-limited-not-a-download",
                            "rate-limited-retry-after", "status-allowed"})
_REF_REASON = "REF rule: our reference's choice, judged only with --profile reference"


@dataclass
class _Tally:
    check: Check
    inspected: int = 0
    failures: list[tuple[int, Evidence]] = field(default_factory=list)
    failure_count: int = 0
    skip_reason: str = ""


class Verdicts:
    """The running tally of one verify run."""

    def __init__(self, selected: Sequence[Check], options: VerifyOptions) -> None:
        self.options = options
        self._tallies = {c.id: _Tally(c) for c in selected}
        self.missing: set[str] = set()
        if options.api_key is None:
            self.missing.add("api_key")
        if options.origin is None:
            self.missing.add("origin")
        if not options.follow_urls:
            self.missing.add("follow_urls")
        declared = options.max_items is not None or options.max_body_bytes is not None
        self.missing.add("no_limits" if declared else "limits")

    # -- what probes call --------------------------------------------------------------------

    def wants(self, *check_ids: str) -> bool:
        """Whether any of these checks is selected and able to run (saves needless requests)."""
        return any(self._runnable(self._tallies[i].check)
                   for i in check_ids if i in self._tallies)

    def ok(self, check_id: str, count: int = 1) -> None:
        tally = self._tallies.get(check_id)
        if tally is not None:
            tally.inspected += count

    def fail(self, check_id: str, evidence: Evidence, size: int = 0) -> None:
        """Record a breach; ``size`` ranks the example (smaller examples are kept first)."""
        tally = self._tallies.get(check_id)
        if tally is None:
            return
        if evidence.unjudgeable and check_id not in _JUDGES_ITSELF:
            # One bug, one rule: a refused valid key is A3's, a 429 R1's; here it hid the
            # behaviour this check looks for.
            if not tally.skip_reason:
                tally.skip_reason = f"could not check: {evidence.unjudgeable}"
            return
        tally.inspected += 1
        tally.failure_count += 1
        if any(e.message == evidence.message for _, e in tally.failures):
            return
        tally.failures.append((size, evidence))
        tally.failures.sort(key=lambda pair: pair[0])
        del tally.failures[MAX_EVIDENCE:]

    def judge(self, check_id: str, problems: Iterable[Evidence], size: int = 0) -> bool:
        """Record one observation: a breach per evidence given, else one that held."""
        found = False
        for evidence in problems:
            self.fail(check_id, evidence, size)
            found = True
        if not found:
            self.ok(check_id)
        return not found

    def skip(self, check_id: str, reason: str) -> None:
        """Say why a check could not observe anything (kept only if it never does)."""
        tally = self._tallies.get(check_id)
        if tally is not None and not tally.skip_reason:
            tally.skip_reason = reason

    def lack(self, need: str) -> None:
        """Mark a prerequisite as missing (e.g. ``exports`` when none is known)."""
        self.missing.add(need)

    def could_not_check(self, reason: str) -> None:
        """The run lost the backend mid-way: checks that saw nothing say why, not "nothing"."""
        for tally in self._tallies.values():
            if not tally.skip_reason:
                tally.skip_reason = f"could not check: {reason}"

    def gates(self, check: Check) -> bool:
        """Whether a breach of this check fails the run."""
        return check.level == "MUST" or (check.level == "SHOULD" and self.options.strict) or (
            check.level == "REF" and self.options.profile == "reference")

    def failed(self, check_id: str) -> bool:
        tally = self._tallies.get(check_id)
        return tally is not None and tally.failure_count > 0

    # -- outcomes ----------------------------------------------------------------------------

    def _runnable(self, check: Check) -> bool:
        return not (check.needs & self.missing) and (
            check.level != "REF" or self.options.profile == "reference")

    def _outcome(self, tally: _Tally) -> CheckOutcome:
        check = tally.check
        status: Status
        evidence = tuple(e for _, e in tally.failures)
        if check.level == "REF" and self.options.profile != "reference":
            status, reason, evidence = "SKIP", _REF_REASON, ()
        elif tally.failure_count:
            status = "FAIL" if self.gates(check) else "WARN"
            reason = f"{tally.failure_count} of {tally.inspected} observations broke it"
            if status == "WARN":
                reason += " (SHOULD: fails the run only with --strict)"
        elif tally.inspected:
            status, reason = "PASS", f"{tally.inspected} observations held"
        else:
            status = "SKIP"
            lacking = sorted(check.needs & self.missing)
            reason = (_NEEDS_REASONS[lacking[0]] if lacking
                      else tally.skip_reason or "nothing to inspect was observed")
        return CheckOutcome(check.id, check.rule_id, check.level, check.description, status,
                            reason, evidence, tally.inspected)

    def report(self, *, seed: int, request_count: int, duration_seconds: float,
               notes: Sequence[str] = ()) -> VerifyReport:
        checks = tuple(self._outcome(self._tallies[c.id]) for c in CHECKS
                       if c.id in self._tallies)
        rules = tuple(_rule_outcome(r, checks) for r in backend_rules())
        broken = any(c.status == "FAIL" for c in checks)
        return VerifyReport(self.options, checks, rules, seed, request_count, duration_seconds,
                            1 if broken else 0, tuple(notes))


def _rule_outcome(rule: Rule, checks: Sequence[CheckOutcome]) -> RuleOutcome:
    mine = [c for c in checks if c.rule_id == rule.id]
    ids = tuple(c.id for c in mine)
    broken = [c for c in mine if c.status in ("FAIL", "WARN")]
    status: Status
    evidence: tuple[Evidence, ...] = ()
    if broken:
        status = "FAIL" if any(c.status == "FAIL" for c in broken) else "WARN"
        reason = "broken: " + ", ".join(f"{c.id} ({c.level})" for c in broken)
        evidence = tuple(e for c in broken for e in c.evidence)
    elif any(c.status == "PASS" for c in mine):
        status = "PASS"
        reason = "held: " + ", ".join(c.id for c in mine if c.status == "PASS")
    else:
        status = "SKIP"
        reason = ("; ".join(dict.fromkeys(f"{c.id}: {c.reason}" for c in mine))
                  if mine else "no selected check")
    return RuleOutcome(rule.id, rule.level, rule.levels, rule.text, status, ids, reason,
                       evidence)
