"""`serve_reference`: bind, print the base URL (and demo commands), run until stopped."""

from __future__ import annotations

from collections.abc import Callable

from export_contract.examples import curl_examples
from export_contract.serving import base_url_of, bind_socket, run_server
from export_contract.settings import Settings

from .app import create_app
from .samples import register_samples
from .storage import ExportStore

__all__ = ["serve_reference"]


def serve_reference(settings: Settings, *, demo: bool = False,
                    echo: Callable[[str], None] = print) -> None:
    sample_urls = register_samples(ExportStore(settings.data_dir)) if demo else []
    app = create_app(settings)
    sock = bind_socket(settings.host, settings.port)
    base_url = base_url_of(sock)

    def announce() -> None:
        echo(f"export-contract reference backend: {base_url}")
        echo(f"data dir: {settings.data_dir.resolve()}")
        if settings.auth_enabled and demo:
            echo(f"x-api-key: {settings.api_keys[0]}")
        if demo:
            key = settings.api_keys[0] if settings.auth_enabled else None
            echo("\nTry it (copy-paste):\n" + curl_examples(base_url, key, sample_urls) + "\n")

    run_server(app, sock, on_ready=announce)
