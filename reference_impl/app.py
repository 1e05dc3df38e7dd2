"""`create_app(settings)`: the reference backend as an ASGI app.

`create_app_from_env()` builds it from the EXPORT_* environment variables: the factory each
worker process calls when the backend runs with several workers.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import tempfile
from collections.abc import AsyncIterator, Callable

import anyio
from anyio import to_thread
from connexion import AsyncApp
from connexion.middleware.lifespan import Lifespan

from export_contract.application import build_app
from export_contract.routes import base_path
from export_contract.settings import Settings
from export_contract.signing import UrlSigner
from export_contract.spec import load_spec

from .handlers import ReferenceHandlers
from .job_handlers import JobHandlers
from .jobs import Jobs
from .storage import ExportStore, StorageError, open_store
from .urls import ExportedUrls, load_or_create_secret, load_or_create_webhook_secret

__all__ = ["create_app", "create_app_from_env"]

logger = logging.getLogger("reference_impl")


def create_app(settings: Settings | None = None) -> AsyncApp:
    settings = settings or Settings()
    store = open_store(settings)
    secret = settings.url_secret or load_or_create_secret(settings.data_dir)
    signer = UrlSigner(secret)
    urls = ExportedUrls(signer, settings.url_ttl_seconds)
    jobs = Jobs(store, settings, url_signer=signer,
                webhook_secret=_webhook_secret(settings))
    spec = load_spec("reference")
    api_prefix = base_path(spec)
    return build_app(ReferenceHandlers(store, urls, settings, api_prefix), settings,
                     optional=[JobHandlers(jobs, settings, api_prefix)],
                     import_name=__name__, spec=spec,
                     lifespan=_serving(store, jobs, settings.sweep_interval_seconds))


def create_app_from_env() -> AsyncApp:
    """The app configured by `Settings.from_env()` (see `Settings.to_env`)."""
    return create_app(Settings.from_env())


def _webhook_secret(settings: Settings) -> Callable[[], bytes]:
    """The webhook secret, read (or made) on first use: a read-only data dir still serves."""
    if settings.webhook_secret is not None:
        given = settings.webhook_secret
        return lambda: given
    return functools.cache(lambda: load_or_create_webhook_secret(settings.data_dir))


def _serving(store: ExportStore, jobs: Jobs, sweep_interval: float) -> Lifespan:
    """While a server runs the app: export jobs, periodic sweeps, temp files in the data dir,
    then close."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: object) -> AsyncIterator[None]:
        # Multipart uploads spool through `tempfile` (starlette has no setting for where):
        # into this process's own temp directory, on the data volume and under the sweep's
        # care, rather than the system's temp dir (often a small tmpfs, i.e. memory).
        previous = tempfile.tempdir
        try:
            tempfile.tempdir = str(store.tmp_dir)
        except OSError as exc:  # a read-only data dir: uploads fail with a clear 500 anyway
            logger.warning("uploads spool to the system's temp dir: %s", exc)
        jobs.start()
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_sweep_periodically, store, sweep_interval)
                yield
                tasks.cancel_scope.cancel()
        finally:
            await to_thread.run_sync(jobs.stop)
            tempfile.tempdir = previous
            store.close()

    return lifespan


async def _sweep_periodically(store: ExportStore, interval: float) -> None:
    while True:
        await anyio.sleep(interval)
        try:
            await to_thread.run_sync(store.sweep)
        except StorageError as exc:  # a read-only or full disk must not stop the server
            logger.warning("periodic sweep failed: %s", exc)
