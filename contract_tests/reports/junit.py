"""The JUnit XML report: one testcase per contract rule, as CI systems render it.

A broken rule is a ``<failure>`` with its evidence and curl commands; a rule nothing could judge
is ``<skipped>`` with the reason. A rule's levels are in its name (``Q3: MUST: ... SHOULD:
...``) and its class (``export_contract.MUST``). Only breaches whose level gates the run fail:
a SHOULD breach without ``--strict`` (WARN) passes, with its evidence in ``<system-out>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ..results import Evidence, RuleOutcome, VerifyReport

__all__ = ["render_junit", "write_junit"]

SUITE_NAME = "export-contract verify"


def _evidence_text(evidence: Evidence) -> str:
    lines = [evidence.message]
    if evidence.request:
        status = f" -> {evidence.status}" if evidence.status is not None else ""
        lines.append(f"  {evidence.request}{status}")
    lines += [f"  {detail}" for detail in evidence.details]
    if evidence.curl:
        lines.append(f"  reproduce: {evidence.curl}")
    return "\n".join(lines)


def _testcase(suite: ET.Element, rule: RuleOutcome) -> None:
    case = ET.SubElement(suite, "testcase", {
        "classname": f"export_contract.{rule.level}",
        "name": f"{rule.id}: {rule.text}",
        "time": "0",
    })
    if rule.status == "FAIL":
        failure = ET.SubElement(case, "failure", {"message": rule.reason, "type": "ContractRule"})
        failure.text = "\n\n".join(_evidence_text(e) for e in rule.evidence) or rule.reason
    elif rule.status == "SKIP":
        ET.SubElement(case, "skipped", {"message": rule.reason})
    out = [f"levels: {', '.join(rule.levels)}", "checks: " + ", ".join(rule.check_ids)]
    if rule.status == "WARN":
        out += [f"warning: {rule.reason}", *(_evidence_text(e) for e in rule.evidence)]
    ET.SubElement(case, "system-out").text = "\n".join(out)


def render_junit(report: VerifyReport) -> str:
    counts = report.counts()
    root = ET.Element("testsuites", {"name": SUITE_NAME, "tests": str(len(report.rules)),
                                      "failures": str(counts["FAIL"]), "errors": "0",
                                      "skipped": str(counts["SKIP"]),
                                      "time": f"{report.duration_seconds:.3f}"})
    suite = ET.SubElement(root, "testsuite", {
        "name": SUITE_NAME, "tests": str(len(report.rules)), "failures": str(counts["FAIL"]),
        "errors": "0", "skipped": str(counts["SKIP"]),
        "time": f"{report.duration_seconds:.3f}"})
    properties = ET.SubElement(suite, "properties")
    for name, value in (("base_url", report.options.base_url), ("seed", str(report.seed)),
                        ("strict", str(report.options.strict).lower()),
                        ("profile", report.options.profile),
                        ("max_examples", str(report.options.max_examples)),
                        ("requests", str(report.request_count))):
        ET.SubElement(properties, "property", {"name": name, "value": value})
    for rule in report.rules:
        _testcase(suite, rule)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(report: VerifyReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_junit(report), encoding="utf-8")
