"""The console report: a progress line while running, then a table of rules and a summary."""

from __future__ import annotations

import shutil
import textwrap

from ..results import Evidence, Progress, RuleOutcome, VerifyReport

__all__ = ["progress_line", "render_console"]

_MAX_EVIDENCE_SHOWN = 3


def progress_line(progress: Progress) -> str:
    """One line describing where the run is, e.g. ``verify: batches 12/25``."""
    count = f" {progress.done}/{progress.total}" if progress.total > 1 else ""
    message = f" ({progress.message})" if progress.message else ""
    return f"verify: {progress.phase}{count}{message}"


def _evidence_lines(evidence: Evidence, indent: str) -> list[str]:
    lines = [f"{indent}- {evidence.message}"]
    if evidence.request:
        status = f" -> {evidence.status}" if evidence.status is not None else ""
        lines.append(f"{indent}  {evidence.request}{status}")
    lines += [f"{indent}  {detail}" for detail in evidence.details]
    if evidence.curl:
        lines.append(f"{indent}  reproduce: {evidence.curl}")
    return lines


def _levels(rule: RuleOutcome) -> str:
    """``MUST``, or ``MUST+`` when the rule also has SHOULD or REF parts."""
    return rule.level + ("+" if len(rule.levels) > 1 else "")


def _rule_lines(rule: RuleOutcome, width: int) -> list[str]:
    head = f"{rule.id:<4} {_levels(rule):<7} {rule.status:<6} "
    summary = rule.text if rule.status == "PASS" else rule.reason
    wrapped = textwrap.wrap(summary, max(width - len(head), 30)) or [""]
    lines = [head + wrapped[0]] + [" " * len(head) + part for part in wrapped[1:]]
    if rule.status in ("FAIL", "WARN"):
        shown = rule.evidence[:_MAX_EVIDENCE_SHOWN]
        for evidence in shown:
            lines += _evidence_lines(evidence, " " * len(head))
        if len(rule.evidence) > len(shown):
            lines.append(" " * len(head) + f"(+{len(rule.evidence) - len(shown)} more in the "
                         "JSON report)")
    return lines


def render_console(report: VerifyReport, width: int | None = None) -> str:
    width = width or min(shutil.get_terminal_size((100, 24)).columns, 120)
    options = report.options
    gating = "MUST and SHOULD rules gate" if options.strict else (
        "MUST rules gate; SHOULD breaches are warnings (--strict makes them gate)")
    profile = ("profile reference: REF rules gate too" if options.profile == "reference"
               else "profile contract: REF rules not judged")
    lines = [f"export-contract verify {options.base_url}",
             f"{gating}; {profile}",
             f"seed {report.seed}; max-examples {options.max_examples}; "
             + _limits(report), "",
             f"{'RULE':<4} {'LEVEL':<7} {'STATUS':<6} DETAILS"]
    for rule in report.rules:
        lines += _rule_lines(rule, width)
    lines += [f"note: {note}" for note in report.notes]
    counts = report.counts()
    verdict = "PASSED" if report.passed else "FAILED"
    lines += ["", f"{verdict}: {counts['PASS']} rules pass, {counts['FAIL']} fail, "
                  f"{counts['WARN']} warn, {counts['SKIP']} skipped; "
                  f"{report.request_count} requests in "
                  f"{report.duration_seconds:.1f} s (seed {report.seed})"]
    return "\n".join(lines) + "\n"


def _limits(report: VerifyReport) -> str:
    options = report.options
    if options.max_items is None and options.max_body_bytes is None:
        return "limits not declared"
    parts = []
    if options.max_items is not None:
        parts.append(f"max-items {options.max_items:,}")
    if options.max_body_bytes is not None:
        parts.append(f"max-body-bytes {options.max_body_bytes:,}")
    return "declared limits: " + ", ".join(parts)
