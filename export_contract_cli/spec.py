"""`export-contract spec show` and `spec diff`: the bundled spec, and another one against it.

The old spellings still work: `spec [--format F] [--out FILE]` is `spec show`, and
`spec --check FILE` is `spec diff FILE` (with a note on standard error saying so).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import click

__all__ = ["spec"]

_REPORT_FORMATS = ("text", "json")


@click.group("spec", invoke_without_command=True)
@click.option("--check", "check_file", hidden=True,
              type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "output_format", hidden=True, type=click.Choice(["yaml", "json"]))
@click.option("--out", "out_file", hidden=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--operation", "operations", hidden=True, multiple=True)
@click.pass_context
def spec(ctx: click.Context, check_file: Path | None, output_format: str | None,
         out_file: Path | None, operations: tuple[str, ...]) -> None:
    """Print the contract's OpenAPI spec (show), or compare another spec with it (diff).

    Without a subcommand it prints the spec, as `spec show` does.
    """
    old_options = check_file is not None or output_format or out_file or operations
    if ctx.invoked_subcommand is not None:
        if old_options:
            raise click.UsageError(f"put options after the subcommand, e.g. "
                                   f"`spec {ctx.invoked_subcommand} --format json`")
        return
    if check_file is None:
        if operations:
            raise click.UsageError("--operation only applies to `spec diff THEIR_SPEC`")
        ctx.invoke(show, output_format=output_format or "yaml", out_file=out_file)
        return
    if out_file is not None or output_format == "yaml":
        raise click.UsageError("`spec diff` prints a text or json report; it takes no --out "
                               "or yaml")
    click.echo(f"note: `spec --check {check_file}` is now `spec diff {check_file}`.", err=True)
    ctx.invoke(diff, their_spec=check_file, output_format=output_format or "text",
               operations=operations)


@spec.command()
@click.option("--format", "output_format", type=click.Choice(["yaml", "json"]), default="yaml",
              show_default=True, help="Output format.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the spec to FILE instead of standard output.")
@click.option("--profile", type=click.Choice(["contract", "reference"]), default="contract",
              show_default=True,
              help="contract: openapi.yaml as it is. reference: with the reference overlay "
                   "applied, what our own servers implement.")
def show(output_format: str, out_file: Path | None, profile: str) -> None:
    """Print or write the bundled OpenAPI spec."""
    from export_contract.spec import SpecFormat, SpecProfile, spec_document

    text = spec_document(cast(SpecProfile, profile), cast(SpecFormat, output_format))
    if out_file is None:
        click.echo(text, nl=False)
        return
    try:
        out_file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {out_file}: {exc}") from exc


@spec.command()
@click.argument("their_spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(_REPORT_FORMATS), default="text",
              show_default=True, help="A report for people, or json for tools.")
@click.option("--operation", "operations", multiple=True,
              help="Compare only this operation ID (repeatable).")
@click.pass_context
def diff(ctx: click.Context, their_spec: Path, output_format: str,
         operations: tuple[str, ...]) -> None:
    """Validate THEIR_SPEC and report how it differs from the contract's spec.

    Exit status: 0 compatible, 1 differs, 2 invalid or unreadable.
    """
    from export_contract.spec import load_spec
    from export_contract.spec_files import SpecFileError, read_spec_file

    from .spec_compat import compare_specs

    try:
        theirs = read_spec_file(their_spec)
    except SpecFileError as exc:
        click.echo(f"invalid: {exc}", err=True)
        ctx.exit(2)
    try:
        comparison = compare_specs(load_spec(), theirs, operations=operations or None)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if output_format == "json":
        click.echo(json.dumps(comparison.as_dict(str(their_spec)), indent=2, ensure_ascii=False))
    else:
        click.echo(comparison.report(str(their_spec)))
    ctx.exit(0 if comparison.compatible else 1)
