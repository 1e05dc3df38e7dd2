"""`export-contract msw`: MSW (v2) handlers for frontend tests, as one ES module."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["msw"]


@click.command("msw")
@click.option("--out", "out_file", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The .js file to write (its folder is created if needed), e.g. "
                   "src/mocks/export-handlers.js.")
@click.option("--base-url", default=None,
              help="The API's base URL the frontend calls, /api prefix included "
                   "(default http://localhost:4010/api); a path such as /api matches the "
                   "page's own origin.")
def msw(out_file: Path, base_url: str | None) -> None:
    """Write MSW handlers that answer like the mock: real files, real zips, no server.

    The module imports only `msw` (v2) and exports `createExportHandlers({ baseUrl, apiKey,
    fixtures, latencyMs })` and a default `handlers` array.
    """
    from mock_server.msw import DEFAULT_MSW_BASE_URL, msw_module

    try:
        text = msw_module(base_url or DEFAULT_MSW_BASE_URL)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--base-url") from exc
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {out_file}: {exc}") from exc
    click.echo(f"wrote {out_file}: MSW handlers for {base_url or DEFAULT_MSW_BASE_URL} "
               "(npm install --save-dev msw@2)")
