"""The admin API under `/__mock`, for tests and tools that drive the mock from outside.

    GET    /__mock/scenarios   every scenario, one line each (JSON with Accept: application/json)
    GET    /__mock/scenario    the scenario switched on now, and how many requests it has left
    PUT    /__mock/scenario    {"name": "server-error", "count": 2}; count left out: until reset;
                               name null: off. POST works too (a cross-origin page can send it
                               without a CORS preflight for PUT).
    DELETE /__mock/scenario    switch the scenario off
    POST   /__mock/reset       scenario off, journal cleared, registrations back to the fixtures,
                               export jobs forgotten
    GET    /__mock/requests    the request journal, oldest first
    DELETE /__mock/requests    clear the journal

The admin API needs no API key: it is a development tool on your own machine. Web pages of
other origins cannot use it (see `admin_origins`).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from export_contract.guards import refuse_deep_json
from export_contract.problems import ApiProblem
from export_contract.responses import json_response

from .catalog import ExportCatalog
from .jobs import MockJobs
from .journal import Journal
from .scenarios import SCENARIOS, ScenarioState, describe_scenarios, scenario_named

__all__ = ["ADMIN_PREFIX", "AdminApi"]

ADMIN_PREFIX = "/__mock"


class AdminApi:
    def __init__(self, scenarios: ScenarioState, journal: Journal, catalog: ExportCatalog,
                 jobs: MockJobs) -> None:
        self.scenarios = scenarios
        self.journal = journal
        self.catalog = catalog
        self.jobs = jobs

    def routes(self) -> list[tuple[str, Any, list[str]]]:
        """(path, endpoint, methods) for every admin route."""
        return [
            (f"{ADMIN_PREFIX}/scenarios", self.list_scenarios, ["GET"]),
            (f"{ADMIN_PREFIX}/scenario", self.scenario, ["GET", "PUT", "POST", "DELETE"]),
            (f"{ADMIN_PREFIX}/reset", self.reset, ["POST"]),
            (f"{ADMIN_PREFIX}/requests", self.requests, ["GET", "DELETE"]),
        ]

    async def list_scenarios(self, request: Request) -> Response:
        if "application/json" in request.headers.get("accept", ""):
            return json_response({"scenarios": [{"name": s.name, "summary": s.summary,
                                                 "status": s.status}
                                                for s in SCENARIOS.values()]})
        return PlainTextResponse("\n".join(describe_scenarios()) + "\n")

    async def scenario(self, request: Request) -> Response:
        try:
            if request.method in ("PUT", "POST"):
                await self._set_scenario(request)
            elif request.method == "DELETE":
                self.scenarios.reset()
        except ApiProblem as problem:
            return problem.response()
        return json_response({"success": True, **self.scenarios.as_json()})

    async def reset(self, request: Request) -> Response:
        self.scenarios.reset()
        cleared = self.journal.clear()
        self.catalog.reset()
        self.jobs.reset()
        return json_response({"success": True, "clearedRequests": cleared,
                              **self.scenarios.as_json()})

    async def requests(self, request: Request) -> Response:
        if request.method == "DELETE":
            return json_response({"success": True, "cleared": self.journal.clear()})
        return json_response({"success": True, "requests": self.journal.as_json()})

    async def _set_scenario(self, request: Request) -> None:
        raw = await request.body()
        refuse_deep_json(raw)  # the admin API has no shared guard; json.loads would recurse
        try:
            payload = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            raise ApiProblem(400, 'Send JSON such as {"name": "server-error", "count": 1}.'
                             ) from exc
        if not isinstance(payload, dict):
            raise ApiProblem(400, 'Send a JSON object such as {"name": "server-error"}.')
        name = payload.get("name", payload.get("scenario"))
        count = payload.get("count")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
            raise ApiProblem(400, f"count must be a whole number, got {count!r}.")
        if name in (None, "", "none", "off"):
            self.scenarios.reset()
            return
        if not isinstance(name, str):
            raise ApiProblem(400, f"name must be a scenario name, got {name!r}; known: "
                                  f"{', '.join(SCENARIOS)}.")
        self.scenarios.set(scenario_named(name), count)
