"""`--rate-limit GROUP=N/PERIOD` / `EXPORT_RATE_LIMITS`: parsing, and the token buckets."""

from __future__ import annotations

import pytest

from export_contract.durations import parse_duration
from export_contract.problems import ApiProblem
from export_contract.rate_limits import (
    RateLimit,
    RateLimiter,
    format_rate_limits,
    parse_rate_limit,
    parse_rate_limits,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("batch=3/min", RateLimit("batch", 3, 60.0)),
    ("download=20/10s", RateLimit("download", 20, 10.0)),
    (" jobs = 100 / 1h ", RateLimit("jobs", 100, 3600.0)),
    ("DOWNLOAD=5/day", RateLimit("download", 5, 86400.0)),
    ("batch=2/30", RateLimit("batch", 2, 30.0)),
])
def test_a_rate_limit_reads_group_count_and_period(text: str, expected: RateLimit) -> None:
    assert parse_rate_limit(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("batch", "write GROUP=N/PERIOD, e.g. batch=3/min"),
    ("uploads=3/min", "unknown group 'uploads'; the groups are download, batch, jobs"),
    ("batch=0/min", "whole number of 1 or more"),
    ("batch=three/min", "whole number of 1 or more"),
    ("batch=3/fortnight", "the period 'fortnight' is not a duration"),
    ("batch=3/0s", "above zero"),
])
def test_a_rate_limit_that_does_not_parse_says_what_to_write(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_rate_limit(text)


def test_several_limits_round_trip_and_a_group_may_not_repeat() -> None:
    limits = parse_rate_limits(["download=20/min,batch=3/min", "jobs=1/0.5s"])
    assert parse_rate_limits([format_rate_limits(limits)]) == limits
    with pytest.raises(ValueError, match="'batch' given twice"):
        parse_rate_limits(["batch=3/min", "batch=5/min"])


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("90s", 90), ("15min", 900),
                                               ("24h", 86400), ("7d", 604800), ("min", 60),
                                               ("0.25", 0.25)])
def test_durations_take_a_unit(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_a_burst_then_one_per_interval_per_key() -> None:
    clock = _Clock()
    limiter = RateLimiter([RateLimit("batch", 3, 60.0)], clock=clock)
    for _ in range(3):
        limiter.check("downloadBatch", "key:a")
    with pytest.raises(ApiProblem) as refused:
        limiter.check("downloadBatch", "key:a")
    assert refused.value.status == 429
    assert refused.value.headers == {"Retry-After": "20"}
    assert "3 per 1 minute" in refused.value.detail
    limiter.check("downloadBatch", "key:b")  # another key has its own bucket
    limiter.check("downloadExport", "key:a")  # and another group is not limited
    clock.now += 20
    limiter.check("downloadBatch", "key:a")
    with pytest.raises(ApiProblem):
        limiter.check("downloadBatch", "key:a")
