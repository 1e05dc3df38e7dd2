"""Assembles a connexion app from the spec and a handler object; shared by both servers.

Both the reference backend and the mock serve the same `openapi.yaml` with the same guards,
CORS policy and problem details; only the object that answers the operations differs.
"""

from __future__ import annotations

import errno
import json
import logging
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from connexion import AsyncApp
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from connexion.middleware.lifespan import Lifespan
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.validators import JSONRequestBodyValidator, ParameterValidator
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope

from .access_log import AccessLogMiddleware, RequestLabels
from .auth import API_KEY_HEADER, ApiKeyCheck
from .guards import RequestGuardMiddleware
from .handler_interface import ExportHandlers
from .problems import PROBLEM_MEDIA_TYPE, ApiProblem, problem_body
from .rate_limits import RateLimiter
from .routes import RouteTable
from .settings import Settings
from .spec import load_spec, without_security
from .streamed_operations import StreamedOperations, is_streamed
from .validation_messages import explain_bad_request

__all__ = ["EXPOSED_HEADERS", "build_app", "handler_name", "implemented_by"]

logger = logging.getLogger("export_contract")

# Rule X2: without these the browser hides the filename (and manifest) from the frontend.
# ETag, Content-Range and Accept-Ranges let a page on another origin resume a download.
EXPOSED_HEADERS = ["Content-Disposition", "Content-Length", "X-Export-Manifest", "Retry-After",
                   "Location", "ETag", "Content-Range", "Accept-Ranges"]


