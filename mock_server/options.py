"""`MockOptions`: what the mock adds on top of the shared `Settings`, with every default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from export_contract.server_settings import Overrides, server_settings
from export_contract.settings import Settings

__all__ = ["DEFAULT_JOB_SECONDS", "DEFAULT_PORT", "DEV_API_KEY", "DEV_WEBHOOK_SECRET",
           "MAX_JOB_SECONDS", "MOCK_URL_SECRET", "MockOptions", "mock_settings"]

# The key the mock accepts when none is given: fixed and printed, so a frontend works with
# zero set-up. It protects nothing; it only lets the frontend exercise its key handling.
DEV_API_KEY = "mock-dev-key"
# Beside the reference backend's 8080, so both can run on one machine.
DEFAULT_PORT = 4010
# Exported URLs stay valid across restarts of the mock (unless Settings.url_secret is set).
MOCK_URL_SECRET = b"export-contract mock: exported URL signing key"
# Signs job webhooks unless --webhook-secret (or EXPORT_WEBHOOK_SECRET) gives one. Fixed and
# printed like the development key, so a receiver under development can verify signatures
# with a constant from its own config, across restarts of the mock. It protects nothing.
DEV_WEBHOOK_SECRET = b"mock-dev-webhook-secret"
# How long a job stays `processing` unless its request says (`Prefer: job-duration=N`).
DEFAULT_JOB_SECONDS = 3.0
MAX_JOB_SECONDS = 3600.0


@dataclass(frozen=True)
class MockOptions:
    """How the mock resolves exports and behaves; `Settings` holds auth, CORS and limits.

    Attributes:
        fixtures: a folder, or a YAML/JSON file, of named exports to load at start.
        strict: resolve only fixtures and registered exports (no generated files).
        latency_ms: added before every API response.
        seed: changes every generated file's bytes (the same seed gives the same bytes).
        journal_size: how many requests `GET /__mock/requests` keeps (oldest dropped first).
        log_requests: log one line per request.
        fast_path: answer spec-valid download requests without connexion's per-request
            machinery (same handlers, same results; see `fastpath`).
        slow_stream_seconds: how long the `slow-stream` scenario takes to send a body.
        retry_after_seconds: the `Retry-After` of the `rate-limited` scenario.
        admin_origins: web page origins, besides the mock's own, that may drive `/__mock`.
        max_upload_total_bytes: the most bytes of registered uploads the mock holds in memory.
        job_seconds: how long an export job stays `processing` (its progress grows meanwhile).
        jobs_kept: how many export jobs the mock remembers; past it the oldest that ended
            are forgotten (a later GET of one is 404, its download 410).
    """

    fixtures: Path | None = None
    strict: bool = False
    latency_ms: int = 0
    seed: int = 0
    journal_size: int = 1000
    log_requests: bool = True
    fast_path: bool = True
    slow_stream_seconds: float = 3.0
    retry_after_seconds: int = 30
    admin_origins: tuple[str, ...] = ()
    max_upload_total_bytes: int = 1024 * 1024 * 1024
    job_seconds: float = DEFAULT_JOB_SECONDS
    jobs_kept: int = 1000

    def __post_init__(self) -> None:
        if self.latency_ms < 0:
            raise ValueError(f"latency must be 0 or more milliseconds, got {self.latency_ms}")
        if self.journal_size < 0:
            raise ValueError(f"journal size must be 0 or more, got {self.journal_size}")
        if self.slow_stream_seconds < 0:
            raise ValueError("slow_stream_seconds must be 0 or more")
        if self.max_upload_total_bytes < 1:
            raise ValueError("the upload total must be 1 byte or more, got "
                             f"{self.max_upload_total_bytes}")
        if not 0 <= self.job_seconds <= MAX_JOB_SECONDS:
            raise ValueError(f"job seconds must be from 0 to {MAX_JOB_SECONDS:g}, got "
                             f"{self.job_seconds:g}")
        if self.jobs_kept < 1:
            raise ValueError(f"jobs_kept must be 1 or more, got {self.jobs_kept}")
        for origin in self.admin_origins:
            parts = urlsplit(origin)
            if origin != "null" and (parts.scheme not in ("http", "https") or not parts.netloc
                                     or parts.path not in ("", "/")):
                raise ValueError(f"admin origin {origin!r}: expected scheme://host[:port], "
                                 "e.g. http://localhost:5173")


def mock_settings(overrides: Overrides, environ: Mapping[str, str] | None = None) -> Settings:
    """The mock's `Settings`: its own defaults (port, development key), then the EXPORT_*
    variables, then the command line, as for the reference backend (`server_settings`)."""
    if overrides.api_keys and overrides.no_auth:
        raise ValueError("give --api-key or --no-auth, not both")
    return server_settings(overrides, defaults=Settings(port=DEFAULT_PORT),
                           fallback_key=DEV_API_KEY, environ=environ)
