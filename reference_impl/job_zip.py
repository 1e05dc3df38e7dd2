"""A job's zip, built once into the blob store (rule J6): its entries and `manifest.json`.

Items are resolved first (the database, then each blob's size), so every outcome is known
and `manifest.json` can open the zip; then the zip streams from the blobs into a temp file
with constant memory, hashed as it is written, and is placed like an upload. A blob that
turns out damaged while it is copied (checksum, or removed meanwhile) fails its item, not the
job: the zip is written again without it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from export_contract.jobs import MANIFEST_NAME, ItemResult, manifest_bytes
from export_contract.zipnames import EntryNamer

from .job_store import NewZip
from .s3_blobs import S3Object
from .storage import BlobUnreadable, ExportStore, StoredExport
from .zipping import EntryFailed, ZipEntry, build_zip

__all__ = ["NOT_FOUND_MESSAGE", "BuiltZip", "JobZipBuilder"]

NOT_FOUND_MESSAGE = "No export is registered for this sourceFileUrl; register it first."
_UNREADABLE_MESSAGE = ("The stored file of this export is missing or damaged; the operator "
                       "must register it again.")
# Rewrites after blobs failed mid-copy; each drops at least one item, this caps the cost.
_MAX_REWRITES = 3
# A job zip has no size limit of its own: its items' limits bound it.
_NO_LIMIT = 1 << 62


@dataclass(frozen=True)
class BuiltZip:
    results: list[ItemResult]
    # None when no item could be exported (the job ends `error`).
    zip: NewZip | None


class JobZipBuilder:
    def __init__(self, store: ExportStore, chunk_bytes: int) -> None:
        self.store = store
        self.chunk_bytes = chunk_bytes

    def build(self, job_id: str, urls: Sequence[str], on_progress: Callable[[int], None],
              check: Callable[[], None] = lambda: None) -> BuiltZip:
        """Resolve `urls` and write the zip; `on_progress(done)` after each item and `check()`
        after each chunk written (either may raise to stop the build, e.g. when the job was
        cancelled; the temp file is removed)."""
        exports = self._resolve(urls)
        broken: set[int] = set()
        for _attempt in range(_MAX_REWRITES + 1):
            results, entries, positions = _plan(urls, exports, broken, self.store.blob_source)
            if not entries:
                return BuiltZip(results, None)
            try:
                new_zip = self._write(job_id, results, entries, positions, on_progress, check)
            except EntryFailed as exc:
                broken.add(positions[exc.index])
                continue
            on_progress(len(urls))
            return BuiltZip(results, new_zip)
        raise OSError(f"stored files kept failing while job {job_id}'s zip was written")

    def _resolve(self, urls: Sequence[str]) -> list[StoredExport | BlobUnreadable | None]:
        found = self.store.get_many(urls)
        # Each blob checked, and its CRC-32 computed once if it was never recorded.
        checked: dict[str, StoredExport | BlobUnreadable] = {}
        for export in found.values():
            if export.sha256 not in checked:
                try:
                    self.store.check_blob(export)
                    checked[export.sha256] = self.store.with_crc32(export)
                except BlobUnreadable as exc:
                    checked[export.sha256] = exc
        resolved: list[StoredExport | BlobUnreadable | None] = []
        for url in urls:
            stored = found.get(url)
            if stored is None:
                resolved.append(None)
                continue
            ready = checked[stored.sha256]
            resolved.append(ready if isinstance(ready, BlobUnreadable)
                            else dataclasses.replace(stored, crc32=ready.crc32))
        return resolved

    def _write(self, job_id: str, results: list[ItemResult], entries: list[ZipEntry],
               positions: list[int], on_progress: Callable[[int], None],
               check: Callable[[], None]) -> NewZip:
        manifest = (MANIFEST_NAME, manifest_bytes(job_id, results), "application/json")
        chunks, _length = build_zip(
            entries, self.chunk_bytes, leading=[manifest],
            # Items before an entry's (failed ones included) are done once it is written.
            on_entry_done=lambda index: on_progress(positions[index] + 1))
        # Into the store as it is written: a temp file, or a multipart upload to the bucket.
        upload = self.store.start_upload(_NO_LIMIT)
        try:
            for chunk in chunks:
                check()
                upload.write(chunk)
            return upload.finish()
        except BaseException:
            self.store.abort_upload(upload)
            raise
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()


def _plan(urls: Sequence[str], exports: Sequence[StoredExport | BlobUnreadable | None],
          broken: set[int], blob_path: Callable[[str], Path | S3Object]
          ) -> tuple[list[ItemResult], list[ZipEntry], list[int]]:
    """Each item's result and the zip's entries, with the item position of each entry."""
    namer = EntryNamer()
    namer.claim(MANIFEST_NAME)  # the manifest keeps its name; an item so named is renamed
    results: list[ItemResult] = []
    entries: list[ZipEntry] = []
    positions: list[int] = []
    for position, (url, export) in enumerate(zip(urls, exports, strict=True)):
        if export is None:
            results.append(ItemResult(url, error="not_found", message=NOT_FOUND_MESSAGE))
        elif isinstance(export, BlobUnreadable) or position in broken:
            results.append(ItemResult(url, error="export_failed", message=_UNREADABLE_MESSAGE))
        else:
            name = namer.claim(export.filename)
            results.append(ItemResult(url, filename=name, size=export.size))
            assert export.crc32 is not None
            entries.append(ZipEntry(name, blob_path(export.sha256), export.size, export.xxh3,
                                    export.content_type, export.crc32, export.registered_at))
            positions.append(position)
    return results, entries, positions