def handler_name(operation_id: str) -> str:
    """`downloadBatch` -> `download_batch`: the handler method answering an operation."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


class _Operations:
    """Handler objects as one: each operation is looked up in each, in order."""

    def __init__(self, parts: Sequence[object]) -> None:
        self._parts = parts

    def __getattr__(self, name: str) -> Any:
        for part in self._parts:
            if hasattr(part, name):
                return getattr(part, name)
        raise AttributeError(name)


def implemented_by(spec: dict[str, Any], handlers: object) -> dict[str, Any]:
    """`spec` without the operations `handlers` has no method for.

    An optional capability (export jobs) that a server does not offer is then absent, as the
    contract expects (`404` for its routes), rather than a resolver error at start-up.
    """
    paths: dict[str, Any] = {}
    for path, path_item in spec.get("paths", {}).items():
        kept = {key: value for key, value in path_item.items()
                if not (isinstance(value, dict) and "operationId" in value)
                or hasattr(handlers, handler_name(value["operationId"]))}
        if any(isinstance(value, dict) and "operationId" in value for value in kept.values()):
            paths[path] = kept
    return {**spec, "paths": paths}


class _StreamingMultipart:
    """Skips connexion's multipart validation, which buffers the whole upload in memory.

    The registration handler validates the fields itself, with messages of its own, from
    connexion's parsed form (spooled to disk) or, marked `streams_request`, from the stream.
    """

    def __init__(self, **_: Any) -> None:
        pass

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        return receive, scope


def build_app(
    handlers: ExportHandlers,
    settings: Settings,
    *,
    optional: Sequence[object] = (),
    import_name: str,
    spec: dict[str, Any] | None = None,
    lifespan: Lifespan | None = None,
    access_log: bool = True,
) -> AsyncApp:
    """The connexion app answering `spec` (the reference view by default) with `handlers`.

    `optional`: handler objects for capabilities not every server offers (export jobs);
    operations none of them answers are left out of the app.

    `access_log`: log one line per request (`export_contract.access`); an app that logs
    requests its own way (the mock) turns it off.
    """
    spec = load_spec("reference") if spec is None else spec
    operations = _Operations([handlers, *optional])
    app = AsyncApp(import_name, lifespan=lifespan,
                   swagger_ui_options=SwaggerUIOptions(swagger_ui=False))
    app.add_api(
        implemented_by(without_security(spec), operations),
        resolver=Resolver(lambda operation_id: getattr(operations, handler_name(operation_id))),
        strict_validation=True,
        pythonic_params=True,
        validator_map={
            "parameter": ParameterValidator,
            "body": MediaTypeDict(
                {"*/*json": JSONRequestBodyValidator, "multipart/form-data": _StreamingMultipart}
            ),
        },
    )
    route_table = RouteTable.from_spec(spec)
    streamed = _streamed_handlers(spec, operations)
    if streamed:
        # Behind routing (it needs the operationId) and the guards, before validation.
        app.add_middleware(StreamedOperations, position=MiddlewarePosition.BEFORE_VALIDATION,
                           handlers=streamed)
    if access_log:
        # Added first: outermost of the middlewares we add, so it sees every answer.
        app.add_middleware(AccessLogMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION,
                           labels=RequestLabels(route_table, spec,
                                                [route_table.base_path + "/openapi.json"]))
    _add_cors(app, settings)
    api_keys = ApiKeyCheck(settings.api_keys) if settings.auth_enabled else None
    app.add_middleware(
        RequestGuardMiddleware,
        position=MiddlewarePosition.BEFORE_ROUTING,
        routes=route_table,
        api_keys=api_keys,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        body_limits={"createExportJob": settings.max_job_body_bytes},
        rate_limiter=RateLimiter(settings.rate_limits) if settings.rate_limits else None,
    )
    _add_error_handlers(app, route_table)
    return app


def _streamed_handlers(spec: dict[str, Any], operations: _Operations) -> dict[str, Any]:
    """operationId → handler, for the handlers that read the request body themselves."""
    handlers: dict[str, Any] = {}
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            handler = getattr(operations, handler_name(operation["operationId"]), None)
            if handler is not None and is_streamed(handler):
                handlers[operation["operationId"]] = handler
    return handlers


def _add_cors(app: AsyncApp, settings: Settings) -> None:
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["content-type", API_KEY_HEADER, "prefer"],
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
    )


def _add_error_handlers(app: AsyncApp, routes: RouteTable) -> None:
    def connexion_problem(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        return _connexion_problem(request, exc, routes)

    app.add_error_handler(ApiProblem, _api_problem)
    app.add_error_handler(ProblemException, connexion_problem)
    def http_exception(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        return _http_exception(request, exc, routes)

    app.add_error_handler(HTTPException, http_exception)
    app.add_error_handler(Exception, _unexpected)


def _render(status: int, detail: str, headers: dict[str, str] | None = None,
            title: str | None = None, slug: str | None = None) -> ConnexionResponse:
    body = problem_body(status, detail, title=title, slug=slug)
    return ConnexionResponse(
        status_code=status,
        mimetype=PROBLEM_MEDIA_TYPE,
        content_type=PROBLEM_MEDIA_TYPE,
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers=headers or {},
    )


def _api_problem(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, ApiProblem)
    return _render(exc.status, exc.detail, exc.headers, exc.title, exc.slug)


def _connexion_problem(request: ConnexionRequest, exc: Exception, routes: RouteTable
                       ) -> ConnexionResponse:
    assert isinstance(exc, ProblemException)
    status = exc.status or 500
    detail = str(exc.detail or exc.title or "")
    if status == 400:
        # Parameter errors do not name their parameter: let the explanation find it by value.
        parameters = routes.path_parameters(request.method, request.url.path)
        parameters.update(parse_qsl(request.url.query, keep_blank_values=True))
        detail = explain_bad_request(detail, parameters)
    elif status >= 500:
        logger.error("internal problem: %s", detail)
        detail = "The backend failed while answering; try again, and report it if it persists."
    headers = {str(k): str(v) for k, v in (exc.headers or {}).items()}
    return _render(status, detail, headers)


def _http_exception(request: ConnexionRequest, exc: Exception, routes: RouteTable
                    ) -> ConnexionResponse:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        detail = f"No route matches {request.url.path}; see the API reference for the routes."
    elif exc.status_code == 405:
        # Starlette names the methods of the first route on the path only; the spec knows all.
        allowed = routes.methods_of(request.url.path)
        headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
        headers["Allow"] = ", ".join(allowed)
        detail = (f"{request.method} is not allowed on {request.url.path}; allowed: "
                  f"{', '.join(allowed)}.")
    else:
        detail = str(exc.detail)
    return _render(exc.status_code, detail, headers)


def _unexpected(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        # An upload spooling to disk while connexion parses the form, before any handler.
        logger.error("the disk filled up while receiving an upload: %s", exc)
        return _render(507, "The backend has no storage space left for the upload; nothing "
                            "was registered. Free some space and retry.")
    logger.error("unhandled error", exc_info=exc)
    return _render(500, "The backend failed while answering; try again, and report it if it "
                        "persists.")
