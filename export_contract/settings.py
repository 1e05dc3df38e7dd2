"""Every default in one place; EXPORT_* environment variables layer on top.

A server command puts its flags on top of those (`server_settings`).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import cast

from .durations import parse_duration
from .rate_limits import RateLimit, format_rate_limits, parse_rate_limits

__all__ = ["NO_ORIGINS", "MiB", "Settings", "env_name", "parse_key_list", "parse_retry_delays",
           "parse_webhook_secret", "read_key_file"]

MiB = 1024 * 1024

ENV_PREFIX = "EXPORT_"
# `cors_origins` as an environment variable: CORS switched off (as `--cors-origin none`).
NO_ORIGINS = "none"


@dataclass(frozen=True)
class Settings:
    """Configuration shared by the reference backend and the mock server."""

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("export-data")
    # Where the reference backend keeps exports, jobs and webhooks: None is SQLite in the data
    # dir; `postgresql://…` is a database several instances share (`parse_database_url`).
    database_url: str | None = None
    # Where export bytes go: None is `blobs/` in the data dir; a directory (maybe shared by
    # several instances) or an S3-compatible bucket, `s3://bucket/prefix` (`parse_blob_store`).
    blob_store: str | None = None
    # Several keys at once so a rotation can overlap; empty with auth on means every key fails.
    api_keys: tuple[str, ...] = ()
    auth_enabled: bool = True
    cors_origins: tuple[str, ...] = ("*",)
    max_items: int = 100
    max_body_bytes: int = 1 * MiB
    max_upload_bytes: int = 1024 * MiB
    url_ttl_seconds: int = 900
    # None: the backend keeps a random secret in its data dir, so URLs survive a restart.
    url_secret: bytes | None = None
    # None: exported URLs are built from the request's own scheme and host.
    public_base_url: str | None = None
    zip_chunk_bytes: int = 1 * MiB
    # How long a write waits for another writer's lock on the database before giving up
    # (the request then gets a 503 and may be retried).
    db_busy_timeout_seconds: float = 30.0
    # Connection timeouts (see `export_contract.connections`): a request's head must arrive
    # within this long of its first byte (or of the connection opening), ...
    request_head_timeout_seconds: float = 10.0
    # ... its body may go this long without a byte, ...
    request_body_timeout_seconds: float = 30.0
    # ... and a keep-alive connection may stay this long without a new request.
    keep_alive_timeout_seconds: float = 5.0
    # Open connections per process beyond which a new one is answered 503 at once; None:
    # derived from the process's descriptor limit (`connections.default_max_connections`).
    max_connections: int | None = None
    # How often the reference backend sweeps temp files and unreferenced blobs left by crashes.
    sweep_interval_seconds: float = 600.0
    # Export jobs: how many each process builds at once, ...
    job_workers: int = 2
    # ... how long a complete job's download stays (then the job is `gone`), ...
    job_ttl_seconds: float = 86400.0
    # ... how many items one job may hold (413 beyond) and how large its request body may be
    # (a job's items list is far longer than a batch's: it gets a limit of its own).
    max_job_items: int = 10_000
    max_job_body_bytes: int = 8 * MiB
    # How often a process takes over jobs whose process ended and marks expired jobs gone.
    job_check_interval_seconds: float = 5.0
    # Webhooks: None: the backend keeps a random secret in its data dir (like `url_secret`).
    webhook_secret: bytes | None = None
    # Callback targets on loopback, private and link-local addresses are refused unless this
    # is on (local development, tests).
    allow_private_callbacks: bool = False
    webhook_timeout_seconds: float = 10.0
    # The waits before each retry of an undelivered webhook: 7 attempts over about 9 minutes.
    webhook_retry_delays_seconds: tuple[float, ...] = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0)
    # Per API key and route group (`download`, `batch`, `jobs`); none by default.
    rate_limits: tuple[RateLimit, ...] = ()

    def with_env(self, environ: Mapping[str, str] | None = None) -> Settings:
        """These settings overridden by the EXPORT_* environment variables that are set.

        Every field has one (`EXPORT_` + the field's name in capitals, e.g. `EXPORT_MAX_ITEMS`);
        an empty variable counts as unset. Keys from `EXPORT_API_KEYS` are added to the keys
        already configured, so a rotation can overlap. A value that does not parse raises
        ValueError naming the variable.
        """
        env = os.environ if environ is None else environ
        changes: dict[str, object] = {}
        for name, parse in _ENV_PARSERS.items():
            text = env.get(env_name(name), "")
            if not text:
                continue
            try:
                changes[name] = parse(text)
            except ValueError as exc:
                raise ValueError(f"{env_name(name)}={text[:40]!r}: {exc}") from exc
        if "api_keys" in changes:
            changes["api_keys"] = self.api_keys + cast(tuple[str, ...], changes["api_keys"])
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The defaults overridden by the EXPORT_* environment variables (see `with_env`)."""
        return cls().with_env(environ)

    def to_env(self) -> dict[str, str]:
        """These settings as EXPORT_* variables: `Settings.from_env(s.to_env()) == s`.

        How a server hands its settings to worker processes it starts.
        """
        env: dict[str, str] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "api_keys":
                for key in value:
                    if parse_key_list(key) != (key,):
                        raise ValueError("an API key with a comma, a line break, surrounding "
                                         "blanks or a leading # cannot be passed on")
                text = ",".join(value)
            elif field.name == "cors_origins":
                text = ",".join(value) if value else NO_ORIGINS
            elif isinstance(value, bool):
                text = "1" if value else "0"
            elif field.name == "rate_limits":
                text = format_rate_limits(value)
            elif field.name == "webhook_retry_delays_seconds":
                text = ",".join(repr(delay) for delay in value)
            elif isinstance(value, bytes):
                text = value.decode("utf-8", errors="surrogateescape")
            else:
                text = "" if value is None else str(value)
            if "\0" in text:
                raise ValueError(f"{field.name} holds a NUL character, which no environment "
                                 "variable can carry")
            if text:
                env[env_name(field.name)] = text
        return env


def env_name(field_name: str) -> str:
    """The environment variable of a settings field: `max_items` -> `EXPORT_MAX_ITEMS`."""
    return ENV_PREFIX + field_name.upper()


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected 1/0, true/false, yes/no or on/off")


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError("expected a number of seconds above 0")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("expected a whole number of 1 or more")
    return value


def _origins(text: str) -> tuple[str, ...]:
    origins = tuple(o.strip() for o in text.split(",") if o.strip())
    return () if origins == (NO_ORIGINS,) else origins


def _secret(text: str) -> bytes:
    # surrogateescape: any bytes survive the trip through the environment.
    return text.encode("utf-8", errors="surrogateescape")


def parse_webhook_secret(text: str) -> bytes:
    """A webhook signing secret as given (`--webhook-secret`, `EXPORT_WEBHOOK_SECRET`)."""
    secret = _secret(text)
    if len(secret) < 16:
        raise ValueError("the webhook secret must be at least 16 bytes long; generate one with "
                         "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`")
    return secret


def parse_retry_delays(text: str) -> tuple[float, ...]:
    """`5,15,30s,1min`: the waits before each webhook retry, each at least the one before."""
    delays = tuple(parse_duration(part) for part in text.split(",") if part.strip())
    if not delays:
        raise ValueError("expected at least one delay, e.g. 5,15,30,60,120,300")
    if any(later < earlier for earlier, later in itertools.pairwise(delays)):
        raise ValueError("the delays must grow (each at least the one before), e.g. "
                         "5,15,30,60,120,300")
    return delays


_ENV_PARSERS: dict[str, Callable[[str], object]] = {
    "host": str,
    "port": int,
    "data_dir": Path,
    "database_url": lambda text: parse_database_url(text),
    "blob_store": lambda text: parse_blob_store(text),
    "api_keys": lambda text: parse_key_list(text),
    "auth_enabled": _boolean,
    "cors_origins": _origins,
    "max_items": int,
    "max_body_bytes": int,
    "max_upload_bytes": int,
    "url_ttl_seconds": int,
    "url_secret": _secret,
    "public_base_url": str,
    "zip_chunk_bytes": int,
    "db_busy_timeout_seconds": float,
    "request_head_timeout_seconds": _positive_float,
    "request_body_timeout_seconds": _positive_float,
    "keep_alive_timeout_seconds": _positive_float,
    "max_connections": _positive_int,
    "sweep_interval_seconds": _positive_float,
    "job_workers": _positive_int,
    "job_ttl_seconds": lambda text: parse_duration(text),
    "max_job_items": _positive_int,
    "max_job_body_bytes": _positive_int,
    "job_check_interval_seconds": _positive_float,
    "webhook_secret": parse_webhook_secret,
    "allow_private_callbacks": _boolean,
    "webhook_timeout_seconds": _positive_float,
    "webhook_retry_delays_seconds": parse_retry_delays,
    "rate_limits": lambda text: parse_rate_limits([text]),
}


_DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres", "postgresql+psycopg")


def _without_password(url: str) -> str:
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url.strip())


