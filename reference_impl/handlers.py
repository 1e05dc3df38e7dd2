"""The operations of the spec, answered from an ExportStore (method name = operationId)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from anyio import to_thread
from connexion import request as current_request
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse

from export_contract.filenames import content_disposition
from export_contract.outcomes import (
    batch_source_urls,
    empty_upload,
    export_not_found,
    exported_url_claims,
    exported_url_gone,
    nothing_deleted,
    nothing_resolved,
    url_mode_batch,
)
from export_contract.problems import ApiProblem
from export_contract.registration_rules import RegistrationError, registration_fields
from export_contract.responses import ManifestHeader, json_response
from export_contract.settings import Settings
from export_contract.streamed_operations import streams_request
from export_contract.zipnames import EntryNamer

from .blob_responses import blob_response
from .blob_uploads import BlobUpload, UploadedBlob
from .storage import (
    BlobStoreFailed,
    BlobUnreadable,
    EmptyUpload,
    ExportStore,
    StorageBusy,
    StorageError,
    StorageFull,
    StorageReadOnly,
    StoredExport,
    UploadTooLarge,
)
from .streaming import prefetched, read_verified
from .upload_form import receive_upload_form
from .urls import ExportedUrls
from .zipping import ZipEntry, build_zip

__all__ = ["ReferenceHandlers", "request_base_url", "stored_call"]

logger = logging.getLogger("reference_impl")

BATCH_FILENAME = "exports.zip"
FILES_ROUTE = "/viewer/exports/files/"
_BUSY_RETRY_AFTER_SECONDS = 1

T = TypeVar("T")


class ReferenceHandlers:
    def __init__(self, store: ExportStore, urls: ExportedUrls, settings: Settings,
                 api_prefix: str) -> None:
        self.store = store
        self.urls = urls
        self.settings = settings
        self.api_prefix = api_prefix  # the spec's base path, e.g. `/api`

    # -- downloads ---------------------------------------------------------------------------

    async def download_export(self, body: dict[str, Any], response_type: str | None = None
                              ) -> Response:
        url = body["sourceFileUrl"]
        export = await stored_call(self.store.get, url)
        if export is None:
            raise export_not_found(url)
        if response_type == "urls":
            return json_response({"success": True, "exportedUrl": self._exported_url(export)})
        return await self._file_response(export)

    async def download_batch(self, body: dict[str, Any], response_type: str | None = None
                             ) -> Response:
        urls = batch_source_urls(body, self.settings.max_items)
        found = await stored_call(self.store.get_many, urls)
        if not found:
            raise nothing_resolved(urls)
        exports = [found.get(url) for url in urls]
        if response_type == "urls":
            return json_response(url_mode_batch(
                urls, [self._exported_url(e) if e else None for e in exports]))
        return await self._zip_response(urls, exports)

    async def get_exported_file(self, token: str) -> Response:
        claims = exported_url_claims(self.urls.signer, token)
        export = await stored_call(self.store.get, claims.source_file_url)
        if export is None or not claims.matches(export.sha256):
            raise exported_url_gone()
        return await self._file_response(export, ranged=True)

    # -- registration ------------------------------------------------------------------------

    @streams_request
    async def register_export(self, request: Request) -> Response:
        """The form read from the stream, its file written into the blob store as it
        arrives (`upload_form`); recorded only once complete and named."""
        try:
            form = await receive_upload_form(
                request.headers.get("content-type", ""), request.stream(), self._start_upload,
                self.store.abort_upload)
        except RegistrationError as exc:
            raise ApiProblem(400, str(exc)) from exc
        except UploadTooLarge as exc:
            raise ApiProblem(413, f"file: {exc}; nothing was registered.") from exc
        except ClientDisconnect as exc:
            raise ApiProblem(400, "The upload was cut off before its end; nothing was "
                                  "registered.") from exc
        except StorageError as exc:
            raise _registration_problem(exc) from exc
        try:
            url, filename, content_type = registration_fields(
                form.fields, has_file=form.file is not None, part_type=form.file_type)
        except RegistrationError as exc:
            if form.file is not None:
                await to_thread.run_sync(self.store.discard_upload, form.file)
            raise ApiProblem(400, str(exc)) from exc
        assert form.file is not None
        export, created = await stored_call(self._record_upload, url, form.file, filename,
                                            content_type)
        return json_response({"success": True, **export.as_json()}, status=201 if created else 200)

    async def list_exports(self) -> Response:
        exports = await stored_call(self.store.list)
        return json_response({"success": True, "exports": [e.as_json() for e in exports]})

    async def delete_export(self, source_file_url: str) -> Response:
        if not await stored_call(self.store.delete, source_file_url):
            raise nothing_deleted(source_file_url)
        return json_response({"success": True, "sourceFileUrl": source_file_url})

    # -- helpers -----------------------------------------------------------------------------

    def _start_upload(self) -> BlobUpload:
        return self.store.start_upload(self.settings.max_upload_bytes)

    def _record_upload(self, url: str, uploaded: UploadedBlob, filename: str, content_type: str
                       ) -> tuple[StoredExport, bool]:
        try:
            return self.store.register_upload(url, uploaded, filename=filename,
                                              content_type=content_type)
        except EmptyUpload as exc:
            raise empty_upload() from exc
        except StorageError as exc:
            raise _registration_problem(exc) from exc

    def _exported_url(self, export: StoredExport) -> str:
        bucket = self.store.object_store
        if bucket is not None:
            # The bucket answers it (and its Range) itself, for as long as --url-ttl says.
            return bucket.presigned_get(export.sha256,
                                        disposition=content_disposition(export.filename),
                                        media_type=export.content_type,
                                        ttl_seconds=self.settings.url_ttl_seconds)
        base = request_base_url(self.settings, self.api_prefix)
        return f"{base}{FILES_ROUTE}{self.urls.token_for(export)}"

    async def _file_response(self, export: StoredExport, *, ranged: bool = False
                             ) -> Response:
        """The export's bytes; `ranged` (GET routes) honours `Range` with a strong ETag."""
        path = await to_thread.run_sync(self._checked_blob, export)
        headers = {"Content-Disposition": content_disposition(export.filename)}
        if ranged:
            return blob_response(path, export.size, export.xxh3, etag=f'"{export.sha256}"',
                                 media_type=export.content_type, headers=headers,
                                 request_headers=current_request.headers,
                                 chunk_bytes=self.settings.zip_chunk_bytes)
        headers["Content-Length"] = str(export.size)
        return StreamingResponse(
            prefetched(read_verified(path, export.size, export.xxh3,
                                     self.settings.zip_chunk_bytes)),
            media_type=export.content_type, headers=headers)

    async def _zip_response(self, urls: Sequence[str],
                            found: Sequence[StoredExport | None]) -> Response:
        # Every blob is checked (and its CRC-32 known) before the first byte leaves: a broken
        # one is a clean 500.
        exports = await stored_call(self._ready_for_zip, found)
        namer = EntryNamer()
        entries: list[ZipEntry] = []
        manifest = ManifestHeader()
        for url, export in zip(urls, exports, strict=True):
            if export is None:
                manifest.skipped(url)
                continue
            name = namer.claim(export.filename)
            assert export.crc32 is not None
            entries.append(ZipEntry(name, self.store.blob_source(export.sha256), export.size,
                                    export.xxh3, export.content_type, export.crc32,
                                    export.registered_at))
            manifest.ok(url, name)
        chunks, length = build_zip(entries, self.settings.zip_chunk_bytes)
        headers = {"Content-Disposition": content_disposition(BATCH_FILENAME)}
        if length is not None:
            headers["Content-Length"] = str(length)
        manifest.add_to(headers)
        return StreamingResponse(prefetched(chunks), media_type="application/zip",
                                 headers=headers)

    def _ready_for_zip(self, exports: Sequence[StoredExport | None]
                       ) -> list[StoredExport | None]:
        """Each export checked on disk and with its CRC-32 (computed once if never recorded)."""
        ready: dict[str, StoredExport] = {}
        for export in exports:
            if export is not None and export.sha256 not in ready:
                self._checked_blob(export)
                try:
                    ready[export.sha256] = self.store.with_crc32(export)
                except BlobUnreadable as exc:
                    raise _unreadable(export, exc) from exc
        return [None if e is None else dataclasses.replace(e, crc32=ready[e.sha256].crc32)
                for e in exports]

    def _checked_blob(self, export: StoredExport) -> Any:
        try:
            return self.store.check_blob(export)
        except BlobUnreadable as exc:
            raise _unreadable(export, exc) from exc


