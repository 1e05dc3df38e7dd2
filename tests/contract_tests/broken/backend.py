"""A small, correct backend of the export-download contract, written with plain Starlette.

It shares no code with the toolkit's own backends on purpose: if the verifier and this backend
agree, it is not because both call the same (possibly wrong) helper. Every decision the contract
cares about sits in its own method, so a broken backend is this class with one method overridden
(see ``breakages.py``).
"""

from __future__ import annotations

import hmac
import json
import re
import unicodedata
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .exports import EXPORTS, Export
from .zips import ZipMember, build_zip

__all__ = ["API_KEY", "Backend", "Problem"]

API_KEY = "broken-backend-key-0123456789"

BATCH_FILENAME = "exports.zip"
FILES_PATH = "/api/viewer/exports/files/"
# The spec's pattern for a usable sourceFileUrl, applied the way JSON Schema does (a search).
_SOURCE_URL = re.compile(r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+([/?#][^\s]*)?$")
_MAX_URL_LENGTH = 2048
# RFC 8187 attr-char minus ALPHA / DIGIT, which quote() keeps anyway.
_ATTR_CHAR_SAFE = "!#$&+-.^_`|~"


class Problem(Exception):
    """An error answer: RFC 9457 problem details with ``"success": false``."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


class Backend:
    """The four download routes plus the exported-file route, over fixed in-memory exports."""

    api_keys: tuple[str, ...] = (API_KEY,)
    max_items = 100
    max_body_bytes = 1024 * 1024

    def __init__(self, exports: Sequence[Export] = EXPORTS) -> None:
        self.exports = {export.source_url: export for export in exports}
        self.by_token = {export.token: export for export in exports}

    def app(self) -> Starlette:
        routes = [
            Route("/api/viewer/exports/download", self.download, methods=["POST"]),
            Route("/api/viewer/exports/download-batch", self.download_batch, methods=["POST"]),
            Route(FILES_PATH + "{token}", self.exported_file, methods=["GET"]),
        ]
        return Starlette(
            routes=routes,
            middleware=self.middleware(),
            exception_handlers={Problem: self._on_problem, HTTPException: self._on_http_error},
        )

    # -- routes ------------------------------------------------------------------------------

    async def download(self, request: Request) -> Response:
        self.authorise(request, "single")
        mode = self.response_mode(request)
        url = self.parse_single(await self.read_json(request))
        export = self.exports.get(url)
        if export is None:
            raise Problem(404, "Export not found", f"No export is registered for {url}.")
        if mode == "urls":
            return self.json_response(self.single_envelope(request, export))
        return self.file_response(export)

    async def download_batch(self, request: Request) -> Response:
        self.authorise(request, "batch")
        mode = self.response_mode(request)
        urls = self.parse_batch(await self.read_json(request))
        found = self.resolve(urls)
        if all(export is None for export in found):
            return self.nothing_resolved(mode, urls)
        if mode == "urls":
            return self.json_response(self.batch_envelope(request, urls, found))
        return self.zip_response([export for export in found if export is not None])

    async def exported_file(self, request: Request) -> Response:
        self.authorise_exported_file(request)
        export = self.by_token.get(request.path_params["token"])
        if export is None:
            raise Problem(404, "Export not found", "This exported URL names no export.")
        return self.file_response(export)

    # -- requests ----------------------------------------------------------------------------

    def middleware(self) -> list[Middleware]:
        return [Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                           allow_headers=self.allowed_headers(),
                           expose_headers=self.exposed_headers())]

    def allowed_headers(self) -> list[str]:
        return ["content-type", "x-api-key"]

    def exposed_headers(self) -> list[str]:
        return ["Content-Disposition"]

    def authorise(self, request: Request, route: str) -> None:
        """Missing or empty key: 401; a key that is not valid: 403 (before the body is read)."""
        key = request.headers.get("x-api-key", "")
        if not key:
            raise Problem(401, "API key required", "Send your API key in the x-api-key header.")
        if not self.key_is_valid(key):
            raise Problem(403, "API key not accepted", "The x-api-key header is not valid.")

    def key_is_valid(self, key: str) -> bool:
        sent = key.encode()
        return any(hmac.compare_digest(sent, valid.encode()) for valid in self.api_keys)

    def authorise_exported_file(self, request: Request) -> None:
        """Exported URLs work without the key."""

    def response_mode(self, request: Request) -> str:
        values = request.query_params.getlist("responseType")
        if not values:
            return "default"
        if values == ["urls"]:
            return "urls"
        raise Problem(400, "Invalid request", "responseType: the only accepted value is 'urls'.")

    def check_content_type(self, request: Request) -> None:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise Problem(415, "Unsupported media type", "Send the body as application/json.")

    async def read_json(self, request: Request) -> object:
        self.check_content_type(request)
        body = await request.body()
        if len(body) > self.max_body_bytes:
            raise Problem(413, "Request too large",
                          f"The body is over {self.max_body_bytes} bytes.")
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise Problem(400, "Invalid request", "The body is not UTF-8 JSON.") from None

    def is_usable(self, value: object) -> bool:
        return (isinstance(value, str) and 0 < len(value) <= _MAX_URL_LENGTH
                and _SOURCE_URL.search(value) is not None)

    def parse_single(self, payload: object) -> str:
        if not isinstance(payload, dict):
            raise Problem(400, "Invalid request", "The body must be a JSON object.")
        url = payload.get("sourceFileUrl")
        if not self.is_usable(url):
            raise Problem(400, "Invalid request",
                          "sourceFileUrl: expected an absolute http(s) URL of at most 2048 "
                          "characters.")
        assert isinstance(url, str)
        return url

    def parse_batch(self, payload: object) -> list[str]:
        if not isinstance(payload, dict):
            raise Problem(400, "Invalid request", "The body must be a JSON object.")
        items = payload.get("items")
        if not isinstance(items, list) or not items:
            raise Problem(400, "Invalid request", "items: expected a non-empty array.")
        self.check_item_count(items)
        urls: list[str] = []
        for index, item in enumerate(items):
            url = item.get("sourceFileUrl") if isinstance(item, dict) else None
            if not self.is_usable(url):
                raise Problem(400, "Invalid request",
                              f"items[{index}].sourceFileUrl: expected an absolute http(s) URL "
                              "of at most 2048 characters.")
            assert isinstance(url, str)
            urls.append(url)
        return urls

    def check_item_count(self, items: list[Any]) -> None:
        if len(items) > self.max_items:
            raise Problem(413, "Request too large",
                          f"The batch has {len(items)} items; at most {self.max_items} allowed.")

    def resolve(self, urls: list[str]) -> list[Export | None]:
        """One outcome per item, in request order: the export, or ``None`` when unknown."""
        return [self.exports.get(url) for url in urls]

    # -- default mode ------------------------------------------------------------------------

    def file_response(self, export: Export) -> Response:
        return Response(export.data, media_type=self.media_type(export),
                        headers={"Content-Disposition": self.file_disposition(export)})

    def media_type(self, export: Export) -> str:
        return export.content_type

    def file_disposition(self, export: Export) -> str:
        return self.content_disposition(export.filename)

    def zip_disposition(self) -> str:
        return self.content_disposition(BATCH_FILENAME)

    def content_disposition(self, filename: str) -> str:
        """``attachment; filename="ascii"`` plus ``filename*`` when the name is not ASCII."""
        fallback = self.ascii_fallback(filename)
        header = f'attachment; filename="{fallback}"'
        if fallback != filename:
            header += f"; filename*=UTF-8''{quote(filename, safe=_ATTR_CHAR_SAFE)}"
        return header

    def ascii_fallback(self, filename: str) -> str:
        decomposed = unicodedata.normalize("NFKD", filename)
        ascii_only = "".join(ch if ch.isascii() else "_" for ch in decomposed
                             if not unicodedata.combining(ch))
        return ascii_only.replace('"', "_").replace("\\", "_")

    def zip_response(self, exports: list[Export]) -> Response:
        return Response(self.archive(self.zip_members(exports)), media_type="application/zip",
                        headers={"Content-Disposition": self.zip_disposition()})

    def archive(self, members: list[ZipMember]) -> bytes:
        return build_zip(members)

    def zip_members(self, exports: list[Export]) -> list[ZipMember]:
        names = self.entry_names([export.filename for export in exports])
        return [ZipMember(name, export.data) for name, export in zip(names, exports, strict=True)]

    def entry_names(self, filenames: list[str]) -> list[str]:
        """Unique names, compared as NFC + case fold; a taken name becomes ``stem (n).ext``."""
        taken: set[str] = set()
        names: list[str] = []
        for filename in filenames:
            name, n = filename, 0
            while self.collision_key(name) in taken:
                n += 1
                name = self.numbered(filename, n)
            taken.add(self.collision_key(name))
            names.append(name)
        return names

    def collision_key(self, name: str) -> str:
        return unicodedata.normalize("NFC", name).casefold()

    def numbered(self, filename: str, n: int) -> str:
        stem, dot, extension = filename.rpartition(".")
        if not dot or not stem:
            return f"{filename} ({n})"
        return f"{stem} ({n}).{extension}"

    # -- URL mode ----------------------------------------------------------------------------

    def exported_url(self, request: Request, export: Export) -> str:
        return str(request.base_url).rstrip("/") + FILES_PATH + export.token

    def single_envelope(self, request: Request, export: Export) -> dict[str, object]:
        return {"success": True, "exportedUrl": self.exported_url(request, export)}

    def batch_envelope(self, request: Request, urls: list[str],
                       found: list[Export | None]) -> dict[str, object]:
        return {
            "success": True,
            "exportedUrls": [self.exported_url(request, export) for export in found
                             if export is not None],
            "skipped": [{"sourceFileUrl": url, "reason": "not_found"}
                        for url, export in zip(urls, found, strict=True) if export is None],
        }

    def json_response(self, payload: dict[str, object], status: int = 200) -> Response:
        return Response(json.dumps(payload), status, media_type="application/json")

    # -- errors ------------------------------------------------------------------------------

    def nothing_resolved(self, mode: str, urls: list[str]) -> Response:
        raise Problem(404, "Export not found", f"None of the {len(urls)} items is registered.")

    def problem_response(self, problem: Problem) -> Response:
        body = {"type": f"urn:test-backend:problem:{problem.status}", "title": problem.title,
                "status": problem.status, "detail": problem.detail, "success": False}
        return Response(json.dumps(body), problem.status, media_type="application/problem+json")

    async def _on_problem(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return self.problem_response(exc)

    async def _on_http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        response = self.problem_response(Problem(exc.status_code, "HTTP error", exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response
