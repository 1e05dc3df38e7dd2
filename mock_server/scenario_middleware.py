"""Decides each request's scenario, adds latency, and answers the error scenarios.

It runs inside the CORS and problem-details layers (so a forced 500 still carries CORS
headers a browser needs to read it) and before the API-key check, so a scenario answers
whatever the request holds.
"""

from __future__ import annotations

from collections.abc import Mapping

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from export_contract.problems import ApiProblem

from .context import RequestState, current_state
from .scenarios import (
    SCENARIO_OPERATIONS,
    Preferences,
    ScenarioState,
    parse_prefer,
    scenario_for_status,
)

__all__ = ["ScenarioMiddleware", "documented_statuses"]

def documented_statuses(spec: Mapping[str, object]) -> dict[str, frozenset[int]]:
    """operationId -> the response statuses the spec documents for it."""
    statuses: dict[str, frozenset[int]] = {}
    paths = spec.get("paths", {})
    assert isinstance(paths, dict)
    for path_item in paths.values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                codes = {int(code) for code in operation.get("responses", {})
                         if str(code).isdigit()}
                statuses[operation["operationId"]] = frozenset(codes)
    return statuses


class ScenarioMiddleware:
    def __init__(self, app: ASGIApp, *, scenarios: ScenarioState, latency_ms: int,
                 statuses: Mapping[str, frozenset[int]], retry_after_seconds: int) -> None:
        self.app = app
        self.scenarios = scenarios
        self.latency = latency_ms / 1000
        self.statuses = statuses
        self.retry_after = str(retry_after_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = current_state()
        if scope["type"] != "http" or state is None or state.operation is None:
            await self.app(scope, receive, send)
            return
        delay = self.latency
        if state.operation in SCENARIO_OPERATIONS and scope["method"] != "OPTIONS":
            preferences = self._preferences(scope)
            delay += preferences.delay_ms / 1000
            state.job_duration_seconds = preferences.job_duration_seconds
            self._decide(state, preferences)
        state.decided = True
        if delay:
            await anyio.sleep(delay)
        self._raise_forced_error(state)
        await self.app(scope, receive, send)

    def _preferences(self, scope: Scope) -> Preferences:
        values = [v.decode("latin-1") for n, v in scope["headers"] if n == b"prefer"]
        return parse_prefer(values) if values else Preferences()

    def _decide(self, state: RequestState, preferences: Preferences) -> None:
        operation = state.operation or ""
        if preferences.scenario is not None or preferences.code is not None:
            state.scenario = preferences.scenario
            if state.scenario is not None and not state.scenario.applies_to(operation):
                raise ApiProblem(400, f"Prefer: scenario={state.scenario.name} does not apply "
                                      f"to {operation}; it applies to "
                                      f"{', '.join(sorted(state.scenario.operations))}.",
                                 title="Invalid Prefer header")
            code = preferences.code
            if code is not None and not 200 <= code < 300:
                self._check_documented(operation, code)
                state.scenario = scenario_for_status(code, operation)
                state.forced_code = None if state.scenario else code
        else:
            state.scenario = self.scenarios.claim(operation)

    def _check_documented(self, operation: str, code: int) -> None:
        documented = self.statuses.get(operation, frozenset())
        if code not in documented:
            listed = ", ".join(str(c) for c in sorted(documented))
            raise ApiProblem(400, f"Prefer: code={code} is not a status {operation} documents; "
                                  f"use one of {listed}.", title="Invalid Prefer header")

    def _raise_forced_error(self, state: RequestState) -> None:
        scenario = state.scenario
        if scenario is not None and scenario.status is not None:
            headers = {"Retry-After": self.retry_after} if scenario.status == 429 else None
            raise ApiProblem(scenario.status, scenario.detail, headers=headers)
        if state.forced_code is not None:
            raise ApiProblem(state.forced_code,
                             f"Answered {state.forced_code} because the request asked for it "
                             f"(Prefer: code={state.forced_code}).")
