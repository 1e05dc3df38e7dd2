"""Option groups more than one command takes, each defined once.

Every option here defaults to `None` (or empty): "not given", so the EXPORT_* variable or
the server's own default applies (`export_contract.server_settings`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from export_contract.server_settings import Overrides

__all__ = ["address_options", "auth_options", "connection_options", "cors_option",
           "exported_url_options", "job_ttl_option", "max_items_option", "overrides_from",
           "webhook_secret_option"]

Command = Callable[..., Any]
Decorator = Callable[[Command], Command]

_SECONDS = click.FloatRange(min=0, min_open=True)


def _stacked(*options: Decorator) -> Decorator:
    """One decorator applying `options` so that they are listed in the order given."""

    def apply(command: Command) -> Command:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


def address_options(default_port: int) -> Decorator:
    """--host and --port; the server's own default port is named in the help."""
    return _stacked(
        click.option("--host", help="Address to listen on (default 127.0.0.1, or $EXPORT_HOST)."),
        click.option("--port", type=click.IntRange(min=0, max=65535),
                     help=f"Port to listen on (default {default_port}, or $EXPORT_PORT; 0 picks "
                          "a free one)."),
    )


def auth_options(without_key: str) -> Decorator:
    """--api-key (repeatable) and --no-auth; `without_key` says what happens with neither."""
    return _stacked(
        click.option("--api-key", "api_keys", multiple=True,
                     help="An accepted x-api-key (repeatable; added to $EXPORT_API_KEYS, "
                          f"comma-separated; {without_key})."),
        click.option("--no-auth", is_flag=True,
                     help="Accept requests without a key (local use only)."),
    )


def cors_option(command: Command) -> Command:
    return click.option(
        "--cors-origin", "cors_origins", multiple=True,
        help="An allowed browser origin (repeatable; default any; 'none' disables CORS).",
    )(command)


def max_items_option(command: Command) -> Command:
    return click.option("--max-items", type=click.IntRange(min=1),
                        help="Most items per batch (default 100).")(command)


def exported_url_options(example_base: str) -> Decorator:
    """--url-ttl and --public-url, how exported URLs are made."""
    return _stacked(
        click.option("--url-ttl", type=click.IntRange(min=1),
                     help="Seconds an exported URL stays valid (default 900)."),
        click.option("--public-url",
                     help=f"Base URL for exported URLs, e.g. {example_base}."),
    )


def job_ttl_option(examples: str) -> Decorator:
    """--job-ttl, a duration such as those in `examples`."""
    return click.option("--job-ttl", metavar="DURATION",
                        help=f"How long a complete job's zip stays downloadable, e.g. {examples} "
                             "(default 24h; $EXPORT_JOB_TTL_SECONDS).")


def webhook_secret_option(default: str) -> Decorator:
    """--webhook-secret, which signs the server's webhooks; `default` says what does without it."""
    return click.option("--webhook-secret", metavar="SECRET",
                        help=f"Signs job webhooks (default: {default}; $EXPORT_WEBHOOK_SECRET).")


connection_options: Decorator = _stacked(
    click.option("--head-timeout", type=_SECONDS,
                 help="Seconds a request's head may take to arrive (default 10)."),
    click.option("--body-timeout", type=_SECONDS,
                 help="Seconds a request's body may go without a byte (default 30)."),
    click.option("--keep-alive-timeout", type=_SECONDS,
                 help="Seconds an idle keep-alive connection stays open (default 5)."),
    click.option("--max-connections", type=click.IntRange(min=1),
                 help="Open connections per process; more are answered 503 "
                      "(default: from the descriptor limit, ulimit -n)."),
)
"""The flags both servers take for their connection timeouts and cap."""


def overrides_from(*, host: str | None = None, port: int | None = None,
                   data_dir: Path | None = None, api_keys: tuple[str, ...] = (),
                   api_key_file: Path | None = None, no_auth: bool = False,
                   cors_origins: tuple[str, ...] = (), max_items: int | None = None,
                   url_ttl: int | None = None, public_url: str | None = None,
                   head_timeout: float | None = None, body_timeout: float | None = None,
                   keep_alive_timeout: float | None = None,
                   max_connections: int | None = None, job_workers: int | None = None,
                   job_ttl: str | None = None, webhook_secret: str | None = None,
                   allow_private_callbacks: bool = False,
                   rate_limits: tuple[str, ...] = (), database_url: str | None = None,
                   blob_store: str | None = None) -> Overrides:
    """The flags of the options above, by their parameter names, as `Overrides`."""
    return Overrides(host=host, port=port, data_dir=data_dir, api_keys=api_keys,
                     api_key_file=api_key_file, no_auth=no_auth, cors_origins=cors_origins,
                     max_items=max_items, url_ttl_seconds=url_ttl, public_base_url=public_url,
                     request_head_timeout_seconds=head_timeout,
                     request_body_timeout_seconds=body_timeout,
                     keep_alive_timeout_seconds=keep_alive_timeout,
                     max_connections=max_connections, job_workers=job_workers,
                     job_ttl=job_ttl, webhook_secret=webhook_secret,
                     allow_private_callbacks=allow_private_callbacks,
                     database_url=database_url, blob_store=blob_store,
                     rate_limits=rate_limits)
