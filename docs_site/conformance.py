"""The conformance table: every rule of the contract with the checks that enforce it.

The rules and checks are passed in (the CLI hands over the check catalogue), so the site
builder depends on their shape only, never on the package that defines them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

__all__ = ["CheckEntry", "ConformanceRow", "RuleEntry", "conformance_rows", "orphan_checks"]


class RuleEntry(Protocol):
    """What the table needs of a rule: its ID, levels and wording."""

    @property
    def id(self) -> str: ...

    @property
    def levels(self) -> tuple[str, ...]: ...

    @property
    def text(self) -> str: ...


class CheckEntry(Protocol):
    """What the table needs of a check: its ID, level and the rules it enforces."""

    @property
    def id(self) -> str: ...

    @property
    def rule_ids(self) -> tuple[str, ...]: ...

    @property
    def level(self) -> str: ...

    @property
    def description(self) -> str: ...


@dataclass(frozen=True)
class ConformanceRow:
    rule_id: str
    levels: tuple[str, ...]
    text: str
    check_ids: tuple[str, ...]
    check_levels: tuple[str, ...] = ()

    @property
    def enforced(self) -> bool:
        return bool(self.check_ids)


def conformance_rows(rules: Iterable[RuleEntry] | Mapping[str, RuleEntry],
                     checks: Iterable[CheckEntry]) -> list[ConformanceRow]:
    """One row per rule, in the rules' order, naming every check that enforces it."""
    checks = list(checks)
    rows = []
    for rule in _values(rules):
        mine = [c for c in checks if rule.id in c.rule_ids]
        rows.append(ConformanceRow(rule_id=rule.id, levels=tuple(rule.levels), text=rule.text,
                                   check_ids=tuple(c.id for c in mine),
                                   check_levels=tuple(str(c.level) for c in mine)))
    return rows


def orphan_checks(rules: Iterable[RuleEntry] | Mapping[str, RuleEntry],
                  checks: Iterable[CheckEntry]) -> list[CheckEntry]:
    """Checks naming no known rule (a catalogue mistake the docs make visible)."""
    known = {rule.id for rule in _values(rules)}
    return [c for c in checks if not set(c.rule_ids) & known]


def _values(rules: Iterable[RuleEntry] | Mapping[str, RuleEntry]) -> list[RuleEntry]:
    return list(rules.values()) if isinstance(rules, Mapping) else list(rules)
