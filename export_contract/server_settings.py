"""The settings a server starts with: defaults, then EXPORT_* variables, then the command line.

Both `serve` and `mock` build their settings here, so a flag and its variable mean the same to
both, and the API-key policy (which keys, what happens without one, the `--no-auth` warning)
is decided in one place rather than in each command.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .durations import parse_duration
from .rate_limits import parse_rate_limits
from .settings import (
    NO_ORIGINS,
    Settings,
    parse_blob_store,
    parse_database_url,
    parse_webhook_secret,
    read_key_file,
)

__all__ = ["NO_AUTH_WARNING", "NoApiKey", "Overrides", "no_auth_warning", "server_settings"]

NO_AUTH_WARNING = ("WARNING: --no-auth: every request is accepted without an API key; "
                   "use this only on your own machine.")


class NoApiKey(ValueError):
    """Authentication is on and no key is configured, so every request would be refused."""


@dataclass(frozen=True)
class Overrides:
    """What a command line gave; `None` (or empty, or `False`) means not given.

    Fields are named after the `Settings` field they set, except `api_key_file` (its keys are
    added to `api_keys`) and `no_auth` (switches `auth_enabled` off).
    """

    host: str | None = None
    port: int | None = None
    data_dir: Path | None = None
    api_keys: tuple[str, ...] = ()
    api_key_file: Path | None = None
    no_auth: bool = False
    # `none` among them switches CORS off, as EXPORT_CORS_ORIGINS=none does.
    cors_origins: tuple[str, ...] = ()
    max_items: int | None = None
    url_ttl_seconds: int | None = None
    public_base_url: str | None = None
    request_head_timeout_seconds: float | None = None
    request_body_timeout_seconds: float | None = None
    keep_alive_timeout_seconds: float | None = None
    max_connections: int | None = None
    job_workers: int | None = None
    job_ttl: str | None = None
    webhook_secret: str | None = None
    allow_private_callbacks: bool = False
    rate_limits: tuple[str, ...] = ()
    database_url: str | None = None
    blob_store: str | None = None


# Overrides fields copied as they are onto the Settings field of the same name.
_PLAIN = ("host", "port", "data_dir", "max_items", "url_ttl_seconds", "public_base_url",
          "request_head_timeout_seconds", "request_body_timeout_seconds",
          "keep_alive_timeout_seconds", "max_connections", "job_workers")


def server_settings(overrides: Overrides, *, defaults: Settings | None = None,
                    fallback_key: str | None = None,
                    environ: Mapping[str, str] | None = None) -> Settings:
    """`defaults`, then the EXPORT_* variables set in `environ`, then `overrides` (flags win).

    Keys add up, so a rotation can overlap: EXPORT_API_KEYS, then `--api-key`, then the key
    file. With authentication on and no key at all, `fallback_key` is used (the mock's
    development key, `serve --demo`'s random one); without one, `NoApiKey`. A variable that
    does not parse, or a key file that cannot be read or holds no key, raises ValueError or
    OSError saying which.
    """
    settings = (defaults or Settings()).with_env(environ)
    changes: dict[str, object] = {name: getattr(overrides, name) for name in _PLAIN
                                  if getattr(overrides, name) is not None}
    file_keys = read_key_file(overrides.api_key_file) if overrides.api_key_file else ()
    changes["api_keys"] = settings.api_keys + overrides.api_keys + file_keys
    if overrides.no_auth:
        changes["auth_enabled"] = False
    if overrides.cors_origins:
        changes["cors_origins"] = tuple(o for o in overrides.cors_origins if o != NO_ORIGINS)
    changes.update(_job_changes(overrides))
    settings = dataclasses.replace(settings, **changes)  # type: ignore[arg-type]
    return _with_key_policy(settings, fallback_key)


def _job_changes(overrides: Overrides) -> dict[str, object]:
    """The export-jobs flags, parsed (ValueError says which flag and what to write)."""
    changes: dict[str, object] = {}
    if overrides.job_ttl is not None:
        changes["job_ttl_seconds"] = _flag("--job-ttl", parse_duration, overrides.job_ttl)
    if overrides.webhook_secret is not None:
        changes["webhook_secret"] = _flag("--webhook-secret", parse_webhook_secret,
                                          overrides.webhook_secret)
    if overrides.allow_private_callbacks:
        changes["allow_private_callbacks"] = True
    if overrides.rate_limits:
        changes["rate_limits"] = _flag("--rate-limit", parse_rate_limits, overrides.rate_limits)
    if overrides.database_url is not None:
        changes["database_url"] = _flag("--database-url", parse_database_url,
                                        overrides.database_url)
    if overrides.blob_store is not None:
        changes["blob_store"] = _flag("--blob-store", parse_blob_store, overrides.blob_store)
    return changes


def _flag(name: str, parse: Callable[[Any], object], value: object) -> object:
    try:
        return parse(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _with_key_policy(settings: Settings, fallback_key: str | None) -> Settings:
    if not settings.auth_enabled or settings.api_keys:
        return settings
    if fallback_key is None:
        raise NoApiKey("no API key configured: pass --api-key KEY (or --api-key-file, or set "
                       "EXPORT_API_KEYS), or --no-auth for local use")
    return dataclasses.replace(settings, api_keys=(fallback_key,))


def no_auth_warning(settings: Settings) -> str | None:
    """What a server says on start when it accepts every request without a key."""
    return None if settings.auth_enabled else NO_AUTH_WARNING
