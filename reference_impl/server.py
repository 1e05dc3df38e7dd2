"""`serve_reference`: bind, print the base URL (and demo commands), run until stopped."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable

from export_contract.connections import ConnectionLimits
from export_contract.examples import curl_examples
from export_contract.serving import base_url_of, bind_socket, run_server, run_workers
from export_contract.settings import Settings, env_name

from .app import create_app
from .samples import register_samples
from .storage import open_store
from .urls import WEBHOOK_SECRET_FILE, load_or_create_secret, load_or_create_webhook_secret

__all__ = ["WORKER_FACTORY", "serve_reference"]

# What each worker process calls to build its app (settings arrive as EXPORT_* variables).
WORKER_FACTORY = "reference_impl.app:create_app_from_env"


def serve_reference(settings: Settings, *, demo: bool = False, workers: int = 1,
                    echo: Callable[[str], None] = print) -> None:
    if workers < 1:
        raise ValueError(f"workers must be 1 or more, got {workers}")
    # Opened here first, so a data dir that cannot be used fails once, before serving.
    with open_store(settings) as store:
        sample_urls = register_samples(store) if demo else []
    limits = ConnectionLimits.from_settings(settings)
    sock = bind_socket(settings.host, settings.port)
    base_url = base_url_of(sock)

    def announce() -> None:
        echo(f"export-contract reference backend: {base_url}")
        echo(f"data dir: {settings.data_dir.resolve()}")
        if workers > 1:
            echo(f"workers: {workers}")
        if settings.webhook_secret is None:
            # The path, never the secret: the banner ends up in logs.
            echo(f"webhook secret: in {(settings.data_dir / WEBHOOK_SECRET_FILE).resolve()}")
        if settings.auth_enabled and demo:
            echo(f"x-api-key: {settings.api_keys[0]}")
        if demo:
            key = settings.api_keys[0] if settings.auth_enabled else None
            echo("\nTry it (copy-paste):\n" + curl_examples(base_url, key, sample_urls) + "\n")

    if workers == 1:
        run_server(create_app(settings), sock, limits=limits, on_ready=announce)
        return
    if settings.url_secret is None:
        # Created once here, so every worker signs with the same secret.
        load_or_create_secret(settings.data_dir)
    if settings.webhook_secret is None:
        load_or_create_webhook_secret(settings.data_dir)
    _export_settings(settings)
    run_workers(WORKER_FACTORY, sock, workers, limits=limits, on_ready=announce)


def _export_settings(settings: Settings) -> None:
    """Replace this process's EXPORT_* variables by `settings`; spawned workers inherit them."""
    for field in dataclasses.fields(Settings):
        os.environ.pop(env_name(field.name), None)
    os.environ.update(settings.to_env())
