"""The FastAPI application: four download variants under /api, plus public exported URLs.

Choices of its own where the contract leaves room: ``403`` for any missing or wrong key,
non-URL identifiers are a ``400``, a batch in URL mode where nothing resolves is a ``200`` with
every item skipped, skipped items are listed as plain strings, colliding zip names become
``name_2.ext``, and exported URLs are permanent links served here without the key.
"""


import hmac
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.security import APIKeyHeader
from starlette.background import BackgroundTask

from .bugs import checked_bug
from .exports import StoredExport, write_exports
from .limits import BodyLimit
from .models import BatchRequest, SingleRequest
from .naming import content_disposition, folded, unique_names
from .zipping import Member, build_zip, build_zip_unclosed, chunks

__all__ = ["MAX_BODY_BYTES", "ZIP_NAME", "create_app", "create_app_from_env"]

MAX_BODY_BYTES = 2 * 1024 * 1024
ZIP_NAME = "files.zip"

ResponseType = Annotated[Literal["urls"] | None, Query(alias="responseType")]


def create_app(files_dir: Path, *, api_keys: Sequence[str], bug: str | None = None,
               cors_origins: Sequence[str] = ("*",)) -> FastAPI:
    """The app serving the fixed exports, written into ``files_dir``."""
    if not api_keys:
        raise ValueError("at least one API key is needed")
    bug = checked_bug(bug)
    stored = write_exports(files_dir)
    by_public_id = {entry.public_id: entry for entry in stored.values()}
    accepted = [key.encode() for key in api_keys]
    key_header = APIKeyHeader(name="x-api-key", auto_error=False)

    def require_key(key: Annotated[str | None, Security(key_header)]) -> None:
        if not key or not any(hmac.compare_digest(key.encode(), k) for k in accepted):
            raise HTTPException(403, "Send a valid API key in the x-api-key header.")

    def require_json(content_type: Annotated[str | None, Header()] = None) -> None:
        if (content_type or "").split(";")[0].strip().lower() != "application/json":
            raise HTTPException(415, "Send the body as JSON with Content-Type: "
                                     f"application/json (got {content_type or 'none'}).")

    def file_response(entry: StoredExport) -> Response:
        export = entry.export
        if bug == "framework-filename":
            return FileResponse(entry.path, media_type=export.media_type,
                                filename=export.filename)
        if bug == "raw-filename":
            # The latin-1 round trip gets UTF-8 bytes past Starlette's latin-1 header encoding.
            header = f'attachment; filename="{export.filename}"'.encode().decode("latin-1")
        else:
            header = content_disposition(export.filename)
        return FileResponse(entry.path, media_type=export.media_type,
                            headers={"Content-Disposition": header})

    def exported_url(request: Request, entry: StoredExport) -> str:
        return str(request.url_for("exported_file", public_id=entry.public_id,
                                   filename=quote(entry.export.filename, safe="")))

    def zip_names(names: list[str]) -> list[str]:
        if bug == "dedup-forgotten":
            return names
        return unique_names(names, (lambda name: name) if bug == "dedup-case-sensitive"
                            else folded)

    def zip_response(entries: list[StoredExport]) -> Response:
        names = zip_names([entry.export.filename for entry in entries])
        members = [Member(entry.path, name, entry.export.media_type)
                   for entry, name in zip(entries, names, strict=True)]
        headers = {"Content-Disposition": content_disposition(ZIP_NAME)}
        if bug == "zip-unclosed":
            return Response(build_zip_unclosed(members), media_type="application/zip",
                            headers=headers)
        archive, size = build_zip(members)
        return StreamingResponse(chunks(archive), media_type="application/zip",
                                 headers={**headers, "Content-Length": str(size)},
                                 background=BackgroundTask(archive.close))

    keyed = [] if bug == "key-one-route" else [Depends(require_key)]
    api = APIRouter(prefix="/api", dependencies=keyed)
    public = APIRouter(prefix="/api")
    files_router = api if bug == "exported-url-needs-key" else public
    single_deps = [Depends(require_key)] if bug == "key-one-route" else []

    @api.post("/viewer/exports/download", dependencies=[*single_deps, Depends(require_json)])
    def download(body: SingleRequest, request: Request, response_type: ResponseType = None
                 ) -> Any:
        url = body.sourceFileUrl
        entry = stored[url] if bug == "unknown-500" else stored.get(url)
        if entry is None:
            raise HTTPException(404, f"No export is known for sourceFileUrl {url}.")
        if response_type == "urls":
            return {"success": True, "exportedUrl": exported_url(request, entry)}
        return file_response(entry)

    @api.post("/viewer/exports/download-batch", dependencies=[Depends(require_json)])
    def download_batch(body: BatchRequest, request: Request, response_type: ResponseType = None
                       ) -> Any:
        urls = [item.sourceFileUrl for item in body.items]
        found = [stored.get(url) for url in urls]
        resolved = [entry for entry in found if entry is not None]
        if response_type == "urls":
            return {"success": True,
                    "exportedUrls": [exported_url(request, entry) for entry in resolved],
                    "skipped": [url for url, entry in zip(urls, found, strict=True)
                                if entry is None]}
        if not resolved:
            raise HTTPException(404, f"None of the {len(urls)} items is a known export.")
        return zip_response(resolved)

    @files_router.get("/exports/{public_id}/{filename}", name="exported_file")
    def exported_file(public_id: str, filename: str) -> Response:
        entry = by_public_id.get(public_id)
        if entry is None:
            raise HTTPException(404, "This download link is unknown; ask for a new one.")
        return file_response(entry)

    app = FastAPI(title="Export downloads (FastAPI)", docs_url=None, redoc_url=None)
    app.include_router(api)
    app.include_router(public)
    if bug != "default-422":
        app.add_exception_handler(RequestValidationError, _validation_failed)
    app.add_exception_handler(Exception, _crashed)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    # Outermost, so preflights are answered before any key check and errors carry CORS too.
    app.add_middleware(
        CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "X-API-Key"], max_age=600,
        expose_headers=[] if bug == "cors-no-expose" else ["Content-Disposition"])
    return app


async def _validation_failed(request: Request, exc: Exception) -> JSONResponse:
    """The contract wants 400 for unusable bodies, not FastAPI's default 422."""
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
        for error in exc.errors())
    return JSONResponse({"detail": f"Invalid request: {problems}"}, status_code=400)


async def _crashed(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": "The export service failed; try again later."},
                        status_code=500)


def create_app_from_env() -> FastAPI:
    """For ``uvicorn fastapi_backend:create_app_from_env --factory``: EXPORT_FILES_DIR,
    EXPORT_API_KEYS (comma-separated), CORS_ORIGINS (comma-separated, default *) and BUG."""
    files_dir = os.environ.get("EXPORT_FILES_DIR")
    keys = [k.strip() for k in os.environ.get("EXPORT_API_KEYS", "").split(",") if k.strip()]
    if not files_dir or not keys:
        raise SystemExit("set EXPORT_FILES_DIR (where to write the exports) and "
                         "EXPORT_API_KEYS (comma-separated keys)")
    origins = [o.strip() for o in os.environ.get("CORS_ORIGINS", "*").split(",") if o.strip()]
    return create_app(Path(files_dir), api_keys=keys, bug=os.environ.get("BUG"),
                      cors_origins=origins)
