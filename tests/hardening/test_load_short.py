"""A short run of `bench/load.py`: concurrent clients on a multi-worker reference backend.

Each run is judged twice: on what its answers were (every test run) and on how many there
were in the time (`timing`, left out of the default run: throughput depends on the machine).
"""

from __future__ import annotations

from typing import Any

import pytest
from bench_scripts import load_bench_script

pytestmark = pytest.mark.e2e

SECONDS, FLOOD_SECONDS = 5.0, 3.0
# What a shared 2-core machine manages with room to spare; bench/load.py measures the rest.
MIN_REQUESTS, MIN_FLOOD_REQUESTS = 100, 20


@pytest.fixture(scope="module")
def load() -> Any:
    return load_bench_script("load")


@pytest.fixture(scope="module")
def two_workers(load: Any) -> Any:
    return load.run_load(clients=8, duration=SECONDS, workers=2, warmup=1.0)


@pytest.fixture(scope="module")
def beside_a_flood(load: Any) -> Any:
    return load.run_load(clients=4, duration=FLOOD_SECONDS, workers=1, warmup=0.5, flood=60)


def test_short_load_run_gets_only_correct_answers_and_leaks_no_descriptors(
        load: Any, two_workers: Any) -> None:
    report = two_workers.report()
    assert two_workers.errors == 0, report
    assert not two_workers.fds_grew, report
    # Every kind of request of the mix was made, registrations included.
    assert set(two_workers.by_kind) == set(load.MIX), report
    assert two_workers.registrations > 0, report
    assert len(two_workers.peak_rss_mib) == 2, report


def test_short_load_beside_an_idle_flood_gets_only_correct_answers(beside_a_flood: Any) -> None:
    report = beside_a_flood.report()
    assert beside_a_flood.flood is not None and beside_a_flood.ok, report
    # Every flood connection was held, and real requests were still answered beside them.
    assert beside_a_flood.flood.opened >= 60 and beside_a_flood.flood.requests > 0, report
    assert "with flood" in report


@pytest.mark.timing
def test_short_load_run_answers_over_a_hundred_requests_in_five_seconds(two_workers: Any) -> None:
    assert two_workers.requests > MIN_REQUESTS, two_workers.report()


@pytest.mark.timing
def test_short_load_beside_an_idle_flood_answers_over_twenty_requests_in_three_seconds(
        beside_a_flood: Any) -> None:
    flood = beside_a_flood.flood
    assert flood is not None and flood.requests > MIN_FLOOD_REQUESTS, beside_a_flood.report()
