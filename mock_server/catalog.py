"""Which `sourceFileUrl` resolves to which export: registered, loaded from fixtures, generated.

Resolution order: exports registered at run time or loaded from fixtures win; then, unless
the catalog is strict, every usable URL resolves to a generated file named after its last
path segment, except URLs on a host under `.invalid` (RFC 2606), which never get one, so
404s and partial batches need no set-up. Deleting a URL hides it (also a generated one)
until it is registered again or the mock is reset.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from export_contract.filenames import (
    filename_from_url,
    guess_media_type,
    safe_filename,
    split_extension,
)
from export_contract.outcomes import export_record

from .content import generate

__all__ = [
    "DEFAULT_EXTENSION",
    "ExportCatalog",
    "MockExport",
    "UploadsFull",
    "generated_name_and_type",
    "is_reserved_invalid",
]

DEFAULT_EXTENSION = ".png"
_GENERATED_CACHE = 4096


@dataclass(frozen=True)
class MockExport:
    source_file_url: str
    filename: str
    content_type: str
    content: bytes = field(repr=False)
    sha256: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.content).hexdigest())

    @property
    def size(self) -> int:
        return len(self.content)

    def as_json(self) -> dict[str, object]:
        return export_record(self.source_file_url, self.filename, self.content_type, self.size,
                             self.sha256)


class UploadsFull(ValueError):
    """A registration would take the uploads held in memory past their total limit."""


def is_reserved_invalid(url: str) -> bool:
    """Whether the URL's host is `invalid` or under `.invalid` (never resolves by itself)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return True
    host = host.rstrip(".").lower()
    return host == "invalid" or host.endswith(".invalid")


class ExportCatalog:
    """The mock's exports; plain in-memory state, reset with `reset()`."""

    def __init__(self, *, seed: int = 0, strict: bool = False,
                 fixtures: Iterable[MockExport] = (), max_upload_total: int | None = None
                 ) -> None:
        self.seed = seed
        self.strict = strict
        self.max_upload_total = max_upload_total
        self._fixtures = {export.source_file_url: export for export in fixtures}
        self._registered = dict(self._fixtures)
        # Bytes of registered uploads held (fixtures are the operator's own, not counted).
        self._uploaded: dict[str, int] = {}
        self._deleted: set[str] = set()
        self._generated = functools.lru_cache(maxsize=_GENERATED_CACHE)(self._generate)

    def resolve(self, url: str) -> MockExport | None:
        export = self._registered.get(url)
        if export is not None:
            return export
        if self.strict or url in self._deleted:
            return None
        return self._generated(url)

    @property
    def uploaded_bytes(self) -> int:
        return sum(self._uploaded.values())

    def check_room(self, url: str, size: int) -> None:
        """Raise UploadsFull when an upload of `size` bytes for `url` would pass the limit.

        An upload replacing `url`'s earlier one frees that one's bytes.
        """
        if self.max_upload_total is None:
            return
        held = self.uploaded_bytes - self._uploaded.get(url, 0)
        if held + size > self.max_upload_total:
            raise UploadsFull(f"the mock holds {held} bytes of uploads in memory; this one "
                              f"({size} bytes) would take it past its limit of "
                              f"{self.max_upload_total} bytes (--max-upload-total)")

    def register(self, export: MockExport) -> bool:
        """Add or replace an uploaded export; returns whether it is new.

        Raises UploadsFull when the uploads held would pass their total limit.
        """
        self.check_room(export.source_file_url, export.size)
        created = export.source_file_url not in self._registered
        self._registered[export.source_file_url] = export
        self._uploaded[export.source_file_url] = export.size
        self._deleted.discard(export.source_file_url)
        return created

    def delete(self, url: str) -> bool:
        """Stop `url` resolving; False when it did not resolve in the first place."""
        if self.resolve(url) is None:
            return False
        self._registered.pop(url, None)
        self._uploaded.pop(url, None)
        self._deleted.add(url)
        return True

    def registered(self) -> list[MockExport]:
        return [self._registered[url] for url in sorted(self._registered)]

    def reset(self) -> None:
        """Back to the start: fixtures only, nothing deleted."""
        self._registered = dict(self._fixtures)
        self._uploaded.clear()
        self._deleted.clear()

    def _generate(self, url: str) -> MockExport | None:
        if is_reserved_invalid(url):
            return None
        filename, content_type = generated_name_and_type(url)
        return MockExport(url, filename, content_type,
                          generate(filename, content_type, url, self.seed))


def generated_name_and_type(url: str) -> tuple[str, str]:
    """The URL's last path segment, made safe (`.png` added without an extension), and its type."""
    name = filename_from_url(url)
    if not split_extension(name)[1]:
        name = safe_filename(name + DEFAULT_EXTENSION)
    return name, guess_media_type(name) or "application/octet-stream"
