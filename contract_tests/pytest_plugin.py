"""pytest plugin: run the conformance suite inside a backend team's own pytest.

Installed with the package (entry point ``pytest11``), it does nothing unless asked:

* ``pytest --export-contract-base-url URL [--export-contract-api-key KEY ...]`` adds one test
  per contract rule (``export-contract::Z3`` ...), judged from one verify run;
* the fixtures ``export_contract_verify`` (run verify with any options, e.g. against your ASGI
  app in-process) and ``export_contract_report`` (the report of the command-line run) can be
  used in your own tests.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .config import read_config, settings_from
from .errors import VerifyError
from .options import VerifyOptions
from .results import RuleOutcome, VerifyReport
from .rules import backend_rules

__all__ = ["RuleItem", "export_contract_report", "export_contract_verify"]

_PREFIX = "--export-contract-"
_REPORT_KEY = pytest.StashKey[VerifyReport | VerifyError]()
_OPTIONS_KEY = pytest.StashKey[VerifyOptions | None]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("export-contract", "export-download contract conformance")
    group.addoption(f"{_PREFIX}base-url", help="Backend base URL; adds a test per contract rule.")
    group.addoption(f"{_PREFIX}api-key", help="A valid x-api-key (auth checks skip without).")
    group.addoption(f"{_PREFIX}source-url", action="append", default=[],
                    help="sourceFileUrl of a known export (repeatable).")
    group.addoption(f"{_PREFIX}fixtures", choices=["auto"], help="auto: register fixtures.")
    group.addoption(f"{_PREFIX}origin", help="Browser origin for the CORS checks.")
    group.addoption(f"{_PREFIX}strict", action="store_true", default=None,
                    help="SHOULD rules gate too (otherwise their breaches are warnings).")
    group.addoption(f"{_PREFIX}profile", choices=["contract", "reference"],
                    help="reference: also judge the REF rules (our reference's choices).")
    group.addoption(f"{_PREFIX}url-revisit-after", type=float,
                    help="Seconds after issue to fetch early exported URLs again (U6).")
    group.addoption(f"{_PREFIX}max-items", type=int, help="The backend's declared item limit.")
    group.addoption(f"{_PREFIX}max-body-bytes", type=int,
                    help="The backend's declared body size limit.")
    group.addoption(f"{_PREFIX}no-follow-urls", action="store_false", default=None,
                    dest="export_contract_follow_urls", help="Do not fetch exported URLs.")
    group.addoption(f"{_PREFIX}max-examples", type=int, help="Hypothesis examples per property.")
    group.addoption(f"{_PREFIX}seed", type=int, help="Hypothesis seed.")
    group.addoption(f"{_PREFIX}checks", help="Comma-separated check or rule IDs to run.")
    group.addoption(f"{_PREFIX}exclude-checks", help="Comma-separated IDs to leave out.")
    group.addoption(f"{_PREFIX}config", help="An export-contract.toml with these options.")
    group.addoption(f"{_PREFIX}jobs", action="store_true", default=None,
                    help="Require export jobs (J1 fails without them).")
    group.addoption(f"{_PREFIX}callback-listen", help="HOST:PORT of the webhook receiver.")
    group.addoption(f"{_PREFIX}callback-base-url",
                    help="The webhook receiver's URL as the backend reaches it.")
    group.addoption(f"{_PREFIX}webhook-secret", help="The backend's webhook secret (J7).")
    group.addoption(f"{_PREFIX}webhook-retry-wait", type=float,
                    help="Seconds to wait for a webhook retry (J7, SHOULD; default 60).")


def _ids(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def options_from_pytest(config: pytest.Config) -> VerifyOptions | None:
    """The options given on the pytest command line, or ``None`` without a base URL."""
    def get(name: str) -> Any:
        return config.getoption(f"{_PREFIX}{name}")

    config_path = get("config")
    file_values = read_config(Path(config_path)) if config_path else {}
    flags = {"base_url": get("base-url"), "api_key": get("api-key"),
             "source_urls": tuple(get("source-url") or ()), "fixtures": get("fixtures"),
             "origin": get("origin"), "strict": get("strict"), "profile": get("profile"),
             "max_items": get("max-items"), "max_body_bytes": get("max-body-bytes"),
             "follow_urls": config.getoption("export_contract_follow_urls"),
             "max_examples": get("max-examples"),
             "url_revisit_seconds": get("url-revisit-after"),
             "seed": get("seed"), "checks": _ids(get("checks")),
             "exclude_checks": _ids(get("exclude-checks")), "jobs": get("jobs"),
             "callback_listen": get("callback-listen"),
             "callback_base_url": get("callback-base-url"),
             "webhook_secret": get("webhook-secret"),
             "webhook_retry_wait": get("webhook-retry-wait")}
    if not flags["base_url"] and not file_values.get("base_url"):
        return None
    return settings_from(file_values, flags).options


def _session_report(config: pytest.Config) -> VerifyReport:
    if _REPORT_KEY not in config.stash:
        options = config.stash.get(_OPTIONS_KEY, None)
        if options is None:
            pytest.skip("no --export-contract-base-url given")
        try:
            from .runner import run_verify

            config.stash[_REPORT_KEY] = run_verify(options)
        except VerifyError as exc:
            config.stash[_REPORT_KEY] = exc
    result = config.stash[_REPORT_KEY]
    if isinstance(result, VerifyError):
        pytest.fail(f"export-contract verify could not run: {result}", pytrace=False)
    return result


class RuleFailed(Exception):
    """A contract rule is broken; the message carries the evidence."""


class RuleItem(pytest.Item):
    """One contract rule, judged from the session's verify run."""

    def __init__(self, *, rule_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rule_id = rule_id

    def runtest(self) -> None:
        outcome = _session_report(self.config).rule(self.rule_id)
        if outcome.status == "SKIP":
            pytest.skip(f"{self.rule_id}: {outcome.reason}")
        if outcome.status == "FAIL":
            raise RuleFailed(_failure_text(outcome))
        if outcome.status == "WARN":
            # Passes (its level does not gate this run) but the breach stays visible: in the
            # JUnit XML as a property and in pytest's report sections (-rA).
            text = _failure_text(outcome)
            self.user_properties.append(("export-contract-warning", text))
            self.add_report_section("call", "export-contract warning", text)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, RuleFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return "export-contract", None, f"export-contract rule {self.rule_id}"


def _failure_text(outcome: RuleOutcome) -> str:
    lines = [f"{outcome.id} ({outcome.level}) {outcome.text}", outcome.reason]
    for evidence in outcome.evidence:
        status = f" -> {evidence.status}" if evidence.status is not None else ""
        lines += [f"- {evidence.message}", f"  {evidence.request}{status}"]
        lines += [f"  {detail}" for detail in evidence.details]
        if evidence.curl:
            lines.append(f"  reproduce: {evidence.curl}")
    return "\n".join(lines)


def pytest_configure(config: pytest.Config) -> None:
    try:
        config.stash[_OPTIONS_KEY] = options_from_pytest(config)
    except VerifyError as exc:
        raise pytest.UsageError(f"export-contract: {exc}") from None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    if config.stash.get(_OPTIONS_KEY, None) is None:
        return
    for rule in backend_rules():
        items.append(RuleItem.from_parent(session, name=f"export-contract::{rule.id}",
                                          rule_id=rule.id))


@pytest.fixture(scope="session")
def export_contract_report(pytestconfig: pytest.Config) -> VerifyReport:
    """The report of the verify run configured on the command line (skips without one)."""
    return _session_report(pytestconfig)


@pytest.fixture
def export_contract_verify() -> Callable[..., VerifyReport]:
    """``export_contract_verify(base_url=..., app=my_asgi_app, ...)`` -> a VerifyReport."""
    from .runner import run_verify

    def verify(**options: Any) -> VerifyReport:
        return run_verify(VerifyOptions(**options))

    return verify
