"""`export-contract docs`: the static docs site from the spec and the check catalogue."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["docs"]


@click.command("docs")
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write the site into (created if needed).")
@click.option("--spec", "spec_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Document this spec (YAML or JSON) instead of the bundled one.")
@click.option("--base-url",
              help="Backend the client snippets call (default http://127.0.0.1:8080/api).")
def docs(out_dir: Path, spec_file: Path | None, base_url: str | None) -> None:
    """Build the static docs site from the spec and the check catalogue.

    It opens from file:// with no network, or from any static host: index.html (the guide),
    reference.html (every operation), api.md, openapi.yaml and openapi.json.
    """
    # docs_site takes the catalogue as data: it never imports the checker itself.
    from contract_tests.catalogue import CHECKS
    from contract_tests.rules import RULES
    from docs_site import SiteSettings, build_site
    from export_contract.spec_files import SpecFileError

    settings = SiteSettings() if base_url is None else SiteSettings(base_url=base_url)
    try:
        site = build_site(out_dir, rules=RULES, checks=CHECKS, spec_file=spec_file,
                          settings=settings)
    except SpecFileError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write the site: {exc}") from exc
    click.echo(site.summary())
