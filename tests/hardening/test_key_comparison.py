"""The API key check compares in constant time: every key, with `hmac.compare_digest`, on
digests of one fixed size.

A stopwatch cannot prove this. A naive `==` on two 32-byte digests differs from a constant-time
comparison by a few nanoseconds, far below the noise of a shared test machine, so a timing test
with a tolerance passes either way (the test this replaces did). What makes the check constant
time is how it is built, and that is what these tests pin, by spying on the comparison itself:

* the bytes are compared by `hmac.compare_digest` (C, constant time for equal lengths), so a
  key that shares a longer prefix with a valid one is not rejected any later;
* every configured key is compared, whatever matched, so the answer's time does not tell which
  rotation slot (if any) matched;
* both operands are SHA-256 digests, 32 bytes whatever the client sent, so the comparison's
  time does not depend on the length of either key.
"""

from __future__ import annotations

import hmac
import secrets

import pytest

from export_contract.auth import ApiKeyCheck

KEYS = ["first-rotated-key-0123456789", "current-key-0123456789abcdef", "next-key-0123"]
DIGEST_BYTES = 32


@pytest.fixture
def comparisons(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The operand lengths of every constant-time comparison made while the test runs."""
    calls: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((len(a), len(b)))
        return real(a, b)

    # `secrets.compare_digest` is the same function under another name: either use counts.
    monkeypatch.setattr(hmac, "compare_digest", spy)
    monkeypatch.setattr(secrets, "compare_digest", spy)
    return calls


@pytest.mark.parametrize(("presented", "valid"), [
    (KEYS[0], True),  # the first key matches: the others are still compared
    (KEYS[1], True),
    (KEYS[2], True),
    (KEYS[1][:-1] + "X", False),  # all but the last character right
    ("X" + KEYS[1][1:], False),
    ("short", False),
    ("a-much-longer-key-than-any-configured-one-" * 10, False),
], ids=["first", "middle", "last", "last-char-wrong", "first-char-wrong", "short", "long"])
def test_every_key_is_compared_in_constant_time_on_fixed_size_digests(
        comparisons: list[tuple[int, int]], presented: str, valid: bool) -> None:
    check = ApiKeyCheck(KEYS)
    comparisons.clear()

    assert check.is_valid(presented) is valid
    assert comparisons == [(DIGEST_BYTES, DIGEST_BYTES)] * len(KEYS)

