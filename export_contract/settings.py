"""Every default in one place; environment variables and CLI flags layer on top."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = ["MiB", "Settings", "parse_key_list", "read_key_file"]

MiB = 1024 * 1024

ENV_API_KEYS = "EXPORT_API_KEYS"
ENV_URL_SECRET = "EXPORT_URL_SECRET"
ENV_DATA_DIR = "EXPORT_DATA_DIR"


@dataclass(frozen=True)
class Settings:
    """Configuration shared by the reference backend and the mock server."""

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("export-data")
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

    def with_env(self, environ: Mapping[str, str] | None = None) -> Settings:
        """These settings overridden by the EXPORT_* environment variables that are set."""
        env = os.environ if environ is None else environ
        settings = self
        if env.get(ENV_API_KEYS):
            keys = settings.api_keys + parse_key_list(env[ENV_API_KEYS])
            settings = replace(settings, api_keys=keys)
        if env.get(ENV_URL_SECRET):
            settings = replace(settings, url_secret=env[ENV_URL_SECRET].encode())
        if env.get(ENV_DATA_DIR):
            settings = replace(settings, data_dir=Path(env[ENV_DATA_DIR]))
        return settings


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
