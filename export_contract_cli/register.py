"""`export-contract register`: one export into a data dir or through a running backend."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["register"]


@click.command()
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
    from reference_impl.registration import RegistrationError, register_export

    try:
        result = register_export(source_url, file, filename=filename, content_type=content_type,
                                 base_url=base_url, api_key=api_key, data_dir=data_dir)
    except RegistrationError as exc:
        raise click.ClickException(str(exc)) from exc
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"{result['outcome']}: {source_url} -> {result['filename']} "
               f"({result['contentType']}, {result['size']} bytes, "
               f"sha256 {result['sha256'][:12]}…)")
