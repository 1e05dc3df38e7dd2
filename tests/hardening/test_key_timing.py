"""The API key check takes the same time whatever part of a wrong key is right.

Measured in-process on `ApiKeyCheck.is_valid` itself (no network noise): for keys of the
valid key's length that share nothing, all but the last character, or everything with it,
the medians of many interleaved batches of calls must agree within a generous tolerance.
Only equal lengths are compared: the length of what a client sends is its own, not a secret
(and the check hashes every candidate to a fixed-size digest first).
"""

from __future__ import annotations

import random
import secrets
import statistics
import string
import time

from export_contract.auth import ApiKeyCheck

ROUNDS = 300
CALLS_PER_BATCH = 200
TOLERANCE = 0.25  # a timing leak worth exploiting remotely would be far beyond noise anyway


def _batch_ns(check: ApiKeyCheck, candidate: str) -> int:
    started = time.perf_counter_ns()
    for _ in range(CALLS_PER_BATCH):
        check.is_valid(candidate)
    return time.perf_counter_ns() - started


def _medians(check: ApiKeyCheck, candidates: dict[str, str]) -> dict[str, float]:
    samples: dict[str, list[int]] = {name: [] for name in candidates}
    order = list(candidates)
    rng = random.Random(0)
    for name in order:  # warm-up
        _batch_ns(check, candidates[name])
    for _ in range(ROUNDS):
        rng.shuffle(order)  # interleaved, so drifts of the machine hit every candidate alike
        for name in order:
            samples[name].append(_batch_ns(check, candidates[name]))
    return {name: statistics.median(values) for name, values in samples.items()}


def _other_char(char: str) -> str:
    return "a" if char != "a" else "b"


def test_wrong_keys_take_as_long_whether_they_share_a_prefix_or_nothing() -> None:
    alphabet = string.ascii_letters + string.digits
    valid = "".join(secrets.choice(alphabet) for _ in range(40))
    rotated = ["".join(secrets.choice(alphabet) for _ in range(40)) for _ in range(2)]
    check = ApiKeyCheck([rotated[0], valid, rotated[1]])
    candidates = {
        "valid": valid,
        "all but the last character": valid[:-1] + _other_char(valid[-1]),
        "half right": valid[:20] + "".join(_other_char(c) for c in valid[20:]),
        "first character wrong": _other_char(valid[0]) + valid[1:],
        "random": "".join(secrets.choice(alphabet) for _ in range(40)),
    }
    assert check.is_valid(valid) and not check.is_valid(candidates["random"])

    medians = _medians(check, candidates)

    fastest, slowest = min(medians.values()), max(medians.values())
    spread = (slowest - fastest) / fastest
    report = ", ".join(f"{name}: {ns / CALLS_PER_BATCH:.0f} ns" for name, ns in medians.items())
    assert spread < TOLERANCE, f"key check timing differs by {spread:.0%} ({report})"
