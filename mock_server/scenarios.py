"""Named scenarios, the `Prefer` request header, and the scenario the admin API switched on.

A request picks its behaviour with `Prefer` (Prism's convention, RFC 7240 syntax):
`Prefer: code=404`, `Prefer: delay=1500`, `Prefer: scenario=rate-limited`, or several at
once (`Prefer: scenario=slow-stream, delay=500`). Browser tests that cannot set headers
switch a scenario on for the next requests with `PUT /__mock/scenario` instead. A `Prefer`
header wins over the admin scenario and does not use up its count.

Each scenario names the operations it applies to: the download operations and exported
URLs, the export-job routes, or job creation alone for the job scenarios (`job-error`,
`webhook-duplicate`, ...), which the job then keeps for its whole life. A scenario switched on
by the admin API waits for a request it applies to. Registration, the journal and the admin
API are never affected. `Prefer: job-duration=N` (seconds) sets how long a new job stays
`processing`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from export_contract.problems import ApiProblem

__all__ = [
    "JOB_SCENARIOS",
    "MAX_DELAY_MS",
    "MAX_JOB_DURATION_SECONDS",
    "SCENARIOS",
    "SCENARIO_OPERATIONS",
    "Preferences",
    "Scenario",
    "ScenarioState",
    "describe_scenarios",
    "parse_prefer",
    "scenario_for_status",
    "scenario_named",
]

MAX_DELAY_MS = 120_000
# An hour: long enough to watch any progress bar, short enough that a typo cannot park a job.
MAX_JOB_DURATION_SECONDS = 3600
_DOWNLOADS = frozenset({"downloadExport", "downloadBatch", "getExportedFile"})
_JOB_ROUTES = frozenset({"createExportJob", "listExportJobs", "getExportJob",
                         "deleteExportJob"})
_JOB_DOWNLOAD = frozenset({"downloadExportJob"})
_JOB_CREATION = frozenset({"createExportJob"})
# The API's answers: the download routes and the job routes (a job's zip needs no key, so
# the key scenarios leave it alone).
_API = _DOWNLOADS | _JOB_ROUTES
# What travels as a file: downloads, exported URLs and a job's zip.
_FILES = _DOWNLOADS | _JOB_DOWNLOAD


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    # Error scenarios answer this status with a problem-details body instead of the export.
    status: int | None = None
    detail: str = ""
    # The operationIds it applies to.
    operations: frozenset[str] = _DOWNLOADS

    def applies_to(self, operation: str) -> bool:
        return operation in self.operations


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("server-error", "500 problem details, as when the backend fails.", 500,
             "The export service failed while answering (mock scenario server-error).",
             _API | _FILES),
    Scenario("bad-gateway", "502 problem details, as when an upstream service fails.", 502,
             "The storage service did not answer correctly (mock scenario bad-gateway).",
             _API | _FILES),
    Scenario("unauthorized", "401, as when the x-api-key header is missing.", 401,
             "Send your API key in the x-api-key header (mock scenario unauthorized).", _API),
    Scenario("forbidden", "403, as when the x-api-key is not accepted.", 403,
             "The x-api-key header holds a key this backend does not accept (mock scenario "
             "forbidden).", _API),
    Scenario("not-found", "404, as when no requested export exists.", 404,
             "No requested export is registered (mock scenario not-found)."),
    Scenario("rate-limited", "429 with a Retry-After header.", 429,
             "Too many requests (mock scenario rate-limited); retry after the Retry-After "
             "delay.", _API),
    Scenario("missing-content-disposition",
             "Files and zips come without Content-Disposition (the client falls back to "
             "canvas-export names).", operations=_FILES),
    Scenario("no-expose-headers",
             "No Access-Control-Expose-Headers: a page on another origin cannot read the "
             "filename.", operations=_FILES),
    Scenario("non-ascii-filename",
             "Files and zip entries get non-ASCII names (filename* with an ASCII fallback)."),
    Scenario("duplicate-names",
             "Every entry of a batch zip takes the first item's filename, so the zip numbers "
             "them: name.ext, name (1).ext, ..."),
    Scenario("slow-stream", "Headers at once, then the body in small pieces over a few seconds.",
             operations=_FILES),
    Scenario("truncated-zip",
             "The zip (or file) stops halfway and the connection drops.", operations=_FILES),
    Scenario("expired-url",
             "Exported URLs are issued already expired; fetching one answers 410."),
    Scenario("job-error", "The new export job ends `error` (code export_failed).",
             operations=_JOB_CREATION),
    Scenario("job-slow", "The new export job stays `processing` far longer (20 times its "
             "duration, at least two minutes).", operations=_JOB_CREATION),
    Scenario("job-gone", "The new export job completes, but its download answers 410 and the "
             "job turns `gone` soon after.", operations=_JOB_CREATION),
    Scenario("webhook-duplicate", "Each webhook of the new job is delivered twice, with the "
             "same event id.", operations=_JOB_CREATION),
    Scenario("webhook-bad-signature", "The new job's webhooks are signed with a wrong "
             "secret.", operations=_JOB_CREATION),
)}

# Every operation some scenario applies to: those whose `Prefer` header the mock reads.
SCENARIO_OPERATIONS: frozenset[str] = frozenset[str]().union(
    *(s.operations for s in SCENARIOS.values()))
JOB_SCENARIOS = frozenset(name for name, s in SCENARIOS.items()
                          if s.operations == _JOB_CREATION)

_BY_STATUS = {s.status: s for s in SCENARIOS.values() if s.status is not None}


def scenario_for_status(status: int, operation: str) -> Scenario | None:
    """The scenario answering `status` on `operation`, if any: `Prefer: code=N` and
    `Prefer: scenario=NAME` give the same body."""
    scenario = _BY_STATUS.get(status)
    return scenario if scenario is not None and scenario.applies_to(operation) else None


def scenario_named(name: str) -> Scenario:
    try:
        return SCENARIOS[name.strip().lower()]
    except KeyError:
        raise ApiProblem(400, f"Unknown mock scenario {name!r}; known: "
                              f"{', '.join(SCENARIOS)}.", title="Unknown scenario") from None


def describe_scenarios() -> list[str]:
    """One line per scenario: the name, padded, then what it does."""
    width = max(len(name) for name in SCENARIOS)
    return [f"{s.name.ljust(width)}  {s.summary}" for s in SCENARIOS.values()]


@dataclass(frozen=True)
class Preferences:
    """What a request's `Prefer` header asked of the mock."""

    scenario: Scenario | None = None
    code: int | None = None
    delay_ms: int = 0
    # `job-duration=N`: how long a job created by this request stays `processing`.
    job_duration_seconds: float | None = None


