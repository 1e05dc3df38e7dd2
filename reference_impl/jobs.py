"""The export-job machinery of one process: store, builders, webhook sender, housekeeping.

`start()` (when the server starts, or on the first job if no server lifespan runs) takes over
jobs left by ended processes and starts the threads; `stop()` (when it stops) lets the job in
progress stay `processing` for the next process, and stops the threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from export_contract.settings import Settings
from export_contract.signing import UrlSigner

from .job_links import JobLinks
from .job_runner import JobRunner
from .job_store import JobStore
from .job_zip import JobZipBuilder
from .outbox import Outbox
from .storage import ExportStore, StorageError
from .webhooks import WebhookSender

__all__ = ["Jobs"]

logger = logging.getLogger("reference_impl")


class Jobs:
    def __init__(self, store: ExportStore, settings: Settings, *, url_signer: UrlSigner,
                 webhook_secret: Callable[[], bytes],
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self.store = JobStore(store)
        self.outbox = Outbox(store)
        self.links = JobLinks(url_signer, settings.public_base_url)
        self.sender = WebhookSender(self.outbox, webhook_secret,
                                    timeout_seconds=settings.webhook_timeout_seconds,
                                    retry_delays=settings.webhook_retry_delays_seconds,
                                    allow_private=settings.allow_private_callbacks, clock=clock)
        self.runner = JobRunner(self.store, JobZipBuilder(store, settings.zip_chunk_bytes),
                                self.links, workers=settings.job_workers,
                                ttl_seconds=settings.job_ttl_seconds,
                                on_event=self.sender.wake, clock=clock,
                                poll_seconds=settings.job_check_interval_seconds)
        self._started = False
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._housekeeper: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        self.runner.start()
        self.sender.start()
        self._housekeeper = threading.Thread(target=self._housekeep, name="export-jobs",
                                             daemon=True)
        self._housekeeper.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._housekeeper is not None:
            self._housekeeper.join()
        self.runner.stop()
        self.sender.stop()

    def _housekeep(self) -> None:
        """Take over orphaned jobs and webhooks, expire complete jobs: now, then every
        interval."""
        while not self._stopping.is_set():
            try:
                self.runner.check()
                if self.outbox.release_ended_leases(self.clock()):
                    self.sender.wake()
                self.outbox.forget_settled(self.clock())
            except StorageError as exc:  # a locked database must not stop the thread
                logger.warning("export jobs: %s", exc)
            except Exception:  # nor anything else: the next round may succeed
                logger.exception("export jobs: housekeeping failed")
            self._stopping.wait(self.settings.job_check_interval_seconds)
