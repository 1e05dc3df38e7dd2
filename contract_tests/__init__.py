"""Conformance checks that judge any backend against the export-download contract.

The public entry point is :func:`run_verify` (see ``contract_tests.runner``); the rule list and
the check catalogue are ``contract_tests.rules.RULES`` and ``contract_tests.catalogue.CHECKS``.
Names are imported on first use, so loading the pytest plugin or the catalogue stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .catalogue import CHECKS, Check
    from .errors import BackendUnreachable, VerifyError, VerifyUsageError
    from .options import VerifyOptions
    from .results import CheckOutcome, Evidence, Progress, RuleOutcome, VerifyReport
    from .rules import RULES, Rule
    from .runner import run_verify, run_verify_async

__all__ = [
    "CHECKS",
    "RULES",
    "BackendUnreachable",
    "Check",
    "CheckOutcome",
    "Evidence",
    "Progress",
    "Rule",
    "RuleOutcome",
    "VerifyError",
    "VerifyOptions",
    "VerifyReport",
    "VerifyUsageError",
    "run_verify",
    "run_verify_async",
]

_HOMES = {
    "CHECKS": "catalogue", "Check": "catalogue",
    "RULES": "rules", "Rule": "rules",
    "BackendUnreachable": "errors", "VerifyError": "errors", "VerifyUsageError": "errors",
    "VerifyOptions": "options",
    "CheckOutcome": "results", "Evidence": "results", "Progress": "results",
    "RuleOutcome": "results", "VerifyReport": "results",
    "run_verify": "runner", "run_verify_async": "runner",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'contract_tests' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{home}", __name__), name)


def __dir__() -> list[str]:
    return sorted(__all__)