def parse_prefer(values: Iterable[str]) -> Preferences:
    """Our preferences from `Prefer` header values; other preferences are ignored (RFC 7240).

    Raises ApiProblem(400) for a preference of ours with a value that cannot be used.
    """
    scenario: Scenario | None = None
    code: int | None = None
    delay_ms = 0
    job_duration: float | None = None
    for value in values:
        for item in value.replace(";", ",").split(","):
            key, sep, raw = item.partition("=")
            key = key.strip().lower()
            raw = raw.strip().strip('"').strip()
            if not sep or key not in ("code", "delay", "scenario", "job-duration"):
                continue
            if key == "scenario":
                scenario = scenario_named(raw)
            elif key == "code":
                code = _bounded_int(raw, "code", 100, 599)
            elif key == "delay":
                delay_ms = _bounded_int(raw, "delay", 0, MAX_DELAY_MS)
            else:
                job_duration = _bounded_seconds(raw, "job-duration", MAX_JOB_DURATION_SECONDS)
    return Preferences(scenario, code, delay_ms, job_duration)


def _bounded_int(raw: str, name: str, low: int, high: int) -> int:
    if not raw.isdigit() or not low <= int(raw) <= high:
        unit = " milliseconds" if name == "delay" else ""
        raise ApiProblem(400, f"Prefer: {name}={raw!r} is not usable; expected a whole number "
                              f"from {low} to {high}{unit}.", title="Invalid Prefer header")
    return int(raw)


def _bounded_seconds(raw: str, name: str, high: int) -> float:
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    # float() also takes "nan", "inf" and "1e3": only plain decimals are meant.
    if not raw.replace(".", "", 1).isdigit() or not 0 <= seconds <= high:
        raise ApiProblem(400, f"Prefer: {name}={raw!r} is not usable; expected a number of "
                              f"seconds from 0 to {high}, e.g. {name}=10 or {name}=0.5.",
                         title="Invalid Prefer header")
    return seconds


class ScenarioState:
    """The scenario the admin API switched on, for `remaining` requests (None: until reset)."""

    def __init__(self) -> None:
        self.active: Scenario | None = None
        self.remaining: int | None = None

    def set(self, scenario: Scenario | None, count: int | None = None) -> None:
        if count is not None and count < 1:
            raise ApiProblem(400, f"count must be 1 or more (or left out for every request "
                                  f"until reset), got {count}.")
        self.active = scenario
        self.remaining = count if scenario is not None else None

    def claim(self, operation: str) -> Scenario | None:
        """The scenario for the next request, counting it against `remaining`; a request
        the scenario does not apply to neither gets it nor uses it up."""
        scenario = self.active
        if scenario is None or not scenario.applies_to(operation):
            return None
        if self.remaining is not None:
            self.remaining -= 1
            if self.remaining <= 0:
                self.active = None
                self.remaining = None
        return scenario

    def reset(self) -> None:
        self.set(None)

    def as_json(self) -> dict[str, object]:
        return {
            "scenario": self.active.name if self.active else None,
            "remaining": self.remaining,
        }
