"""Waiting for what a server does in its own time (a job ending, a webhook arriving).

Used by the mock's and the reference backend's job tests: polls, never sleeps a fixed time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["until"]

T = TypeVar("T")

# How long to wait between two probes.
_POLL_SECONDS = 0.02


async def until(probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], *,
                timeout: float = 10.0, what: str = "the condition") -> T:
    """Call `probe` until `done(result)`, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if done(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s; last: {result!r}")
        await asyncio.sleep(_POLL_SECONDS)
