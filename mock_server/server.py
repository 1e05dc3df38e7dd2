"""`serve_mock`: bind, print the base URL, the key and copy-paste examples, serve until stopped."""

from __future__ import annotations

import logging
import shlex
import sys
from collections.abc import Callable

from export_contract.connections import ConnectionLimits
from export_contract.examples import curl_examples
from export_contract.serving import base_url_of, bind_socket, run_server
from export_contract.settings import Settings

from .app import MockApp, create_mock_app
from .front import is_deliberate_drop
from .options import DEV_API_KEY, DEV_WEBHOOK_SECRET, MockOptions

__all__ = ["EXAMPLE_SOURCE_URLS", "banner", "serve_mock"]

EXAMPLE_SOURCE_URLS = (
    "https://canvas.example.com/files/floor-plan.pdf",
    "https://canvas.example.com/archive/floor-plan.pdf",
    "https://canvas.example.com/files/r%C3%A9sum%C3%A9.txt",
)


def serve_mock(settings: Settings, options: MockOptions, *,
               echo: Callable[[str], None] = print) -> None:
    app = create_mock_app(settings, options)
    sock = bind_socket(app.settings.host, app.settings.port)
    base_url = base_url_of(sock)

    def ready() -> None:
        _configure_logging(options)
        echo(banner(app, base_url))

    run_server(app, sock, limits=ConnectionLimits.from_settings(app.settings), on_ready=ready,
               log_level="info" if options.log_requests else "warning")


def banner(app: MockApp, base_url: str) -> str:
    """What the mock prints on start; the first line holds the base URL (scripts read it)."""
    settings, options = app.settings, app.options
    root = base_url[: -len(app.api_prefix)] if base_url.endswith(app.api_prefix) else base_url
    key = settings.api_keys[0] if settings.auth_enabled and settings.api_keys else None
    lines = [f"export-contract mock server: {base_url}"]
    if key is None:
        lines.append("x-api-key: none needed (--no-auth)")
    elif key == DEV_API_KEY:
        lines.append(f"x-api-key: {key}  (the built-in development key; --api-key KEY sets "
                     "another, --no-auth drops it)")
    else:
        lines.append(f"x-api-key: {key}")
    page = f"{root}/" if key in (None, DEV_API_KEY) else f"{root}/?key={key}"
    lines += [
        f"demo page: {page}",
        f"client module: {root}/export-client.js",
        f"exports: {_resolution(app)}",
        "scenarios: send 'Prefer: scenario=NAME' (or code=404, delay=1500), or "
        f"PUT {root}/__mock/scenario; list: {root}/__mock/scenarios",
        f"journal: {root}/__mock/requests   reset: POST {root}/__mock/reset",
        f"export jobs: {base_url}/viewer/exports/jobs, processing {options.job_seconds:g} s "
        "(--job-seconds; per job 'Prefer: job-duration=N')",
        _webhook_secret_line(settings),
    ]
    if options.latency_ms:
        lines.append(f"latency: {options.latency_ms} ms added to every API response")
    examples = curl_examples(base_url, key, list(_example_urls(app)))
    scenario = shlex.quote('{"name": "server-error", "count": 1}')
    lines += [
        "", "Try it (copy-paste):", examples,
        "# the same single download, answered as the rate-limited scenario:",
        f"curl -sS -i{_key_flag(key)} -H 'Prefer: scenario=rate-limited' "
        f"-H 'Content-Type: application/json' "
        f"-d '{{\"sourceFileUrl\": \"{EXAMPLE_SOURCE_URLS[0]}\"}}' "
        f"{base_url}/viewer/exports/download",
        "# the next request fails with a 500, whoever sends it:",
        f"curl -sS -X PUT -d {scenario} {root}/__mock/scenario", "",
    ]
    return "\n".join(lines)


def _webhook_secret_line(settings: Settings) -> str:
    if settings.webhook_secret is None:
        return (f"webhook secret: {DEV_WEBHOOK_SECRET.decode()}  (the built-in development "
                "secret; --webhook-secret sets another)")
    # A secret of the operator's own is never printed: logs are often shared.
    return "webhook secret: the one given (--webhook-secret or EXPORT_WEBHOOK_SECRET)"


def _resolution(app: MockApp) -> str:
    fixtures = app.catalog.registered()
    loaded = f"{len(fixtures)} from fixtures" if app.options.fixtures else ""
    if app.options.strict:
        return f"strict: only registered ones ({loaded or 'none loaded'})"
    generated = (f"every http(s) URL resolves to a generated file (seed {app.options.seed}); "
                 "hosts under .invalid never do")
    return f"{generated}; {loaded}" if loaded else generated


def _example_urls(app: MockApp) -> list[str]:
    if app.options.strict:
        registered = [e.source_file_url for e in app.catalog.registered()]
        return registered[:3] or list(EXAMPLE_SOURCE_URLS)
    return list(EXAMPLE_SOURCE_URLS)


def _key_flag(key: str | None) -> str:
    return f" -H {shlex.quote('x-api-key: ' + key)}" if key else ""


class _DropFilter(logging.Filter):
    """Hides the server's traceback for connections the mock drops on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not is_deliberate_drop(record)


def _configure_logging(options: MockOptions) -> None:
    # The mock logs one line of its own per request; the server's access log would repeat it.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.error").addFilter(_DropFilter())
    logger = logging.getLogger("mock_server")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.INFO if options.log_requests else logging.WARNING)
