"""The admin API under `/__mock`, for tests and tools that drive the mock from outside.

    GET    /__mock/scenarios   every scenario as JSON (name, summary, status, operations); one
                               line each with Accept: text/plain
    GET    /__mock/scenario    the scenario switched on now, and how many requests it has left
    PUT    /__mock/scenario    {"name": "server-error", "count": 2}; count left out: until reset;
                               name null: off. POST works too (a cross-origin page can send it
                               without a CORS preflight for PUT).
    DELETE /__mock/scenario    switch the scenario off
    POST   /__mock/reset       scenario off, journal cleared, registrations back to the fixtures,
                               export jobs forgotten
    GET    /__mock/requests    the request journal, oldest first; ?since=ID only the entries
                               after that id (what a page polling the journal has not seen)
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
        if _wants_text(request.headers.get("accept", "")):
            return PlainTextResponse("\n".join(describe_scenarios()) + "\n")
        return json_response({"scenarios": [{"name": s.name, "summary": s.summary,
                                             "status": s.status,
                                             "operations": sorted(s.operations)}
                                            for s in SCENARIOS.values()]})

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
        try:
            since = _since(request.query_params.get("since"))
        except ApiProblem as problem:
            return problem.response()
        return json_response({"success": True, "requests": self.journal.as_json(since)})

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


def _wants_text(accept: str) -> bool:
    """Text only when asked: `Accept` names text/plain and not JSON (a browser's `*/*`,
    or no `Accept` at all, gets JSON)."""
    media_types = {part.split(";", 1)[0].strip().lower() for part in accept.split(",")}
    return "text/plain" in media_types and "application/json" not in media_types


def _since(raw: str | None) -> int:
    if raw is None:
        return 0
    if not (raw.isascii() and raw.isdigit()):
        raise ApiProblem(400, f"since must be a journal entry id (a whole number, 0 or more), "
                              f"got {raw!r}.")
    return int(raw)
