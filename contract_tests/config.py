"""`export-contract.toml`: everything the verify flags hold, in a file; flags override it.

Keys are the flag names without dashes in front (``base-url``, ``source-urls``, ``strict``,
...), at the top level or in a ``[verify]`` table. The key itself is better kept out of files:
``api-key-env = "NAME"`` reads it from that environment variable.

    [verify]
    base-url = "http://127.0.0.1:8080/api"
    api-key-env = "EXPORT_API_KEY"
    source-urls = ["https://canvas.example.com/files/floor-plan.pdf"]
    origin = "https://app.example.com"
    strict = true
    profile = "contract"
    max-items = 100
    max-body-bytes = 1048576
    junit-xml = "test-results/export-contract.xml"
    jobs = true                        # export jobs are required (J1 fails without them)
    webhook-secret-env = "EXPORT_WEBHOOK_SECRET"
    callback-listen = "0.0.0.0:8099"   # the webhook receiver's address
    callback-base-url = "http://host.docker.internal:8099"
    webhook-retry-wait = 60
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import VerifyUsageError
from .options import VerifyOptions

__all__ = ["VerifySettings", "read_config", "settings_from"]

# key -> (option field, expected type); list keys accept a single string too.
_KEYS: dict[str, tuple[str, type | tuple[type, ...]]] = {
    "base-url": ("base_url", str),
    "api-key": ("api_key", str),
    "source-urls": ("source_urls", list),
    "fixtures": ("fixtures", str),
    "origin": ("origin", str),
    "strict": ("strict", bool),
    "profile": ("profile", str),
    "max-items": ("max_items", int),
    "max-body-bytes": ("max_body_bytes", int),
    "follow-urls": ("follow_urls", bool),
    "url-revisit-after": ("url_revisit_seconds", (int, float)),
    "big-archive": ("big_archive", bool),
    "max-examples": ("max_examples", int),
    "seed": ("seed", int),
    "checks": ("checks", list),
    "exclude-checks": ("exclude_checks", list),
    "timeout": ("timeout", (int, float)),
    "headers": ("headers", dict),
    "junit-xml": ("junit_xml", str),
    "report": ("report", str),
    "jobs": ("jobs", bool),
    "callback-listen": ("callback_listen", str),
    "callback-base-url": ("callback_base_url", str),
    "webhook-retry-wait": ("webhook_retry_wait", (int, float)),
}
# Secrets are better kept out of files: key -> option field read from the variable it names.
_ENV_KEYS = {"api-key-env": "api_key", "webhook-secret-env": "webhook_secret"}
_ALIASES = {"source-url": "source-urls"}
_OUTPUTS = ("junit_xml", "report")


@dataclass(frozen=True)
class VerifySettings:
    """Options for the run plus where to write the reports."""

    options: VerifyOptions
    junit_xml: Path | None = None
    report: Path | None = None


def read_config(path: Path, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The config file as option field names -> values; ``VerifyUsageError`` when unusable."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise VerifyUsageError(f"cannot read config {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise VerifyUsageError(f"config {path} is not valid TOML: {exc}") from None
    table = data.get("verify", data)
    if not isinstance(table, dict):
        raise VerifyUsageError(f"config {path}: [verify] must be a table")
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = _ALIASES.get(raw_key.replace("_", "-"), raw_key.replace("_", "-"))
        if key == "verify":
            continue
        if key in _ENV_KEYS:
            values[_ENV_KEYS[key]] = _from_env(path, key, value, env)
            continue
        if key not in _KEYS:
            known = ", ".join(sorted([*_KEYS, *_ENV_KEYS]))
            raise VerifyUsageError(f"config {path}: unknown key {raw_key!r} (known: {known})")
        field, kind = _KEYS[key]
        if kind is list and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise VerifyUsageError(f"config {path}: {raw_key} has the wrong type "
                                   f"({type(value).__name__})")
        if isinstance(value, list):
            if not all(isinstance(item, str) for item in value):
                raise VerifyUsageError(f"config {path}: {raw_key} must be a list of strings")
            value = tuple(value)
        values[field] = value
    return values


def _from_env(path: Path, key: str, name: object, env: Mapping[str, str]) -> str:
    """The value of the environment variable a ``*-env`` key names; it must be set."""
    if not isinstance(name, str) or not env.get(name):
        raise VerifyUsageError(f"config {path}: {key} names {name!r}, which is not set in the "
                               "environment")
    return env[name]


def settings_from(config: Mapping[str, Any], flags: Mapping[str, Any]) -> VerifySettings:
    """Merge config values and flags (a flag that is ``None`` or empty was not given)."""
    merged = dict(config)
    for name, value in flags.items():
        if value is None or value == ():
            continue
        merged[name] = value
    if not merged.get("base_url"):
        raise VerifyUsageError("--base-url is required (or base-url in the config file)")
    outputs = {name: merged.pop(name, None) for name in _OUTPUTS}
    for name in ("timeout", "url_revisit_seconds", "webhook_retry_wait"):
        if name in merged:
            merged[name] = float(merged[name])
    options = VerifyOptions(**merged)
    return VerifySettings(
        options=options,
        junit_xml=Path(outputs["junit_xml"]) if outputs["junit_xml"] else None,
        report=Path(outputs["report"]) if outputs["report"] else None,
    )
