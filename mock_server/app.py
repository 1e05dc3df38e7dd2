"""`create_mock_app(settings, options)`: the mock server as an ASGI app.

Layers, outermost first: `front` (journal, log line, wire-level scenarios) ->
`AdminOriginGuard` (which pages may drive `/__mock`) -> the shared connexion app (CORS,
problem details) -> `ScenarioMiddleware` -> `FastPath` (valid download requests: the shared
guard, then the handler) -> the shared guard (API key, JSON) -> connexion's routing and
validation -> `MockHandlers` (and `MockJobHandlers` for the export-job routes). The jobs'
clock and their webhook deliveries stop with the server (the app's lifespan).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable

import httpx
from connexion import AsyncApp
from connexion.middleware import MiddlewarePosition
from starlette.types import Receive, Scope, Send

from export_contract.access_log import RequestLabels
from export_contract.application import build_app
from export_contract.routes import RouteTable
from export_contract.settings import Settings
from export_contract.signing import UrlSigner
from export_contract.spec import load_spec

from .admin import ADMIN_PREFIX, AdminApi
from .admin_origins import AdminOriginGuard
from .catalog import ExportCatalog
from .fastpath import FastPath
from .fixtures import load_fixtures
from .front import MockFront
from .handlers import MockHandlers
from .job_handlers import MockJobHandlers
from .jobs import MockJob, MockJobs
from .journal import Journal
from .options import DEV_API_KEY, DEV_WEBHOOK_SECRET, MOCK_URL_SECRET, MockOptions
from .pages import PAGE_PATHS, StaticPages
from .scenario_middleware import ScenarioMiddleware, documented_statuses
from .scenarios import ScenarioState
from .webhooks import WebhookSender

__all__ = ["MockApp", "create_mock_app", "mock_settings"]


def mock_settings(settings: Settings | None = None) -> Settings:
    """`settings` with the mock's defaults: with auth on and no key, the development key."""
    settings = settings or Settings()
    if settings.auth_enabled and not settings.api_keys:
        settings = dataclasses.replace(settings, api_keys=(DEV_API_KEY,))
    return settings


class MockApp:
    """The ASGI app, with handles on the state tests may want to look at."""

    def __init__(self, settings: Settings, options: MockOptions, *,
                 clock: Callable[[], float] = time.time,
                 webhook_transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.options = options
        spec = load_spec("reference")
        fixtures = load_fixtures(options.fixtures, options.seed) if options.fixtures else []
        self.catalog = ExportCatalog(seed=options.seed, strict=options.strict, fixtures=fixtures,
                                     max_upload_total=options.max_upload_total_bytes)
        self.scenarios = ScenarioState()
        self.journal = Journal(options.journal_size)
        routes = RouteTable.from_spec(spec)
        self.api_prefix = routes.base_path
        signer = UrlSigner(settings.url_secret or MOCK_URL_SECRET)
        self.handlers = MockHandlers(self.catalog, settings, signer, routes.base_path)
        self.webhooks = WebhookSender(
            settings.webhook_secret or DEV_WEBHOOK_SECRET, self.journal,
            timeout_seconds=settings.webhook_timeout_seconds,
            retry_delays=settings.webhook_retry_delays_seconds, transport=webhook_transport)
        self.jobs = MockJobs(self.catalog, signer, ttl_seconds=settings.job_ttl_seconds,
                             max_kept=options.jobs_kept, clock=clock, on_event=self._job_event)
        job_handlers = MockJobHandlers(self.jobs, settings, routes.base_path,
                                       job_seconds=options.job_seconds)
        # `front` logs one line per request of its own, with the mock's details.
        self.connexion_app: AsyncApp = build_app(self.handlers, settings,
                                                 optional=[job_handlers],
                                                 import_name=__name__, spec=spec,
                                                 lifespan=self._lifespan, access_log=False)
        self.connexion_app.add_middleware(
            ScenarioMiddleware, position=MiddlewarePosition.BEFORE_SWAGGER,
            scenarios=self.scenarios, latency_ms=options.latency_ms,
            statuses=documented_statuses(spec),
            retry_after_seconds=options.retry_after_seconds)
        if options.fast_path:
            self.connexion_app.add_middleware(
                FastPath, position=MiddlewarePosition.BEFORE_SWAGGER, routes=routes, spec=spec,
                settings=settings, handlers={"downloadExport": self.handlers.download_export,
                          "downloadBatch": self.handlers.download_batch})
        admin = AdminApi(self.scenarios, self.journal, self.catalog, self.jobs)
        labels = RequestLabels(routes, spec, [*PAGE_PATHS, *(path for path, _, _ in admin.routes()),
                                              routes.base_path + "/openapi.json"])
        for path, endpoint, methods in admin.routes():
            self.connexion_app.add_url_rule(path, endpoint=path, view_func=endpoint,
                                            methods=methods)
        page_key = DEV_API_KEY if DEV_API_KEY in settings.api_keys else None
        pages = StaticPages(page_key if settings.auth_enabled else None)
        for path in PAGE_PATHS:
            self.connexion_app.add_url_rule(path, endpoint=path, view_func=pages.endpoint,
                                            methods=["GET"])
        guarded = AdminOriginGuard(self.connexion_app, prefix=ADMIN_PREFIX,
                                   allowed_origins=options.admin_origins,
                                   server_host=settings.host)
        self.front = MockFront(guarded, routes=routes, labels=labels, journal=self.journal,
                               options=options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.front(scope, receive, send)

    def _job_event(self, job: MockJob, event: str) -> None:
        if job.callback_url is not None:
            self.webhooks.send(url=job.callback_url, job_id=job.id, event=event,
                               job=self.jobs.body(job), scenario=job.scenario)

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: object) -> AsyncIterator[None]:
        """Jobs start with the first one; when the server stops, their clock and deliveries
        still under way stop with it."""
        try:
            yield
        finally:
            await self.jobs.aclose()
            await self.webhooks.aclose()


def create_mock_app(settings: Settings | None = None, options: MockOptions | None = None, *,
                    clock: Callable[[], float] = time.time,
                    webhook_transport: httpx.AsyncBaseTransport | None = None) -> MockApp:
    """The mock as an ASGI app; `None` means the defaults (development key, zero set-up).

    `clock` (seconds, like `time.time`) moves export jobs along; `webhook_transport` carries
    their webhooks (default: the network). Both are for tests.
    """
    return MockApp(mock_settings(settings), options or MockOptions(), clock=clock,
                   webhook_transport=webhook_transport)
