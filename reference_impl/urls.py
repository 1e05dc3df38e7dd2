"""Exported URLs (rule U4): HMAC-signed, expiring, served by the backend itself."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from export_contract.signing import UrlSigner

from .storage import StorageError, StoredExport

__all__ = ["ExportedUrls", "load_or_create_secret"]

_SECRET_FILE = "url-signing.key"


def load_or_create_secret(data_dir: Path) -> bytes:
    """The signing secret kept in the data dir, so URLs issued before a restart still work."""
    path = data_dir / _SECRET_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    secret = secrets.token_bytes(32)
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
        raise StorageError(f"cannot create the URL signing secret in {data_dir} "
                           f"({exc.strerror or exc}); make the data directory writable or set "
                           "EXPORT_URL_SECRET") from exc


class ExportedUrls:
    def __init__(self, signer: UrlSigner, ttl_seconds: int) -> None:
        self.signer = signer
        self.ttl_seconds = ttl_seconds

    def token_for(self, export: StoredExport) -> str:
        # The blob hash binds the URL to these bytes: a replaced export does not leak through.
        return self.signer.sign({"u": export.source_file_url, "h": export.sha256[:32]},
                                self.ttl_seconds)
