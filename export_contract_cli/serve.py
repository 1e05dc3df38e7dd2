"""`export-contract serve`: the reference backend, with its settings from flags and EXPORT_*."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from export_contract.server_settings import no_auth_warning, server_settings
from export_contract.settings import Settings

from . import options as shared
from .running import serve_until_stopped, usage_errors

__all__ = ["serve"]


@click.command()
@shared.address_options(Settings().port)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where exports are stored (default ./export-data, or $EXPORT_DATA_DIR).")
@click.option("--database-url", metavar="URL",
              help="Exports, jobs and webhooks: sqlite:///FILE (default: in the data dir) or "
                   "postgresql://user:password@host/db, shared by several instances "
                   "($EXPORT_DATABASE_URL).")
@click.option("--blob-store", metavar="DIR|s3://BUCKET/PREFIX",
              help="Where export bytes go: a directory (default: blobs/ in the data dir) or "
                   "an S3-compatible bucket, configured by the AWS_* variables "
                   "($EXPORT_BLOB_STORE).")
@shared.auth_options("one is needed unless --no-auth")
@click.option("--api-key-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A file with one accepted key per line.")
@shared.cors_option
@shared.max_items_option
@shared.exported_url_options("https://exports.example.com/api")
@click.option("--demo", is_flag=True,
              help="Register sample exports first and print curl commands to try them.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Worker processes serving the same port (e.g. the number of cores).")
@shared.connection_options
@click.option("--job-workers", type=click.IntRange(min=1),
              help="Export jobs built at once per process (default 2; $EXPORT_JOB_WORKERS).")
@shared.job_ttl_option("24h, 90min")
@shared.webhook_secret_option("generated and kept in the data dir")
@click.option("--allow-private-callbacks", is_flag=True,
              help="Let job callbacks target loopback and private addresses (development).")
@click.option("--rate-limit", "rate_limits", multiple=True, metavar="GROUP=N/PERIOD",
              help="Per-key limit for a route group (download, batch, jobs), e.g. "
                   "batch=3/min; repeatable. Off by default ($EXPORT_RATE_LIMITS).")
def serve(demo: bool, workers: int, **flags: Any) -> None:
    """Run the reference backend and print its base URL."""
    from reference_impl.samples import demo_api_key
    from reference_impl.server import serve_reference

    with usage_errors():
        settings = server_settings(shared.overrides_from(**flags),
                                   fallback_key=demo_api_key() if demo else None)
    warning = no_auth_warning(settings)
    if warning:
        click.echo(warning, err=True)
    serve_until_stopped(
        lambda: serve_reference(settings, demo=demo, workers=workers, echo=click.echo))
