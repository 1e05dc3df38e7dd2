"""Collects what every probe observed, check by check, and turns it into outcomes.

A probe calls ``ok(check_id)`` for each observation that held and ``fail(check_id, evidence)``
for each breach. A check that observed nothing reports SKIP with a reason, never PASS.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .catalogue import CHECKS, Check
from .options import VerifyOptions
from .results import CheckOutcome, Evidence, RuleOutcome, Status, VerifyReport
from .rules import RULES

__all__ = ["MAX_EVIDENCE", "Verdicts"]

# Evidence kept per check; the smallest examples are kept (by the size hint).
MAX_EVIDENCE = 5

_NEEDS_REASONS = {
    "api_key": "no --api-key given, so auth cannot be judged",
    "origin": "no --origin given, so CORS cannot be judged",
    "follow_urls": "exported URLs are fetched only with --follow-urls",
    "exports": "no known export: pass --source-url URL (repeatable) or --fixtures auto",
    "big_archive": "needs --fixtures auto with the big-archive option",
}


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

    def failed(self, check_id: str) -> bool:
        tally = self._tallies.get(check_id)
        return tally is not None and tally.failure_count > 0

    # -- outcomes ----------------------------------------------------------------------------

    def _runnable(self, check: Check) -> bool:
        return not (check.needs & self.missing) and (check.level == "MUST" or self.options.strict)

    def _outcome(self, tally: _Tally) -> CheckOutcome:
        check = tally.check
        status: Status
        evidence = tuple(e for _, e in tally.failures)
        if check.level == "SHOULD" and not self.options.strict:
            status, reason, evidence = "SKIP", "SHOULD rule: judged only with --strict", ()
        elif tally.failure_count:
            status = "FAIL"
            reason = f"{tally.failure_count} of {tally.inspected} observations broke it"
        elif tally.inspected:
            status, reason = "PASS", f"{tally.inspected} observations held"
        else:
            status = "SKIP"
            lacking = sorted(check.needs & self.missing)
            reason = (_NEEDS_REASONS[lacking[0]] if lacking
                      else tally.skip_reason or "nothing to inspect was observed")
        return CheckOutcome(check.id, check.rule_ids, check.level, check.description, status,
                            reason, evidence, tally.inspected)

    def report(self, *, seed: int, request_count: int, duration_seconds: float,
               notes: Sequence[str] = ()) -> VerifyReport:
        checks = tuple(self._outcome(self._tallies[c.id]) for c in CHECKS
                       if c.id in self._tallies)
        rules = tuple(_rule_outcome(rule_id, level, text, checks)
                      for rule_id, level, text in ((r.id, r.level, r.text) for r in RULES))
        broken = any(c.status == "FAIL" and (c.level == "MUST" or self.options.strict)
                     for c in checks)
        return VerifyReport(self.options, checks, rules, seed, request_count, duration_seconds,
                            1 if broken else 0, tuple(notes))


def _rule_outcome(rule_id: str, level: str, text: str,
                  checks: Sequence[CheckOutcome]) -> RuleOutcome:
    mine = [c for c in checks if rule_id in c.rule_ids]
    ids = tuple(c.id for c in mine)
    failed = [c for c in mine if c.status == "FAIL"]
    status: Status
    if failed:
        status = "FAIL"
        reason = "broken: " + ", ".join(c.id for c in failed)
        evidence = tuple(e for c in failed for e in c.evidence)
    elif any(c.status == "PASS" for c in mine):
        status, evidence = "PASS", ()
        reason = "held: " + ", ".join(c.id for c in mine if c.status == "PASS")
    else:
        status, evidence = "SKIP", ()
        reason = ("; ".join(dict.fromkeys(f"{c.id}: {c.reason}" for c in mine))
                  if mine else "no selected check")
    return RuleOutcome(rule_id, level, text, status, ids, reason, evidence)
