"""`export-contract msw`'s library: MSW (v2) handlers as one ES module, from a template.

The template (`msw_handlers.js`) holds the behaviour in JavaScript; what it must agree on with
the mock (routes under the spec's base path, scenarios, statuses each operation documents,
media types, limits, the development key) is filled in here from the same sources the mock
reads, so the handlers cannot drift from it on those facts.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from export_contract.filenames import pinned_media_types
from export_contract.job_routes import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from export_contract.jobs import MANIFEST_NAME
from export_contract.problems import TITLES
from export_contract.responses import MAX_MANIFEST_HEADER_BYTES
from export_contract.settings import Settings
from export_contract.spec import load_spec

from .catalog import DEFAULT_EXTENSION
from .jobs import GONE_SCENARIO_SECONDS, SLOW_SCENARIO_MIN_SECONDS
from .options import DEFAULT_JOB_SECONDS, DEFAULT_PORT, DEV_API_KEY, MockOptions
from .scenario_middleware import documented_statuses
from .scenarios import JOB_SCENARIOS, MAX_DELAY_MS, MAX_JOB_DURATION_SECONDS, SCENARIOS

__all__ = ["DEFAULT_MSW_BASE_URL", "msw_module"]

DEFAULT_MSW_BASE_URL = f"http://localhost:{DEFAULT_PORT}/api"
_TEMPLATE = "msw_handlers.js"
_PLACEHOLDER = "__CONFIG__"
_SLOW_PIECES = 8
# The spec's paths, by the name the template uses.
_PATHS = {"single": "/viewer/exports/download", "batch": "/viewer/exports/download-batch",
          "files": "/viewer/exports/files", "jobs": "/viewer/exports/jobs"}


def msw_module(base_url: str = DEFAULT_MSW_BASE_URL, api_key: str | None = DEV_API_KEY) -> str:
    """The ES module's text: handlers for `base_url` (the `/api` prefix included) by default.

    Raises ValueError for a base URL that is neither absolute http(s) nor a path.
    """
    _check_base_url(base_url)
    template = (resources.files(__package__) / _TEMPLATE).read_text(encoding="utf-8")
    config = json.dumps(_config(base_url.rstrip("/"), api_key), indent=2, ensure_ascii=False)
    return template.replace(_PLACEHOLDER, config, 1)


def _check_base_url(base_url: str) -> None:
    parts = urlsplit(base_url)
    absolute = parts.scheme in ("http", "https") and bool(parts.netloc)
    if not (absolute or (base_url.startswith("/") and not parts.netloc)) or parts.query:
        raise ValueError(f"--base-url {base_url!r} is not usable; give the API's base URL with "
                         "its prefix, e.g. http://localhost:4010/api or /api.")


def _config(base_url: str, api_key: str | None) -> dict[str, Any]:
    spec = load_spec("reference")
    source_url = spec["components"]["schemas"]["SourceFileUrl"]
    settings = Settings()
    options = MockOptions()
    paths = spec["paths"]
    for path in _PATHS.values():
        assert path in paths or f"{path}/{{token}}" in paths, path  # the spec still has it
    return {
        "baseUrl": base_url,
        "apiKey": api_key,
        "paths": _PATHS,
        "titles": {str(status): list(pair) for status, pair in TITLES.items()},
        "mediaTypes": pinned_media_types(),
        "defaultExtension": DEFAULT_EXTENSION,
        "scenarios": {name: {"status": s.status, "detail": s.detail,
                             "operations": sorted(s.operations)}
                      for name, s in SCENARIOS.items()},
        "jobScenarios": sorted(JOB_SCENARIOS),
        "statuses": {op: sorted(codes) for op, codes in documented_statuses(spec).items()},
        "maxDelayMs": MAX_DELAY_MS,
        "maxJobSeconds": MAX_JOB_DURATION_SECONDS,
        "retryAfterSeconds": options.retry_after_seconds,
        "slowStreamStepMs": round(options.slow_stream_seconds * 1000 / _SLOW_PIECES),
        "maxItems": settings.max_items,
        "maxJobItems": settings.max_job_items,
        "maxUrlLength": source_url["maxLength"],
        "urlPattern": source_url["pattern"],
        "urlTtlSeconds": settings.url_ttl_seconds,
        "jobSeconds": DEFAULT_JOB_SECONDS,
        "jobTtlSeconds": settings.job_ttl_seconds,
        "goneScenarioSeconds": GONE_SCENARIO_SECONDS,
        "slowScenarioMinSeconds": SLOW_SCENARIO_MIN_SECONDS,
        "jobPageSize": DEFAULT_PAGE_SIZE,
        "jobMaxPageSize": MAX_PAGE_SIZE,
        "manifestName": MANIFEST_NAME,
        "maxManifestJsonBytes": MAX_MANIFEST_HEADER_BYTES // 4 * 3,
    }
