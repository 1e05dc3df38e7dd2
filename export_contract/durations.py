"""Durations as people write them: `90`, `90s`, `15min`, `24h`, `7d` (rate limits, job TTLs)."""

from __future__ import annotations

import re

__all__ = ["UNIT_SECONDS", "format_seconds", "parse_duration"]

UNIT_SECONDS: dict[str, int] = {
    "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}
_DURATION = re.compile(r"\s*(?P<count>\d+(?:\.\d+)?)?\s*(?P<unit>[a-z]*)\s*", re.IGNORECASE)


def parse_duration(text: str, *, default_unit: str = "s") -> float:
    """Seconds in `text`: a number with an optional unit (`s`, `min`, `h`, `d`, ...).

    A bare unit counts one of it (`min` is 60 seconds), so `3/min` reads naturally. Raises
    ValueError saying what is accepted when `text` is none of these, or not above zero.
    """
    match = _DURATION.fullmatch(text)
    unit = (match.group("unit").lower() if match else "") or default_unit
    if match is None or unit not in UNIT_SECONDS or not (match.group("count") or
                                                        match.group("unit")):
        raise ValueError(f"{text.strip()!r} is not a duration: write a number of seconds, or a "
                         "number with a unit such as 90s, 15min, 24h or 7d")
    seconds = float(match.group("count") or 1) * UNIT_SECONDS[unit]
    if seconds <= 0:
        raise ValueError(f"{text.strip()!r}: a duration must be above zero")
    return seconds


def format_seconds(seconds: float) -> str:
    """`60` -> `1 minute`, `3600` -> `1 hour`, `90` -> `90 seconds`: for messages."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}" + ("s" if count != 1 else "")
    shown = f"{seconds:g}"
    return f"{shown} second" + ("" if shown == "1" else "s")
