"""`export-contract serve`: the reference backend, with its settings from flags and EXPORT_*."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from export_contract.server_settings import no_auth_warning, server_settings
from export_contract.settings import Settings

from .options import (
    address_options,
    auth_options,
    connection_options,
    cors_option,
    exported_url_options,
    max_items_option,
    overrides_from,
)

__all__ = ["serve"]


@click.command()
@address_options(Settings().port)
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
@auth_options("one is needed unless --no-auth")
@click.option("--api-key-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A file with one accepted key per line.")
@cors_option
@max_items_option
@exported_url_options("https://exports.example.com/api")
@click.option("--demo", is_flag=True,
              help="Register sample exports first and print curl commands to try them.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Worker processes serving the same port (e.g. the number of cores).")
@connection_options
@click.option("--job-workers", type=click.IntRange(min=1),
              help="Export jobs built at once per process (default 2; $EXPORT_JOB_WORKERS).")
@click.option("--job-ttl", metavar="DURATION",
              help="How long a complete job's zip stays downloadable, e.g. 24h, 90min "
                   "(default 24h; $EXPORT_JOB_TTL_SECONDS).")
@click.option("--webhook-secret", metavar="SECRET",
              help="Signs job webhooks (default: generated and kept in the data dir; "
                   "$EXPORT_WEBHOOK_SECRET).")
@click.option("--allow-private-callbacks", is_flag=True,
              help="Let job callbacks target loopback and private addresses (development).")
@click.option("--rate-limit", "rate_limits", multiple=True, metavar="GROUP=N/PERIOD",
              help="Per-key limit for a route group (download, batch, jobs), e.g. "
                   "batch=3/min; repeatable. Off by default ($EXPORT_RATE_LIMITS).")
def serve(demo: bool, workers: int, **flags: Any) -> None:
    """Run the reference backend and print its base URL."""
    from reference_impl.samples import demo_api_key
    from reference_impl.server import serve_reference

    try:
        settings = server_settings(overrides_from(**flags),
                                   fallback_key=demo_api_key() if demo else None)
    except (OSError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    warning = no_auth_warning(settings)
    if warning:
        click.echo(warning, err=True)
    try:
        serve_reference(settings, demo=demo, workers=workers, echo=click.echo)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        pass
