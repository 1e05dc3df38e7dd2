"""Rate limits per API key and route group (rule R1): `--rate-limit batch=3/min`.

Each process keeps a token bucket per (group, key): `N/PERIOD` allows a burst of N requests,
then one more every PERIOD/N. The buckets live in memory, so with `serve --workers N` every
process counts on its own and a key may get up to N times the limit in all; a shared limit
belongs in the reverse proxy in front. Limits are off unless configured.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .durations import format_seconds, parse_duration
from .problems import ApiProblem

__all__ = [
    "RATE_LIMIT_GROUPS",
    "RateLimit",
    "RateLimiter",
    "client_identity",
    "format_rate_limits",
    "parse_rate_limit",
    "parse_rate_limits",
]

# Route group -> the operations it limits. Polling a job, its download and exported URLs are
# not limited: they are what a client does while it waits, and they carry no key to count by.
RATE_LIMIT_GROUPS: dict[str, tuple[str, ...]] = {
    "download": ("downloadExport",),
    "batch": ("downloadBatch",),
    "jobs": ("createExportJob",),
}
# Buckets kept at most; the least recently used goes first (keys are few, addresses are not).
_MAX_BUCKETS = 10_000
_RULE = re.compile(r"\s*(?P<group>[^=\s]*)\s*=\s*(?P<count>[^/\s]*)\s*/\s*(?P<period>.*?)\s*")


@dataclass(frozen=True)
class RateLimit:
    group: str
    requests: int
    period_seconds: float

    def __str__(self) -> str:
        period = self.period_seconds
        shown = str(int(period)) if period.is_integer() else repr(period)
        return f"{self.group}={self.requests}/{shown}s"

    def describe(self) -> str:
        return f"{self.requests} per {format_seconds(self.period_seconds)}"


def parse_rate_limit(text: str) -> RateLimit:
    """`batch=3/min` -> RateLimit("batch", 3, 60.0); a clear ValueError for anything else."""
    example = "write GROUP=N/PERIOD, e.g. batch=3/min or download=20/10s"
    match = _RULE.fullmatch(text)
    if match is None:
        raise ValueError(f"rate limit {text.strip()!r}: {example}")
    group = match.group("group").lower()
    if group not in RATE_LIMIT_GROUPS:
        raise ValueError(f"rate limit {text.strip()!r}: unknown group {group!r}; the groups are "
                         + ", ".join(RATE_LIMIT_GROUPS))
    count = match.group("count")
    if not count.isdigit() or int(count) < 1:
        raise ValueError(f"rate limit {text.strip()!r}: the number of requests must be a whole "
                         f"number of 1 or more; {example}")
    try:
        period = parse_duration(match.group("period"))
    except ValueError as exc:
        raise ValueError(f"rate limit {text.strip()!r}: the period {exc}") from None
    return RateLimit(group, int(count), period)


def parse_rate_limits(texts: Iterable[str]) -> tuple[RateLimit, ...]:
    """Several rules (each may itself be comma-separated); a group given twice is an error."""
    limits: dict[str, RateLimit] = {}
    for text in texts:
        for part in text.split(","):
            if not part.strip():
                continue
            limit = parse_rate_limit(part)
            if limit.group in limits:
                raise ValueError(f"rate limit for group {limit.group!r} given twice "
                                 f"({limits[limit.group]} and {limit}); keep one")
            limits[limit.group] = limit
    return tuple(limits.values())


def format_rate_limits(limits: Iterable[RateLimit]) -> str:
    """The inverse of `parse_rate_limits`: `download=20/60s,batch=3/60s`."""
    return ",".join(str(limit) for limit in limits)


class RateLimiter:
    """Token buckets per (group, client); `check` raises a 429 problem when one is empty."""

    def __init__(self, limits: Iterable[RateLimit],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limits: dict[str, RateLimit] = {}
        for limit in limits:
            for operation_id in RATE_LIMIT_GROUPS[limit.group]:
                self._limits[operation_id] = limit
        self._clock = clock
        # (group, client) -> (tokens left, when they were counted)
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()

    def __bool__(self) -> bool:
        return bool(self._limits)

    def check(self, operation_id: str, client: str) -> None:
        """Take a token for `client` on `operation_id`'s group, or raise ApiProblem(429)."""
        limit = self._limits.get(operation_id)
        if limit is None:
            return
        rate = limit.requests / limit.period_seconds  # tokens per second
        key = (limit.group, client)
        now = self._clock()
        tokens, counted = self._buckets.pop(key, (float(limit.requests), now))
        tokens = min(float(limit.requests), tokens + (now - counted) * rate)
        if tokens >= 1:
            self._remember(key, (tokens - 1, now))
            return
        self._remember(key, (tokens, now))
        retry_after = max(1, math.ceil((1 - tokens) / rate))
        raise ApiProblem(
            429, f"Too many {limit.group} requests: this backend allows {limit.describe()} per "
                 f"API key. Retry after {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)})

    def _remember(self, key: tuple[str, str], bucket: tuple[float, float]) -> None:
        self._buckets[key] = bucket
        if len(self._buckets) > _MAX_BUCKETS:
            self._buckets.popitem(last=False)


def client_identity(api_key: str | None, address: str | None) -> str:
    """What a bucket counts by: the key (hashed, so no key sits in memory), else the address."""
    if api_key:
        return "key:" + hashlib.sha256(api_key.encode("utf-8", "surrogateescape")).hexdigest()
    return "addr:" + (address or "unknown")
