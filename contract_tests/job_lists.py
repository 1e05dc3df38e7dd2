"""Judging the job list (rule J3): pages, order, the state filter and what it refuses."""

from __future__ import annotations

import itertools

from .client import Exchange
from .job_api import JobApi
from .job_bodies import parse_time
from .results import Evidence
from .showing import shown_body

__all__ = ["list_problems"]


def list_problems(api: JobApi, created: int, seed: int) -> list[Evidence]:
    """Why the list route breaks J3: paging by limit and cursor, newest first, the state
    filter, the cap, and 400 for an unknown state or a made-up cursor."""
    problems: list[Evidence] = []
    first, page = api.list(limit="2")
    problems += _page_problems(first, page, 2)
    cursor = page.get("nextCursor") if isinstance(page, dict) else None
    if created > 2 and isinstance(page, dict) and not isinstance(cursor, str):
        problems.append(first.evidence(f"{created} jobs exist but a page of 2 has "
                                       f"nextCursor {cursor!r}"))
    if isinstance(cursor, str):
        second, more = api.list(limit="2", cursor=cursor)
        problems += _page_problems(second, more, 2)
        problems += _order_problems(second, page, more)
    filtered, only = api.list(state="complete")
    problems += _page_problems(filtered, only, 200)
    if isinstance(only, dict) and isinstance(only.get("jobs"), list):
        others = [j.get("state") for j in only["jobs"] if isinstance(j, dict)
                  and j.get("state") != "complete"]
        if others:
            problems.append(filtered.evidence(f"?state=complete listed jobs in {others}"))
    capped, big = api.list(limit="500")
    problems += _page_problems(capped, big, 200)
    for params in ({"state": "no-such-state"}, {"cursor": f"verify-made-up-{seed}"}):
        ex, _ = api.list(**params)
        if ex.status != 400:
            problems.append(ex.evidence(f"listing with {params} answered {ex.status}, not "
                                        "400"))
    return problems


def _page_problems(ex: Exchange, page: object, limit: int) -> list[Evidence]:
    if ex.status != 200 or not isinstance(page, dict):
        return [ex.evidence(f"listing jobs answered {ex.status} without a JSON object",
                            shown_body(ex.content))]
    jobs, cursor = page.get("jobs"), page.get("nextCursor", ...)
    problems = []
    if page.get("success") is not True or not isinstance(jobs, list) or cursor is ...:
        problems.append(ex.evidence("the list is not {success: true, jobs: [...], nextCursor}",
                                    shown_body(ex.content)))
    elif len(jobs) > limit:
        problems.append(ex.evidence(f"a page of at most {limit} listed {len(jobs)} jobs"))
    elif cursor is not None and not isinstance(cursor, str):
        problems.append(ex.evidence(f"nextCursor is {cursor!r}, not a string or null"))
    else:
        problems += _order_problems(ex, {"jobs": []}, page)
    return problems


def _order_problems(ex: Exchange, before: object, page: object) -> list[Evidence]:
    """Newest first, across ``before`` and ``page``, and no job listed twice."""
    listed = [j for p in (before, page) if isinstance(p, dict)
              for j in p.get("jobs") or [] if isinstance(j, dict)]
    ids = [j.get("id") for j in listed]
    if len(set(ids)) != len(ids):
        return [ex.evidence("a job is listed twice across pages", f"ids: {ids}")]
    times = [parse_time(j.get("createdAt")) for j in listed]
    if all(t is not None for t in times) and any(
            a < b for a, b in itertools.pairwise(times)):  # type: ignore[operator]
        return [ex.evidence("jobs are not listed newest first",
                            "createdAt: " + ", ".join(str(j.get("createdAt")) for j in listed))]
    return []
