"""The `export-contract` command: thin wrappers that map flags to settings and call the library.

This is the one module of the core that imports the apps.
"""

from __future__ import annotations

import dataclasses
import secrets
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from .settings import Settings, read_key_file

__all__ = ["main"]

T = TypeVar("T")

# connexion imports starlette's test client at import time, which warns on every start.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="export-contract")
def main() -> None:
    """Mock, implement and enforce the export-download contract."""


def _connection_options(command: Callable[..., None]) -> Callable[..., None]:
    """The flags both servers take for their connection timeouts and cap."""
    seconds = click.FloatRange(min=0, min_open=True)
    options = [
        click.option("--head-timeout", type=seconds,
                     help="Seconds a request's head may take to arrive (default 10)."),
        click.option("--body-timeout", type=seconds,
                     help="Seconds a request's body may go without a byte (default 30)."),
        click.option("--keep-alive-timeout", type=seconds,
                     help="Seconds an idle keep-alive connection stays open (default 5)."),
        click.option("--max-connections", type=click.IntRange(min=1),
                     help="Open connections per process; more are answered 503 "
                          "(default: from the descriptor limit, ulimit -n)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _with_connection_flags(settings: Settings, head_timeout: float | None,
                           body_timeout: float | None, keep_alive_timeout: float | None,
                           max_connections: int | None) -> Settings:
    """`settings` with the EXPORT_* connection variables, then the flags given, on top."""
    env = Settings().with_env()
    return dataclasses.replace(
        settings,
        request_head_timeout_seconds=_given(head_timeout, env.request_head_timeout_seconds),
        request_body_timeout_seconds=_given(body_timeout, env.request_body_timeout_seconds),
        keep_alive_timeout_seconds=_given(keep_alive_timeout, env.keep_alive_timeout_seconds),
        max_connections=_given(max_connections, env.max_connections),
    )


def _given(flag: T | None, default: T) -> T:
    return default if flag is None else flag


def _settings_from_flags(*, host: str, port: int, data_dir: Path | None, api_keys: tuple[str, ...],
                         api_key_file: Path | None, no_auth: bool, cors_origins: tuple[str, ...],
                         max_items: int | None, url_ttl: int | None,
                         public_url: str | None) -> Settings:
    """Defaults, then EXPORT_* environment variables, then flags (flags win)."""
    settings = Settings().with_env()
    keys = api_keys + (read_key_file(api_key_file) if api_key_file else ())
    return dataclasses.replace(
        settings,
        host=host,
        port=port,
        data_dir=data_dir or settings.data_dir,
        api_keys=settings.api_keys + keys,
        auth_enabled=not no_auth,
        cors_origins=(tuple(o for o in cors_origins if o != "none") if cors_origins
                      else settings.cors_origins),
        max_items=settings.max_items if max_items is None else max_items,
        url_ttl_seconds=settings.url_ttl_seconds if url_ttl is None else url_ttl,
        public_base_url=public_url or settings.public_base_url,
    )


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
              help="An allowed browser origin (repeatable; default any; 'none' disables CORS).")
@click.option("--max-items", type=int, help="Most items per batch (default 100).")
@click.option("--url-ttl", type=int, help="Seconds an exported URL stays valid (default 900).")
@click.option("--public-url", help="Base URL for exported URLs, e.g. https://exports.example.com/api.")
@click.option("--demo", is_flag=True,
              help="Register sample exports first and print curl commands to try them.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Worker processes serving the same port (e.g. the number of cores).")
@_connection_options
def serve(host: str, port: int, data_dir: Path | None, api_keys: tuple[str, ...],
          api_key_file: Path | None, no_auth: bool, cors_origins: tuple[str, ...],
          max_items: int | None, url_ttl: int | None, public_url: str | None, demo: bool,
          workers: int, head_timeout: float | None, body_timeout: float | None,
          keep_alive_timeout: float | None, max_connections: int | None) -> None:
    """Run the reference backend and print its base URL."""
    from reference_impl.server import serve_reference

    try:
        settings = _settings_from_flags(
            host=host, port=port, data_dir=data_dir, api_keys=api_keys,
            api_key_file=api_key_file, no_auth=no_auth, cors_origins=cors_origins,
            max_items=max_items, url_ttl=url_ttl, public_url=public_url)
        settings = _with_connection_flags(settings, head_timeout, body_timeout,
                                          keep_alive_timeout, max_connections)
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
        serve_reference(settings, demo=demo, workers=workers, echo=click.echo)
    except (OSError, ValueError) as exc:
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
               f"({result['contentType']}, {result['size']} bytes, "
               f"sha256 {result['sha256'][:12]}…)")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=4010, show_default=True, type=int,
              help="Port to listen on (0 picks a free one).")
@click.option("--api-key", "api_keys", multiple=True,
              help="The x-api-key to accept (repeatable; default: the development key "
                   "mock-dev-key).")
@click.option("--no-auth", is_flag=True, help="Accept requests without a key.")
@click.option("--fixtures", type=click.Path(exists=True, path_type=Path),
              help="A folder, or a YAML/JSON file, of named exports to serve.")
