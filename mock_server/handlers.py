"""The operations of the spec, answered from the mock's in-memory catalog.

Method names are the operationIds in snake_case (see `export_contract.application`). The
scenarios that change what a response says (names, exported URLs) are applied here; those
that change how it travels are applied by `front`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from connexion import request as current_request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from export_contract.filenames import content_disposition, safe_filename, split_extension
from export_contract.outcomes import (
    batch_source_urls,
    empty_upload,
    export_not_found,
    exported_url_claims,
    exported_url_expired,
    exported_url_gone,
    nothing_deleted,
    nothing_resolved,
    url_mode_batch,
)
from export_contract.problems import ApiProblem
from export_contract.registration_rules import RegistrationError, read_registration_form
from export_contract.responses import ManifestHeader, json_response
from export_contract.settings import Settings
from export_contract.signing import UrlSigner, export_token
from export_contract.zipnames import EntryNamer

from .catalog import ExportCatalog, MockExport, UploadsFull
from .context import RequestState, current_state, request_base_url
from .ranged_bytes import ranged_response
from .zipping import build_zip

__all__ = ["BATCH_FILENAME", "FILES_ROUTE", "MockHandlers"]

BATCH_FILENAME = "exports.zip"
NON_ASCII_BATCH_FILENAME = "résumé-exports.zip"
FILES_ROUTE = "/viewer/exports/files/"
_EXPIRED_TTL = -3600
_TOKEN_CACHE = 1024


class MockHandlers:
    def __init__(self, catalog: ExportCatalog, settings: Settings, signer: UrlSigner,
                 api_prefix: str) -> None:
        self.catalog = catalog
        self.settings = settings
        self.signer = signer
        self.api_prefix = api_prefix
        self._tokens: dict[tuple[str, str, int, int], str] = {}

    # -- downloads ---------------------------------------------------------------------------

    async def download_export(self, body: dict[str, Any], response_type: str | None = None
                              ) -> Response:
        url = body["sourceFileUrl"]
        export = self.catalog.resolve(url)
        if export is None:
            raise export_not_found(url, "hosts under .invalid never resolve")
        state = current_state()
        if response_type == "urls":
            return json_response({"success": True,
                                  "exportedUrl": self._exported_url(export, state)})
        return _file_response(export, _display_name(export.filename, state))

    async def download_batch(self, body: dict[str, Any], response_type: str | None = None
                             ) -> Response:
        urls = batch_source_urls(body, self.settings.max_items)
        exports = [self.catalog.resolve(url) for url in urls]
        if not any(exports):
            raise nothing_resolved(urls)
        state = current_state()
        if response_type == "urls":
            return json_response(url_mode_batch(
                urls, [self._exported_url(e, state) if e else None for e in exports]))
        return _zip_response(urls, exports, state)

    async def get_exported_file(self, token: str) -> Response:
        state = current_state()
        if state is not None and state.has("expired-url"):
            raise exported_url_expired(int(datetime.now(tz=UTC).timestamp()))
        claims = exported_url_claims(self.signer, token)
        export = self.catalog.resolve(claims.source_file_url)
        if export is None or not claims.matches(export.sha256):
            raise exported_url_gone()
        return _ranged_file_response(export, _display_name(export.filename, state))

    # -- registration ------------------------------------------------------------------------

    async def register_export(self, body: dict[str, Any], file: UploadFile | None = None,
                              **other_parts: Any) -> Response:
        try:
            form = read_registration_form(body, file)
            # Checked before the bytes are read into memory, and again when stored.
            self._check_room(form.source_file_url, form.file.size or 0)
            content = await form.file.read()
        except RegistrationError as exc:
            raise ApiProblem(400, str(exc)) from exc
        finally:
            # connexion does not close uploaded parts; their spooled temp files must not leak.
            for part in (file, *other_parts.values()):
                if isinstance(part, UploadFile):
                    await part.close()
        if not content:
            raise empty_upload()
        export = MockExport(form.source_file_url, form.filename, form.content_type, content)
        self._check_room(export.source_file_url, export.size)
        created = self.catalog.register(export)
        return json_response({"success": True, **export.as_json()},
                             status=201 if created else 200)

    async def list_exports(self) -> Response:
        return json_response({"success": True,
                              "exports": [e.as_json() for e in self.catalog.registered()]})

    async def delete_export(self, source_file_url: str) -> Response:
        if not self.catalog.delete(source_file_url):
            raise nothing_deleted(source_file_url)
        return json_response({"success": True, "sourceFileUrl": source_file_url})

    # -- helpers -----------------------------------------------------------------------------

    def _check_room(self, url: str, size: int) -> None:
        try:
            self.catalog.check_room(url, size)
        except UploadsFull as exc:
            raise ApiProblem(413, f"{str(exc)[:1].upper()}{str(exc)[1:]}. Delete exports "
                                  f"(DELETE {self.api_prefix}/viewer/exports?sourceFileUrl=…) "
                                  "or reset the mock (POST /__mock/reset) first; nothing was "
                                  "registered.") from exc

    def _exported_url(self, export: MockExport, state: RequestState | None) -> str:
        base = self.settings.public_base_url
        if base is None:
            base = (request_base_url(state, self.api_prefix) if state is not None
                    else f"http://{self.settings.host}:{self.settings.port}{self.api_prefix}")
        expired = state is not None and state.has("expired-url")
        ttl = _EXPIRED_TTL if expired else self.settings.url_ttl_seconds
        token = self._token(export.source_file_url, export.sha256, ttl, int(time.time()))
        return f"{base.rstrip('/')}{FILES_ROUTE}{token}"

    def _token(self, url: str, sha256: str, ttl: int, now: int) -> str:
        # Tokens are a function of these arguments: within one second the same export gets
        # the same token, so a busy second signs each export once.
        key = (url, sha256, ttl, now)
        token = self._tokens.get(key)
        if token is None:
            if len(self._tokens) >= _TOKEN_CACHE:
                self._tokens.clear()
            token = self._tokens[key] = export_token(self.signer, url, sha256, ttl, now=now)
        return token


def _display_name(filename: str, state: RequestState | None) -> str:
    if state is not None and state.has("non-ascii-filename"):
        stem, ext = split_extension(filename)
        return safe_filename(f"résumé {stem} 報告{ext}")
    return filename


def _file_response(export: MockExport, filename: str) -> Response:
    return Response(export.content, media_type=export.content_type,
                    headers={"Content-Disposition": content_disposition(filename)})


def _ranged_file_response(export: MockExport, filename: str) -> Response:
    """An exported URL's answer: `Range` honoured like the reference backend's."""
    return ranged_response(export.content, etag=f'"{export.sha256}"',
                           media_type=export.content_type,
                           headers={"Content-Disposition": content_disposition(filename)},
                           request_headers=current_request.headers)


def _zip_response(urls: Sequence[str], exports: Sequence[MockExport | None],
                  state: RequestState | None) -> Response:
    first = next(e for e in exports if e is not None)
    duplicate = state is not None and state.has("duplicate-names")
    namer = EntryNamer()
    entries: list[tuple[str, bytes]] = []
    manifest = ManifestHeader()
    for url, export in zip(urls, exports, strict=True):
        if export is None:
            manifest.skipped(url)
            continue
        name = first.filename if duplicate else export.filename
        name = namer.claim(_display_name(name, state))
        entries.append((name, export.content))
        manifest.ok(url, name)
    non_ascii = state is not None and state.has("non-ascii-filename")
    headers = {"Content-Disposition": content_disposition(
        NON_ASCII_BATCH_FILENAME if non_ascii else BATCH_FILENAME)}
    manifest.add_to(headers)
    return Response(build_zip(entries), media_type="application/zip", headers=headers)
