"""Exported URLs (rule U4): HMAC-signed, expiring, served by the backend itself."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from export_contract.signing import UrlSigner, export_token

from .storage import StorageError, StoredExport

__all__ = ["WEBHOOK_SECRET_FILE", "ExportedUrls", "load_or_create_secret",
           "load_or_create_webhook_secret"]

_SECRET_FILE = "url-signing.key"
WEBHOOK_SECRET_FILE = "webhook-signing.key"


def load_or_create_secret(data_dir: Path) -> bytes:
    """The signing secret kept in the data dir, so URLs issued before a restart still work."""
    return _kept_secret(data_dir / _SECRET_FILE, secrets.token_bytes(32), "EXPORT_URL_SECRET")


def load_or_create_webhook_secret(data_dir: Path) -> bytes:
    """The webhook secret kept in the data dir: text, so the operator can hand it to the
    receivers (`cat DATA_DIR/webhook-signing.key`)."""
    fresh = ("whsec_" + secrets.token_urlsafe(32)).encode("ascii")
    return _kept_secret(data_dir / WEBHOOK_SECRET_FILE, fresh, "EXPORT_WEBHOOK_SECRET")


def _kept_secret(path: Path, secret: bytes, variable: str) -> bytes:
    """The secret in `path`, or `secret` written there first (the first process to write it
    wins; every process then uses that one)."""
    data_dir = path.parent
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    temp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secret)
            out.flush()
            os.fsync(out.fileno())
        try:
            # link() fails if another worker won the race: then everyone uses the winner's
            # secret.
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            temp.unlink()
        return path.read_bytes()
    except OSError as exc:
        raise StorageError(f"cannot create the secret {path.name} in {data_dir} "
                           f"({exc.strerror or exc}); make the data directory writable or set "
                           f"{variable}") from exc


class ExportedUrls:
    def __init__(self, signer: UrlSigner, ttl_seconds: int) -> None:
        self.signer = signer
        self.ttl_seconds = ttl_seconds

    def token_for(self, export: StoredExport) -> str:
        return export_token(self.signer, export.source_file_url, export.sha256,
                            self.ttl_seconds)
