"""`VerifyOptions`: everything one verify run needs, in one frozen dataclass.

The CLI flags, the `export-contract.toml` config file and the pytest plugin options all
end up here. `None` means "not given"; defaults live in this module only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from .errors import VerifyUsageError

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_URL_REVISIT_SECONDS",
    "DEFAULT_WEBHOOK_RETRY_WAIT",
    "PROFILES",
    "FixtureMode",
    "Profile",
    "VerifyOptions",
    "VerifyUsageError",
]

DEFAULT_MAX_EXAMPLES = 25
DEFAULT_TIMEOUT = 30.0
DEFAULT_URL_REVISIT_SECONDS = 3.0
# The contract asks for retries over at least a minute: a minute covers the first few.
DEFAULT_WEBHOOK_RETRY_WAIT = 60.0

FixtureMode = Literal["auto"]
Profile = Literal["contract", "reference"]
PROFILES: tuple[Profile, ...] = ("contract", "reference")

# An ASGI application: a callable taking (scope, receive, send). Kept loose on purpose so any
# framework's app (Starlette, connexion, FastAPI, ...) fits without importing it.
AsgiApp = Any


@dataclass(frozen=True)
class VerifyOptions:
    """What to check, where, and how hard.

    Attributes:
        base_url: the backend's base URL including its API prefix, e.g.
            ``http://127.0.0.1:8080/api``.
        api_key: a valid ``x-api-key``. Without it the auth checks (A2, A3) report SKIP.
        source_urls: ``sourceFileUrl`` values of exports the backend knows.
        fixtures: ``"auto"`` registers fixture exports through ``POST {base}/viewer/exports``
            (when the backend has that route) and removes them afterwards.
        origin: a browser origin; enables the CORS checks (X1, X2, A4).
        strict: SHOULD rules gate too (otherwise their breaches are warnings).
        profile: ``"contract"`` (the default) judges MUST and SHOULD rules only;
            ``"reference"`` also judges the REF rules, the choices of our reference backend and
            mock (URL pattern, skipped records, problem details, 401 vs 403, ...).
        max_items: the backend's declared batch item limit; with it Q5 is checked at its edges.
        max_body_bytes: the backend's declared body size limit, likewise.
        follow_urls: fetch every exported URL of URL mode (U4-U6); on by default.
        url_revisit_seconds: how long after issue the first exported URLs are fetched again at
            the end of the run (U6); the run waits for it when it finishes sooner.
        big_archive: with ``fixtures="auto"``, build a batch zip past 4 GiB to check ZIP64 (Z7).
            Uploads about 48 MiB and streams about 4.3 GB through a temporary file.
        max_examples: examples per property (batch compositions) and per fuzzed operation/mode.
        seed: the hypothesis seed; ``None`` picks one (the report says which).
        checks: run only these check IDs (a rule ID selects all of its checks).
        exclude_checks: leave these check IDs (or rule IDs) out.
        transport: an ``httpx`` transport to send every request through (sync or async, e.g.
            ``httpx.ASGITransport(app=app)``); ``None`` uses the network.
        app: shorthand for ``transport=httpx.ASGITransport(app=app)``: test an ASGI app
            in-process, with ``base_url`` such as ``http://testserver/api``.
        timeout: seconds per request.
        headers: extra headers sent with every request (e.g. a gateway's own token).
        jobs: require export jobs: without them rule J1 fails (otherwise the job checks are
            skipped when ``POST {base}/viewer/exports/jobs`` answers 404 or 405).
        callback_listen: ``HOST:PORT`` the checker's webhook receiver listens on (default
            ``127.0.0.1`` on a free port).
        callback_base_url: the receiver's URL as the backend reaches it, when that is not the
            listening address (a container, a tunnel).
        webhook_secret: the backend's webhook secret; without it only the signature's shape
            is judged and its MAC is "could not check".
        webhook_retry_wait: seconds to wait for the retry of a delivery answered 500 (J7,
            SHOULD).
    """

    base_url: str
    api_key: str | None = None
    source_urls: tuple[str, ...] = ()
    fixtures: FixtureMode | None = None
    origin: str | None = None
    strict: bool = False
    profile: Profile = "contract"
    max_items: int | None = None
    max_body_bytes: int | None = None
    follow_urls: bool = True
    url_revisit_seconds: float = DEFAULT_URL_REVISIT_SECONDS
    big_archive: bool = False
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int | None = None
    checks: tuple[str, ...] = ()
    exclude_checks: tuple[str, ...] = ()
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = field(
        default=None, compare=False, repr=False
    )
    app: AsgiApp | None = field(default=None, compare=False, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    headers: Mapping[str, str] = field(default_factory=dict, compare=False)
    jobs: bool = False
    callback_listen: str | None = None
    callback_base_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_retry_wait: float = DEFAULT_WEBHOOK_RETRY_WAIT

    def listen_address(self) -> tuple[str, int]:
        """Where the webhook receiver listens: ``--callback-listen`` or loopback, any port."""
        if self.callback_listen is None:
            return "127.0.0.1", 0
        host, _, port = self.callback_listen.strip().rpartition(":")
        return host.strip("[]") or "127.0.0.1", int(port)

    def _validate_callbacks(self) -> None:
        if self.callback_listen is not None:
            _host, sep, port = self.callback_listen.strip().rpartition(":")
            if not sep or not port.isdigit() or int(port) > 65535:
                raise VerifyUsageError(f"--callback-listen takes HOST:PORT such as "
                                       f"127.0.0.1:8099 (port 0 picks a free one), got "
                                       f"{self.callback_listen!r}")
        if self.callback_base_url is not None:
            url = httpx.URL(self.callback_base_url.strip())
            if url.scheme not in ("http", "https") or not url.host:
                raise VerifyUsageError(f"--callback-base-url must be an absolute http(s) URL "
                                       f"the backend can reach, such as "
                                       f"http://host.docker.internal:8099, got "
                                       f"{self.callback_base_url!r}")
        if self.webhook_secret is not None and not self.webhook_secret:
            raise VerifyUsageError("--webhook-secret is empty")
        if self.webhook_retry_wait < 0:
            raise VerifyUsageError(f"--webhook-retry-wait must be 0 or more seconds, got "
                                   f"{self.webhook_retry_wait}")

    def replace(self, **changes: Any) -> VerifyOptions:
        return dataclasses.replace(self, **changes)

    def validated(self) -> VerifyOptions:
        """These options, normalised; raise :class:`VerifyUsageError` when unusable."""
        base = self.base_url.strip()
        parsed = httpx.URL(base) if base else None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
            raise VerifyUsageError(
                f"--base-url must be an absolute http(s) URL such as "
                f"http://127.0.0.1:8080/api, got {self.base_url!r}"
            )
        if self.max_examples < 1:
            raise VerifyUsageError(f"--max-examples must be at least 1, got {self.max_examples}")
        if self.fixtures not in (None, "auto"):
            raise VerifyUsageError(f"--fixtures takes 'auto', got {self.fixtures!r}")
        if self.big_archive and self.fixtures != "auto":
            raise VerifyUsageError("the big-archive (ZIP64) check needs --fixtures auto")
        if self.profile not in PROFILES:
            raise VerifyUsageError(f"--profile takes 'contract' or 'reference', got "
                                   f"{self.profile!r}")
        for name, value in (("--max-items", self.max_items),
                            ("--max-body-bytes", self.max_body_bytes)):
            if value is not None and value < 1:
                raise VerifyUsageError(f"{name} must be at least 1, got {value}")
        if self.url_revisit_seconds < 0:
            raise VerifyUsageError(f"--url-revisit-after must be 0 or more seconds, got "
                                   f"{self.url_revisit_seconds}")
        if self.timeout <= 0:
            raise VerifyUsageError(f"timeout must be positive, got {self.timeout}")
        if self.app is not None and self.transport is not None:
            raise VerifyUsageError("give an ASGI app or a transport, not both")
        if self.api_key is not None and not self.api_key.strip():
            raise VerifyUsageError("--api-key is empty")
        self._validate_callbacks()
        return self.replace(
            base_url=base.rstrip("/"),
            source_urls=tuple(dict.fromkeys(u.strip() for u in self.source_urls if u.strip())),
        )
