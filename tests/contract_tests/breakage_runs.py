"""Shared by the tests that break a backend one behaviour at a time (``broken/``): the verify
reports, each run once and looked at by several tests, and what a breakage's runs must show.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar

import pytest
from independent_backend_runs import summary

from contract_tests.runner import VerifyReport


class AnyBreakage(Protocol):
    """What both kinds of breakage (of the independent backend, of the reference's jobs) have."""

    @property
    def name(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def also(self) -> frozenset[str]: ...
    @property
    def id(self) -> str: ...


B = TypeVar("B", bound=AnyBreakage)


class BreakageReports(Generic[B]):
    """Verify reports by (breakage name or ``None`` for the correct backend, strict, profile),
    each computed on first use by ``run(breakage, strict, profile)``."""

    def __init__(self, run: Callable[[B | None, bool, str], VerifyReport]) -> None:
        self._run = run
        self._reports: dict[tuple[str | None, bool, str], VerifyReport] = {}

    def get(self, breakage: B | None, *, strict: bool, profile: str = "contract") -> VerifyReport:
        key = (None if breakage is None else breakage.name, strict, profile)
        if key not in self._reports:
            self._reports[key] = self._run(breakage, strict, profile)
        return self._reports[key]

    def gating(self, breakage: B) -> VerifyReport:
        """The run that must catch ``breakage``: plain for MUST rules, ``--strict`` for SHOULD,
        ``--profile reference`` for REF."""
        if breakage.level == "REF":
            return self.get(breakage, strict=False, profile="reference")
        return self.get(breakage, strict=breakage.level == "SHOULD")


def each_breakage(breakages: Sequence[AnyBreakage]) -> pytest.MarkDecorator:
    """One test per breakage, named by its id (name and rule)."""
    return pytest.mark.parametrize("breakage", breakages, ids=[b.id for b in breakages])


def assert_fails_exactly_its_rules(report: VerifyReport, breakage: AnyBreakage) -> None:
    """The run failed, and blamed the breakage's rule and the ones it also breaks, no other."""
    assert report.exit_code == 1, f"{breakage.description}: not caught\n{summary(report)}"
    assert set(report.failed_rule_ids) == {breakage.rule, *breakage.also}, (
        f"{breakage.description}: wrong rules\n{summary(report)}")


def assert_plain_gate_lets_through(report: VerifyReport, breakage: AnyBreakage) -> None:
    """A plain run passes a SHOULD or REF breakage; a SHOULD one is not hidden either: the
    breach is reported as a warning."""
    assert report.exit_code == 0, summary(report)
    if breakage.level == "SHOULD":
        assert breakage.rule in report.warned_rule_ids, summary(report)
