"""A short run of `bench/load.py`: concurrent clients on a multi-worker reference backend."""

from __future__ import annotations

import pytest
from bench_scripts import load_bench_script

pytestmark = pytest.mark.e2e


def test_short_load_run_gets_only_correct_answers_and_leaks_no_descriptors() -> None:
    load = load_bench_script("load")
    figures = load.run_load(clients=8, duration=5.0, workers=2, warmup=1.0)
    report = figures.report()
    assert figures.errors == 0, report
    assert not figures.fds_grew, report
    # Every kind of request of the mix was made, registrations included, on both workers.
    assert set(figures.by_kind) == set(load.MIX), report
    assert figures.registrations > 0 and figures.requests > 100, report
    assert len(figures.peak_rss_mib) == 2, report


def test_short_load_beside_an_idle_flood_gets_only_correct_answers() -> None:
    load = load_bench_script("load")
    figures = load.run_load(clients=4, duration=3.0, workers=1, warmup=0.5, flood=60)
    report = figures.report()
    assert figures.flood is not None and figures.ok, report
    assert figures.flood.opened >= 60 and figures.flood.requests > 20, report
    assert "with flood" in report