def _unreadable(export: StoredExport, exc: BlobUnreadable) -> ApiProblem:
    logger.error("stored file for %s is unreadable: %s", export.source_file_url, exc)
    return ApiProblem(500, "A stored export file is missing or damaged; nothing was sent. The "
                           "operator must re-register it.")


async def stored_call(call: Callable[..., T], *args: Any) -> T:
    """Run a storage call on a worker thread; a storage failure becomes a clear problem.

    The detail says what failed and what happened to the request, never a path or a trace.
    """
    try:
        return await to_thread.run_sync(call, *args)
    except StorageError as exc:
        logger.error("storage failure: %s", exc)
        raise _storage_problem(exc) from exc


def _registration_problem(exc: StorageError) -> ApiProblem:
    logger.error("registration failed: %s", exc)
    if isinstance(exc, StorageFull):
        return ApiProblem(507, "The backend has no storage space left; nothing was "
                               "registered. Free some space and retry.")
    return _storage_problem(exc)


def _storage_problem(exc: StorageError) -> ApiProblem:
    what = str(exc)
    what = what[:1].upper() + what[1:]
    if isinstance(exc, BlobStoreFailed):
        return ApiProblem(503, f"{what}. Retry in a moment; the operator must check the "
                               "bucket if it persists.",
                          headers={"Retry-After": str(_BUSY_RETRY_AFTER_SECONDS)})
    if isinstance(exc, StorageBusy):
        return ApiProblem(503, f"{what}. Retry in a moment.",
                          headers={"Retry-After": str(_BUSY_RETRY_AFTER_SECONDS)})
    if isinstance(exc, StorageFull):
        return ApiProblem(507, f"{what}. Free some space and retry.")
    if isinstance(exc, StorageReadOnly):
        return ApiProblem(500, f"{what}. The operator must make the data directory writable.")
    return ApiProblem(500, f"{what}. The operator must check the data directory.")


def request_base_url(settings: Settings, api_prefix: str) -> str:
    """Where URLs the backend issues point: the public base URL, else the request's own
    (`scheme://host{root_path}{api_prefix}`)."""
    base = settings.public_base_url
    if base is None:
        request_url = current_request.url
        root_path = str(current_request.scope.get("root_path", ""))
        base = f"{request_url.scheme}://{request_url.netloc}{root_path}{api_prefix}"
    return base.rstrip("/")
