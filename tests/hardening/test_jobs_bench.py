"""`bench/jobs.py` kept from rotting: a tiny run of each kind, and its judges on bad outcomes."""

from __future__ import annotations

from typing import Any

import pytest
from bench_scripts import load_bench_script

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def bench() -> Any:
    return load_bench_script("jobs")


def _event(bench: Any, event_id: str, job_id: str, event: str = "export.complete") -> Any:
    return bench._Event(event_id, event, job_id, "complete", None, 0.0)


@pytest.mark.parametrize("crash", [False, True], ids=["steady", "crash"])
def test_a_tiny_jobs_run_ends_every_job_and_delivers_every_event(bench: Any, crash: bool
                                                                 ) -> None:
    figures = bench.run_jobs(jobs=5, items=3, kib=4, workers=2, crash=crash, timeout=90)
    report = bench.report([figures])
    assert figures.ok, report
    assert figures.states == {"complete": 5}, report
    assert len(figures.to_complete_ms) == 5 and figures.deliveries >= 5, report
    assert len(figures.peak_rss_mib) == (4 if crash else 2), report  # two workers per server
    assert ("SIGKILL" in report) is crash


def test_a_job_lost_or_left_processing_is_a_failure(bench: Any) -> None:
    created = {"a": 0.0, "b": 0.0, "c": 0.0}
    final = {"a": {"state": "complete"}, "b": {"state": "processing"}}
    problems = bench._judge_jobs(created, final, crash=True)
    assert any("1 jobs lost" in p for p in problems), problems
    assert any("job b ended processing" in p for p in problems), problems


def test_an_interrupted_job_passes_only_after_a_crash(bench: Any) -> None:
    final = {"a": {"state": "error", "error": {"code": "interrupted", "message": "..."}}}
    assert bench._judge_jobs({"a": 0.0}, final, crash=True) == []
    assert bench._judge_jobs({"a": 0.0}, final, crash=False) != []


def test_an_event_sent_under_two_ids_or_never_sent_is_a_failure(bench: Any) -> None:
    receiver = bench.Receiver()
    receiver.events += [_event(bench, "evt_1", "a"), _event(bench, "evt_2", "a"),
                        _event(bench, "evt_2", "a")]
    jobs = {"a": {"state": "complete"}, "b": {"state": "complete"}}
    problems, deliveries, repeats = bench._judge_events(receiver, jobs, deadline=0.0)
    assert (deliveries, repeats) == (3, 1)
    assert any("events never arrived" in p for p in problems), problems
    assert any("under several ids" in p for p in problems), problems


def test_one_id_for_two_events_or_a_bad_signature_is_a_failure(bench: Any) -> None:
    receiver = bench.Receiver()
    receiver.events += [_event(bench, "evt_1", "a"), _event(bench, "evt_1", "b")]
    receiver.bad_signatures.append("the HMAC does not match this body and secret")
    jobs = {"a": {"state": "complete"}, "b": {"state": "complete"}}
    problems, _, _ = bench._judge_events(receiver, jobs, deadline=0.0)
    assert any("shared by several events" in p for p in problems), problems
    assert any("bad signature" in p for p in problems), problems