@click.option("--strict", is_flag=True,
              help="Resolve only fixtures and registered exports (no generated files).")
@click.option("--latency", "latency_ms", default=0, show_default=True,
              type=click.IntRange(min=0), help="Milliseconds added to every API response.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Changes the bytes of generated files (same seed, same bytes).")
@click.option("--cors-origin", "cors_origins", multiple=True,
              help="An allowed browser origin (repeatable; default any; 'none' disables CORS).")
@click.option("--max-items", type=int, help="Most items per batch (default 100).")
@click.option("--url-ttl", type=int, help="Seconds an exported URL stays valid (default 900).")
@click.option("--public-url", help="Base URL for exported URLs, e.g. https://mock.example.com/api.")
@click.option("--quiet", is_flag=True, help="No log line per request.")
@click.option("--admin-origin", "admin_origins", multiple=True,
              help="A web page origin, besides the mock's own, allowed to use /__mock "
                   "(repeatable), e.g. http://localhost:5173.")
@click.option("--max-upload-total", type=click.IntRange(min=1),
              help="Most bytes of registered uploads held in memory (default 1073741824, "
                   "1 GiB); past it a registration gets 413.")
@_connection_options
def mock(host: str, port: int, api_keys: tuple[str, ...], no_auth: bool, fixtures: Path | None,
         strict: bool, latency_ms: int, seed: int, cors_origins: tuple[str, ...],
         max_items: int | None, url_ttl: int | None, public_url: str | None,
         quiet: bool, admin_origins: tuple[str, ...], max_upload_total: int | None,
         head_timeout: float | None, body_timeout: float | None,
         keep_alive_timeout: float | None, max_connections: int | None) -> None:
    """Run the mock server: generated exports, scenarios on demand, a demo page."""
    from mock_server import DEV_API_KEY, MockOptions, serve_mock

    if api_keys and no_auth:
        raise click.UsageError("give --api-key or --no-auth, not both")
    settings = Settings(host=host, port=port, api_keys=api_keys or (DEV_API_KEY,),
                        auth_enabled=not no_auth)
    changes: dict[str, object] = {}
    if cors_origins:
        changes["cors_origins"] = tuple(o for o in cors_origins if o != "none")
    if max_items is not None:
        changes["max_items"] = max_items
    if url_ttl is not None:
        changes["url_ttl_seconds"] = url_ttl
    if public_url is not None:
        changes["public_base_url"] = public_url
    settings = dataclasses.replace(settings, **changes)  # type: ignore[arg-type]
    try:
        settings = _with_connection_flags(settings, head_timeout, body_timeout,
                                          keep_alive_timeout, max_connections)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        options = MockOptions(fixtures=fixtures, strict=strict, latency_ms=latency_ms, seed=seed,
                              log_requests=not quiet, admin_origins=admin_origins)
        if max_upload_total is not None:
            options = dataclasses.replace(options, max_upload_total_bytes=max_upload_total)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        serve_mock(settings, options, echo=click.echo)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        pass


@main.command("docs")
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write the site into (created if needed).")
@click.option("--spec", "spec_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Document this spec (YAML or JSON) instead of the bundled one.")
@click.option("--base-url",
              help="Backend the client snippets call (default http://127.0.0.1:8080/api).")
def docs_command(out_dir: Path, spec_file: Path | None, base_url: str | None) -> None:
    """Build the static docs site from the spec and the check catalogue.

    It opens from file:// with no network, or from any static host: index.html (the guide),
    reference.html (every operation), api.md, openapi.yaml and openapi.json.
    """
    from contract_tests.catalogue import CHECKS
    from contract_tests.rules import RULES
    from docs_site import SiteSettings, build_site

    from .spec_files import SpecFileError

    settings = SiteSettings() if base_url is None else SiteSettings(base_url=base_url)
    try:
        site = build_site(out_dir, rules=RULES, checks=CHECKS, spec_file=spec_file,
                          settings=settings)
    except SpecFileError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write the site: {exc}") from exc
    click.echo(site.summary())


@main.command("spec")
@click.option("--format", "output_format", type=click.Choice(["yaml", "json"]),
              help="Output format (default yaml; with --check: a text report, or json).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the spec to FILE instead of standard output.")
@click.option("--check", "check_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Validate FILE and report how it differs from the contract's spec. "
                   "Exit 0: compatible, 1: differs, 2: invalid or unreadable.")
@click.option("--operation", "operations", multiple=True,
              help="With --check: compare only this operation ID (repeatable).")