def parse_database_url(text: str) -> str:
    """`sqlite:///path/to/file` or `postgresql://user:pass@host:port/db`, checked."""
    scheme, sep, rest = text.strip().partition("://")
    if not sep or scheme.lower() not in _DATABASE_SCHEMES or not rest:
        # Named without its password: error messages end up in logs.
        raise ValueError(f"{_without_password(text)!r} is not a database URL: expected "
                         "sqlite:///path/to/file or postgresql://user:password@host:5432/database")
    if scheme.lower() == "sqlite" and not rest.startswith("/"):
        raise ValueError(f"{text!r}: a SQLite URL names a file with three slashes, e.g. "
                         "sqlite:///var/lib/exports/exports.sqlite3")
    return text.strip()


def parse_blob_store(text: str) -> str:
    """A directory (a path, or `file:///path`) or a bucket, `s3://bucket/prefix`."""
    value = text.strip()
    if value.startswith("file://"):
        value = value.removeprefix("file://")
    if value.lower().startswith("s3://"):
        if not value[len("s3://"):].split("/", 1)[0]:
            raise ValueError(f"{text!r} names no bucket: write s3://bucket or "
                             "s3://bucket/prefix")
        return value
    if "://" in value:
        raise ValueError(f"{text!r}: the blob store is a directory (a path, or file:///path) "
                         "or an S3-compatible bucket (s3://bucket/prefix)")
    if not value:
        raise ValueError("the blob store is empty: give a directory path or s3://bucket")
    return value


def parse_key_list(text: str) -> tuple[str, ...]:
    """Keys from a comma- or newline-separated list; blanks and `#` comment lines dropped."""
    keys = []
    for line in text.replace(",", "\n").splitlines():
        key = line.strip()
        if key and not key.startswith("#"):
            keys.append(key)
    return tuple(keys)


def read_key_file(path: Path) -> tuple[str, ...]:
    keys = parse_key_list(path.read_text(encoding="utf-8"))
    if not keys:
        raise ValueError(f"API key file {path} holds no key (one key per line expected)")
    return keys
