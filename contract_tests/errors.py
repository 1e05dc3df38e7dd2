"""Errors that stop a verify run before any verdict: exit status 2 with a one-line message."""

from __future__ import annotations

__all__ = ["BackendUnreachable", "NoRegistrationRoute", "VerifyError", "VerifyUsageError"]


class VerifyError(Exception):
    """Base of the run-stopping errors; ``str(error)`` is the one line to show."""

    exit_code = 2


class VerifyUsageError(VerifyError, ValueError):
    """The options cannot be used (unknown check ID, bad URL, ...); the message says why."""


class BackendUnreachable(VerifyError):
    """The backend did not answer at all (connection refused, DNS failure, timeout)."""


class NoRegistrationRoute(VerifyError):
    """``--fixtures auto`` against a backend that has no registration route."""