@click.pass_context
def spec_command(ctx: click.Context, output_format: str | None, out_file: Path | None,
                 check_file: Path | None, operations: tuple[str, ...]) -> None:
    """Print or write the contract's OpenAPI spec, or compare another spec with it."""
    import json

    from .spec import load_spec, spec_text

    if check_file is None:
        if operations:
            raise click.UsageError("--operation only applies with --check")
        text = (json.dumps(load_spec(), indent=2, ensure_ascii=False) + "\n"
                if output_format == "json" else spec_text())
        if out_file is None:
            click.echo(text, nl=False)
        else:
            try:
                out_file.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise click.ClickException(f"cannot write {out_file}: {exc}") from exc
        return

    from .spec_compat import compare_specs
    from .spec_files import SpecFileError, read_spec_file

    if out_file is not None or output_format == "yaml":
        raise click.UsageError("--check prints a text or json report; it takes no --out or yaml")
    try:
        theirs = read_spec_file(check_file)
    except SpecFileError as exc:
        click.echo(f"invalid: {exc}", err=True)
        ctx.exit(2)
    try:
        comparison = compare_specs(load_spec(), theirs, operations=operations or None)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if output_format == "json":
        click.echo(json.dumps(comparison.as_dict(str(check_file)), indent=2, ensure_ascii=False))
    else:
        click.echo(comparison.report(str(check_file)))
    ctx.exit(0 if comparison.compatible else 1)


@main.command("verify")
@click.option("--base-url", help="The backend's base URL with its API prefix, e.g. "
                                 "http://127.0.0.1:8080/api.")
@click.option("--api-key", envvar="EXPORT_API_KEY", show_envvar=True,
              help="A valid x-api-key; without it the auth checks are skipped.")
@click.option("--source-url", "source_urls", multiple=True,
              help="sourceFileUrl of an export the backend knows (repeatable).")
@click.option("--fixtures", type=click.Choice(["auto"]),
              help="auto: register fixture exports through the registration route, remove "
                   "them afterwards.")
@click.option("--origin", help="A browser origin; enables the CORS checks.")
@click.option("--strict", is_flag=True, default=None,
              help="SHOULD rules gate too (without it their breaches are warnings).")
@click.option("--profile", type=click.Choice(["contract", "reference"]),
              help="contract (default): MUST and SHOULD rules. reference: also the REF rules, "
                   "our reference backend's own choices.")
@click.option("--max-items", type=click.IntRange(min=1),
              help="The backend's declared batch item limit (Q5 is checked at its edges).")
@click.option("--max-body-bytes", type=click.IntRange(min=1),
              help="The backend's declared request body limit in bytes.")
@click.option("--follow-urls/--no-follow-urls", default=None,
              help="Fetch exported URLs (U4-U6); on by default.")
@click.option("--url-revisit-after", "url_revisit_seconds", type=click.FloatRange(min=0),
              help="Fetch early exported URLs again this many seconds after issue (U6; "
                   "default 3, 60 checks the full minute).")
@click.option("--big-archive", is_flag=True, default=None,
              help="With --fixtures auto: check ZIP64 with a batch zip past 4 GiB (slow).")
@click.option("--max-examples", type=click.IntRange(min=1),
              help="Examples per property and fuzzed operation (default 25).")
@click.option("--seed", type=int, help="Hypothesis seed, to repeat a run exactly.")
@click.option("--junit-xml", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a JUnit XML report (one testcase per rule).")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a JSON report.")
@click.option("--checks", "checks", multiple=True, metavar="ID,...",
              help="Run only these check IDs (or rule IDs).")
@click.option("--exclude-checks", "exclude_checks", multiple=True, metavar="ID,...",
              help="Leave these check IDs (or rule IDs) out.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="An export-contract.toml holding any of these options.")
def verify_command(base_url: str | None, api_key: str | None, source_urls: tuple[str, ...],
                   fixtures: str | None, origin: str | None, strict: bool | None,
                   profile: str | None, max_items: int | None, max_body_bytes: int | None,
                   follow_urls: bool | None, url_revisit_seconds: float | None,
                   big_archive: bool | None,
                   max_examples: int | None, seed: int | None, junit_xml: Path | None,
                   report: Path | None, checks: tuple[str, ...],
                   exclude_checks: tuple[str, ...], config_path: Path | None) -> None:
    """Check a backend against the export-download contract, rule by rule.

    Levels: MUST rules always gate, SHOULD rules with --strict (otherwise a breach is a
    warning), REF rules (our reference's choices) only with --profile reference.

    Exit status: 0 no gating rule is broken, 1 a gating rule is broken, 2 usage error, backend
    unreachable, or nothing could be checked.
    """
    from contract_tests.verify_command import parse_id_list, run_verify_command

    flags = {
        "base_url": base_url, "api_key": api_key, "source_urls": source_urls,
        "fixtures": fixtures, "origin": origin, "strict": strict, "profile": profile,
        "max_items": max_items, "max_body_bytes": max_body_bytes, "follow_urls": follow_urls,
        "url_revisit_seconds": url_revisit_seconds,
        "big_archive": big_archive, "max_examples": max_examples, "seed": seed,
        "junit_xml": junit_xml, "report": report, "checks": parse_id_list(checks),
        "exclude_checks": parse_id_list(exclude_checks),
    }
    sys.exit(run_verify_command(flags, config_path, echo=click.echo))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
