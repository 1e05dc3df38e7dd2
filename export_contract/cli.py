"""The `export-contract` command: thin wrappers that map flags to settings and call the library.

This is the one module of the core that imports the apps.
"""

from __future__ import annotations

import dataclasses
import secrets
import sys
import warnings
from pathlib import Path

import click

from .settings import Settings, read_key_file

__all__ = ["main"]

# connexion imports starlette's test client at import time, which warns on every start.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="export-contract")
def main() -> None:
    """Mock, implement and enforce the export-download contract."""


def _settings_from_flags(*, host: str, port: int, data_dir: Path | None, api_keys: tuple[str, ...],
                         api_key_file: Path | None, no_auth: bool, cors_origins: tuple[str, ...],
                         max_items: int | None, url_ttl: int | None,
                         public_url: str | None) -> Settings:
    keys = api_keys + (read_key_file(api_key_file) if api_key_file else ())
    settings = Settings(host=host, port=port, api_keys=keys, auth_enabled=not no_auth)
    if data_dir is not None:
        settings = dataclasses.replace(settings, data_dir=data_dir)
    settings = settings.with_env()
    changes: dict[str, object] = {}
    if cors_origins:
        changes["cors_origins"] = tuple(o for o in cors_origins if o != "none")
    if max_items is not None:
        changes["max_items"] = max_items
    if url_ttl is not None:
        changes["url_ttl_seconds"] = url_ttl
    if public_url is not None:
        changes["public_base_url"] = public_url
    return dataclasses.replace(settings, **changes)  # type: ignore[arg-type]


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int,
              help="Port to listen on (0 picks a free one).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where exports are stored (default ./export-data, or $EXPORT_DATA_DIR).")
@click.option("--api-key", "api_keys", multiple=True,
              help="An accepted x-api-key (repeatable; also $EXPORT_API_KEYS, comma-separated).")
@click.option("--api-key-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A file with one accepted key per line.")
@click.option("--no-auth", is_flag=True, help="Accept requests without a key (local use only).")
@click.option("--cors-origin", "cors_origins", multiple=True,
              help="An allowed browser origin (repeatable; default any origin; 'none' disables CORS).")
@click.option("--max-items", type=int, help="Most items per batch (default 100).")
@click.option("--url-ttl", type=int, help="Seconds an exported URL stays valid (default 900).")
@click.option("--public-url", help="Base URL for exported URLs, e.g. https://exports.example.com/api.")
@click.option("--demo", is_flag=True,
              help="Register sample exports first and print curl commands to try them.")
def serve(host: str, port: int, data_dir: Path | None, api_keys: tuple[str, ...],
          api_key_file: Path | None, no_auth: bool, cors_origins: tuple[str, ...],
          max_items: int | None, url_ttl: int | None, public_url: str | None, demo: bool) -> None:
    """Run the reference backend and print its base URL."""
    from reference_impl.server import serve_reference

    try:
        settings = _settings_from_flags(
            host=host, port=port, data_dir=data_dir, api_keys=api_keys,
            api_key_file=api_key_file, no_auth=no_auth, cors_origins=cors_origins,
            max_items=max_items, url_ttl=url_ttl, public_url=public_url)
    except (OSError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    if demo and settings.auth_enabled and not settings.api_keys:
        settings = dataclasses.replace(settings, api_keys=("demo-" + secrets.token_hex(8),))
    if settings.auth_enabled and not settings.api_keys:
        raise click.UsageError("no API key configured: pass --api-key KEY (or --api-key-file, or "
                               "set EXPORT_API_KEYS), or --no-auth for local use")
    if not settings.auth_enabled:
        click.echo("WARNING: --no-auth: every request is accepted without an API key; "
                   "use this only on your own machine.", err=True)
    try:
        serve_reference(settings, demo=demo, echo=click.echo)
    except OSError as exc:
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        pass


@main.command()
@click.argument("source_url")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--filename", help="Download name (default: last path segment of SOURCE_URL).")
@click.option("--content-type", help="Media type (default: guessed from the filename).")
@click.option("--base-url", help="Register through this backend's API, e.g. http://127.0.0.1:8080/api.")
@click.option("--api-key", help="Key for --base-url (or $EXPORT_API_KEYS' first key).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Register straight into this data dir instead (no server needed).")
def register(source_url: str, file: Path, filename: str | None, content_type: str | None,
             base_url: str | None, api_key: str | None, data_dir: Path | None) -> None:
    """Register FILE as the export for SOURCE_URL."""
    from reference_impl.registration import RegistrationError, register_via_api, register_via_store

    if (base_url is None) == (data_dir is None):
        raise click.UsageError("give exactly one of --base-url (through the API) or --data-dir")
    try:
        if base_url is not None:
            key = api_key or (Settings().with_env().api_keys or (None,))[0]
            result = register_via_api(base_url, key, source_url, file, filename, content_type)
        else:
            assert data_dir is not None
            result = register_via_store(data_dir, source_url, file, filename, content_type)
    except RegistrationError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{result['outcome']}: {source_url} -> {result['filename']} "
               f"({result['contentType']}, {result['size']} bytes, sha256 {result['sha256'][:12]}…)")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
