"""`export-contract mock`: the mock server, with its settings from flags and EXPORT_*."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from mock_server.options import (
    DEFAULT_JOB_SECONDS,
    DEFAULT_PORT,
    DEV_API_KEY,
    DEV_WEBHOOK_SECRET,
    MAX_JOB_SECONDS,
    MockOptions,
    mock_settings,
)

from . import options as shared
from .running import serve_until_stopped, usage_errors

__all__ = ["mock"]


@click.command()
@shared.address_options(DEFAULT_PORT)
@shared.auth_options(f"default: the development key {DEV_API_KEY}")
@click.option("--fixtures", type=click.Path(exists=True, path_type=Path),
              help="A folder, or a YAML/JSON file, of named exports to serve.")
@click.option("--strict", is_flag=True,
              help="Resolve only fixtures and registered exports (no generated files).")
@click.option("--latency", "latency_ms", default=0, show_default=True,
              type=click.IntRange(min=0), help="Milliseconds added to every API response.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Changes the bytes of generated files (same seed, same bytes).")
@shared.cors_option
@shared.max_items_option
@shared.exported_url_options("https://mock.example.com/api")
@click.option("--quiet", is_flag=True, help="No log line per request.")
@click.option("--admin-origin", "admin_origins", multiple=True,
              help="A web page origin, besides the mock's own, allowed to use /__mock "
                   "(repeatable), e.g. http://localhost:5173.")
@click.option("--max-upload-total", type=click.IntRange(min=1),
              help="Most bytes of registered uploads held in memory (default "
                   f"{MockOptions().max_upload_total_bytes}, 1 GiB); past it a registration "
                   "gets 413.")
@click.option("--job-seconds", envvar="EXPORT_JOB_SECONDS", show_envvar=True,
              default=DEFAULT_JOB_SECONDS, show_default=True,
              type=click.FloatRange(min=0, max=MAX_JOB_SECONDS),
              help="How long an export job stays processing (a request may ask for another "
                   "duration with 'Prefer: job-duration=N').")
@shared.job_ttl_option("24h, 90s")
@shared.webhook_secret_option(f"the development secret {DEV_WEBHOOK_SECRET.decode()}")
@shared.connection_options
def mock(fixtures: Path | None, strict: bool, latency_ms: int, seed: int, quiet: bool,
         admin_origins: tuple[str, ...], max_upload_total: int | None, job_seconds: float,
         **flags: Any) -> None:
    """Run the mock server: generated exports, scenarios on demand, a demo page."""
    from mock_server.server import serve_mock

    with usage_errors():
        settings = mock_settings(shared.overrides_from(**flags))
        options = MockOptions(fixtures=fixtures, strict=strict, latency_ms=latency_ms, seed=seed,
                              log_requests=not quiet, admin_origins=admin_origins,
                              job_seconds=job_seconds)
        if max_upload_total is not None:
            options = dataclasses.replace(options, max_upload_total_bytes=max_upload_total)
    serve_until_stopped(lambda: serve_mock(settings, options, echo=click.echo))
