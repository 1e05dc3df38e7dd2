"""The rule list and the check catalogue: complete, stable, and selectable by ID."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import contract_tests
from contract_tests.catalogue import CHECKS, CHECKS_BY_ID, check, checks_for_rule, select_checks
from contract_tests.rules import RULES, rule

CONTRACT_RULE_IDS = (
    [f"Q{n}" for n in range(1, 8)] + [f"A{n}" for n in range(1, 5)]
    + [f"S{n}" for n in range(1, 5)] + ["B1", "E1", "E2", "D1", "D2"]
    + [f"F{n}" for n in range(1, 7)] + [f"Z{n}" for n in range(1, 8)]
    + [f"U{n}" for n in range(1, 7)] + ["X1", "X2", "R1"] + [f"J{n}" for n in range(1, 9)]
)
CLIENT_RULE_IDS = {"A1", "F6"}
PACKAGE = Path(contract_tests.__file__).parent


def test_every_contract_rule_is_listed_once_with_its_levels_and_text() -> None:
    assert sorted(r.id for r in RULES) == sorted(CONTRACT_RULE_IDS)
    for r in RULES:
        assert r.levels and set(r.levels) <= {"MUST", "SHOULD", "REF"}, r.id
        assert all(len(r.part(level)) > 15 for level in r.levels), r.id


def test_client_rules_are_stated_but_judge_no_backend() -> None:
    assert {r.id for r in RULES if r.subject == "client"} == CLIENT_RULE_IDS
    assert all(not checks_for_rule(rule_id) for rule_id in CLIENT_RULE_IDS)


def test_parts_no_black_box_check_can_judge_are_stated_apart_and_judge_nothing() -> None:
    unjudged = {r.id: [level for level, _ in r.unjudged] for r in RULES if r.unjudged}
    assert unjudged == {"J4": ["REF"], "J5": ["REF"]}
    assert "restart" in rule("J4").text and "job-duration" in rule("J5").text
    assert {c.level for c in checks_for_rule("J5")} == {"MUST"}


def test_every_level_of_every_backend_rule_is_enforced_by_a_check() -> None:
    for r in RULES:
        if r.subject == "backend":
            assert {c.level for c in checks_for_rule(r.id)} == set(r.levels), r.id


def test_every_check_enforces_exactly_one_rule_at_one_of_its_levels() -> None:
    assert len(CHECKS_BY_ID) == len(CHECKS)
    for entry in CHECKS:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", entry.id), entry.id
        assert entry.rule_ids == (entry.rule_id,) and entry.description
        assert entry.level in rule(entry.rule_id).levels, entry.id


def test_selection_accepts_check_ids_and_rule_ids() -> None:
    assert [c.id for c in select_checks(["Z3"])] == ["zip-entry-names-unique"]
    chosen = select_checks(["Q6", "zip-valid-crc"], exclude=["content-type-wrong-rejected"])
    assert [c.id for c in chosen] == ["response-type-selects-mode",
                                      "response-type-unknown-rejected", "zip-valid-crc"]
    assert select_checks() == CHECKS
    with pytest.raises(ValueError, match="unknown check or rule ID 'Z9'"):
        select_checks(["Z9"])


def test_every_check_id_is_judged_by_some_probe() -> None:
    """A catalogue entry that no probe ever records could never fail."""
    recorded: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name == "catalogue.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                recorded.add(node.value)
    assert {c.id for c in CHECKS} - recorded == set()
    assert check("zip-entry-names-unique").rule_ids == ("Z3",)


def test_checks_judge_backends_over_http_only() -> None:
    forbidden = re.compile(r"^\s*(from|import)\s+(reference_impl|mock_server|export_contract\."
                           r"(filenames|zipnames|application|guards|auth|routes|signing|"
                           r"source_urls|problems|jobs|webhook_signing|callback_urls|rate_limits))",
                           re.MULTILINE)
    for path in PACKAGE.rglob("*.py"):
        assert not forbidden.search(path.read_text(encoding="utf-8")), path.name


def test_package_exports_the_verify_api() -> None:
    import contract_tests.runner as runner

    assert contract_tests.run_verify is runner.run_verify
    assert contract_tests.VerifyOptions is runner.VerifyOptions
    assert sorted(contract_tests.__all__) == sorted(
        ["CHECKS", "RULES", "BackendUnreachable", "Check", "CheckOutcome", "Evidence",
         "Progress", "Rule", "RuleOutcome", "VerifyError", "VerifyOptions", "VerifyReport",
         "VerifyUsageError", "run_verify", "run_verify_async"])
    for name in contract_tests.__all__:
        assert getattr(contract_tests, name) is not None
